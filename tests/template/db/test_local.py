"""A generated project against a local database, as its README "Run it locally" tells: `.env` with the
`DB_*` of a local server, `npm run migrate`, then `npm run offline` (which reads `.env` for itself: nothing is
loaded into the shell, so nothing stays there for a later deploy); a row
POSTed through HTTP persists in the database and comes back on GET.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from generator import new_project as new
from tests.support.databases import running
from tests.support.migrations import fresh_database, rows
from tests.support.offline import offline_env, run_offline, token

pytestmark = pytest.mark.slow

CASES = {
    "postgres:http": ("postgres", "http"),
    "mysql:rest": ("mysql", "rest"),
}


def example_lines(project: Path) -> list[str]:
    """The settings of the project's .env.example (comments and blank lines left out)."""
    return [line for line in (project / ".env.example").read_text().splitlines() if line and not line.startswith("#")]


@pytest.mark.parametrize("case", list(CASES))
def test_migrate_then_offline_persists_and_returns_a_row(case: str, tmp_path: Path) -> None:
    engine, api = CASES[case]
    project = new({"database": engine, "database_access": "direct", "api": api, "project_name": f"Local {engine}"}, tmp_path / "out")
    with running(engine) as server:
        database = fresh_database(server)
        # .env as the README says: a copy of .env.example, with this server's port, database and user.
        local = {"DB_PORT": str(server.port), "DB_NAME": database, "DB_USER": server.user, "DB_PASSWORD": server.password}
        env = {**dict(line.split("=", 1) for line in example_lines(project)), **local}
        assert env["DB_HOST"] == server.host and env["DB_TLS"] == "disable"
        (project / ".env").write_text("".join(f"{key}={value}\n" for key, value in env.items()))
        migrated = subprocess.run(
            ["npm", "run", "--silent", "migrate"],
            cwd=project,
            env=offline_env(tmp_path / "home"),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr
        assert "applied 0001_create_items.sql" in migrated.stdout
        prefix = "/dev" if api == "rest" else ""
        key = {
            "authorization": f"Bearer {token(project, '--sub', 'alice')}"
        }  # the default auth: a local issuer's token, as the README says
        with run_offline(project, tmp_path / "home") as offline:  # .env only: the shell has no DB_* at all
            created = offline.request(
                "POST", f"{prefix}/items", json.dumps({"name": "from offline"}).encode(), {**key, "content-type": "application/json"}
            )
            assert created.status == 201, (created, offline.log[-20:])
            listed = offline.request("GET", f"{prefix}/items", headers=key)
        assert listed.status == 200, listed
        assert created.body in listed.body["items"]
        assert rows(server, database, "SELECT id, name FROM items") == [(created.body["id"], "from offline")]
