"""Answer sets: parse ``--set`` flags and answers files, fill derived defaults, validate."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..errors import UserError
from ..printable import printable
from . import rules, values
from .questions import BY_NAME, QUESTIONS, Answers
from .text import ANSWERS_MAX_BYTES


def parse_set(pairs: Iterable[str]) -> Answers:
    """``KEY=VALUE`` strings from the command line, as a dict of raw strings."""
    out: Answers = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UserError(f"--set {pair!r} is not KEY=VALUE.", "Fix: write it as --set database=postgres.")
        out[key.strip()] = value
    return out


def load_file(path: Path) -> Answers:
    """Answers from a YAML or JSON file with the same keys as cookiecutter.json, read within slsguard's bounds
    (size, nesting depth, alias expansion, number length, duplicate keys: ``generator.safe_load``)."""
    from .. import safe_load

    try:
        data = safe_load.load(path, fix="Fix: check the file's syntax.", max_bytes=ANSWERS_MAX_BYTES)
    except UserError as err:
        hint = "Fix: pass an existing file to --answers." if err.hint == safe_load.READ_FIX else err.hint
        raise UserError(f"answers file {err.message}", hint) from err
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UserError(
            f"answers file {printable(path)} must hold a mapping of KEY: VALUE, not {type(data).__name__}.",
            "Fix: write one key per line, e.g. database: postgres.",
        )
    return {str(k): _yaml_word(str(k), v) for k, v in data.items()}


def _yaml_word(key: str, value: Any) -> Any:
    """YAML 1.1 reads an unquoted ``vpc: no`` as false; for a yes/no choice the user meant the word."""
    q = BY_NAME.get(key)
    if isinstance(value, bool) and q is not None and q.kind == "choice" and {"yes", "no"} <= set(q.choices):
        return "yes" if value else "no"
    return value


def problem_error(problem: values.Problem) -> UserError:
    """A broken rule as the error the CLI prints: its message, then the fix."""
    return UserError(problem.message, f"Fix: {problem.fix}")


def reject_unknown(given: Mapping[str, Any]) -> None:
    """Unknown keys are mistakes (cookiecutter would silently ignore them)."""
    for key in given:
        if key not in BY_NAME:
            known = ", ".join(q.name for q in QUESTIONS)
            raise UserError(
                f"unknown key {key!r}: slsguard has no such answer (known: {known}).",
                "Fix: check the spelling, or run 'slsguard new --help'.",
            )


def render_default(name: str, answers: Mapping[str, Any]) -> Any:
    """A question's default, with derived defaults rendered exactly as cookiecutter renders them."""
    q = BY_NAME[name]
    if not q.derived:
        return q.default
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment  # the expression is ours; the answers it reads are data

    return SandboxedEnvironment(undefined=StrictUndefined).from_string(q.default).render(cookiecutter=dict(answers))


def complete(given: Mapping[str, Any]) -> Answers:
    """Every answer: given ones coerced to type, the rest defaulted, derived in question order."""
    reject_unknown(given)
    answers: Answers = {}
    for q in QUESTIONS:
        raw = given[q.name] if q.name in given else render_default(q.name, answers)
        try:
            answers[q.name] = values.coerce(q.name, raw)
        except values.BadValue as err:
            raise problem_error(err.problem) from None
    return answers


def validate(given: Mapping[str, Any]) -> Answers:
    """Complete and check an answer set; the first broken rule becomes a UserError."""
    answers = complete(given)
    problems = rules.check(answers)
    if problems:
        raise problem_error(problems[0])
    return answers
