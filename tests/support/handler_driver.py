"""Invoke a generated project's handlers the way Lambda does, in a fresh interpreter.

Run as a script (not imported by pytest): ``python handler_driver.py PROJECT PACKAGE CASES RESULTS``.
The handlers are imported from the project root, as Lambda imports them from the zip root.
CASES is a JSON list of ``{"name", "handler": "api"|"worker", "event", "remaining_ms", "inject", "fake_db"}``;
``inject`` is null, "raise" (the business function raises), "tripwire" (every business function
records a call) or "db_echo" (GET /items selects its ``v`` query parameter through the real db module).
Log lines go to stdout, each case after a line ``=== case <name>``; RESULTS gets one JSON object per case:
the response, business calls, database calls and which heavy modules loaded.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import sys
import time
import types
from pathlib import Path
from typing import Any

# Nothing of these loads before the code that needs them: guard writes its log lines and metric itself.
HEAVY = ("aws_lambda_powertools", "boto3", "botocore", "psycopg", "pymysql")
SECRET = "SECRET-INJECTED-FAILURE"


class Context:
    """The parts of Lambda's context object the handlers read, with a real countdown."""

    def __init__(self, remaining_ms: int, name: str) -> None:
        self.function_name = name
        self.memory_limit_in_mb = 1024
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{name}"
        self.aws_request_id = f"lambda-request-{name}"
        self._deadline = time.monotonic() + remaining_ms / 1000

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def fake_db(package: str, log: list[str]) -> types.ModuleType:
    """A db module that records calls, installed where the handlers' lazy ``from . import db`` finds it."""
    module = types.ModuleType(f"{package}.db")
    module.query = lambda sql, params=None: log.append(f"query {sql}") or [{"id": 7, "name": "from the fake db"}]
    module.execute = lambda sql, params=None: log.append(f"execute {sql}") or 1
    module.end = lambda: log.append("end")
    module.set_deadline = lambda source=None: log.append("set_deadline")
    module.transaction = lambda: contextlib.nullcontext(log.append("transaction"))
    sys.modules[module.__name__] = module
    sys.modules[package].db = module
    return module


def run_case(package: str, case: dict[str, Any]) -> dict[str, Any]:
    """One invocation with its injections undone afterwards."""
    module = importlib.import_module(f"{package}.{case['handler']}")
    calls: list[str] = []
    db_calls: list[str] = []
    undo: list[tuple[dict, str, Any]] = []

    def swap(table: dict, key: str, value: Any) -> None:
        undo.append((table, key, table[key]))
        table[key] = value

    def tripwire(label: str) -> Any:
        return lambda *args: calls.append(label)

    def boom(*args: Any) -> Any:
        calls.append("raise")
        raise RuntimeError(SECRET)

    def db_echo(request: Any) -> Any:
        calls.append("db_echo")
        db = importlib.import_module(f"{package}.db")
        return db.query("SELECT %s AS v", [request.query.get("v", "")])

    if case.get("fake_db"):
        fake_db(package, db_calls)
    inject = case.get("inject")
    if case["handler"] == "api" and inject == "db_echo":
        swap(module.ROUTES["/items"], "GET", db_echo)
    elif case["handler"] == "api" and inject:
        for path, methods in module.ROUTES.items():
            for method in methods:
                if inject == "tripwire" or (path, method) == ("/items", "GET"):
                    swap(methods, method, tripwire(f"{method} {path}") if inject == "tripwire" else boom)
    elif case["handler"] == "worker" and inject:
        # the worker's handler holds ``process`` itself, so wrap through a fresh handler built the same way
        guard = importlib.import_module(f"{package}.guard")
        module = types.SimpleNamespace(handler=guard.sqs_handler(tripwire("process") if inject == "tripwire" else boom))
    print(f"=== case {case['name']}", flush=True)
    try:
        response = module.handler(case["event"], Context(case.get("remaining_ms", 6000), f"svc-dev-{case['handler']}"))
        error = None
    except Exception as err:  # the test asserts this stays None
        response, error = None, f"{type(err).__name__}: {err}"
    finally:
        for table, key, value in reversed(undo):
            table[key] = value
        sys.stdout.flush()
    return {
        "response": response,
        "error": error,
        "calls": calls,
        "db_calls": db_calls,
        "loaded": sorted(name for name in (*HEAVY, f"{package}.db") if name in sys.modules),
    }


def main(project: str, package: str, cases_file: str, results_file: str) -> int:
    sys.path.insert(0, str(Path(project).resolve()))
    cases = json.loads(Path(cases_file).read_text())
    results = {case["name"]: run_case(package, case) for case in cases}
    Path(results_file).write_text(json.dumps(results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
