"""Per stack, what a deploy would do to each resource: added, removed, changed (which properties), replaced (and
why), with the IAM grants it widens. Pure: both sides are templates already read."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

from ..audit.retention import STATEFUL
from . import iam
from .schemas import create_only

ADDED, REMOVED, CHANGED, REPLACED = "added", "removed", "changed", "replaced"
ATTRIBUTES = ("DeletionPolicy", "UpdateReplacePolicy", "DependsOn", "Condition", "Metadata")

# Properties that name where this package's artifacts were uploaded: every `package` writes them to a new folder, so
# they differ on every deploy. A change of only these is routine and is reported once per kind, not per resource.
# (type, property path prefix) -> the kind of artifact.
ARTIFACTS = {
    ("AWS::CloudFormation::Stack", "TemplateURL"): "nested template",
    ("AWS::Lambda::Function", "Code"): "function code",
    ("AWS::Lambda::LayerVersion", "Content"): "layer content",
}
SAME, NEW, UNKNOWN = "same", "new", "not compared"  # a function's code, by its versions' CodeSha256


class Change(NamedTuple):
    stack: str  # "" = the root stack, else the nested stack's logical id
    logical_id: str
    type: str
    kind: str  # ADDED | REMOVED | CHANGED | REPLACED
    paths: tuple[str, ...]  # what changed ("Properties.QueueName"); for REPLACED, the create-only ones first
    stateful: bool
    kept: bool  # the old resource's policy keeps it (Retain/Snapshot) when replaced or removed
    widening: tuple[tuple[str, str, str], ...] = ()
    forcing: int = 0  # for REPLACED: how many of ``paths`` (the first ones) force the replacement
    artifact: str = ""  # a CHANGED resource whose only change is where its artifact lives: ARTIFACTS' kind
    code: str = ""  # for function code: SAME | NEW | UNKNOWN (from the published versions' CodeSha256)


def _type(resource: Any) -> str:
    value = resource.get("Type") if isinstance(resource, dict) else None
    return value if isinstance(value, str) else ""


def _resources(template: dict[str, Any] | None) -> dict[str, Any]:
    found = (template or {}).get("Resources")
    return found if isinstance(found, dict) else {}


def changed_paths(old: Any, new: Any, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Key paths where two values differ; lists and scalars are compared whole."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new), key=str):
            if old.get(key) != new.get(key):
                yield from changed_paths(old.get(key), new.get(key), (*prefix, str(key)))
    elif old != new:
        yield prefix


def _matches(path: tuple[str, ...], create_path: tuple[str, ...]) -> bool:
    return all(c in ("*", p) for p, c in zip(path, create_path, strict=False))


def _keeps(resource: Any, key: str) -> bool:
    return isinstance(resource, dict) and resource.get(key) in ("Retain", "RetainExceptOnCreate", "Snapshot")


def _artifact(rtype: str, paths: list[tuple[str, ...]]) -> str:
    """The artifact kind when every changed path is an artifact location of ``rtype``, else ""."""
    kinds = {ARTIFACTS.get((rtype, p[0])) if p else None for p in paths}
    return kinds.pop() if len(kinds) == 1 and None not in kinds else ""


def _code_hashes(resources: dict[str, Any]) -> dict[str, set[str]]:
    """Function logical id -> the CodeSha256 of the versions the template publishes for it (the framework and the
    rollout rail write one per function, named after the code's hash)."""
    found: dict[str, set[str]] = {}
    for resource in resources.values():
        props = resource.get("Properties") if isinstance(resource, dict) and _type(resource) == "AWS::Lambda::Version" else None
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
        rtype = _type(after if after is not None else before)
        stateful = _type(before if before is not None else after) in STATEFUL  # what is lost is the deployed one
        if before is None:
            yield Change(stack, lid, rtype, ADDED, (), stateful, False, tuple(iam.widening(None, after)))
            continue
        if after is None:
            yield Change(stack, lid, rtype, REMOVED, (), stateful, _keeps(before, "DeletionPolicy"))
            continue
        if before == after:
            continue
        widening = tuple(iam.widening(before, after))
        if _type(before) != _type(after):
            yield Change(stack, lid, rtype, REPLACED, ("Type",), stateful, _keeps(before, "UpdateReplacePolicy"), widening, 1)
            continue
        props = list(changed_paths((before or {}).get("Properties"), (after or {}).get("Properties")))
        attrs = [(key,) for key in ATTRIBUTES if before.get(key) != after.get(key)]
        creates = () if rtype.startswith("Custom::") else (create_only(region, rtype) or ())
        forcing = [p for p in props if any(_matches(p, c) for c in creates)]
        texts = tuple(".".join(p) or "Properties" for p in forcing) + tuple(
            ".".join(p) or "Properties" for p in [*props, *attrs] if p not in forcing
        )
        kind = REPLACED if forcing else CHANGED
        artifact = "" if forcing or attrs or widening else _artifact(rtype, props)
        code = _code(lid, *hashes) if artifact == ARTIFACTS[("AWS::Lambda::Function", "Code")] else ""
        yield Change(
            stack, lid, rtype, kind, texts, stateful, _keeps(before, "UpdateReplacePolicy"), widening, len(forcing), artifact, code
        )


def compare(deployed: dict[str, dict[str, Any]] | None, packaged: dict[str, dict[str, Any]], region: str) -> dict[str, list[Change]]:
    """Changes per stack ("" = root, else the nested stack's logical id), root first, then nested in name order."""
    deployed = deployed or {}
    stacks = ["", *sorted(k for k in set(deployed) | set(packaged) if k)]
    return {s: list(_compare(s, _resources(deployed.get(s)), _resources(packaged.get(s)), region)) for s in stacks}
