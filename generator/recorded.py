"""What a project recorded in ``.slsguard/answers.json``, as the audit and the cost model read it.

Standard library json only: importing ``generator.snapshot`` (tarfile, gzip) would slow every audit start.
A damaged file, or a value no answer could hold, is a one-line error with its fix (exit 2), never skipped:
the numbers the audit and the cost ceiling print rest on it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .errors import UserError

ANSWERS_FILE = Path(".slsguard") / "answers.json"  # generator.snapshot.ANSWERS_FILE


def recorded(projects: Sequence[Path], key: str, valid: Callable[[Any], bool], allowed: str, fix: str) -> Any | None:
    """``key`` from the first project with recorded answers; None when no project has them."""
    for project in projects:
        path = project / ANSWERS_FILE
        if not path.is_file():
            continue
        try:
            value = json.loads(path.read_text(encoding="utf-8"))["answers"][key]
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise UserError(f"{path}: cannot read {key} ({err}).", f"Fix: restore the file, or {fix}.") from err
        if not valid(value):
            raise UserError(f"{path}: {key}={value!r} is not allowed: {allowed}.", f"Fix: restore the file, or {fix}.")
        return value
    return None


def account_concurrency(projects: Sequence[Path]) -> int | None:
    """The account's concurrency limit the project recorded (the audit's budget, the cost model's unreserved pool)."""
    return recorded(
        projects,
        "account_concurrency",
        lambda v: isinstance(v, int) and not isinstance(v, bool) and v > 0,
        "a whole number >= 1",
        "pass --account-concurrency N",
    )


def region(projects: Sequence[Path]) -> str | None:
    """The AWS region the project recorded (the cost model's price table)."""
    return recorded(
        projects, "aws_region", lambda v: isinstance(v, str) and bool(v), "a region name such as us-east-1", "pass --region REGION"
    )


def check_account_concurrency(value: int | None) -> None:
    """``--account-concurrency`` as given on the command line."""
    if value is not None and value < 1:
        raise UserError(f"--account-concurrency={value} is not allowed: it must be a whole number >= 1.", "Fix: --account-concurrency 1000")
