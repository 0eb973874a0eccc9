"""A smaller run of benchmarks/db_burst.py as a correctness check (timings live in the benchmark, not here):
containers that outnumber the server's connections by two to one all get served by the managed client,
while the same burst makes the keep-open client fail."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from tests.support.paths import REPO

BENCHMARK = REPO / "benchmarks" / "db_burst.py"
CONTAINERS, INVOCATIONS = 40, 400


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("db_burst_benchmark", BENCHMARK)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_every_invocation_of_a_burst_is_served_by_the_managed_client(bench, db_server, render_db, monkeypatch):
    for key, value in db_server.env().items():
        monkeypatch.setenv(key, value)
    package = render_db(db_server.engine, "direct")
    managed = bench.burst(db_server, lambda: bench.Managed(package), "managed", CONTAINERS, INVOCATIONS, work_ms=5)
    keep_open = bench.burst(db_server, lambda: bench.KeepOpen(db_server), "keep-open", CONTAINERS, INVOCATIONS, work_ms=5)
    assert keep_open.failed > 0, "the burst should exhaust the server's connections"
    assert managed.failed == 0, managed.errors
    assert managed.counters["connects"] >= CONTAINERS
    assert managed.peak_connections <= db_server.max_connections
