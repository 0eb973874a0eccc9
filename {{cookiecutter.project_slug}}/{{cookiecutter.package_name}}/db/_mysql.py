"""MySQL and MariaDB through PyMySQL (pure Python: nothing to compile for Lambda's architecture).

One engine of the connection manager (_direct.py says what it needs from one).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pymysql
from pymysql.constants import CLIENT

from . import _tls
from ._config import Settings

Error = pymysql.Error

TOO_MANY = {1040, 1203, 1226}  # ER_CON_COUNT_ERROR, ER_TOO_MANY_USER_CONNECTIONS, ER_USER_LIMIT_REACHED
UNREACHABLE = {2002, 2003, 1053, 1129}  # can't connect (refused or timed out), server shutdown, host blocked
LOST = {2006, 2013, 1927, 4031}  # gone away, lost during query, connection killed (MariaDB), idle disconnect (MySQL 8)
AUTH = {1044, 1045, 1698}  # access denied
INTEGRITY = {1022, 1048, 1062, 1169, 1216, 1217, 1451, 1452, 1557, 3819, 4025}
TIMEOUT = {1969, 3024}  # max_statement_time (MariaDB), max_execution_time (MySQL)
NO_SUCH_THREAD = 1094  # KILL raced with another container's KILL or a normal disconnect: harmless

# The app user normally has no PROCESS privilege, so PROCESSLIST shows its own connections only;
# with PROCESS it shows everyone's, which is what serverless-mysql counts too.
USAGE_SQL = (
    "SELECT COUNT(*) AS used,"
    " COALESCE(MAX(IF(USER = SUBSTRING_INDEX(CURRENT_USER(), '@', 1) AND COMMAND = 'Sleep'"
    " AND ID <> CONNECTION_ID(), TIME, 0)), 0) AS max_idle"
    " FROM information_schema.PROCESSLIST WHERE COMMAND <> 'Daemon'"
)
LIMIT_SQL = "SELECT IF(@@max_user_connections > 0, LEAST(@@max_user_connections, @@max_connections), @@max_connections) AS n"
IDLE_SQL = (
    "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = SUBSTRING_INDEX(CURRENT_USER(), '@', 1)"
    " AND COMMAND = 'Sleep' AND TIME >= %s AND ID <> CONNECTION_ID()"
)


def connect(settings: Settings, creds: dict[str, Any], timeout: float, function: str) -> Any:
    """One autocommit connection; FOUND_ROWS makes UPDATE report matched rows, like PostgreSQL.

    TLS: an SSLContext built once per container (PyMySQL would build one, loading the CA file, on every
    connect) with CERT_REQUIRED and check_hostname, i.e. PyMySQL's ssl_verify_cert and ssl_verify_identity.
    Those two flags are not passed as well: with them PyMySQL would replace the context by one of its own.
    Given a context, PyMySQL requires TLS and refuses a server that does not offer it before sending the
    credentials (CR_SSL_CONNECTION_ERROR).
    """
    if _tls.enabled(settings):
        tls: dict[str, Any] = {"ssl": _tls.context(settings)}
    else:
        tls = {"ssl_disabled": True}
    conn = pymysql.connections.Connection(
        host=settings.host or creds.get("host") or "127.0.0.1",
        port=int(settings.port or creds.get("port") or 3306),
        user=creds["username"],
        password=creds["password"],
        database=settings.name or creds.get("dbname") or None,
        connect_timeout=max(0.001, timeout),
        read_timeout=max(0.001, timeout),
        write_timeout=max(0.001, timeout),
        autocommit=True,
        charset="utf8mb4",
        client_flag=CLIENT.FOUND_ROWS,
        cursorclass=pymysql.cursors.DictCursor,
        program_name=function[:32],
        **tls,
    )
    if "ssl" in tls and not getattr(conn, "_secure", False):  # defence in depth: never run statements in plain text
        conn.close()
        raise pymysql.err.OperationalError(2026, "SSL is required but the server doesn't support it")
    return conn


def code(err: BaseException) -> int | None:
    """The MySQL error number, when the driver has one."""
    args = getattr(err, "args", ())
    return args[0] if args and isinstance(args[0], int) else None


def classify(err: BaseException) -> str:
    """too_many | unreachable | lost | auth | timeout | integrity | query."""
    number = code(err)
    if number in TOO_MANY:
        return "too_many"
    if number in UNREACHABLE:
        return "unreachable"
    if number in LOST or isinstance(err, pymysql.err.InterfaceError):
        return "lost"
    if number in AUTH:
        return "auth"
    if number in TIMEOUT:
        return "timeout"
    if number in INTEGRITY or isinstance(err, pymysql.err.IntegrityError):
        return "integrity"
    return "query"


def never_ran(err: BaseException) -> bool:
    """MariaDB answered with "connection was killed" (sent when an idle connection is killed): nothing ran."""
    return code(err) == 1927


def fileno(conn: Any) -> int | None:
    """The socket to poll for a server-side close (PyMySQL keeps it in ``_sock``)."""
    sock = getattr(conn, "_sock", None)
    return sock.fileno() if sock is not None else None


def ping(conn: Any) -> None:
    """One round trip (COM_PING); raises when the connection is dead."""
    conn.ping(reconnect=False)


def before_statement(conn: Any, remaining: float, state: dict[str, Any], session_settings: bool) -> None:
    """Bound the next statement by the time left: PyMySQL applies these socket timeouts on its next read/write."""
    conn._read_timeout = conn._write_timeout = max(0.001, remaining)


def run(conn: Any, sql: str, params: Any) -> tuple[list[dict[str, Any]], int]:
    """Execute one statement; rows (as dicts) when it returns any, and the affected-row count."""
    with conn.cursor() as cur:
        count = cur.execute(sql, params)
        rows = list(cur.fetchall()) if cur.description else []
    return rows, count


def begin(conn: Any) -> None:
    conn.begin()


def commit(conn: Any) -> None:
    conn.commit()


def rollback(conn: Any) -> None:
    conn.rollback()


def close(conn: Any) -> None:
    """Close without waiting on a dead peer: a polite COM_QUIT when possible, else drop the socket."""
    try:
        conn.close()
    except Exception:
        conn._force_close()


def kill_idle(conn: Any, older_than: float, counted: Callable[[int], None]) -> None:
    """KILL this user's connections idle for at least ``older_than`` seconds, counting each KILL as it succeeds
    (one KILL per statement: a failure half-way must not lose the count of those already gone)."""
    for row in run(conn, IDLE_SQL, (int(older_than),))[0]:
        try:
            run(conn, f"KILL {int(row['ID'])}", None)
        except pymysql.MySQLError as err:
            if code(err) != NO_SUCH_THREAD:
                raise
        else:
            counted(1)
