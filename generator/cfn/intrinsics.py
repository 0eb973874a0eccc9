"""The intrinsic functions a value can be built from, folded where their parts are known (see values.py)."""

from __future__ import annotations

import base64
import json
import re
from typing import TYPE_CHECKING, Any

from . import evaluation as v
from .conditions import branches
from .evaluation import ABSENT, INTRINSICS, Possible, Unknown

if TYPE_CHECKING:
    from .evaluation import Evaluator

_SUB_VAR = re.compile(r"\$\{([^}]*)\}")
STACK = "AWS::CloudFormation::Stack"
SSM_TYPE = "AWS::SSM::Parameter::Value<"


def _unresolved(detail: str) -> list[Possible]:
    return [Possible(Unknown(v.UNRESOLVED, detail), ())]


def _properties(resource: Any) -> dict[str, Any]:
    found = resource.get("Properties") if isinstance(resource, dict) else None
    return found if isinstance(found, dict) else {}


def concat(parts: list[Any], sep: str = "") -> Any:
    """Strings joined; with unknown parts, an Unknown spelling the whole (``arn:${AWS::Partition}:s3:::${Ref Bucket}``)."""
    texts: list[str] = []
    unknown: list[Unknown] = []
    for part in parts:
        if isinstance(part, Unknown):
            unknown.append(part)
            texts.append(f"${{{part.detail}}}")
        elif isinstance(part, bool):
            texts.append("true" if part else "false")
        elif isinstance(part, str | int | float):
            texts.append(str(part))
        else:
            return Unknown(v.UNRESOLVED, "a string built from a list or mapping")
    text = sep.join(texts)
    if not unknown:
        return text
    if v.DYNAMIC.search(text):
        return Unknown(v.DYNAMIC_KIND, text)
    kind = min((u.kind for u in unknown), key=lambda k: v.KIND_ORDER.index(k) if k in v.KIND_ORDER else 0)
    targets = {u.target for u in unknown if u.target is not None and u.kind == kind}
    return Unknown(kind, text, next(iter(targets)) if len(targets) == 1 else None)


def _combine(ev: Evaluator, nodes: list[Any], depth: int, what: str) -> list[tuple[list[Any], tuple[str, ...]]] | None:
    return v.product([ev.eval(node, depth + 1) for node in nodes], what)


def _ref(ev: Evaluator, name: Any, depth: int) -> list[Possible]:
    if not isinstance(name, str):
        return _unresolved("a Ref whose target is not a name")
    if name == "AWS::NoValue":
        return [Possible(ABSENT, ())]
    if name.startswith("AWS::"):
        return [Possible(Unknown(v.PSEUDO_KIND, name), ())]
    parameters = ev.tpl.section("Parameters")
    if name in parameters:
        return _parameter(ev, name, parameters[name], depth)
    if name in ev.tpl.resources:
        return [Possible(Unknown(v.REFERENCE, f"Ref {name}", (ev.tpl, name)), ())]
    return _unresolved(f"Ref {name}, which names nothing in the template")


def _parameter(ev: Evaluator, name: str, spec: Any, depth: int) -> list[Possible]:
    """A parameter: what the parent stack passes, else its allowed values, else its default and the deployer's input."""
    tpl = ev.tpl
    if tpl.parent is not None and tpl.parent_id is not None:
        passed = _properties(tpl.parent.resources.get(tpl.parent_id)).get("Parameters")
        if isinstance(passed, dict) and name in passed:
            found = v.evaluator(tpl.parent).eval(passed[name], depth + 1)
            return [Possible(p.value, (f"parameter {name} as stack {tpl.parent_id} passes it", *p.because)) for p in found]
    spec = spec if isinstance(spec, dict) else {}
    kind = str(spec.get("Type", "String"))
    listed = kind == "CommaDelimitedList" or kind.startswith("List<")
    unknown = Unknown(v.PARAMETER, f"parameter {name}", (tpl, name))
    if kind.startswith(SSM_TYPE):
        return [Possible(unknown._replace(detail=f"parameter {name} (read from SSM parameter {spec.get('Default')})"), ())]
    allowed = spec.get("AllowedValues")
    if isinstance(allowed, list) and allowed and not listed:
        return [Possible(a, (f"parameter {name} = {a!r}",)) for a in allowed if isinstance(a, str | int | float)]
    out: list[Possible] = []
    if "Default" in spec and isinstance(spec["Default"], str | int | float):
        default = spec["Default"]
        if listed:
            default = [part.strip() for part in str(default).split(",")]
        out.append(Possible(default, (f"parameter {name}'s default {spec['Default']!r}",)))
    if tpl.parent is None:  # a root stack's parameters are whatever the deployer passes
        out.append(Possible(unknown._replace(detail=f"parameter {name} (no AllowedValues)"), (f"parameter {name} {v.DEPLOYER}",)))
    elif not out:
        return _unresolved(f"parameter {name}, which stack {tpl.parent_id} does not pass and which has no Default")
    return out


def _get_att(ev: Evaluator, arg: Any, depth: int) -> list[Possible]:
    parts = arg.split(".", 1) if isinstance(arg, str) else arg
    if not (isinstance(parts, list) and len(parts) == 2 and isinstance(parts[0], str)):
        return _unresolved("an Fn::GetAtt that is not [resource, attribute]")
    name, attr = parts
    resource = ev.tpl.resources.get(name)
    if resource is None:
        return _unresolved(f"Fn::GetAtt {name}, which names no resource in the template")
    child = ev.tpl.children.get(name) if isinstance(resource, dict) and resource.get("Type") == STACK else None
    if child is not None and isinstance(attr, str) and attr.startswith("Outputs."):
        output = child.section("Outputs").get(attr[len("Outputs.") :])
        if isinstance(output, dict) and "Value" in output:
            return v.evaluator(child).eval(output["Value"], depth + 1)
    shown = attr if isinstance(attr, str) else "?"
    return [Possible(Unknown(v.REFERENCE, f"Fn::GetAtt {name}.{shown}", (ev.tpl, name)), ())]


def _if(ev: Evaluator, arg: Any, depth: int) -> list[Possible]:
    found = branches(ev, arg, depth)
    if found is None:
        return _unresolved("an Fn::If that is not [condition, then, else]")
    out: list[Possible] = []
    for branch, because in found:
        for p in ev.eval(branch, depth + 1):
            reasons = v.merge(because, p.because)
            if reasons is not None:
                out.append(Possible(p.value, reasons))
    return out


def _sub(ev: Evaluator, arg: Any, depth: int) -> list[Possible]:
    text, variables = (arg[0], arg[1] if len(arg) > 1 else {}) if isinstance(arg, list) and arg else (arg, {})
    if not isinstance(text, str) or not isinstance(variables, dict):
        return _unresolved("an Fn::Sub that is not a string with a mapping of variables")
    pieces: list[Any] = []  # literal strings and nodes to evaluate
    last = 0
    for match in _SUB_VAR.finditer(text):
        pieces.append(text[last : match.start()])
        name = match.group(1).strip()
        if name.startswith("!"):
            pieces.append("${" + name[1:] + "}")
        elif name in variables:
            pieces.append(variables[name])
        elif "." in name and not name.startswith("AWS::"):
            pieces.append({"Fn::GetAtt": name.split(".", 1)})
        else:
            pieces.append({"Ref": name})
        last = match.end()
    pieces.append(text[last:])
    combos = _combine(ev, pieces, depth, "an Fn::Sub")
    if combos is None:
        return v.too_many("an Fn::Sub")
    return [Possible(concat(values), because) for values, because in combos]


def _join(ev: Evaluator, arg: Any, depth: int) -> list[Possible]:
    if not (isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str)):
        return _unresolved("an Fn::Join that is not [delimiter, list]")
    out: list[Possible] = []
    for p in ev.eval(arg[1], depth + 1):
        if isinstance(p.value, list):
            out.append(Possible(concat(p.value, arg[0]), p.because))
        elif isinstance(p.value, Unknown):
            out.append(Possible(p.value._replace(detail=f"Fn::Join of {p.value.detail}"), p.because))
        else:
            out.append(Possible(Unknown(v.UNRESOLVED, "an Fn::Join of something that is not a list"), p.because))
    return out


def _select(ev: Evaluator, arg: Any, depth: int) -> list[Possible]:
    if not (isinstance(arg, list) and len(arg) == 2):
        return _unresolved("an Fn::Select that is not [index, list]")
    combos = _combine(ev, arg, depth, "an Fn::Select")
    if combos is None:
        return v.too_many("an Fn::Select")
    out: list[Possible] = []
    for (index, items), because in combos:
        position = int(index) if isinstance(index, int | str) and str(index).isdigit() else None
        if isinstance(items, list) and position is not None and position < len(items):
            out.append(Possible(items[position], because))
        elif isinstance(items, Unknown):
            out.append(Possible(items._replace(detail=f"an element of {items.detail}"), because))
        else:
            out.append(Possible(Unknown(v.UNRESOLVED, "an Fn::Select whose index or list is not known"), because))
    return out


def _split(ev: Evaluator, arg: Any, depth: int) -> list[Possible]:
    if not (isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str) and arg[0]):
        return _unresolved("an Fn::Split that is not [delimiter, string]")
    out: list[Possible] = []
    for p in ev.eval(arg[1], depth + 1):
        value = p.value.split(arg[0]) if isinstance(p.value, str) else p.value if isinstance(p.value, Unknown) else None
        out.append(Possible(value if value is not None else Unknown(v.UNRESOLVED, "an Fn::Split of a non-string"), p.because))
    return out


def _find_in_map(ev: Evaluator, arg: Any, depth: int) -> list[Possible]:
    """A map's value; with a key that is not known, every value the map holds in that place (and the DefaultValue)."""
    if not (isinstance(arg, list) and len(arg) in (3, 4)):
        return _unresolved("an Fn::FindInMap that is not [map, key, key]")
    options = arg[3] if len(arg) == 4 and isinstance(arg[3], dict) else {}
    combos = _combine(ev, arg[:3], depth, "an Fn::FindInMap")
    if combos is None:
        return v.too_many("an Fn::FindInMap")
    out: list[Possible] = []
    mappings = ev.tpl.section("Mappings")
    for (name, first, second), because in combos:
        table = mappings.get(name) if isinstance(name, str) else None
        table = table if isinstance(table, dict) else {}
        exact = isinstance(first, str) and isinstance(second, str)
        found: list[Possible] = []
        for row_key, row in [(first, table.get(first))] if isinstance(first, str) else list(table.items()):
            if not isinstance(row, dict):
                continue
            for cell_key, cell in [(second, row.get(second))] if isinstance(second, str) else list(row.items()):
                if cell is not None:
                    where = f"map {name}[{row_key}][{cell_key}]"
                    found.extend(Possible(p.value, (*because, where, *p.because)) for p in ev.eval(cell, depth + 1))
        if "DefaultValue" in options and not (exact and found):
            default = ev.eval(options["DefaultValue"], depth + 1)
            found.extend(Possible(p.value, (*because, f"the DefaultValue of map {name}", *p.because)) for p in default)
        out.extend(found or [Possible(Unknown(v.UNRESOLVED, f"Fn::FindInMap of keys not in map {name}"), because)])
    if len(out) > v.MAX_COMBINATIONS:
        return v.too_many("an Fn::FindInMap")
    return out


def _base64(ev: Evaluator, arg: Any, depth: int) -> list[Possible]:
    out: list[Possible] = []
    for p in ev.eval(arg, depth + 1):
        if isinstance(p.value, str):
            out.append(Possible(base64.b64encode(p.value.encode()).decode(), p.because))
        elif isinstance(p.value, Unknown):
            out.append(Possible(p.value._replace(detail=f"Fn::Base64 of {p.value.detail}"), p.because))
        else:
            out.append(Possible(Unknown(v.UNRESOLVED, "an Fn::Base64 of a non-string"), p.because))
    return out


def _to_json(ev: Evaluator, arg: Any, depth: int) -> list[Possible]:
    return [
        Possible(
            Unknown(v.UNRESOLVED, "Fn::ToJsonString of values not known") if v.has_unknown(p.value) else json.dumps(p.value), p.because
        )
        for p in ev.eval(arg, depth + 1)
    ]


def _length(ev: Evaluator, arg: Any, depth: int) -> list[Possible]:
    return [
        Possible(len(p.value) if isinstance(p.value, list) else Unknown(v.UNRESOLVED, "Fn::Length of a list not known"), p.because)
        for p in ev.eval(arg, depth + 1)
    ]


def _import(ev: Evaluator, arg: Any, depth: int) -> list[Possible]:
    names = ev.eval(arg, depth + 1)
    shown = names[0].value if len(names) == 1 and isinstance(names[0].value, str) else "an export"
    return [Possible(Unknown(v.REFERENCE, f"Fn::ImportValue {shown}"), ())]


INTRINSICS.update(
    {
        "Ref": _ref,
        "Fn::GetAtt": _get_att,
        "Fn::If": _if,
        "Fn::Sub": _sub,
        "Fn::Join": _join,
        "Fn::Select": _select,
        "Fn::Split": _split,
        "Fn::FindInMap": _find_in_map,
        "Fn::Base64": _base64,
        "Fn::ToJsonString": _to_json,
        "Fn::Length": _length,
        "Fn::ImportValue": _import,
        "Fn::GetAZs": lambda ev, arg, depth: [Possible(Unknown(v.PSEUDO_KIND, "Fn::GetAZs"), ())],
        "Fn::Cidr": lambda ev, arg, depth: _unresolved("Fn::Cidr"),
        "Fn::Transform": lambda ev, arg, depth: _unresolved("Fn::Transform (a macro's output)"),
    }
)
