"""Helpers for the migration tests: a fresh database per test, the generated runner as a user runs it,
and a local stand-in for CloudFormation's pre-signed ResponseURL that records every PUT."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.support.databases import Server
from tests.support.projects import clean_env

# A second and third file for the runs: 0002 sleeps, so two runs started together really overlap.
SLEEP = {"postgres": "SELECT pg_sleep(1)", "mysql": "DO SLEEP(1)"}


def fresh_database(server: Server) -> str:
    """A new, empty database the app user owns: each test starts from nothing, like a first deploy."""
    name = f"mig_{uuid.uuid4().hex[:10]}"
    if server.engine == "mysql":
        server.admin_query(f"CREATE DATABASE {name}")
        server.admin_query(f"GRANT ALL ON {name}.* TO '{server.user}'@'%'")
    else:
        server.admin_query(f"CREATE DATABASE {name} OWNER {server.user}")
    return name


def tables(server: Server, database: str) -> set[str]:
    """The tables a database holds now (asked as the administrator)."""
    if server.engine == "mysql":
        rows = server.admin_query("SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (database,))
    else:
        conn = server_admin_on(server, database)
        try:
            rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
        finally:
            conn.close()
    return {row[0] for row in rows}


def recorded(server: Server, database: str) -> list[tuple[str, str]]:
    """(name, checksum) rows of schema_migrations, in name order."""
    sql = "SELECT name, checksum FROM schema_migrations ORDER BY name"
    if server.engine == "mysql":
        return [tuple(row) for row in server.admin_query(sql.replace("schema_migrations", f"{database}.schema_migrations"))]
    conn = server_admin_on(server, database)
    try:
        return [tuple(row) for row in conn.execute(sql).fetchall()]
    finally:
        conn.close()


def rows(server: Server, database: str, sql: str) -> list[tuple[Any, ...]]:
    """Rows of a query in ``database`` (as the administrator)."""
    if server.engine == "mysql":
        conn = server.admin()
        try:
            cur = conn.cursor()
            cur.execute(f"USE {database}")
            cur.execute(sql)
            return list(cur.fetchall())
        finally:
            conn.close()
    conn = server_admin_on(server, database)
    try:
        cur = conn.execute(sql)
        return list(cur.fetchall()) if cur.description else []
    finally:
        conn.close()


def server_admin_on(server: Server, database: str) -> Any:
    import psycopg

    from tests.support.databases import ADMIN_PASSWORD, ADMIN_USER

    return psycopg.connect(host=server.host, port=server.port, user=ADMIN_USER, password=ADMIN_PASSWORD, dbname=database, autocommit=True)


def migrations_copy(project: Path, engine: str, target: Path, extra: dict[str, str] | None = None) -> Path:
    """The project's own migrations/<engine> folder plus ``extra`` files (name -> SQL), as a folder for --dir."""
    shutil.copytree(project / "migrations" / engine, target)
    for name, sql in (extra or {}).items():
        (target / name).write_text(sql)
    return target


def runner(project: Path, *args: str) -> list[str]:
    """The command line ``npm run migrate`` runs, with this test's Python (it has the drivers)."""
    package = next(p.parent.name for p in project.glob("*/migrate.py"))
    return [sys.executable, "-m", f"{package}.migrate", *args]


def migrate(project: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run the generated runner in the project folder, as a user would."""
    return subprocess.run(runner(project, *args), cwd=project, env=clean_env(**env), capture_output=True, text=True, timeout=120)


def applied_by(output: str) -> set[str]:
    """File names a run's output says it applied."""
    return {line.split()[2] for line in output.splitlines() if line.startswith("migrate: applied ")}


@dataclass
class Recorder:
    """What CloudFormation's pre-signed ResponseURL received: one entry per PUT."""

    url: str
    puts: list[dict[str, Any]] = field(default_factory=list)


@contextmanager
def response_url() -> Iterator[Recorder]:
    """An HTTP server on 127.0.0.1 standing in for the S3 pre-signed URL a custom resource answers to."""
    recorder = Recorder("")

    class Handler(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            recorder.puts.append({"path": self.path, "content_type": self.headers.get("Content-Type"), "body": json.loads(body)})
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    recorder.url = f"http://127.0.0.1:{server.server_port}/cloudformation-custom-resource-response-useast1/stack%7CMigrations%7Cabc?X-Amz-Signature=test"
    try:
        yield recorder
    finally:
        server.shutdown()
        server.server_close()
