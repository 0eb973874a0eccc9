"""Fixtures for the handler tests: the sample events, a stand-in Lambda context, captured log lines."""

from __future__ import annotations

import contextlib
import io
import json
import sys
import time
import types
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from {{ cookiecutter.package_name }} import guard

EVENTS = Path(__file__).parent / "events"


class FakeContext:
    """The parts of Lambda's context object the handlers read, with a real countdown."""

    def __init__(self, remaining_ms: int = 6000, function_name: str = "{{ cookiecutter.project_slug }}-dev-api") -> None:
        self.function_name = function_name
        self.memory_limit_in_mb = 1024
        self.invoked_function_arn = f"arn:aws:lambda:{{ cookiecutter.aws_region }}:123456789012:function:{function_name}"
        self.aws_request_id = str(uuid.uuid4())
        self._deadline = time.monotonic() + remaining_ms / 1000

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class FakeDb:
    """Stands in for the db module so these tests need no database; records what the handlers asked."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, Any]] = []
        self.ended = 0
        self.last_name = "stored"

    def query(self, sql: str, params: Any = None) -> list[dict[str, Any]]:
        self.calls.append(("query", sql, params))
        self._remember(params)
        return [{"id": 1, "name": self.last_name}]

    def execute(self, sql: str, params: Any = None) -> int:
        self.calls.append(("execute", sql, params))
        self._remember(params)
        return 1

    def _remember(self, params: Any) -> None:
        if params and isinstance(params[0], str):
            self.last_name = params[0]

    def end(self) -> None:
        self.ended += 1

    def set_deadline(self, source: Any = None) -> None:
        self.calls.append(("set_deadline", "", source))

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        self.calls.append(("transaction", "", None))
        yield


@pytest.fixture
def event() -> Callable[[str], dict[str, Any]]:
    """Load a sample event from tests/events by name (a fresh copy each time)."""

    def _load(name: str) -> dict[str, Any]:
        return json.loads((EVENTS / f"{name}.json").read_text())

    return _load


@pytest.fixture
def context() -> Callable[..., FakeContext]:
    """Make a Lambda context with a given remaining time."""
    return FakeContext


@pytest.fixture
def logs() -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """The JSON log lines written during the test, parsed (every line must be JSON)."""
    stream = io.StringIO()
    previous, guard.logger.stream = guard.logger.stream, stream
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    guard.logger.stream = previous


@pytest.fixture
def fake_db(monkeypatch: pytest.MonkeyPatch) -> FakeDb:
    """Replace the db module (imported lazily by the handlers) with a recorder."""
    fake = FakeDb()
    module = types.ModuleType(guard.DB_MODULE)
    for name in ("query", "execute", "end", "set_deadline", "transaction"):
        setattr(module, name, getattr(fake, name))
    package = sys.modules["{{ cookiecutter.package_name }}"]
    monkeypatch.setitem(sys.modules, guard.DB_MODULE, module)
    monkeypatch.setattr(package, "db", module, raising=False)
    return fake
