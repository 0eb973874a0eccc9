"""Per stack, what a deploy would do to each resource: added, removed, changed (which properties), replaced (and
why), with the IAM grants it widens. Pure: both sides are templates already read."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..audit.retention import STATEFUL
from . import iam
from .cascade import follow, references
from .model import (
    ADDED,
    ARTIFACTS,
    ATTRIBUTES,
    CHANGED,
    NEW,
    REMOVED,
    REPLACED,
    SAME,
    UNKNOWN,
    Change,
    keeps,
    matches,
    resources_of,
    type_of,
)
from .schemas import create_only

__all__ = ["ADDED", "CHANGED", "NEW", "REMOVED", "REPLACED", "SAME", "UNKNOWN", "Change", "changed_paths", "compare"]


def changed_paths(old: Any, new: Any, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Key paths where two values differ; lists and scalars are compared whole."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new), key=str):
            if old.get(key) != new.get(key):
                yield from changed_paths(old.get(key), new.get(key), (*prefix, str(key)))
    elif old != new:
        yield prefix


def _artifact(rtype: str, paths: list[tuple[str, ...]]) -> str:
    """The artifact kind when every changed path is an artifact location of ``rtype``, else ""."""
    kinds = {ARTIFACTS.get((rtype, p[0])) if p else None for p in paths}
    return kinds.pop() if len(kinds) == 1 and None not in kinds else ""


def _code_hashes(resources: dict[str, Any]) -> dict[str, set[str]]:
    """Function logical id -> the CodeSha256 of the versions the template publishes for it (the framework and the
    rollout rail write one per function, named after the code's hash)."""
    found: dict[str, set[str]] = {}
    for resource in resources.values():
        props = resource.get("Properties") if isinstance(resource, dict) and type_of(resource) == "AWS::Lambda::Version" else None
        target = props.get("FunctionName") if isinstance(props, dict) else None
        if isinstance(target, dict) and isinstance(target.get("Ref"), str) and isinstance(props.get("CodeSha256"), str):
            found.setdefault(target["Ref"], set()).add(props["CodeSha256"])
    return found


def _code(lid: str, old: dict[str, set[str]], new: dict[str, set[str]]) -> str:
    if lid not in old or lid not in new:
        return UNKNOWN
    return SAME if new[lid] <= old[lid] else NEW


def _compare(stack: str, old: dict[str, Any], new: dict[str, Any], region: str) -> Iterator[Change]:
    hashes = _code_hashes(old), _code_hashes(new)
    for lid in sorted(set(old) | set(new)):
        before, after = old.get(lid), new.get(lid)
        rtype = type_of(after if after is not None else before)
        stateful = type_of(before if before is not None else after) in STATEFUL  # what is lost is the deployed one
        if before is None:
            yield Change(stack, lid, rtype, ADDED, (), stateful, False, tuple(iam.widening(None, after)))
            continue
        if after is None:
            yield Change(stack, lid, rtype, REMOVED, (), stateful, keeps(before, "DeletionPolicy"))
            continue
        if before == after:
            continue
        widening = tuple(iam.widening(before, after))
        if type_of(before) != type_of(after):
            yield Change(stack, lid, rtype, REPLACED, ("Type",), stateful, keeps(before, "UpdateReplacePolicy"), widening, 1)
            continue
        props = list(changed_paths((before or {}).get("Properties"), (after or {}).get("Properties")))
        attrs = [(key,) for key in ATTRIBUTES if before.get(key) != after.get(key)]
        creates = () if rtype.startswith("Custom::") else (create_only(region, rtype) or ())
        forcing = [p for p in props if any(matches(p, c) for c in creates)]
        texts = tuple(".".join(p) or "Properties" for p in forcing) + tuple(
            ".".join(p) or "Properties" for p in [*props, *attrs] if p not in forcing
        )
        kind = REPLACED if forcing else CHANGED
        artifact = "" if forcing or attrs or widening else _artifact(rtype, props)
        code = _code(lid, *hashes) if artifact == ARTIFACTS[("AWS::Lambda::Function", "Code")] else ""
        yield Change(stack, lid, rtype, kind, texts, stateful, keeps(before, "UpdateReplacePolicy"), widening, len(forcing), artifact, code)


def compare(deployed: dict[str, dict[str, Any]] | None, packaged: dict[str, dict[str, Any]], region: str) -> dict[str, list[Change]]:
    """Changes per stack ("" = root, else the nested stack's logical id), root first, then nested in name order."""
    deployed = deployed or {}
    stacks = ["", *sorted(k for k in set(deployed) | set(packaged) if k)]
    result: dict[str, list[Change]] = {}
    root: dict[str, Any] = {}
    root_renewed: dict[str, str] = {}
    for s in stacks:
        old, new = resources_of(deployed.get(s)), resources_of(packaged.get(s))
        found = list(_compare(s, old, new, region))
        seeds = _passed(root.get(s), root_renewed) if s else {}
        result[s], renewed = follow(s, found, old, new, region, seeds)
        if not s:
            root, root_renewed = new, renewed
    return result


def _passed(stack_resource: Any, renewed: dict[str, str]) -> dict[str, str]:
    """The parameters a nested stack receives whose value the root renews -> why."""
    given = stack_resource.get("Properties", {}).get("Parameters") if isinstance(stack_resource, dict) else None
    if not isinstance(given, dict):
        return {}
    return {name: why for name, value in given.items() for _, ref in references(value) if (why := renewed.get(ref))}
