"""What a project recorded in ``.slsguard/answers.json``: the one reader for upgrade, add, audit and cost.

A cloned repository is untrusted input. Its recorded answers are read as data only (bounded JSON, never a
template) and every answer is checked as the questions allow (``generator.answers.values.value_problem``) before any
command uses one: a value cookiecutter would evaluate, or one that could break out of the file it is written
into, is refused with one line naming the file, the key and the value (exit 2), never used.

Standard library json only: importing ``generator.project.snapshot`` (tarfile, gzip) would slow every audit start.
A damaged file, or a value no answer could hold, is a one-line error with its fix (exit 2), never skipped:
the numbers the audit and the cost ceiling print rest on it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .. import safe_load
from ..answers.text import ANSWERS_MAX_BYTES, REFUSED_CATEGORIES, shown
from ..errors import UserError
from ..printable import printable

RECORD_DIR = ".slsguard"  # what slsguard records in a project it generated or adopted
ANSWERS_FILE = f"{RECORD_DIR}/answers.json"  # relative to the project, "/"-separated (the snapshot's own path keys)
_DROPPED_KEY = re.compile(r"[a-z_][a-z0-9_]{0,63}")  # an answer an older slsguard asked
_DROPPED_TEXT_MAX = 256
RESTORE = "Fix: restore it from version control."


def refuse_link(path: Path, fix: str = RESTORE) -> None:
    """A recording is a plain file in the project: through a link it could be any file of the machine."""
    if path.is_symlink():
        raise UserError(f"{printable(path)} is a symbolic link (a recording is a plain file); nothing was read from it.", fix)


def _dropped_problem(key: str, value: Any) -> str | None:
    """An answer this slsguard no longer asks is only reported: it must still be a plain one-line scalar."""
    if not _DROPPED_KEY.fullmatch(key):
        return f"{shown(key)} is not an answer name (lowercase letters, digits and underscores)"
    if value is None or isinstance(value, bool | int):
        return None
    if not isinstance(value, str) or len(value) > _DROPPED_TEXT_MAX:
        return f"{key}={shown(value)} is not an answer value (one line of text, a number or true/false)"
    import unicodedata

    if any(unicodedata.category(ch) in REFUSED_CATEGORIES for ch in value):
        return f"{key}={shown(value)} holds a line break or control character"
    return None


def check_answers(path: Path, answers: dict[str, Any], fix: str = "") -> None:
    """Every recorded answer, checked on its own as the questions allow; the first bad one is a UserError."""
    from ..answers.questions import BY_NAME
    from ..answers.values import value_problem

    for key, value in answers.items():
        if key in BY_NAME:
            problem = value_problem(key, value)
            if problem is not None:
                raise UserError(
                    f"{path}: {problem.message.rstrip('.')}; nothing was generated or run from it.",
                    f"Fix: restore the file, or {fix}."
                    if fix
                    else f"Fix: restore the file from version control, or correct {key} in it ({problem.fix}).",
                )
        else:
            why = _dropped_problem(key, value)
            if why:
                raise UserError(
                    f"{path}: {why}; nothing was generated or run from it.", f"Fix: restore the file, or {fix}." if fix else RESTORE
                )


def read_answers(project: Path, fix: str = "") -> tuple[str | None, dict[str, Any]] | None:
    """(slsguard version or None, answers) that ``project`` recorded, each answer checked; None when there is no recording.

    ``fix`` names another way out than restoring the file (e.g. the flag that replaces the recorded answer)."""
    path = project / ANSWERS_FILE
    restore = f"Fix: restore the file, or {fix}." if fix else RESTORE
    if not path.is_file() and not path.is_symlink():
        return None
    refuse_link(path, restore)
    doc = safe_load.load_json(path, restore, ANSWERS_MAX_BYTES)  # bounded: size, depth, numbers, duplicate keys
    try:
        version, answers = doc.get("slsguard_version"), doc["answers"]
        if not isinstance(version, str | None) or not isinstance(answers, dict):
            raise TypeError("slsguard_version must be a string and answers a mapping")
        if version is not None and (len(version) > 64 or not re.fullmatch(r"[0-9A-Za-z.+-]+", version)):
            raise ValueError(f"slsguard_version {shown(version)} is not a version")
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        raise UserError(f"{printable(path)} is damaged: {printable(err)}.", restore) from err
    check_answers(path, answers, fix)
    return version, answers


def recorded(projects: Sequence[Path], key: str, valid: Callable[[Any], bool], allowed: str, fix: str) -> Any | None:
    """``key`` from the first project with recorded answers; None when no project has them."""
    for project in projects:
        found = read_answers(project, fix)
        if found is None:
            continue
        path = project / ANSWERS_FILE
        if key not in found[1]:
            raise UserError(f"{path}: cannot read {key} (it is missing).", f"Fix: restore the file, or {fix}.")
        value = found[1][key]
        if not valid(value):
            raise UserError(f"{path}: {key}={shown(value)} is not allowed: {allowed}.", f"Fix: restore the file, or {fix}.")
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
