"""The deploy-time path: the generated Custom::Migrations handler, invoked with the events CloudFormation sends.

The handler runs in its own interpreter (one Lambda environment) against the real MariaDB and PostgreSQL;
its ResponseURL points at a local HTTP server that records each PUT, as S3's pre-signed URL would receive it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.support.migrations import fresh_database, migrations_copy, recorded, response_url, tables
from tests.support.projects import clean_env

STACK = "arn:aws:cloudformation:us-east-1:123456789012:stack/shop-dev/5b6a2f10-8f1e-11ef-9c3b-0a1b2c3d4e5f"
TOKEN = "arn:aws:lambda:us-east-1:123456789012:function:shop-dev-migrate"
# One Lambda invocation: a context with the remaining time and the log stream, then the handler.
DRIVER = """
import importlib, json, sys

class Context:
    log_stream_name = "2026/11/30/[$LATEST]0123456789abcdef"
    def get_remaining_time_in_millis(self):
        return 300_000

importlib.import_module(sys.argv[1] + ".migrate_resource").handler(json.load(sys.stdin), Context())
"""


def event(kind: str, url: str, folder_hash: str, old_hash: str | None = None, physical_id: str | None = None) -> dict[str, Any]:
    """A custom resource request as CloudFormation sends it to the ServiceToken's function."""
    body: dict[str, Any] = {
        "RequestType": kind,
        "ServiceToken": TOKEN,
        "ResponseURL": url,
        "StackId": STACK,
        "RequestId": str(uuid.uuid4()),
        "LogicalResourceId": "Migrations",
        "ResourceType": "Custom::Migrations",
        "ResourceProperties": {"ServiceToken": TOKEN, "MigrationsHash": folder_hash},
    }
    if old_hash is not None:
        body["OldResourceProperties"] = {"ServiceToken": TOKEN, "MigrationsHash": old_hash}
    if physical_id is not None:
        body["PhysicalResourceId"] = physical_id
    return body


def invoke(project: Path, env: dict[str, str], request: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    package = project.name.replace("-", "_")
    return subprocess.run(
        [sys.executable, "-c", DRIVER, package],
        input=json.dumps(request),
        cwd=project,
        env=clean_env(**env, AWS_LAMBDA_FUNCTION_NAME="shop-dev-migrate", POWERTOOLS_SERVICE_NAME="shop"),
        capture_output=True,
        text=True,
        timeout=120,
    )


def folder_hash(project: Path, env: dict[str, str], folder: Path) -> str:
    package = project.name.replace("-", "_")
    command = [sys.executable, "-m", f"{package}.migrate", "--hash", "--dir", str(folder)]
    result = subprocess.run(command, cwd=project, env=clean_env(**env), capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def answer(recorder, index: int = -1) -> dict[str, Any]:
    return recorder.puts[index]["body"]


def test_create_update_failure_and_delete(db_server, render_db, tmp_path):
    project = render_db(db_server.engine, "direct").parent.parent
    database = fresh_database(db_server)
    folder = migrations_copy(project, db_server.engine, tmp_path / "migrations")
    env = {**db_server.env(), "DB_NAME": database, "MIGRATIONS_DIR": str(folder)}
    with response_url() as recorder:
        # GIVEN a first deploy: Create applies 0001 and answers SUCCESS to the pre-signed URL
        first_hash = folder_hash(project, env, folder)
        create = event("Create", recorder.url, first_hash)
        assert invoke(project, env, create).returncode == 0
        reply = answer(recorder)
        assert reply["Status"] == "SUCCESS", reply
        assert (reply["StackId"], reply["RequestId"], reply["LogicalResourceId"]) == (STACK, create["RequestId"], "Migrations")
        assert reply["Data"] == {"Applied": 1}
        assert recorder.puts[-1]["content_type"] == ""  # the URL's signature covers an empty Content-Type
        assert recorder.puts[-1]["path"].endswith("?X-Amz-Signature=test")
        physical_id = reply["PhysicalResourceId"]
        assert "items" in tables(db_server, database)

        # WHEN a file is added, the hash property changes, so CloudFormation sends an Update
        (folder / "0002_add_created_at.sql").write_text("ALTER TABLE items ADD COLUMN note varchar(20);\n")
        second_hash = folder_hash(project, env, folder)
        assert second_hash != first_hash
        assert invoke(project, env, event("Update", recorder.url, second_hash, first_hash, physical_id)).returncode == 0
        reply = answer(recorder)
        assert (reply["Status"], reply["Data"], reply["PhysicalResourceId"]) == ("SUCCESS", {"Applied": 1}, physical_id)

        # A failing file: FAILED with a reason naming it, so the deploy fails visibly and rolls back
        (folder / "0003_broken.sql").write_text("ALTER TABLE no_such_table ADD COLUMN x int;\n")
        third_hash = folder_hash(project, env, folder)
        assert invoke(project, env, event("Update", recorder.url, third_hash, second_hash, physical_id)).returncode == 0
        reply = answer(recorder)
        assert reply["Status"] == "FAILED"
        assert "0003_broken.sql: statement 1 (line 1) failed" in reply["Reason"]
        assert "log stream 2026/11/30/[$LATEST]0123456789abcdef" in reply["Reason"]
        assert reply["PhysicalResourceId"] == physical_id  # an unchanged id: no replacement, no Delete of the old one
        assert [name for name, _ in recorded(db_server, database)] == ["0001_create_items.sql", "0002_add_created_at.sql"]

        # The rollback's Update carries the old hash while the function still holds the new folder (it rolls back
        # after the resource): it must not meet the broken file again, or the stack ends in UPDATE_ROLLBACK_FAILED
        assert invoke(project, env, event("Update", recorder.url, second_hash, third_hash, physical_id)).returncode == 0
        reply = answer(recorder)
        assert (reply["Status"], reply["Data"]) == ("SUCCESS", {"Applied": 0}) and "rollback" in reply["Reason"]
        assert [name for name, _ in recorded(db_server, database)] == ["0001_create_items.sql", "0002_add_created_at.sql"]

        # Once the function holds the old folder again, the same hash matches and the run finds nothing to do
        (folder / "0003_broken.sql").unlink()
        assert invoke(project, env, event("Update", recorder.url, second_hash, third_hash, physical_id)).returncode == 0
        assert (answer(recorder)["Status"], answer(recorder)["Data"]) == ("SUCCESS", {"Applied": 0})

        # Delete (stack deleted, or the resource removed) succeeds and leaves schema and data alone
        assert invoke(project, env, event("Delete", recorder.url, second_hash, physical_id=physical_id)).returncode == 0
        assert answer(recorder)["Status"] == "SUCCESS"
        assert {"items", "schema_migrations"} <= tables(db_server, database)
        assert len(recorder.puts) == 6  # exactly one answer per request


@pytest.mark.parametrize("kind", ["Create", "Update"])
def test_a_configuration_error_still_answers_failed(kind, render_db, tmp_path):
    """No credentials at all: the handler must still answer, or the stack would wait for the ServiceTimeout."""
    project = render_db("postgres", "direct").parent.parent
    env = {"DB_ENGINE": "postgres", "DB_ACCESS": "direct", "DB_HOST": "127.0.0.1", "DB_NAME": "app"}
    bundled = folder_hash(project, env, project / "migrations" / "postgres")  # what the function carries: not a rollback
    with response_url() as recorder:
        result = invoke(project, env, event(kind, recorder.url, bundled, None if kind == "Create" else "1" * 64, "Migrations-schema"))
        assert result.returncode == 0, result.stderr
        reply = answer(recorder)
    assert reply["Status"] == "FAILED"
    assert "ConfigurationError: no credentials" in reply["Reason"]
    assert len(recorder.puts) == 1
