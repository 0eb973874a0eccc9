"""end()'s serverless-mysql-style decision against real servers: clean up other containers' idle connections,
close its own when crowded, keep it otherwise, and leave everything to RDS Proxy when one is in front.

Each ``containers(...)`` call is one simulated Lambda container (a fresh copy of the rendered db module).
"""

from __future__ import annotations

import logging
import threading
import time

from tests.support.databases import Server

ZOMBIE_MIN = "1"  # seconds; the default (3 s) would only make these tests slower


def invoke(db, sql: str = "SELECT 1") -> list:
    db.set_deadline(5)
    try:
        return db.query(sql)
    finally:
        db.end()


def settled_connections(server: Server, expected: int) -> int:
    """The app user's connection count once terminated backends have exited (PostgreSQL ends them asynchronously)."""
    deadline = time.monotonic() + 5
    while (count := server.connections()) > expected and time.monotonic() < deadline:
        time.sleep(0.05)
    return count


def app_limit(server: Server) -> int:
    """Connections the app user may open: PostgreSQL keeps superuser_reserved_connections (3) back."""
    return server.max_connections - (3 if server.engine == "postgres" else 0)


def frozen_containers(server: Server, containers, zombie_min: str = ZOMBIE_MIN) -> list:
    """As many warm containers as fit under the 0.8 threshold, each keeping its connection, then frozen."""
    crowd = [containers(server, DB_ZOMBIE_MIN_S=zombie_min) for _ in range(int(app_limit(server) * 0.8))]
    for db in crowd:
        invoke(db)
    assert all(db.stats().get("closes", 0) == 0 for db in crowd)
    assert server.connections() == len(crowd)
    return crowd


def test_a_crowded_server_gets_the_frozen_containers_idle_connections_back(db_server, containers):
    crowd = frozen_containers(db_server, containers)
    time.sleep(1.5)  # longer than the zombie bound (MySQL counts idle time in whole seconds)
    # WHEN one more container's invocation ends on a server above 80 % use
    newcomer = containers(db_server, DB_ZOMBIE_MIN_S=ZOMBIE_MIN)
    invoke(newcomer)
    # THEN it terminated the idle connections and kept its own
    assert newcomer.stats()["killed"] == len(crowd)
    assert newcomer.stats()["cleanups"] == 1
    assert newcomer.stats().get("closes", 0) == 0
    assert settled_connections(db_server, 1) == 1
    # AND a thawed container reconnects transparently
    assert invoke(crowd[0], "SELECT 7 AS seven") == [{"seven": 7}]
    assert crowd[0].stats()["reconnects"] == 1


def test_two_containers_cleaning_up_at_once_do_not_trip_over_each_other(db_server, containers, caplog):
    caplog.set_level(logging.INFO)
    crowd = frozen_containers(db_server, containers)
    time.sleep(1.5)
    first, second = containers(db_server, DB_ZOMBIE_MIN_S=ZOMBIE_MIN), containers(db_server, DB_ZOMBIE_MIN_S=ZOMBIE_MIN)
    for db in (first, second):
        db.set_deadline(5)
        db.query("SELECT 1")
    gate = threading.Barrier(2)
    failures: list[BaseException] = []

    def end(db) -> None:
        gate.wait()
        try:
            db.end()
        except BaseException as err:  # end() must never raise, even when a KILL races another
            failures.append(err)

    threads = [threading.Thread(target=end, args=(db,)) for db in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    # every KILL that succeeded is counted by the container that sent it, even when its end() failed later on
    why = [(r.name, r.db_event, getattr(r, "reason", None)) for r in caplog.records if getattr(r, "db_event", "") == "close"]
    assert first.stats().get("killed", 0) + second.stats().get("killed", 0) >= len(crowd), why
    assert settled_connections(db_server, 2) <= 2
    assert invoke(first, "SELECT 1 AS one") == invoke(second, "SELECT 1 AS one") == [{"one": 1}]


def test_a_crowded_server_without_idle_connections_gets_this_containers_connection(db_server, containers):
    # GIVEN connections that were active too recently to be zombies (idle bound 30 s)
    crowd = frozen_containers(db_server, containers, zombie_min="30")
    newcomer = containers(db_server, DB_ZOMBIE_MIN_S="30")
    invoke(newcomer)
    assert newcomer.stats().get("killed", 0) == 0
    assert newcomer.stats()["closes"] == 1
    assert db_server.connections() == len(crowd)


def test_connections_idle_past_the_upper_bound_are_cleaned_up_even_when_the_server_is_quiet(db_server, containers):
    old = containers(db_server, DB_ZOMBIE_MAX_S="1", DB_ZOMBIE_MIN_S="0.5")
    invoke(old)
    time.sleep(2.2)
    checker = containers(db_server, DB_ZOMBIE_MAX_S="1", DB_ZOMBIE_MIN_S="0.5")
    invoke(checker)
    assert checker.stats()["killed"] == 1
    assert settled_connections(db_server, 1) == 1


def test_the_connection_count_is_rate_limited(db_server, containers):
    db = containers(db_server, DB_USAGE_CACHE_S="30")
    for _ in range(5):
        invoke(db)
    assert db.stats()["usage_checks"] == 1  # not once per invocation, as serverless-mysql does by default
    assert db.stats()["reuses"] == 4


def test_behind_rds_proxy_the_client_neither_counts_nor_kills(db_server, containers):
    crowd = frozen_containers(db_server, containers)
    time.sleep(1.5)
    proxied = containers(db_server, access="rds-proxy", DB_ZOMBIE_MIN_S=ZOMBIE_MIN)
    invoke(proxied)
    invoke(proxied)
    assert proxied.stats().get("usage_checks", 0) == 0
    assert proxied.stats().get("killed", 0) == 0
    assert proxied.stats()["reuses"] == 1
    assert db_server.connections() == len(crowd) + 1
