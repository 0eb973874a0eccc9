"""Reading a resource's values for the rules: its own ``Condition``, one property, the elements of a list, and
the words a message uses for why a value is what it is. Part of values.py's API (re-exported there)."""

from __future__ import annotations

from typing import Any

from .evaluation import ABSENT, DEPLOYER, PARAMETER, UNRESOLVED, Possible, Unknown, evaluator, merge, possible, shallow, when
from .template import Template


def deployed(tpl: Template, resource: Any) -> tuple[str, ...] | None:
    """Why a resource exists in a deploy: ``()`` always, ``("when IsProd is true",)`` under its ``Condition``;
    None when its condition is provably false (CloudFormation never creates it)."""
    name = resource.get("Condition") if isinstance(resource, dict) else None
    if not isinstance(name, str):
        return ()
    from .conditions import named

    answers = named(evaluator(tpl), name, 0)
    if True not in answers:
        return None
    return (when(name, True),) if False in answers else ()


def property_values(tpl: Template, resource: Any, name: str) -> list[Possible]:
    """Every value a deploy can give one property of a resource (``ABSENT`` when it may be missing), under the
    resource's own ``Condition``: none when it is never created, each value's reasons naming the condition."""
    exists = deployed(tpl, resource)
    if exists is None:
        return []
    properties = resource.get("Properties") if isinstance(resource, dict) else None
    if properties is not None and not isinstance(properties, dict):
        return [Possible(Unknown(UNRESOLVED, "Properties is not a mapping"), exists)]
    found = possible((properties or {}).get(name), tpl)
    if not exists:
        return found
    return [Possible(p.value, reasons) for p in found if (reasons := merge(exists, p.because)) is not None]


def items(value: Any, tpl: Template) -> list[tuple[int, Possible]]:
    """Each element a list-valued property may hold, with its position and why (the list and the element resolved
    shallowly: an element's own children stay raw). A property that is not a list is one element at position 0."""
    out: list[tuple[int, Possible]] = []
    for whole in shallow(value, tpl):
        elements = whole.value if isinstance(whole.value, list) else [whole.value]
        for i, element in enumerate(elements):
            for p in shallow(element, tpl):
                reasons = merge(whole.because, p.because)
                if reasons is not None and p.value is not ABSENT:
                    out.append((i, Possible(p.value, reasons)))
    return out


def unprovable(value: Any) -> bool:
    """An Unknown that a rule proving safety cannot accept: deployer input or a value the audit could not resolve.
    References, pseudo parameters and dynamic references are never a literal "*" or "0.0.0.0/0": they are not."""
    return isinstance(value, Unknown) and value.kind in (PARAMETER, UNRESOLVED)


def why(because: tuple[str, ...]) -> str:
    """The reasons as message words: ' (when IsProd is false, parameter Cidr's default '0.0.0.0/0')' or ''."""
    shown = [b for b in because if not b.endswith(DEPLOYER)]
    return f" ({', '.join(shown)})" if shown else ""
