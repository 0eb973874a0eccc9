"""What a user reads before and after ``slsguard new`` writes: the choices with what they cost
or risk, and the next commands. Plain text, no prompt library, so ``--no-input`` stays fast."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..answers import rules
from ..answers.questions import QUESTIONS, Question
from ..errors import UserError

if TYPE_CHECKING:
    from ..cost.typical import Typical


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
    return lines + ceiling_lines(answers)


def ceiling_lines(answers: Mapping[str, Any]) -> list[str]:
    """The most these answers can cost per hour under a flood (the model of ``slsguard cost``), and the budget beside it."""
    from ..cost import ceiling_of_answers

    try:
        ceiling = ceiling_of_answers(answers)
    except UserError as err:
        return [f"  {'cost ceiling':<38} not priced: {err.message}"]
    month = ceiling.usd_per_month
    lines = [
        f"  {'cost ceiling':<38} ${ceiling.usd_per_hour:,.2f} per hour, ${month:,.2f} per 30-day month with every entry point "
        "at its cap (`slsguard cost` after packaging; docs/cost.md)"
    ]
    if ceiling.typical is not None:
        lines.append(f"  {'':<38} {typical_sentence(ceiling.typical)}")
    budget = answers.get("monthly_budget")
    if isinstance(budget, int | float) and not isinstance(budget, bool) and budget > 0:
        if budget >= month:
            verdict = f"the budget ${budget:,.2f} is larger than the monthly ceiling ${month:,.2f}: a flood stays within it"
        else:
            verdict = f"the monthly ceiling ${month:,.2f} is larger than the budget ${budget:,.2f}: a flood can exceed it"
        lines.append(f"  {'monthly_budget':<38} {verdict}")
    return lines


def typical_sentence(typical: Typical) -> str:
    """The ceiling read as a ceiling, next to the same service at a modest traffic (``generator.cost.typical``)."""
    from ..cost.typical import TRAFFIC

    return f"a ceiling, not a bill; at {TRAFFIC}: about ${typical.usd_per_month:,.2f} per 30-day month"


def next_commands(answers: Mapping[str, Any], project: Path) -> list[str]:
    """What to run in a fresh project, in the generated README's order: set up, test, package, add a function, package."""
    from .first_steps import commands

    return [f"cd {project}", *commands(answers)]


def requirement_note(project: Path) -> list[str]:
    """A warning when requirements-dev.txt installs slsguard from a local path: this machine has it, a CI runner does not."""
    from ..answers import pins

    try:
        lines = (project / "requirements-dev.txt").read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    local = [line for line in lines if pins.machine_only(line)]
    if not local:
        return []
    return [
        f"Note: requirements-dev.txt installs slsguard from {local[0].split(' @ ', 1)[1]},",
        "  which only this machine has, so the generated CI cannot install it yet. Once slsguard is installed from a package",
        "  index or from a git checkout whose commit is on its origin, `slsguard upgrade` in the project rewrites that line.",
    ]
