"""Conditions: which way each ``Fn::If`` can go.

A condition is judged on its own, without enumerating scenarios: it is provably true, provably false, or either.
``Fn::Equals`` compares every value both sides can take (so a parameter with one allowed value, or two literals,
decide it); ``Fn::And``/``Fn::Or``/``Fn::Not`` combine their parts' answers. A condition that cannot be decided
keeps both branches, each tagged "when X is true/false" so that combinations contradicting themselves are dropped
(evaluation.merge). Cycles and hostile nesting count as undecided, which is the fail-closed answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .evaluation import MAX_DEPTH, has_unknown, when

if TYPE_CHECKING:
    from .evaluation import Evaluator

EITHER = frozenset({True, False})


def _text(value: Any) -> str:
    """How CloudFormation compares a value: as its string form (true, 5, ...)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def decide(ev: Evaluator, expr: Any, depth: int) -> frozenset[bool]:
    """Every truth value a condition expression can take."""
    if depth > MAX_DEPTH or not isinstance(expr, dict) or len(expr) != 1:
        return EITHER
    key, arg = next(iter(expr.items()))
    if key == "Condition" and isinstance(arg, str):
        return named(ev, arg, depth + 1)
    parts = arg if isinstance(arg, list) else None
    if parts is None:
        return EITHER
    if key == "Fn::Equals" and len(parts) == 2:
        left, right = ev.eval(parts[0], depth + 1), ev.eval(parts[1], depth + 1)
        if any(has_unknown(p.value) for p in (*left, *right)):
            return EITHER
        return frozenset(_text(a.value) == _text(b.value) for a in left for b in right) or EITHER
    answers = [decide(ev, part, depth + 1) for part in parts]
    if key == "Fn::Not" and len(answers) == 1:
        return frozenset(not a for a in answers[0])
    if key == "Fn::And" and answers:
        if any(a == {False} for a in answers):
            return frozenset({False})
        return frozenset({True}) if all(a == {True} for a in answers) else EITHER
    if key == "Fn::Or" and answers:
        if any(a == {True} for a in answers):
            return frozenset({True})
        return frozenset({False}) if all(a == {False} for a in answers) else EITHER
    return EITHER


def named(ev: Evaluator, name: str, depth: int) -> frozenset[bool]:
    """A condition of the Conditions section, decided once per template."""
    if name in ev.conditions:
        found = ev.conditions[name]
        return EITHER if found is None else found  # None: a cycle, being decided further up
    ev.conditions[name] = None
    section = ev.tpl.section("Conditions")
    answer = decide(ev, section[name], depth + 1) if name in section else EITHER
    ev.conditions[name] = answer
    return answer


def branches(ev: Evaluator, arg: Any, depth: int) -> list[tuple[Any, tuple[str, ...]]] | None:
    """The branches of an ``Fn::If`` a deploy can take, each with its reason (none when the condition is constant);
    None when it is not ``[condition, then, else]``."""
    if not isinstance(arg, list) or len(arg) != 3:
        return None
    name, then, other = arg
    if not isinstance(name, str):
        return [(then, ("when an unnamed condition is true",)), (other, ("when an unnamed condition is false",))]
    answers = named(ev, name, depth)
    out: list[tuple[Any, tuple[str, ...]]] = []
    for value, branch in ((True, then), (False, other)):
        if value in answers:
            out.append((branch, (when(name, value),) if len(answers) == 2 else ()))
    return out
