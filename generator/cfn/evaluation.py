"""What a deploy can make of a template value: every value CloudFormation may give a property, and why.

``possible(value, tpl)`` answers the set of values a raw template value can take when deployed, each with the
branches and parameters that lead to it ("when IsProd is false", "parameter Cidr's default '0.0.0.0/0'"):

- ``Fn::If``: both branches, each tagged with its condition; a branch is pruned only when its condition is provably
  constant (``Fn::Equals`` of literals, a parameter with one allowed value, ...). Conditions are not enumerated as
  2^N scenarios: each value carries the condition choices it depends on, and combinations that contradict
  themselves (the same condition true and false) are dropped;
- ``Ref`` to a parameter: each of its ``AllowedValues``; otherwise its ``Default`` plus an ``Unknown("parameter")``
  for whatever the deployer passes. In a nested stack, the value the parent passes (evaluated in the parent), else
  the child's ``Default`` (the deployer cannot pass a nested stack's parameters);
- ``Ref AWS::NoValue`` and ``null`` are ``ABSENT`` (dropped from lists and mappings);
- ``Fn::Sub``, ``Fn::Join``, ``Fn::Select``, ``Fn::Split``, ``Fn::FindInMap`` (with ``DefaultValue``, and every
  row of the map when a key is not known), ``Fn::Base64``, ``Fn::ToJsonString``, ``Fn::Length`` folded where their
  parts are known (see intrinsics.py); a string with unknown parts is an ``Unknown`` whose detail spells it;
- ``Ref``/``Fn::GetAtt`` of resources and ``Fn::ImportValue`` stay ``Unknown("reference")`` (a nested stack's
  ``Outputs.X`` is followed into the child); pseudo parameters are ``Unknown("pseudo")``: not known, but not
  deployer input either; ``{{resolve:...}}`` strings are ``Unknown("dynamic")``.

Cost: each node is evaluated once per template (memoised) and one value never yields more than
``MAX_COMBINATIONS`` possibilities: beyond that it is ``Unknown("unresolved")``, which a rule that must prove
safety treats as unprovable. Evaluation depth is bounded by ``MAX_DEPTH`` (hostile templates).

``shallow`` resolves only the top of a value (an ``Fn::If`` around a list, a mapping behind a ``Ref``) and keeps
containers' children raw, so a rule can walk a large structure (a policy, a list of ingress rules) piece by piece
without multiplying the alternatives of unrelated leaves.
"""

from __future__ import annotations

import re
import weakref
from typing import TYPE_CHECKING, Any, NamedTuple

from .template import Template

if TYPE_CHECKING:
    from collections.abc import Callable

MAX_COMBINATIONS = 64  # alternatives one value may produce before it counts as unresolved
MAX_DEPTH = 48  # nesting of intrinsic functions, conditions and stack hops followed
DYNAMIC = re.compile(r"\{\{resolve:[a-z-]+:", re.I)
PSEUDO = frozenset(
    {
        *("AWS::AccountId", "AWS::Region", "AWS::Partition", "AWS::URLSuffix", "AWS::StackName", "AWS::StackId"),
        "AWS::NotificationARNs",
    }
)


class _Absent:
    """The property is not there: missing, ``null`` or ``Ref AWS::NoValue``."""

    _instance: _Absent | None = None

    def __new__(cls) -> _Absent:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "ABSENT"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()


class Unknown(NamedTuple):
    """A value the template alone cannot pin down.

    ``kind``: ``parameter`` (whatever the deployer passes), ``reference`` (``Ref``/``Fn::GetAtt`` of a resource,
    ``Fn::ImportValue``), ``pseudo`` (``AWS::Region``, ``AWS::AccountId``, ...: set by AWS, not by the deployer),
    ``dynamic`` (``{{resolve:...}}``), ``unresolved`` (anything else, e.g. too many combinations).
    ``target``: for a reference, the (template, logical id) of the resource it names.
    """

    kind: str
    detail: str
    target: tuple[Any, str] | None = None


class Possible(NamedTuple):
    """One value a deploy can give, and why (the condition branches and parameters that lead to it)."""

    value: Any
    because: tuple[str, ...]


PARAMETER, REFERENCE, PSEUDO_KIND, DYNAMIC_KIND, UNRESOLVED = "parameter", "reference", "pseudo", "dynamic", "unresolved"
# When parts of one value are unknown for different reasons, the whole is unknown for the strongest one.
KIND_ORDER = (PARAMETER, UNRESOLVED, DYNAMIC_KIND, REFERENCE, PSEUDO_KIND)


def when(condition: str, value: bool) -> str:
    """The reason a branch of ``Fn::If`` was taken (rules and messages spell it this way)."""
    return f"when {condition} is {'true' if value else 'false'}"


DEPLOYER = "as the deployer passes it"  # the reason of a parameter's Unknown: kept for merge, not shown (its detail says it)
_PARAMETER_REASON = re.compile(rf"^parameter (\w+)(?:'s default | = | {DEPLOYER}$)")


def merge(*reasons: tuple[str, ...]) -> tuple[str, ...] | None:
    """The reasons of values combined into one, or None when they contradict: a condition both true and false, or
    one parameter with two different values in the same deploy."""
    given = [group for group in reasons if group]
    if len(given) <= 1:
        return given[0] if given else ()  # one value's own reasons never contradict themselves
    out: list[str] = []
    parameters: dict[str, str] = {}
    for group in given:
        for reason in group:
            if reason in out:
                continue
            if reason.startswith("when "):
                flipped = reason[:-4] + "false" if reason.endswith(" true") else reason[:-5] + "true"
                if flipped in out:
                    return None
            named = _PARAMETER_REASON.match(reason)
            if named and parameters.setdefault(named.group(1), reason) != reason:
                return None
            out.append(reason)
    return tuple(out)


def too_many(what: str) -> list[Possible]:
    """The single answer for a value whose alternatives exceed the bound."""
    return [Possible(Unknown(UNRESOLVED, f"{what} has more than {MAX_COMBINATIONS} possible values"), ())]


def product(parts: list[list[Possible]], what: str) -> list[tuple[list[Any], tuple[str, ...]]] | None:
    """Every consistent combination of the parts' values (None beyond the bound)."""
    combos: list[tuple[list[Any], tuple[str, ...]]] = [([], ())]
    for options in parts:
        nxt: list[tuple[list[Any], tuple[str, ...]]] = []
        for values, because in combos:
            for option in options:
                reasons = merge(because, option.because)
                if reasons is not None:
                    nxt.append(([*values, option.value], reasons))
        if len(nxt) > MAX_COMBINATIONS:
            return None
        combos = nxt
    return combos


def dedupe(found: list[Possible]) -> list[Possible]:
    """The same value reached the same way once; order kept."""
    if len(found) <= 1:
        return found
    seen: set[str] = set()
    out: list[Possible] = []
    for p in found:
        key = repr(p)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


class Evaluator:
    """Evaluates the values of one template, memoised per node (a node is evaluated once whatever asks)."""

    def __init__(self, tpl: Template) -> None:
        self.tpl = tpl
        self._memo: dict[int, tuple[Any, list[Possible]]] = {}  # id(node) -> (node kept alive, result)
        self._shallow: dict[int, tuple[Any, list[Possible]]] = {}
        self.conditions: dict[str, frozenset[bool] | None] = {}  # None while being evaluated (a cycle)
        self.parsed: dict[str, Any] = {}  # JSON policy strings, parsed once

    def eval(self, node: Any, depth: int = 0) -> list[Possible]:
        if node is None:
            return [Possible(ABSENT, ())]
        if isinstance(node, str):
            return [Possible(Unknown(DYNAMIC_KIND, node) if "{{" in node and DYNAMIC.search(node) else node, ())]
        if not isinstance(node, dict | list):
            return [Possible(node, ())]
        if depth > MAX_DEPTH:
            return [Possible(Unknown(UNRESOLVED, f"nested deeper than {MAX_DEPTH} levels"), ())]
        cached = self._memo.get(id(node))
        if cached is not None and cached[0] is node:
            return cached[1]
        result = dedupe(self._eval(node, depth))
        if len(result) > MAX_COMBINATIONS:
            result = too_many("a value")
        self._memo[id(node)] = (node, result)
        return result

    def _eval(self, node: dict[str, Any] | list[Any], depth: int) -> list[Possible]:
        if isinstance(node, list):
            combos = product([self.eval(item, depth + 1) for item in node], "a list")
            if combos is None:
                return too_many("a list")
            return [Possible([v for v in values if v is not ABSENT], because) for values, because in combos]
        if len(node) == 1:
            key, arg = next(iter(node.items()))
            handler = INTRINSICS.get(key)
            if handler is not None:
                return handler(self, arg, depth + 1)
            if key.startswith("Fn::"):
                return [Possible(Unknown(UNRESOLVED, f"{key} is not evaluated by the audit"), ())]
        keys = list(node)
        combos = product([self.eval(node[k], depth + 1) for k in keys], "a mapping")
        if combos is None:
            return too_many("a mapping")
        return [Possible({k: v for k, v in zip(keys, values, strict=True) if v is not ABSENT}, because) for values, because in combos]

    def shallow(self, node: Any, depth: int = 0) -> list[Possible]:
        """The top of a value resolved, containers' children left raw (see the module docstring)."""
        if isinstance(node, dict) and len(node) == 1 and depth <= MAX_DEPTH:
            key, arg = next(iter(node.items()))
            if key == "Fn::If":
                cached = self._shallow.get(id(node))
                if cached is not None and cached[0] is node:
                    return cached[1]
                result = self._shallow_if(node, arg, depth)
                self._shallow[id(node)] = (node, result)
                return result
            if key in INTRINSICS:
                return self.eval(node, depth)
        if node is None:
            return [Possible(ABSENT, ())]
        return [Possible(node, ())]

    def _shallow_if(self, node: dict[str, Any], arg: Any, depth: int) -> list[Possible]:
        from .conditions import branches

        found = branches(self, arg, depth + 1)
        if found is None:
            return self.eval(node, depth)
        out = [
            Possible(p.value, reasons)
            for branch, because in found
            for p in self.shallow(branch, depth + 1)
            if (reasons := merge(because, p.because)) is not None
        ]
        return too_many("an Fn::If") if len(out) > MAX_COMBINATIONS else out


INTRINSICS: dict[str, Callable[[Evaluator, Any, int], list[Possible]]] = {}  # filled by intrinsics.py

_EVALUATORS: weakref.WeakKeyDictionary[Any, Evaluator] = weakref.WeakKeyDictionary()


def evaluator(tpl: Template) -> Evaluator:
    """The memoising evaluator of one template (created on first use, dropped with the template)."""
    found = _EVALUATORS.get(tpl)
    if found is None:
        found = _EVALUATORS[tpl] = Evaluator(tpl)
    return found


def possible(value: Any, tpl: Template) -> list[Possible]:
    """Every value a deploy can give this raw template value, each with the branches/parameters that lead to it."""
    return evaluator(tpl).eval(value)


def shallow(value: Any, tpl: Template) -> list[Possible]:
    """Every value the top of this raw value can take, with lists' and mappings' children left raw."""
    return evaluator(tpl).shallow(value)


def known(found: list[Possible]) -> bool:
    """Whether every possible value is pinned down (no Unknown anywhere inside)."""
    return not any(has_unknown(p.value) for p in found)


def has_unknown(value: Any) -> bool:
    """Whether a value, or any leaf inside it, is Unknown."""
    if isinstance(value, Unknown):
        return True
    if isinstance(value, list):
        return any(has_unknown(v) for v in value)
    if isinstance(value, dict):
        return any(has_unknown(v) for v in value.values())
    return False
