"""What the preview reports: one record per resource a deploy touches, the kinds of change, and the small readers of a
template's resources that the comparison and the cascade share."""

from __future__ import annotations

from typing import Any, NamedTuple

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
    because: str = ""  # a change in cascade: what makes it ("WorkQueue is replaced")


def type_of(resource: Any) -> str:
    value = resource.get("Type") if isinstance(resource, dict) else None
    return value if isinstance(value, str) else ""


def resources_of(template: dict[str, Any] | None) -> dict[str, Any]:
    found = (template or {}).get("Resources")
    return found if isinstance(found, dict) else {}


def matches(path: tuple[str, ...], create_path: tuple[str, ...]) -> bool:
    return all(c in ("*", p) for p, c in zip(path, create_path, strict=False))


def keeps(resource: Any, key: str) -> bool:
    return isinstance(resource, dict) and resource.get(key) in ("Retain", "RetainExceptOnCreate", "Snapshot")
