"""Expand ``Transform: AWS::LanguageExtensions`` as CloudFormation does before deploying, so the rules judge the
resources the loops make: ``Fn::ForEach`` (nested loops, ``${Id}``/``&{Id}`` in keys and values, ``Ref: Id``),
``Fn::Length`` and ``Fn::ToJsonString``.

A loop's collection is a list or a ``Ref`` to a CommaDelimitedList parameter. With ``AllowedValues`` every allowed
item is expanded (a deploy can pick any of them); with only a ``Default``, the default's items name the copies, but
each copy's value stays ``Fn::Select [i, Ref Param]`` (a deploy may pass anything), so a rule that must prove a value
safe sees a parameter, not the default. A collection the audit cannot know is refused (exit 2), never skipped.

Kept for the rules: ``DeletionPolicy``/``UpdateReplacePolicy`` given as intrinsics, ``Fn::Length`` of a parameter
whose length a deploy chooses, ``Fn::ToJsonString`` of a value with intrinsics in it (the rules read the mapping:
the JSON text CloudFormation would write means the same policy).
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..errors import UserError
from ..printable import printable

TRANSFORM = "AWS::LanguageExtensions"
LOOP = "Fn::ForEach::"
SECTIONS = ("Conditions", "Resources", "Outputs")  # where Fn::ForEach may stand (CloudFormation's template reference)
# The expansion's bound: nodes written by all loops of one template together. CloudFormation's processed template must
# stay within 1 MB and 500 resources; 200,000 nodes is far above what that allows and far below what exhausts memory.
MAX_EXPANDED_NODES = 200_000
FIX = (
    "Fix: give the loop a list or a Ref to a CommaDelimitedList parameter with AllowedValues or a Default, "
    "or audit the processed template (`aws cloudformation get-template --template-stage Processed` after a change set)."
)
_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]")


class _Loop:
    """One identifier's binding while a copy is written: its item, and how a value refers to it."""

    def __init__(self, ident: str, item: str, value: Any) -> None:
        self.ident, self.item, self.value = ident, item, value  # value: the item, or Fn::Select [i, Ref Param]
        self.key_marks = (f"${{{ident}}}", f"&{{{ident}}}")

    def key(self, text: str) -> str:
        """An OutputKey: ``${Id}`` is the item, ``&{Id}`` the item without its non-alphanumeric characters."""
        return text.replace(self.key_marks[0], self.item).replace(self.key_marks[1], _NOT_ALNUM.sub("", self.item))

    def sub_template(self, text: str) -> str:
        """An Fn::Sub template with this identifier's marks as one ``${Id}`` variable (its value given beside it)."""
        return text.replace(f"${{!{self.ident}}}", f"${{{self.ident}}}").replace(self.key_marks[1], f"${{{self.ident}}}")


class _Expander:
    def __init__(self, body: dict[str, Any], source: object) -> None:
        params = body.get("Parameters")
        self.params: dict[str, Any] = params if isinstance(params, dict) else {}
        self.source = source
        self.written = 0

    def fail(self, loop: str, problem: str, hint: str = FIX) -> UserError:
        return UserError(f"{printable(self.source)}: {printable(loop)}: {printable(problem)}.", hint)

    def count(self, loop: str, n: int) -> None:
        self.written += n
        if self.written > MAX_EXPANDED_NODES:
            raise self.fail(
                loop,
                f"the loops write more than {MAX_EXPANDED_NODES:,} nodes (the limit for one template)",
                "Fix: fewer or smaller loops; CloudFormation's processed template is bounded by 1 MB and 500 resources.",
            )

    def collection(self, loop: str, value: Any) -> list[tuple[str, Any]]:
        """(item, value a copy refers to it by) for every item a deploy can iterate over."""
        if isinstance(value, list):
            if not all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in value):
                raise self.fail(loop, "the collection holds something other than strings")
            return [(str(v), str(v)) for v in value]
        name = value.get("Ref") if isinstance(value, dict) and len(value) == 1 else None
        spec = self.params.get(name) if isinstance(name, str) else None
        if not isinstance(spec, dict):
            raise self.fail(loop, "the collection is neither a list nor a Ref to a parameter of this template")
        if not (spec.get("Type") == "CommaDelimitedList" or str(spec.get("Type", "")).startswith("List<")):
            raise self.fail(loop, f"parameter {name} is not a CommaDelimitedList")
        allowed = spec.get("AllowedValues")
        if isinstance(allowed, list) and allowed:
            return [(str(v), str(v)) for v in allowed]
        default = spec.get("Default")
        if isinstance(default, list | str) and default != "":
            items = default if isinstance(default, list) else [p.strip() for p in default.split(",")]
            return [(str(v), {"Fn::Select": [i, {"Ref": name}]}) for i, v in enumerate(items)]
        raise self.fail(loop, f"parameter {name} has neither AllowedValues nor a Default, so the copies a deploy makes cannot be known")

    def loop(self, key: str, spec: Any, bound: tuple[_Loop, ...]) -> list[tuple[str, Any]]:
        if not (isinstance(spec, list) and len(spec) == 3 and isinstance(spec[0], str) and isinstance(spec[2], dict)):
            raise self.fail(
                key, "not [Identifier, Collection, {OutputKey: OutputValue}]", "Fix: write the loop as the template reference declares it."
            )
        ident, collection, fragment = spec
        if not bound and self.estimate({key: spec}) > MAX_EXPANDED_NODES:  # a loop bomb is refused before any copy
            self.count(key, MAX_EXPANDED_NODES + 1)
        out: list[tuple[str, Any]] = []
        for item, value in self.collection(key, self.value(collection, bound)):
            out.extend(self.mapping(fragment, (*bound, _Loop(ident, item, value)), key).items())
        return out

    def mapping(self, node: dict[str, Any], bound: tuple[_Loop, ...], where: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for raw_key, raw in node.items():
            is_loop = isinstance(raw_key, str) and raw_key.startswith(LOOP)
            pairs = self.loop(raw_key, raw, bound) if is_loop else [(self._key(raw_key, bound), self.value(raw, bound))]
            for key, value in pairs:
                if key in out:
                    raise self.fail(
                        raw_key if is_loop else where,
                        f'two keys are both named "{key}"',
                        "Fix: put ${Identifier} or &{Identifier} in the OutputKey.",
                    )
                out[key] = value
        if bound:
            self.count(where, len(out))
        return out

    def estimate(self, node: Any) -> int:
        """Nodes the loops in ``node`` would write: each loop's item count times its fragment's (nested loops multiply)."""
        if isinstance(node, list):
            return 1 + sum(self.estimate(v) for v in node)
        if not isinstance(node, dict):
            return 1
        total = 1
        for key, value in node.items():
            if isinstance(key, str) and key.startswith(LOOP) and isinstance(value, list) and len(value) == 3:
                total += self._items(value[1]) * self.estimate(value[2])
            else:
                total += self.estimate(value)
            if total > MAX_EXPANDED_NODES:
                break
        return total

    def _items(self, collection: Any) -> int:
        """How many copies a collection makes, leniently (1 when unknown: the expansion reports what is wrong)."""
        if isinstance(collection, list):
            return len(collection)
        spec = self.params.get(collection.get("Ref")) if isinstance(collection, dict) and isinstance(collection.get("Ref"), str) else None
        values = spec.get("AllowedValues") or spec.get("Default") if isinstance(spec, dict) else None
        if isinstance(values, str):
            return values.count(",") + 1
        return len(values) if isinstance(values, list) else 1

    @staticmethod
    def _key(key: Any, bound: tuple[_Loop, ...]) -> Any:
        for b in reversed(bound):
            key = b.key(key) if isinstance(key, str) else key
        return key

    def value(self, node: Any, bound: tuple[_Loop, ...]) -> Any:
        """A value with the bound identifiers substituted, inner loops expanded and Fn::Length/ToJsonString folded."""
        if isinstance(node, str):
            return _string(node, bound) if bound else node
        if isinstance(node, list):
            if bound:
                self.count(bound[-1].ident, len(node))
            return [self.value(v, bound) for v in node]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            ((fn, arg),) = node.items()
            ref = next((b for b in reversed(bound) if fn == "Ref" and arg == b.ident), None)
            if ref is not None:
                return ref.value
            if fn == "Fn::Sub" and bound:
                return self.sub(arg, bound)
            if fn == "Fn::Length":
                arg = self.value(arg, bound)
                return len(arg) if isinstance(arg, list) else {fn: arg}  # a parameter's list is chosen at deploy time
            if fn == "Fn::ToJsonString":
                return _to_json(self.value(arg, bound))
        return self.mapping(node, bound, bound[-1].ident if bound else "template")

    def sub(self, arg: Any, bound: tuple[_Loop, ...]) -> dict[str, Any]:
        """Fn::Sub inside a loop: known items written into its template, unknown ones added as its variables."""
        text, variables = (arg[0], arg[1]) if isinstance(arg, list) and len(arg) == 2 else (arg, {})
        if not isinstance(text, str) or not isinstance(variables, dict):
            return {"Fn::Sub": self.value(arg, bound)}
        variables = self.value(variables, bound)
        for b in reversed(bound):  # the innermost loop's identifier shadows an outer one of the same name
            if not any(mark in text for mark in b.key_marks):
                continue
            if isinstance(b.value, str):
                text = b.key(text)
            else:
                text, variables = b.sub_template(text), {**variables, b.ident: b.value}
        return {"Fn::Sub": [text, variables] if variables else text}


def _string(text: str, bound: tuple[_Loop, ...]) -> Any:
    """A string outside Fn::Sub: known items written in; items a deploy chooses kept as Fn::Sub variables."""
    unknown: list[_Loop] = []
    for b in reversed(bound):  # innermost first: its identifier shadows an outer one of the same name
        if any(mark in text for mark in b.key_marks):
            if isinstance(b.value, str):
                text = b.key(text)
            else:
                unknown.append(b)
    if not unknown:
        return text
    template = text.replace("${", "${!")  # the rest of the string stays literal inside the Fn::Sub
    for b in unknown:
        template = b.sub_template(template)
    return {"Fn::Sub": [template, {b.ident: b.value for b in unknown}]}


def _literal(value: Any) -> bool:
    if isinstance(value, dict):
        return not any(k == "Ref" or (isinstance(k, str) and k.startswith("Fn::")) for k in value) and all(map(_literal, value.values()))
    if isinstance(value, list):
        return all(map(_literal, value))
    return True


def _to_json(arg: Any) -> Any:
    """The JSON text CloudFormation writes for a literal value; a value with intrinsics stays a mapping for the rules."""
    if _literal(arg):
        return json.dumps(arg, separators=(",", ":"), default=str)
    return arg


def uses(body: dict[str, Any]) -> bool:
    """Whether the template asks for the transform (alone or in a list of transforms)."""
    transform = body.get("Transform")
    return transform == TRANSFORM or (isinstance(transform, list) and TRANSFORM in transform)


def expand(body: dict[str, Any], source: object) -> dict[str, Any]:
    """The template CloudFormation processes: loops expanded in Conditions, Resources and Outputs; Transform without it."""
    expander = _Expander(body, source)
    out = dict(body)
    for section in SECTIONS:
        value = body.get(section)
        if isinstance(value, dict):
            out[section] = expander.mapping(value, (), section)
    transform = body.get("Transform")
    rest = [t for t in transform if t != TRANSFORM] if isinstance(transform, list) else []
    if rest:
        out["Transform"] = rest[0] if len(rest) == 1 else rest
    else:
        out.pop("Transform", None)
    return out
