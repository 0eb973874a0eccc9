"""Changes in cascade. A replaced resource comes back with a new physical id (and new attributes), so every resource
whose properties refer to it (``Ref``, ``Fn::GetAtt``, ``${X}`` in ``Fn::Sub``) changes too, although its own text
does not: replaced when the referring property is create-only, updated in place otherwise. Followed to a fixed point
within a stack, and from the root into a nested stack through the parameters the root passes it (a ``Ref`` to that
parameter inside). Not followed: a nested stack's outputs back into the root or a sibling (said in docs/deploy.md)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ..audit.retention import STATEFUL
from ..cfn.template import props
from .model import ADDED, CHANGED, REMOVED, REPLACED, Change, keeps, matches, type_of
from .schemas import create_only

_SUB_NAME = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.[^}]*)?\}")
_MAX_DEPTH = 48


def references(value: Any, path: tuple[str, ...] = (), depth: int = 0) -> Iterator[tuple[tuple[str, ...], str]]:
    """(property path, name) for every resource or parameter name an expression refers to."""
    if depth > _MAX_DEPTH:
        return
    if isinstance(value, list):
        for i, item in enumerate(value):
            yield from references(item, (*path, str(i)), depth + 1)
    elif isinstance(value, dict):
        if len(value) == 1:
            key, arg = next(iter(value.items()))
            if key == "Ref" and isinstance(arg, str):
                yield path, arg
                return
            if key == "Fn::GetAtt":
                name = arg.split(".", 1)[0] if isinstance(arg, str) else arg[0] if isinstance(arg, list) and arg else None
                if isinstance(name, str):
                    yield path, name
                return
            if key == "Fn::Sub":
                text = arg[0] if isinstance(arg, list) and arg else arg
                if isinstance(text, str):
                    yield from ((path, name) for name in _SUB_NAME.findall(text))
                if isinstance(arg, list) and len(arg) > 1:
                    yield from references(arg[1], path, depth + 1)
                return
        for key, item in value.items():
            yield from references(item, (*path, str(key)), depth + 1)


def follow(
    stack: str, found: list[Change], old: dict[str, Any], new: dict[str, Any], region: str, seeds: dict[str, str]
) -> tuple[list[Change], dict[str, str]]:
    """``found`` with the changes in cascade added or merged in, and every name whose value a deploy renews (the
    replaced resources, and ``seeds``: parameters the parent passes a renewed value) -> why."""
    by_id = {c.logical_id: c for c in found}
    renewed = {**seeds, **{c.logical_id: f"{c.logical_id} is replaced" for c in found if c.kind == REPLACED}}
    settled: set[str] = set()
    growing = True
    while growing:
        growing = False
        for lid in sorted(new):
            current = by_id.get(lid)
            if lid in settled or lid in renewed or (current is not None and current.kind in (ADDED, REMOVED, REPLACED)):
                continue
            hits = [(p, renewed[name]) for p, name in references(props(new[lid])) if name in renewed and name != lid]
            if not hits:
                continue
            settled.add(lid)
            by_id[lid] = _cascaded(stack, lid, current, new[lid], old.get(lid), hits, region)
            if by_id[lid].kind == REPLACED:
                renewed[lid] = f"{lid} is replaced"
                growing = True
    order = {c.logical_id: i for i, c in enumerate(found)}
    return sorted(by_id.values(), key=lambda c: (order.get(c.logical_id, len(order)), c.logical_id)), renewed


def _cascaded(
    stack: str, lid: str, current: Change | None, resource: Any, before: Any, hits: list[tuple[tuple[str, ...], str]], region: str
) -> Change:
    rtype = type_of(resource)
    creates = () if rtype.startswith("Custom::") else (create_only(region, rtype) or ())
    forcing = [(p, why) for p, why in hits if any(matches(p, c) for c in creates)]
    chosen = forcing or hits
    paths = tuple(dict.fromkeys(".".join(p) or "Properties" for p, _ in chosen))
    earlier = current.paths if current is not None else ()
    because = "; ".join(dict.fromkeys(why for _, why in chosen))
    common = {"stack": stack, "logical_id": lid, "type": rtype, "stateful": rtype in STATEFUL, "because": because}
    if forcing:
        rest = tuple(p for p in earlier if p not in paths)
        return Change(
            kind=REPLACED,
            paths=paths + rest,
            kept=keeps(before, "UpdateReplacePolicy"),
            forcing=len(paths),
            widening=current.widening if current else (),
            **common,
        )
    if current is not None:
        return current._replace(paths=current.paths + tuple(p for p in paths if p not in current.paths), because=because, artifact="")
    return Change(kind=CHANGED, paths=paths, kept=False, **common)
