"""PostgreSQL through psycopg 3 (binary wheels: libpq included, nothing to install on Lambda).

One engine of the connection manager (_direct.py says what it needs from one).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import psycopg
from psycopg.rows import dict_row

from . import _tls
from ._config import Settings

Error = psycopg.Error
# libpq's connect_timeout is whole seconds with a 2 s minimum (psycopg keeps that rule): shorter budgets
# wait for the attempt in a helper thread, which closes the connection itself if it arrives too late.
LIBPQ_MIN_TIMEOUT_S = 2

# Non-superusers may use max_connections minus the reserved slots; a role may have its own CONNECTION LIMIT.
LIMIT_SQL = (
    "SELECT LEAST(current_setting('max_connections')::int"
    " - current_setting('superuser_reserved_connections')::int"
    " - COALESCE(NULLIF(current_setting('reserved_connections', true), ''), '0')::int,"
    " COALESCE((SELECT NULLIF(rolconnlimit, -1) FROM pg_roles WHERE rolname = current_user), 2147483647)) AS n"
)
USAGE_SQL = (
    "SELECT count(*) AS used, COALESCE(max(extract(epoch FROM now() - state_change)) FILTER"
    " (WHERE usename = current_user AND state = 'idle' AND pid <> pg_backend_pid()), 0) AS max_idle"
    " FROM pg_stat_activity WHERE backend_type = 'client backend'"
)
# pg_terminate_backend on a backend that just exited returns false with a warning: races are harmless.
KILL_SQL = (
    "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) AS killed FROM pg_stat_activity"
    " WHERE usename = current_user AND state = 'idle' AND pid <> pg_backend_pid()"
    " AND backend_type = 'client backend' AND state_change <= now() - make_interval(secs => %s)"
)
RESET_RATIO = (0.9, 1.5)  # statement_timeout is re-sent only when the budget moved outside this band


def connect(settings: Settings, creds: dict[str, Any], timeout: float, function: str) -> Any:
    """One autocommit connection returning dict rows, within ``timeout`` seconds (fractions included).

    Behind RDS Proxy, server-side prepared statements would pin the client to one database connection,
    so they are switched off there. TLS: sslmode=verify-full checks the chain against the bundle and the host
    name, and refuses a server without TLS; libpq reads the bundle itself (once per connect, about a millisecond).
    """
    params = {
        "host": settings.host or creds.get("host") or "127.0.0.1",
        "port": int(settings.port or creds.get("port") or 5432),
        "user": creds["username"],
        "password": creds["password"],
        "dbname": settings.name or creds.get("dbname") or "postgres",
        "connect_timeout": max(LIBPQ_MIN_TIMEOUT_S, int(timeout)),
        "application_name": function[:63],
        "autocommit": True,
        "row_factory": dict_row,
        "prepare_threshold": None if settings.access == "rds-proxy" else 5,
    }
    if _tls.enabled(settings):
        params.update(sslmode="verify-full", sslrootcert=_tls.bundle(settings))
    else:
        params["sslmode"] = "disable"
    if timeout >= LIBPQ_MIN_TIMEOUT_S:
        return psycopg.connect(**params)
    return _connect_within(params, timeout)


def _connect_within(params: dict[str, Any], timeout: float) -> Any:
    """Connect in a helper thread and stop waiting after ``timeout``; a late connection is closed, never leaked."""
    box: dict[str, Any] = {}
    lock = threading.Lock()

    def attempt() -> None:
        try:
            conn = psycopg.connect(**params)
        except BaseException as err:
            box["error"] = err
            return
        with lock:
            if box.get("abandoned"):
                conn.close()
            else:
                box["conn"] = conn

    worker = threading.Thread(target=attempt, name="db-connect", daemon=True)
    worker.start()
    worker.join(timeout)
    with lock:
        if "conn" in box:
            return box["conn"]
        if "error" in box:
            raise box["error"]
        box["abandoned"] = True
    raise psycopg.errors.ConnectionTimeout(f"connection timeout expired after {timeout:.2f} s")


def code(err: BaseException) -> str | None:
    """The SQLSTATE, when the server sent one."""
    return getattr(err, "sqlstate", None)


# Errors raised while connecting carry no SQLSTATE in psycopg: recognise the server's FATAL messages instead.
CONNECT_MESSAGES = (
    ("too many clients already", "too_many"),
    ("remaining connection slots are reserved", "too_many"),
    ("password authentication failed", "auth"),
    ("no pg_hba.conf entry", "auth"),
    ("does not exist", "auth"),  # role or database
    ("the database system is starting up", "unreachable"),
    ("the database system is shutting down", "unreachable"),
)


def classify(err: BaseException) -> str:
    """too_many | unreachable | lost | auth | timeout | integrity | query."""
    state = code(err) or ""
    if not state and isinstance(err, psycopg.OperationalError):
        text = str(err)
        for fragment, kind in CONNECT_MESSAGES:
            if fragment in text:
                return kind
    if state == "53300":  # too many clients / remaining slots reserved
        return "too_many"
    if state in ("57P03", "53000") or isinstance(err, psycopg.errors.ConnectionTimeout):  # starting up, out of resources
        return "unreachable"
    if state in ("28P01", "28000"):
        return "auth"
    if state == "57014":
        return "timeout"
    if state.startswith("23"):
        return "integrity"
    if state in ("57P01", "57P02") or state.startswith("08") or isinstance(err, psycopg.InterfaceError):
        return "lost"
    if isinstance(err, psycopg.OperationalError) and not state:  # refused, reset, closed by the server
        return "lost"
    return "query"


def never_ran(err: BaseException) -> bool:
    """The server ended the session (terminate, shutdown) instead of running the statement: it did not commit."""
    return code(err) in ("57P01", "57P02", "57P03")


def fileno(conn: Any) -> int | None:
    """The socket to poll for a server-side close."""
    try:
        return conn.fileno()
    except psycopg.Error:
        return None


def ping(conn: Any) -> None:
    """One round trip; raises when the connection is dead."""
    conn.execute("SELECT 1")


def before_statement(conn: Any, remaining: float, state: dict[str, Any], session_settings: bool) -> None:
    """Keep the server's statement_timeout within the budget, re-sending it only when the budget moved.

    Skipped behind RDS Proxy (session_settings False): a SET pins the client to one database connection;
    there, set statement_timeout on the role or in the proxy's initialization query.
    """
    if not session_settings or not state.pop("check_timeout", True):
        return
    want, have = max(1, int(remaining * 1000)), state.get("timeout_ms")
    if have is None or not RESET_RATIO[0] * have <= want <= RESET_RATIO[1] * have:
        conn.execute("SELECT set_config('statement_timeout', %s, false)", (str(want),))
        state["timeout_ms"] = want


def run(conn: Any, sql: str, params: Any) -> tuple[list[dict[str, Any]], int]:
    """Execute one statement; rows (as dicts) when it returns any, and the affected-row count."""
    with conn.cursor() as cur:
        cur.execute(sql, params)
        rows = cur.fetchall() if cur.description else []
        return rows, cur.rowcount


def begin(conn: Any) -> None:
    conn.execute("BEGIN")


def commit(conn: Any) -> None:
    conn.execute("COMMIT")


def rollback(conn: Any) -> None:
    conn.execute("ROLLBACK")


def close(conn: Any) -> None:
    conn.close()


def kill_idle(conn: Any, older_than: float, counted: Callable[[int], None]) -> None:
    """pg_terminate_backend on this user's connections idle for at least ``older_than`` seconds (one statement)."""
    counted(int(run(conn, KILL_SQL, (float(older_than),))[0][0]["killed"]))
