"""The generated project's own db test, run by its own pytest against the real servers (DB_HOST set: no skip)."""

from __future__ import annotations

import os
import time

from tests.support.projects import run_project_tests


def run_generated_db_test(server, render_db) -> None:
    project = render_db(server.engine, "direct").parent.parent
    result = run_project_tests(project, "-rs", "tests/test_db.py", env={**os.environ, **server.env()})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "8 passed" in result.stdout  # 4 against the server, 4 refusals before anything is sent
    assert "skipped" not in result.stdout
    deadline = time.monotonic() + 5  # a closed PostgreSQL connection's backend exits a moment later
    while server.connections() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.connections() == 0  # the test closed what it opened


def test_the_generated_db_test_passes_against_a_plain_local_server(db_server, render_db):
    run_generated_db_test(db_server, render_db)  # DB_TLS=disable: the explicit choice for a server without TLS


def test_the_generated_db_test_passes_against_a_tls_server(tls_server, render_db):
    run_generated_db_test(tls_server, render_db)  # DB_TLS=verify-full with DB_CA_BUNDLE=the test CA
