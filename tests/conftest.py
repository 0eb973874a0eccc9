"""Shared fixtures: an isolated HOME and git identity, and a way to render projects."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

# Helpers assert too: their failures show the same diffs as a test's own asserts.
pytest.register_assert_rewrite("tests.support")

# Fixtures that start real servers on 127.0.0.1 (only when a test asks for them): TLS, databases, the Data API.
pytest_plugins = ["tests.support.tls", "tests.support.databases", "tests.support.data_api"]

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test reads or writes the developer's HOME, cookiecutter replay or git config."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Test")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "test@example.invalid")
    monkeypatch.setenv("GIT_COMMITTER_NAME", "Test")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "test@example.invalid")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return home


@pytest.fixture
def generate(tmp_path: Path) -> Callable[..., Path]:
    """Render a project through slsguard's library API; returns the project folder."""
    from generator import new_project as new

    def _generate(output: Path | None = None, **answers: Any) -> Path:
        return new(answers, output or tmp_path / "out")

    return _generate


def pytest_report_header(config: pytest.Config) -> str:
    return f"slsguard template: {REPO} (CI={os.environ.get('CI', '')})"
