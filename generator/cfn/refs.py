"""Follow CloudFormation references across nested stacks.

The split-stacks plugin moves resources into nested stacks and rewires references: a nested stack
receives a root resource through a Parameter, and the root reads a nested resource through
``Fn::GetAtt [Stack, Outputs.X]``. Rules use these helpers so a method in the API stack still
finds the function in the root stack it invokes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from .template import Template, props, rtype

Ref = tuple[Template, str]  # (template, logical id)
_SUB_VAR = re.compile(r"\$\{([^}!][^}]*)\}")
_MAX_DEPTH = 32


def targets(value: Any, tpl: Template, depth: int = 0) -> Iterator[Ref]:
    """Every resource an expression refers to, wherever it really lives."""
    if depth > _MAX_DEPTH:
        return
    if isinstance(value, list):
        for item in value:
            yield from targets(item, tpl, depth + 1)
        return
    if not isinstance(value, dict):
        return
    if len(value) == 1:
        key, arg = next(iter(value.items()))
        if key == "Ref" and isinstance(arg, str):
            yield from _ref(arg, tpl, depth)
            return
        if key == "Fn::GetAtt":
            parts = arg.split(".", 1) if isinstance(arg, str) else arg
            if isinstance(parts, list) and len(parts) == 2 and isinstance(parts[0], str):
                yield from _get_att(parts[0], parts[1], tpl, depth)
            return
        if key == "Fn::Sub":
            yield from _sub(arg, tpl, depth)
            return
    for item in value.values():
        yield from targets(item, tpl, depth + 1)


def _ref(name: str, tpl: Template, depth: int) -> Iterator[Ref]:
    if name.startswith("AWS::"):
        return
    if name in tpl.resources:
        yield tpl, name
    elif name in tpl.section("Parameters") and tpl.parent is not None and tpl.parent_id is not None:
        passed = props(tpl.parent.resources.get(tpl.parent_id)).get("Parameters")
        if isinstance(passed, dict) and name in passed:
            yield from targets(passed[name], tpl.parent, depth + 1)


def _get_att(name: str, attr: Any, tpl: Template, depth: int) -> Iterator[Ref]:
    resource = tpl.resources.get(name)
    if resource is None:
        return
    if rtype(resource) == "AWS::CloudFormation::Stack" and isinstance(attr, str) and attr.startswith("Outputs."):
        child = tpl.children.get(name)
        output = child.section("Outputs").get(attr[len("Outputs.") :]) if child else None
        if isinstance(output, dict) and child is not None:
            yield from targets(output.get("Value"), child, depth + 1)
        return
    yield tpl, name


def _sub(arg: Any, tpl: Template, depth: int) -> Iterator[Ref]:
    text, variables = (arg[0], arg[1] if len(arg) > 1 else {}) if isinstance(arg, list) and arg else (arg, {})
    if not isinstance(text, str):
        return
    variables = variables if isinstance(variables, dict) else {}
    for name in _SUB_VAR.findall(text):
        if name in variables:
            yield from targets(variables[name], tpl, depth + 1)
        elif "." in name:
            yield from _get_att(*name.split(".", 1), tpl, depth)
        else:
            yield from _ref(name, tpl, depth)


def function_of(ref: Ref) -> Ref | None:
    """The Lambda function behind a reference to a function, its alias or its version."""
    tpl, logical_id = ref
    for _ in range(4):
        resource = tpl.resources.get(logical_id)
        kind = rtype(resource)
        if kind == "AWS::Lambda::Function":
            return tpl, logical_id
        if kind not in ("AWS::Lambda::Alias", "AWS::Lambda::Version"):
            return None
        found = next(targets(props(resource).get("FunctionName"), tpl), None)
        if found is None:
            return None
        tpl, logical_id = found
    return None


def functions(value: Any, tpl: Template) -> list[Ref]:
    """The distinct Lambda functions an expression invokes (through aliases and versions too)."""
    out: list[Ref] = []
    for ref in targets(value, tpl):
        fn = function_of(ref)
        if fn is not None and not any(fn[0] is o[0] and fn[1] == o[1] for o in out):
            out.append(fn)
    return out


def points_to(value: Any, tpl: Template, target: Ref) -> bool:
    """Whether an expression refers to exactly this resource."""
    return any(t is target[0] and lid == target[1] for t, lid in targets(value, tpl))
