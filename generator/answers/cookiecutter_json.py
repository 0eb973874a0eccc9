"""cookiecutter.json, written from the questions table (``generator.answers.questions``) and the pins.

Run ``python -m generator.answers.cookiecutter_json`` in a checkout to print it; a test keeps the committed file equal.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from . import limits, pins
from .questions import QUESTIONS

PROJECT_TEMPLATE = Path(__file__).resolve().parents[2] / "{{cookiecutter.project_slug}}"
JINJA_MARKER = re.compile(rb"\{\{|\{%|\{#")
JINJA_SANDBOX = "generator.jinja_sandbox.AnswersAreData"


def cookiecutter_context() -> dict[str, Any]:
    """The cookiecutter.json these questions imply (choices become lists, default first)."""
    context: dict[str, Any] = {}
    for q in QUESTIONS:
        # A choice whose default depends on earlier answers is a text variable for cookiecutter (rendered, then checked by the hook).
        context[q.name] = list(q.choices) if q.kind == "choice" and not q.derived else q.default
    prompts: dict[str, Any] = {}
    for q in QUESTIONS:
        text = f"{q.prompt} ({q.help})"
        if q.kind == "choice" and q.derived:  # a text prompt under cookiecutter: name what it accepts
            text += f" ({' or '.join(q.choices)})"
        prompts[q.name] = {"__prompt__": text, **q.choice_help} if q.choice_help and not q.derived else text
    context["__prompts__"] = prompts
    context["_copy_without_render"] = copy_without_render(PROJECT_TEMPLATE)
    context["_extensions"] = [JINJA_SANDBOX]  # answers are data: cookiecutter's Jinja environment is a sandbox
    context.update(private_context())
    return context


def private_context() -> dict[str, Any]:
    """The template's constants (never asked, never recorded): pinned versions, and the SQS queue pair's settings
    that ``slsguard add`` writes too."""
    return {**pins.CONTEXT, "_sqs": dict(limits.SQS_QUEUE_PAIR)}


def copy_without_render(project_template: Path) -> list[str]:
    """Template files with no Jinja syntax: cookiecutter copies them as they are instead of
    compiling each one (faster renders, and no accidental templating of JS or JSON)."""
    plain = []
    for path in sorted(project_template.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and not JINJA_MARKER.search(path.read_bytes()):
            plain.append(path.relative_to(project_template).as_posix())
    return plain


def cookiecutter_json() -> str:
    """cookiecutter.json as text (run in a checkout); tests keep the committed file equal to it."""
    return json.dumps(cookiecutter_context(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    print(cookiecutter_json(), end="")
