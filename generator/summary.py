"""What a user reads before and after ``slsguard new`` writes: the choices with what they cost
or risk, and the next commands. Plain text, no prompt library, so ``--no-input`` stays fast."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from . import rules
from .questions import QUESTIONS, Question


def as_text(value: Any) -> str:
    """An answer as the user would type it (booleans lowercase, like ``--set``)."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def _shown_and_cost(q: Question, answers: Mapping[str, Any]) -> tuple[str, str]:
    value = as_text(answers[q.name])
    key, shown = value, value
    if q.name == "vpc":  # auto resolves through the rules; the cost follows the effective value
        key = "yes" if rules.uses_vpc(answers) else "no"
        shown = f"{value} -> {key}" if value == "auto" else value
    cost = q.costs.get(key, q.costs.get("*", "")) if q.costs else ""
    return shown, cost.format(value=value)


def summary_lines(answers: Mapping[str, Any]) -> list[str]:
    """One line per answer that applies: name, value, and what it costs or risks."""
    lines = []
    for q in QUESTIONS:
        if not q.applies(dict(answers)):
            continue
        shown, cost = _shown_and_cost(q, answers)
        lines.append(f"  {q.name:<21} {shown:<16} {cost}".rstrip())
    return lines


def next_commands(answers: Mapping[str, Any], project: Path) -> list[str]:
    """What to run in a fresh project: install, test, package offline."""
    cli = "osls" if answers["framework"] == "osls" else "serverless"
    return [
        f"cd {project}",
        "npm ci",
        "python3 -m venv .venv && . .venv/bin/activate && pip install -r requirements-dev.txt",
        "pytest",
        f"npx {cli} package",
    ]
