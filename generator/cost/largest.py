"""The largest value a deploy can give a priced property, and which branch or parameter gives it.

``slsguard cost`` reads every number (memory, timeout, reserved concurrency, throttles) through the evaluation
layer (``generator/cfn/values.py``) and prices the largest possible one: a value behind ``Fn::If`` or a parameter
is priced at its most expensive branch or allowed value, and the output names it ("when IsProd is true",
"parameter Mem = 3008"). A value that is only "whatever the deployer passes" is bounded by the parameter's
``MaxValue`` when it has one; without one it is priced at AWS's maximum and flagged (``Picked.unbounded``).
A negative or non-numeric value is unusable input: exit 2 with one line naming the resource, property and value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..cfn.numbers import number
from ..cfn.template import Template
from ..cfn.values import ABSENT, Possible, Unknown, possible, why
from ..errors import UserError


@dataclass(frozen=True)
class Picked:
    """The value priced (None: none in some branch, so the case nothing bounds), why, and the flag when AWS's maximum stands in."""

    value: float | None
    because: str = ""  # "when IsProd is true", "parameter Mem's default 1024", "" for a plain literal
    unbounded: str | None = None  # the flag's reason when no branch or parameter bounds the value


def _max_value(unknown: Unknown) -> float | None:
    """The MaxValue of the Number parameter an Unknown stands for."""
    if unknown.kind != "parameter" or unknown.target is None:
        return None
    tpl, name = unknown.target
    spec = tpl.section("Parameters").get(name)
    return number(spec.get("MaxValue")) if isinstance(spec, dict) else None


def _bad(label: str, prop: str, value: Any, because: tuple[str, ...], allowed: str) -> UserError:
    shown = value if isinstance(value, str | int | float) else type(value).__name__
    return UserError(
        f"{label} {prop}={shown!r}{why(because)} is not allowed: it must be {allowed}.",
        f"Fix: set {prop} to a number (or a parameter whose AllowedValues or MaxValue are numbers), then package again.",
    )


def largest(tpl: Template, raw: Any, label: str, prop: str, aws_max: float, absent: float | None) -> Picked:
    """The largest value ``raw`` can take; ``absent`` is what a missing value means (None: unbounded, e.g. no reservation).

    ``label`` names the resource ("ApiLambdaFunction", "Api/Stack"), ``prop`` the property, in messages and flags.
    """
    plain = number(raw) if isinstance(raw, int | float) else None
    if plain is not None and plain >= 0:
        return Picked(plain)  # a plain number: nothing to evaluate
    return pick(possible(raw, tpl), label, prop, aws_max, absent)


def pick(found: list[Possible], label: str, prop: str, aws_max: float, absent: float | None, allowed: str = "a number >= 0") -> Picked:
    """``largest`` of values already evaluated."""
    best: Picked | None = None
    for p in found:
        if p.value is ABSENT:
            candidate = Picked(absent, ", ".join(p.because))
            if absent is None:
                return candidate  # nothing bounds it in this branch: the worst case wins outright
        elif isinstance(p.value, Unknown):
            bound = _max_value(p.value)
            if bound is not None:
                candidate = Picked(bound, f"{p.value.detail.split(' (')[0]}'s MaxValue {bound:g}")
            else:
                reason = f"{prop} is {p.value.detail}{why(p.because)}: priced at AWS's maximum {aws_max:,g}"
                candidate = Picked(aws_max, f"{p.value.detail}", reason)
        else:
            found = number(p.value)
            if found is None or found < 0:
                raise _bad(label, prop, p.value, p.because, allowed)
            candidate = Picked(found, ", ".join(p.because))
        if best is None or (candidate.value or 0.0, bool(candidate.unbounded)) > (best.value or 0.0, bool(best.unbounded)):
            best = candidate
    return best if best is not None else Picked(absent)
