"""SQL for the handlers: one client per container that survives Lambda scale-out.

    from . import db
    rows = db.query("SELECT id, name FROM items WHERE name = %s", [name])   # -> list[dict]
    count = db.execute("UPDATE items SET name = %(new)s WHERE id = %(id)s", {"new": n, "id": 7})
    with db.transaction():
        db.execute(...); db.execute(...)        # nested blocks become savepoints

Placeholders are ``%s`` (with a list) or ``%(name)s`` (with a dict) on every engine and access path.
Errors are db.errors classes (Unavailable, QueryTimeout, IntegrityError, InvalidValue, QueryError, ConfigurationError),
re-exported here, with the driver's exception chained. A string parameter with a NUL character or a lone surrogate
is refused before it is sent (InvalidValue; guard answers 422); see errors.py for the HTTP status of each.

Contract with the handler wrapper (guard.py):
  * The invocation's remaining time bounds connect attempts, retries and statements. db takes it from
    ``db.set_deadline(budget)`` (a Lambda context, the guard's Budget, or seconds), which the guard calls
    at the start of an invocation when db is loaded; on a container's first use db is imported mid-invocation
    and reads ``guard.current_budget()`` instead; with neither (scripts, tests) DB_DEFAULT_BUDGET_S applies
    from the first statement until end().
  * ``db.end()`` after every invocation that imported db (the guard's end_db does this): it rolls back a
    transaction left open and decides whether the connection stays open for the next warm invocation.

Environment (serverless.yml sets the first group; the rest are tuning knobs with measured defaults):
  DB_ENGINE postgres|mysql, DB_ACCESS direct|rds-proxy|data-api, DB_HOST, DB_PORT, DB_NAME,
  DB_SECRET_ARN (JSON secret with username/password; cached DB_SECRET_MAX_AGE_S=300 and re-read once when
  a login is refused, e.g. after a rotation), DB_CLUSTER_ARN (data-api). DB_USER/DB_PASSWORD: local runs only.
  DB_TLS=verify-full         or disable (a local server only); DB_CA_BUNDLE=<PEM file>, default per access path
  DB_TIME_MARGIN_MS=700      kept free before Lambda's deadline (the guard's own margin is 500)
  DB_CONNECT_TIMEOUT_S=5     cap of one connect attempt (never longer than the time left)
  DB_RETRY_BASE_MS=5, DB_RETRY_CAP_MS=200, DB_MAX_RETRIES=100  connect retries, full jitter
  DB_CONN_UTILISATION=0.8    end(): above this share of the connection limit, clean up or close
  DB_ZOMBIE_MIN_S=3, DB_ZOMBIE_MAX_S=900   idle bounds for terminating this user's connections
  DB_LIMIT_CACHE_S=15, DB_USAGE_CACHE_S=1  how often end() reads the limit / counts connections
  DB_PING_AFTER_S=60         idle longer than this: a real round trip validates before reuse

How each access path behaves:
  direct     Lazy connect on first use, reused across warm invocations. Before reuse a zero-cost poll of
             the socket notices a server-side close (KILL, pg_terminate_backend, wait_timeout, failover) and
             the connection is re-opened transparently; a transaction is never silently re-opened. Connects
             retry "too many connections" and transient errors with capped exponential backoff and full
             jitter until the budget runs out, then raise Unavailable. end() reads the connection limit
             (cached) and the usage (at most once per DB_USAGE_CACHE_S): above DB_CONN_UTILISATION it
             terminates this user's connections idle for DB_ZOMBIE_MIN_S or more (containers that Lambda
             froze or dropped), else closes its own; a KILL racing another container's is ignored.
  rds-proxy  The same client without end()'s cleanup: the proxy multiplexes many client connections onto
             a small pool, so the database's connection list shows the proxy's connections, not the
             containers', and killing them would hurt other clients. Nothing that pins a session is sent
             (no SET, no server-side prepared statements): put statement_timeout on the database role or
             in the proxy's initialization query.
  data-api   The RDS Data API over HTTPS (boto3 "rds-data"): no connection, no driver, no VPC. TLS is botocore's,
             verified against its CA store: DB_TLS and DB_CA_BUNDLE do not apply.

Log lines (through guard's JSON logger when the handlers run, so they carry the correlation ID): "db connect" (reason,
retries, duration_ms), "db reuse" (debug), "db retry" (debug), "db cleanup" (killed, utilisation),
"db close" (reason), "db refused" (host, cause), "db tls disabled" (once). ``db.stats()`` returns this
container's counters; end() writes those that moved as one CloudWatch embedded-metric line (_metrics.py):
DbConnects, DbReconnects, DbKilledIdle, DbConnectRetries, DbTlsRefused, DbConnectFailures.

TLS (_tls.py): DB_TLS=verify-full (default) encrypts and verifies chain and host name against DB_CA_BUNDLE
(default: certs/rds-global-bundle.pem for direct, certs/amazon-trust-services.pem for rds-proxy, whose
ACM certificates chain to the Amazon Trust Services roots). A failing server raises TlsRefused naming the
host and the cause; nothing falls back to plain text. DB_TLS=disable: a local server only (refused in
Lambda unless DB_HOST is a loopback address), logged once. The Data API path is HTTPS to AWS already:
DB_TLS and DB_CA_BUNDLE do not apply.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from . import _metrics
from ._config import Deadline, Settings
from .errors import (
    ConfigurationError,
    DatabaseError,
    IntegrityError,
    InvalidValue,
    QueryError,
    QueryTimeout,
    TlsRefused,
    Unavailable,
)

__all__ = [
    "ConfigurationError",
    "DatabaseError",
    "IntegrityError",
    "InvalidValue",
    "QueryError",
    "QueryTimeout",
    "TlsRefused",
    "Unavailable",
    "end",
    "execute",
    "query",
    "set_deadline",
    "stats",
    "transaction",
]

_client: Any = None
_settings: Settings | None = None
_deadline: Deadline | None = None
_depth = 0  # transaction nesting: 0 outside, 1 in the outer block, more in savepoints


def _get() -> Any:
    """The container's client, created on first use (nothing connects at import time)."""
    global _client, _settings
    if _client is None:
        _settings = Settings.from_env()
        if _settings.access == "data-api":
            from ._data_api import DataApiClient

            _client = DataApiClient(_settings)
        else:
            from ._direct import DirectClient
            from ._tls import check_mode

            check_mode(_settings)

            try:
                dialect = importlib.import_module(f".{'_mysql' if _settings.engine == 'mysql' else '_postgres'}", __name__)
            except ImportError as err:
                raise ConfigurationError(f"DB_ENGINE={_settings.engine} needs its driver: {err}") from err
            _client = DirectClient(_settings, dialect)
    return _client


def _now() -> Deadline:
    """This invocation's deadline: the one set_deadline() gave, else the guard's budget, else the default budget."""
    global _deadline
    if _deadline is None:
        guard = sys.modules.get(f"{__name__.rpartition('.')[0]}.guard")
        budget = getattr(guard, "current_budget", None)
        _deadline = Deadline.of(budget() if callable(budget) else budget, _settings or Settings.from_env())
    return _deadline


def set_deadline(source: Any = None) -> None:
    """Bound everything db does in this invocation by ``source``: a Lambda context, a Budget, or seconds."""
    global _deadline
    try:
        settings = _settings or Settings.from_env()
    except DatabaseError:  # reported by the first statement, not by the wrapper
        settings = Settings()
    _deadline = Deadline.of(source, settings)


def _unstorable(value: Any) -> bool:
    """A string (or one inside a list, tuple or dict) with a NUL character or a lone surrogate."""
    if isinstance(value, str):
        if "\x00" in value:
            return True
        if value.isascii():
            return False
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # only a lone surrogate fails to encode
            return True
        return False
    if isinstance(value, (list, tuple)):
        return any(_unstorable(item) for item in value)
    if isinstance(value, dict):
        return any(_unstorable(item) for item in value.values())
    return False


def _check(params: Any) -> None:
    """Refuse what no engine stores as text before anything is sent: PostgreSQL refuses NUL in text, no driver
    encodes a lone surrogate, and MySQL would store a NUL silently. InvalidValue is a client's mistake (guard: 422)."""
    if params is not None and _unstorable(params):
        raise InvalidValue("a parameter contains a NUL character or a lone surrogate")


def query(sql: str, params: Any = None) -> list[dict[str, Any]]:
    """Rows of a statement as dicts (column name -> value)."""
    _check(params)
    client = _get()
    return client.run(sql, params, _now())[0]


def execute(sql: str, params: Any = None) -> int:
    """Run a statement for its effect; returns the number of rows it affected (matched, for UPDATE)."""
    _check(params)
    client = _get()
    return client.run(sql, params, _now())[1]


@contextmanager
def transaction() -> Iterator[None]:
    """Commit the block's statements together, or roll all of them back when it raises; nesting uses savepoints."""
    global _depth
    client = _get()
    if _depth:
        name = f"slsguard_sp{_depth}"
        client.run(f"SAVEPOINT {name}", None, _now())
        _depth += 1
        try:
            yield
        except BaseException:
            client.run(f"ROLLBACK TO SAVEPOINT {name}", None, _now())
            raise
        else:
            client.run(f"RELEASE SAVEPOINT {name}", None, _now())
        finally:
            _depth -= 1
        return
    client.begin(_now())
    _depth = 1
    try:
        yield
    except BaseException:
        client.rollback(_now())
        raise
    else:
        client.commit(_now())
    finally:
        _depth = 0


def end() -> None:
    """End of invocation: roll back a forgotten transaction, decide whether to keep the connection, emit metrics."""
    global _deadline, _depth
    _deadline, _depth = None, 0
    if _client is not None:
        try:
            _client.end()
        finally:
            _metrics.flush(_client.stats)


def close() -> None:
    """Close the connection now (tests, scripts, shutdown); the next statement opens a new one."""
    if _client is not None:
        _client.close()


def stats() -> dict[str, int]:
    """This container's counters: connects, reuses, reconnects, retries, cleanups, killed, closes, ..."""
    return dict(_client.stats) if _client is not None else {}
