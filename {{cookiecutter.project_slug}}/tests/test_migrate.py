"""The migrations folder and the deploy-time handler, without a database.

What needs a database (applying files, the lock, a failing file) is proven by slsguard's own tests against real
PostgreSQL and MariaDB; run ``npm run migrate`` against your local database for the rest.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from {{ cookiecutter.package_name }} import migrate, migrate_resource
from {{ cookiecutter.package_name }}.sqlsplit import split


def test_the_migrations_folder_is_valid_and_starts_with_the_items_table():
    migrations = migrate.load(migrate.folder(engine="{{ cookiecutter.database }}"))
    assert migrations[0].name == "0001_create_items.sql"
    for migration in migrations:
        assert split(migration.path.read_text(encoding="utf-8"), "{{ cookiecutter.database }}"), migration.name
    assert "CREATE TABLE items" in split(migrations[0].path.read_text(encoding="utf-8"), "{{ cookiecutter.database }}")[0][1]


def test_the_folder_hash_changes_when_a_file_is_added(tmp_path):
    source = migrate.folder(engine="{{ cookiecutter.database }}")
    for path in source.iterdir():
        (tmp_path / path.name).write_bytes(path.read_bytes())
    before = migrate.folder_hash(tmp_path)
    (tmp_path / "0999_more.sql").write_text("SELECT 1;\n")
    assert migrate.folder_hash(tmp_path) != before


def test_delete_answers_success_and_touches_nothing(context):
    """CloudFormation's Delete must succeed without a database: the schema and data outlive the stack."""
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        request = {
            "RequestType": "Delete",
            "ResponseURL": f"http://127.0.0.1:{server.server_port}/response",
            "StackId": "arn:aws:cloudformation:{{ cookiecutter.aws_region }}:123456789012:stack/{{ cookiecutter.project_slug }}-dev/1",
            "RequestId": "delete-1",
            "LogicalResourceId": "Migrations",
            "PhysicalResourceId": "Migrations-schema",
            "ResourceType": "Custom::Migrations",
            "ResourceProperties": {"MigrationsHash": "0" * 64},
        }
        migrate_resource.handler(request, context())
    finally:
        server.shutdown()
        server.server_close()
    assert [(r["Status"], r["RequestId"], r["PhysicalResourceId"]) for r in received] == [("SUCCESS", "delete-1", "Migrations-schema")]
