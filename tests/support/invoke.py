"""Invoke a generated project's handlers through support/handler_driver.py (a fresh interpreter, imported from
the project root as Lambda imports them) and read back the responses and the JSON log lines of each case."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from .projects import clean_env

DRIVER = Path(__file__).parent / "handler_driver.py"


def package_of(project: Path) -> str:
    (package,) = [p.parent.name for p in project.glob("*/guard.py")]
    return package


def load_event(project: Path, name: str) -> dict[str, Any]:
    return json.loads((project / "tests" / "events" / f"{name}.json").read_text())


def invoke(project: Path, cases: list[dict[str, Any]], tmp_path: Path, **env: str) -> tuple[dict[str, Any], dict[str, list[dict]]]:
    """Run the cases through the handler driver; returns results and the JSON log lines of each case."""
    cases_file, results_file = tmp_path / "cases.json", tmp_path / "results.json"
    cases_file.write_text(json.dumps(cases))
    run = subprocess.run(
        [sys.executable, str(DRIVER), str(project), package_of(project), str(cases_file), str(results_file)],
        cwd=project,
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    logs: dict[str, list[dict]] = {}
    current = None
    for line in run.stdout.splitlines():
        if line.startswith("=== case "):
            current = line.removeprefix("=== case ")
            logs[current] = []
        elif line.strip():
            assert current is not None, f"output before the first case: {line}"
            logs[current].append(json.loads(line))  # every line the handlers print is JSON
    return json.loads(results_file.read_text()), logs


def body(result: dict[str, Any]) -> Any:
    return json.loads(result["response"]["body"])


def run_as_app(server: Any, sql: str) -> None:
    """One statement as the application user, who then owns what it creates (as a migration would)."""
    if server.engine == "mysql":
        import pymysql

        conn = pymysql.connect(
            host=server.host, port=server.port, user=server.user, password=server.password, database=server.database, autocommit=True
        )
    else:
        import psycopg

        conn = psycopg.connect(
            host=server.host, port=server.port, user=server.user, password=server.password, dbname=server.database, autocommit=True
        )
    try:
        conn.cursor().execute(sql)
    finally:
        conn.close()
