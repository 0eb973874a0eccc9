"""The generated project's own db test, run by its own pytest against the real servers (DB_HOST set: no skip)."""

from __future__ import annotations

import os
import time

from tests.support.projects import run_project_tests


def test_the_generated_db_test_passes_against_a_real_server(db_server, render_db):
    project = render_db(db_server.engine, "direct").parent.parent
    result = run_project_tests(project, "-rs", "tests/test_db.py", env={**os.environ, **db_server.env()})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "2 passed" in result.stdout
    assert "skipped" not in result.stdout
    deadline = time.monotonic() + 5  # a closed PostgreSQL connection's backend exits a moment later
    while db_server.connections() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert db_server.connections() == 0  # the test closed what it opened
