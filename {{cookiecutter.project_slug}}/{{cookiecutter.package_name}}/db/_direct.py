"""One connection per container for direct and RDS Proxy access: lazy, reused, validated, retried, cleaned up.

The end-of-invocation decision follows serverless-mysql: read the connection limit (cached), count the
connections in use (rate-limited), and above the utilisation threshold terminate this user's idle
connections (frozen or dead containers) or, when there are none, close this container's own.
An engine (_mysql.py, _postgres.py) gives connect, classify, ping, before_statement, run, transactions, close and
kill_idle, and names the two queries run here: LIMIT_SQL (one row, ``n``) and USAGE_SQL (``used``, ``max_idle`` s).
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import select
import time
from collections import Counter
from types import ModuleType
from typing import Any

from . import _tls, errors
from ._config import Deadline, Settings, backoff, credentials, event

RETRYABLE = {"too_many", "unreachable", "lost"}
END_BUDGET_S = 1.0  # end() runs after the handler: its own small budget for the usage queries
MIN_ATTEMPT_S = 0.01  # a connect attempt with less time left than this cannot succeed: report instead


class DirectClient:
    """The container's database client; all state lives here, one instance per module (per container)."""

    def __init__(self, settings: Settings, dialect: ModuleType) -> None:
        self.settings, self.dialect = settings, dialect
        self.conn: Any = None
        self.conn_state: dict[str, Any] = {}
        self.validated = False  # checked during the current invocation
        self.last_used = 0.0
        self.in_transaction = False
        self.yield_turn = False  # set when end() gave the connection back to a crowded server
        self.idle_reuse = False  # the next statement is the first on a connection that sat idle
        self.transaction_lost = False  # the connection died inside a transaction not yet closed by the caller
        self.limit: int | None = None
        self.limit_at = float("-inf")
        self.usage: tuple[int, float] = (0, 0.0)
        self.usage_at = float("-inf")
        self.stats: Counter[str] = Counter()
        self.function = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "local")

    # -- connection lifecycle -------------------------------------------------------------------

    def connection(self, deadline: Deadline) -> Any:
        """The live connection: validated once per invocation, re-opened when the server dropped it."""
        if self.transaction_lost:  # never let the rest of a broken transaction run as autocommit statements
            raise errors.Unavailable(f"{self.settings.engine}: the connection was lost inside a transaction; it was rolled back")
        if self.conn is not None:
            if not self.validated:
                if self._alive(thorough=time.monotonic() - self.last_used > self.settings.ping_after_s):
                    self.stats["reuses"] += 1
                    self.idle_reuse = True
                    self.validated = True
                    self.conn_state["check_timeout"] = True
                    event("reuse", logging.DEBUG, idle_s=round(time.monotonic() - self.last_used, 3))
                else:
                    self._discard("dropped by the server while idle")
            elif not self.in_transaction and not self._alive(thorough=False):
                self._discard("dropped by the server during the invocation")
        if self.conn is None:
            reconnect = self.stats["connects"] > 0
            self.conn = self._connect(deadline, "reconnect" if reconnect else "first use")
            self.stats["reconnects" if reconnect else "first_connects"] += 1
            self.conn_state = {}
            self.validated = True
        return self.conn

    def _alive(self, thorough: bool) -> bool:
        """Zero-cost check: a server-side close makes the idle socket readable. A ping only when in doubt."""
        fd = self.dialect.fileno(self.conn)
        if fd is None or fd < 0:
            return False
        try:
            readable = bool(select.select([fd], [], [], 0)[0])
        except (OSError, ValueError):
            return False
        if not (readable or thorough):
            return True
        try:
            self.dialect.ping(self.conn)
            return True
        except Exception:
            return False

    def _connect(self, deadline: Deadline, reason: str) -> Any:
        """Open a connection, retrying "too many connections" and transient errors with jittered backoff."""
        s, d = self.settings, self.dialect
        started, attempt, refreshed, last = time.monotonic(), 0, False, None
        if self.yield_turn:
            # This container gave its connection back to a crowded server: take a place behind the containers
            # already waiting (one pause at the backoff cap) instead of grabbing the slot it just freed.
            self.yield_turn = False
            time.sleep(min(random.uniform(0, s.retry_cap_ms / 1000), deadline.remaining() / 2))
        while True:
            remaining = deadline.remaining()
            if remaining <= MIN_ATTEMPT_S or attempt > s.max_retries:
                self.stats["connect_failures"] += 1
                why = f"last error: {last}" if last else "no time left in the budget"
                limit = "within the time budget" if attempt <= s.max_retries else f"in DB_MAX_RETRIES={s.max_retries} retries"
                raise errors.Unavailable(
                    f"{s.engine}: could not connect to {s.host}:{s.port} {limit} "
                    f"({attempt} attempt(s) in {time.monotonic() - started:.2f} s; {why})",
                    d.code(last) if last else None,
                ) from last
            try:
                conn = d.connect(s, credentials(s, refresh=refreshed), min(s.connect_timeout_s, remaining), self.function)
            except d.Error as err:
                refused = _tls.refusal(err) if s.tls != "disable" else None
                if refused:
                    self.stats["refused"] += 1
                    self.stats["connect_failures"] += 1
                    cause, fix = refused
                    event("refused", logging.ERROR, host=s.host, port=s.port, cause=cause, bundle=s.ca_bundle or "shipped")
                    message = f"{s.engine}: refused {s.host}:{s.port}: {cause} (DB_TLS=verify-full). Fix: {fix}"
                    raise errors.TlsRefused(message, d.code(err)) from err
                kind, last = d.classify(err), err
                if kind == "auth" and s.secret_arn and not refreshed:
                    refreshed = True  # the secret may have been rotated since it was cached
                    continue
                if kind not in RETRYABLE:
                    self.stats["connect_failures"] += 1
                    raise self._error(err, kind, f"connect to {s.host}:{s.port}") from err
                waited = time.monotonic() - started
                pause = min(backoff(attempt, s, waited, waited + deadline.remaining()), deadline.remaining())
                attempt += 1
                self.stats["retries"] += 1
                event("retry", logging.DEBUG, attempt=attempt, reason=kind, code=d.code(err), sleep_ms=round(pause * 1000, 1))
                time.sleep(pause)
                continue
            took = round((time.monotonic() - started) * 1000, 1)
            if attempt:  # the server turned this container away: count it as full until the next reading
                self.usage, self.usage_at = (self.limit or 2**31, 0.0), time.monotonic()
            self.stats["connects"] += 1
            event("connect", logging.WARNING if attempt else logging.INFO, reason=reason, retries=attempt, duration_ms=took)
            self.last_used = time.monotonic()
            return conn

    def _discard(self, reason: str) -> None:
        """Forget the connection (closing it without waiting on a dead peer)."""
        self.transaction_lost = self.transaction_lost or self.in_transaction
        conn, self.conn, self.validated, self.in_transaction = self.conn, None, False, False
        if conn is None:
            return
        self.stats["closes"] += 1
        event("close", reason=reason)
        with contextlib.suppress(Exception):  # already dead: nothing more to do
            self.dialect.close(conn)

    # -- statements ------------------------------------------------------------------------------

    def run(self, sql: str, params: Any, deadline: Deadline) -> tuple[list[dict[str, Any]], int]:
        """Execute one statement within the budget; a broken connection is dropped, never reused.

        The first statement on a connection that sat idle may meet a close the server had begun but not yet
        sent (a KILL, a failover), and some errors say the server ended the session before running anything:
        then the statement never ran, so outside a transaction it is sent once more on a new connection.
        """
        conn = self.connection(deadline)
        first_after_idle, self.idle_reuse = self.idle_reuse, False
        remaining = deadline.remaining()
        if remaining <= 0:
            raise errors.QueryTimeout(f"{self.settings.engine}: no time left in the budget to run the statement")
        try:
            self.dialect.before_statement(conn, remaining, self.conn_state, self.settings.access == "direct")
            result = self.dialect.run(conn, sql, params)
        except self.dialect.Error as err:
            kind, in_transaction = self.dialect.classify(err), self.in_transaction
            if kind in RETRYABLE:
                self._discard(f"{kind} during a statement")
                unsent = first_after_idle or self.dialect.never_ran(err)
                if kind == "lost" and unsent and not in_transaction and deadline.remaining() > 0:
                    self.stats["resent"] += 1
                    return self.run(sql, params, deadline)
                kind = "timeout" if deadline.remaining() <= 0 else kind  # the socket timeout ran out
            raise self._error(err, kind, "statement") from err
        except BaseException:
            # e.g. the guard's alarm interrupting a socket read: the protocol state is unknown now
            self._discard("interrupted during a statement")
            raise
        self.last_used = time.monotonic()
        return result

    def begin(self, deadline: Deadline) -> None:
        self._tx_call(self.dialect.begin, deadline)
        self.in_transaction = True

    def commit(self, deadline: Deadline) -> None:
        try:
            self._tx_call(self.dialect.commit, deadline)
        finally:
            self.in_transaction = self.transaction_lost = False

    def rollback(self, deadline: Deadline) -> None:
        try:
            if self.conn is not None and not self.transaction_lost:
                self._tx_call(self.dialect.rollback, deadline)
        except errors.DatabaseError:
            self._discard("rollback failed")  # the server rolls back when the connection goes
        finally:
            self.in_transaction = self.transaction_lost = False

    def _tx_call(self, call: Any, deadline: Deadline) -> None:
        conn = self.connection(deadline)
        try:
            self.dialect.before_statement(conn, max(0.001, deadline.remaining()), self.conn_state, False)
            call(conn)
        except self.dialect.Error as err:
            kind = self.dialect.classify(err)
            if kind in RETRYABLE:
                self._discard(f"{kind} during a transaction")
            raise self._error(err, kind, "transaction") from err
        except BaseException:
            self._discard("interrupted during a transaction")
            raise
        self.last_used = time.monotonic()

    def _error(self, err: BaseException, kind: str, during: str) -> errors.DatabaseError:
        cls = {
            "too_many": errors.Unavailable,
            "unreachable": errors.Unavailable,
            "lost": errors.Unavailable,
            "auth": errors.ConfigurationError,
            "timeout": errors.QueryTimeout,
            "integrity": errors.IntegrityError,
        }.get(kind, errors.QueryError)
        args = getattr(err, "args", ())
        text = str(args[1]) if len(args) > 1 and isinstance(args[0], int) else str(err)  # PyMySQL: (number, message)
        message = text.strip().splitlines()[0] if text.strip() else type(err).__name__
        return cls(f"{self.settings.engine} {during}: {message}", self.dialect.code(err))

    # -- end of invocation -----------------------------------------------------------------------

    def end(self) -> None:
        """Keep the connection for the next warm invocation, unless the server is crowded."""
        self.validated = self.transaction_lost = False
        if self.conn is None:
            return
        if self.in_transaction:
            event("rollback", logging.WARNING, reason="the invocation ended inside a transaction")
            self.rollback(Deadline.after(END_BUDGET_S))
            if self.conn is None:
                return
        if self.settings.access == "rds-proxy":
            return  # the proxy pools and multiplexes: its client connections are cheap, and killing is its job
        try:
            self._manage(Deadline.after(END_BUDGET_S))
        except Exception as err:  # the decision failed: the safe choice is to give the slot back
            self._discard(f"connection check failed: {type(err).__name__}")

    def _manage(self, deadline: Deadline) -> None:
        s, d, now = self.settings, self.dialect, time.monotonic()
        d.before_statement(self.conn, deadline.remaining(), self.conn_state, False)
        if self.limit is None or now - self.limit_at > s.limit_cache_s:
            self.limit, self.limit_at = int(d.run(self.conn, d.LIMIT_SQL, None)[0][0]["n"]), now  # the dialect's query
        used, _ = self.usage
        age, threshold = now - self.usage_at, s.conn_utilisation
        # A crowded reading is trusted for DB_USAGE_CACHE_S (closing is the safe side); one that left room is
        # trusted for a share of it that shrinks with the room left, because a burst fills that room fast.
        trusted = s.usage_cache_s * (1.0 if used / max(1, self.limit) > threshold else max(0.0, 1 - used / max(1, self.limit) / threshold))
        fresh = age >= trusted
        if fresh:
            row = d.run(self.conn, d.USAGE_SQL, None)[0][0]  # the dialect's query: connections used, longest idle
            self.usage, self.usage_at = (int(row["used"]), float(row["max_idle"])), now
            self.stats["usage_checks"] += 1
        used, max_idle = self.usage
        utilisation = used / max(1, self.limit)
        if utilisation > s.conn_utilisation:
            killed = self._clean_up(s.zombie_min_s, utilisation) if fresh and max_idle >= s.zombie_min_s else 0
            if not killed:
                self._discard(f"utilisation {min(utilisation, 1.0):.2f} above {s.conn_utilisation:g}")
                self.yield_turn = True
        elif fresh and max_idle > s.zombie_max_s:
            self._clean_up(s.zombie_max_s, utilisation)
        self.last_used = time.monotonic()

    def _clean_up(self, older_than: float, utilisation: float) -> int:
        """Kill other containers' idle connections; those gone before a failure half-way are still counted."""
        killed = 0

        def counted(n: int) -> None:
            nonlocal killed
            killed += n

        try:
            self.dialect.kill_idle(self.conn, older_than, counted)
        finally:
            if killed:
                self.stats["cleanups"] += 1
                self.stats["killed"] += killed
                self.usage = (max(0, self.usage[0] - killed), 0.0)
                event("cleanup", killed=killed, utilisation=round(utilisation, 3), idle_over_s=older_than)
        return killed

    def close(self) -> None:
        self._discard("closed by the application")
