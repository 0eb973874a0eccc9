"""The generated db module against real MariaDB and PostgreSQL: the API, reuse, reconnects and timeouts.

Each test runs once per engine (the ``db_server`` fixture); each ``containers(...)`` call is a fresh copy
of the rendered module, i.e. one Lambda container with its own state.
"""

from __future__ import annotations

import socket
import threading
import time

import pytest

from tests.support.databases import Server


class LambdaContext:
    """The one part of Lambda's context db reads: a real countdown to the function timeout."""

    def __init__(self, seconds: float) -> None:
        self._end = time.monotonic() + seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._end - time.monotonic()) * 1000))


def invoke(db, sql: str, params=None, budget: float = 5.0):
    """One Lambda invocation with ``budget`` seconds before the function timeout: deadline, one query, end()."""
    db.set_deadline(LambdaContext(budget))
    try:
        return db.query(sql, params)
    finally:
        db.end()


def sleep_sql(server: Server, seconds: float) -> str:
    return f"SELECT SLEEP({seconds})" if server.engine == "mysql" else f"SELECT pg_sleep({seconds})"


def test_query_execute_and_transactions(db_server, containers):
    db = containers(db_server)
    db.execute("DROP TABLE IF EXISTS items")
    db.execute("CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50) NOT NULL)")
    assert db.execute("INSERT INTO items (id, name) VALUES (%s, %s), (%s, %s)", [1, "a", 2, "b"]) == 2
    assert db.query("SELECT id, name FROM items WHERE id >= %(low)s ORDER BY id", {"low": 1}) == [
        {"id": 1, "name": "a"},
        {"id": 2, "name": "b"},
    ]
    assert db.execute("UPDATE items SET name = name WHERE id = %s", [1]) == 1  # matched rows on both engines

    with db.transaction():
        db.execute("INSERT INTO items VALUES (%s, %s)", [3, "c"])
    with pytest.raises(RuntimeError), db.transaction():
        db.execute("INSERT INTO items VALUES (%s, %s)", [4, "d"])
        raise RuntimeError("handler failed")
    with db.transaction():
        db.execute("INSERT INTO items VALUES (%s, %s)", [5, "e"])
        with pytest.raises(db.IntegrityError), db.transaction():  # a savepoint: only the inner block is undone
            db.execute("INSERT INTO items VALUES (%s, %s)", [6, "f"])
            db.execute("INSERT INTO items VALUES (%s, %s)", [1, "duplicate"])
    assert [r["id"] for r in db.query("SELECT id FROM items ORDER BY id")] == [1, 2, 3, 5]


def test_errors_use_one_hierarchy_with_the_driver_error_chained(db_server, containers):
    db = containers(db_server)
    db.execute("DROP TABLE IF EXISTS uniq")
    db.execute("CREATE TABLE uniq (id INT PRIMARY KEY)")
    db.execute("INSERT INTO uniq VALUES (1)")
    with pytest.raises(db.IntegrityError) as dup:
        db.execute("INSERT INTO uniq VALUES (1)")
    assert dup.value.code in (1062, "23505")
    assert dup.value.__cause__ is not None
    with pytest.raises(db.QueryError) as bad:
        db.query("SELEC 1")
    assert db_server.engine in str(bad.value)
    assert db.query("SELECT 1 AS one") == [{"one": 1}]  # the connection survived both


def test_one_connection_is_reused_across_warm_invocations(db_server, containers):
    db = containers(db_server)
    for _ in range(3):
        assert invoke(db, "SELECT 1 AS one") == [{"one": 1}]
    assert db.stats()["connects"] == 1
    assert db.stats()["reuses"] == 2
    assert db_server.connections() == 1


def test_reconnects_transparently_after_the_server_drops_the_connection(db_server, containers):
    db = containers(db_server)
    invoke(db, "SELECT 1")
    # WHEN the server kills the idle connection between invocations (failover, KILL, wait_timeout)
    assert db_server.kill_connections() == 1
    time.sleep(0.2)
    # THEN the next invocation notices before using it and opens a new one
    assert invoke(db, "SELECT 2 AS two") == [{"two": 2}]
    assert db.stats()["reconnects"] == 1
    # and also when it happens between two statements of one invocation (outside a transaction)
    db.set_deadline(5)
    db.query("SELECT 1")
    db_server.kill_connections()
    time.sleep(0.2)
    assert db.query("SELECT 3 AS three") == [{"three": 3}]
    db.end()
    assert db.stats()["reconnects"] == 2


def test_a_kill_racing_the_first_statement_after_idle_is_absorbed(db_server, containers):
    # GIVEN the server drops the idle connection just as the next invocation starts (no time to notice it)
    db = containers(db_server)
    invoke(db, "SELECT 1")
    db_server.kill_connections()
    # THEN the statement, which never started, is sent again on a new connection
    assert invoke(db, "SELECT 8 AS eight") == [{"eight": 8}]
    assert db.stats()["reconnects"] == 1


def test_a_connection_lost_inside_a_transaction_is_an_error_not_a_silent_reconnect(db_server, containers):
    db = containers(db_server)
    db.set_deadline(5)
    with pytest.raises(db.Unavailable), db.transaction():
        db.query("SELECT 1")
        db_server.kill_connections()
        time.sleep(0.2)
        with pytest.raises(db.Unavailable):
            db.query("SELECT 2")
        # a handler that swallows the error must not go on outside the transaction (autocommit)
        db.query("SELECT 3")
    db.end()
    assert invoke(db, "SELECT 4 AS four") == [{"four": 4}]


def hog(server: Server) -> list:
    """Take every connection slot the app user can get, like a crowd of other containers."""
    held = []
    while True:
        try:
            if server.engine == "mysql":
                import pymysql

                held.append(pymysql.connect(host=server.host, port=server.port, user=server.user, password=server.password))
            else:
                import psycopg

                held.append(
                    psycopg.connect(host=server.host, port=server.port, user=server.user, password=server.password, dbname=server.database)
                )
        except Exception:
            return held
        assert len(held) <= server.max_connections


def test_connect_retries_until_a_slot_frees(db_server, containers):
    db = containers(db_server)
    held = hog(db_server)
    assert held, "the server should have accepted some connections"
    release = threading.Timer(0.6, held.pop().close)
    release.start()
    try:
        assert invoke(db, "SELECT 1 AS one", budget=8) == [{"one": 1}]
    finally:
        release.join()
        for conn in held:
            conn.close()
    assert db.stats()["retries"] > 0
    assert db.stats()["connects"] == 1


def test_gives_up_with_a_clear_error_within_the_budget_when_no_slot_frees(db_server, containers):
    db = containers(db_server)
    held = hog(db_server)
    try:
        budget = 3.0
        started = time.monotonic()
        with pytest.raises(db.Unavailable) as info:
            invoke(db, "SELECT 1", budget=budget)
        assert time.monotonic() - started < budget
    finally:
        for conn in held:
            conn.close()
    assert "within the time budget" in str(info.value)
    assert f"{db_server.host}:{db_server.port}" in str(info.value)
    assert db.stats()["retries"] > 0


@pytest.mark.parametrize("kind", ["refused", "silent"])
def test_unreachable_database_fails_within_the_budget(kind, db_server, containers):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    if kind == "silent":
        listener.listen(64)  # accepts TCP but never answers: a black-holed or overloaded server
    else:
        listener.close()  # nothing listens: connection refused
    try:
        db = containers(db_server, DB_PORT=str(port))
        budget = 3.0
        started = time.monotonic()
        with pytest.raises(db.Unavailable) as info:
            invoke(db, "SELECT 1", budget=budget)
        assert time.monotonic() - started < budget
        assert f"127.0.0.1:{port}" in str(info.value)
    finally:
        listener.close()


def test_a_statement_is_stopped_within_the_budget(db_server, containers):
    db = containers(db_server)
    budget = 2.5
    started = time.monotonic()
    with pytest.raises(db.QueryTimeout):
        invoke(db, sleep_sql(db_server, 10), budget=budget)
    assert time.monotonic() - started < budget
    assert invoke(db, "SELECT 5 AS five") == [{"five": 5}]


def test_an_interrupted_statement_drops_the_connection(db_server, containers):
    # GIVEN the guard's alarm fires inside a blocking read (any exception that is not a driver error)
    db = containers(db_server)
    invoke(db, "SELECT 1")

    class Alarm(Exception):
        pass

    def interrupt():
        raise Alarm("time budget spent")

    import signal

    previous = signal.signal(signal.SIGALRM, lambda *_: interrupt())
    signal.setitimer(signal.ITIMER_REAL, 0.3)
    try:
        with pytest.raises(Alarm):
            invoke(db, sleep_sql(db_server, 3))
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    # THEN that connection is never reused half-read: the next invocation gets a clean one
    assert invoke(db, "SELECT 6 AS six") == [{"six": 6}]
    assert db.stats()["reconnects"] == 1


def test_without_set_deadline_the_guards_running_budget_bounds_the_invocation(render_db, monkeypatch):
    import sys
    import types

    from tests.support.databases import load_db

    # GIVEN a handler package whose guard publishes the running invocation's Budget (a monotonic deadline)
    package = types.ModuleType("budget_pkg")
    package.__path__ = []
    guard = types.ModuleType("budget_pkg.guard")
    budget = types.SimpleNamespace(deadline=time.monotonic() + 1.5)
    guard.current_budget = lambda: budget
    monkeypatch.setitem(sys.modules, "budget_pkg", package)
    monkeypatch.setitem(sys.modules, "budget_pkg.guard", guard)
    monkeypatch.setenv("DB_ENGINE", "postgres")
    db = load_db(render_db("postgres"), "budget_pkg.db")
    db._get()
    # THEN db finishes a little before the guard's alarm, not after its own 10 s default
    assert db._now().at == pytest.approx(budget.deadline - 0.2)
    db.end()
    guard.current_budget = lambda: None
    assert db._now().at == pytest.approx(time.monotonic() + 10, abs=0.5)
