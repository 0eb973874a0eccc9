"""The repository's folders as the tests see them, wherever a test file lives under tests/."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TESTS = REPO / "tests"
FIXTURES = TESTS / "fixtures"
SNAPSHOTS = TESTS / "snapshots"
TEMPLATE = REPO / "{{cookiecutter.project_slug}}"
