"""The audit's data (findings, loaded templates, the index the rules query) and helpers every rule shares."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

ERROR = "error"
WARNING = "warning"
INFO = "info"  # a known gap the project chose on purpose (its reason is in the message): never fails, never counts as a warning
SEVERITIES = (ERROR, WARNING, INFO)
FUNCTION = "AWS::Lambda::Function"
SERVERLESS, SAM, CLOUDFORMATION = "serverless", "sam", "cloudformation"  # where a template came from: fixes speak its language


@dataclass(frozen=True)
class Finding:
    """One unsafe setting: what, where (stack, logical id, property path), why and the fix."""

    rule: str
    severity: str
    stack: str
    logical_id: str | None
    path: str
    message: str
    fix: str
    exempt: str | None = None  # the reason given in the template when the rule is exempted here
    baseline: bool = False  # recorded in the baseline given with --baseline: reported, but it does not fail the audit
    resources: tuple[str, ...] = ()  # every logical id one grouped finding covers (its logical_id first)
    # One setting behind several findings (e.g. one provider.environment secret on every function): findings sharing
    # rule, stack, severity and this key are reported once; ``subject`` is the part of the message that names the resource.
    group: str | None = field(default=None, compare=False, repr=False)
    subject: str = field(default="", compare=False, repr=False)

    @property
    def blocking(self) -> bool:
        """Only errors nobody exempted and no baseline accepted fail the audit."""
        return self.severity == ERROR and self.exempt is None and not self.baseline

    def to_dict(self) -> dict[str, Any]:
        """The JSON view (see docs/audit.md for the schema)."""
        return {
            "rule": self.rule,
            "severity": self.severity,
            "stack": self.stack,
            "logical_id": self.logical_id,
            "path": self.path,
            "message": self.message,
            "fix": self.fix,
            "exempt": self.exempt,
            **({"baseline": True} if self.baseline else {}),
            "resources": list(self.resources or ([self.logical_id] if self.logical_id else [])),
        }


class Template:
    """One CloudFormation template: a root stack or a nested stack of one."""

    def __init__(self, name: str, path: Path, body: dict[str, Any], size: int, via_s3: bool) -> None:
        self.name = name
        self.path = path
        self.body = body
        self.size = size
        self.via_s3 = via_s3  # deployed through an S3 TemplateURL (the framework does that), so 1 MB applies, not 51,200 B
        self.parent: Template | None = None
        self.parent_id: str | None = None  # logical id of the AWS::CloudFormation::Stack resource in the parent
        self.children: dict[str, Template] = {}
        resources = body.get("Resources")
        self.resources: dict[str, Any] = resources if isinstance(resources, dict) else {}
        self.sam = False  # transformed from a SAM template (AWS::Serverless-2016-10-31) by the loader

    def __repr__(self) -> str:
        return f"Template({self.name!r}, {str(self.path)!r})"

    def section(self, name: str) -> dict[str, Any]:
        """A top-level mapping section such as Outputs or Parameters (empty when absent)."""
        value = self.body.get(name)
        return value if isinstance(value, dict) else {}

    @property
    def root(self) -> Template:
        """The top of this template's stack tree."""
        tpl = self
        while tpl.parent is not None:
            tpl = tpl.parent
        return tpl

    @property
    def source(self) -> str:
        """What the user wrote: ``serverless`` (serverless.yml), ``sam`` (template.yaml) or ``cloudformation``."""
        root = self.root
        if root.sam:
            return SAM
        outputs = root.section("Outputs")
        if "ServerlessDeploymentBucket" in root.resources or "ServerlessDeploymentBucketName" in outputs:
            return SERVERLESS
        return CLOUDFORMATION

    def walk(self) -> Iterator[Template]:
        """This template, then its nested stacks depth first."""
        yield self
        for child in self.children.values():
            yield from child.walk()


def props(resource: Any) -> dict[str, Any]:
    """A resource's Properties (empty when absent or malformed)."""
    if isinstance(resource, dict):
        value = resource.get("Properties")
        if isinstance(value, dict):
            return value
    return {}


def rtype(resource: Any) -> str:
    """A resource's Type, or '' when malformed."""
    return resource.get("Type", "") if isinstance(resource, dict) else ""


class Index:
    """Every resource of every loaded template, by type, so rules never rescan the templates."""

    def __init__(self, roots: list[Template]) -> None:
        self.roots = roots
        self.templates = [tpl for root in roots for tpl in root.walk()]
        self.by_type: dict[str, list[tuple[Template, str, dict[str, Any]]]] = {}
        for tpl in self.templates:
            for logical_id, resource in tpl.resources.items():
                if isinstance(resource, dict):
                    self.by_type.setdefault(rtype(resource), []).append((tpl, logical_id, resource))
        self._names: dict[str, tuple[Template, str, dict[str, Any]]] | None = None
        self.derived: dict[str, Any] = {}  # views several rules need, computed once per audit (e.g. the warmers)

    def of_type(self, *types: str) -> list[tuple[Template, str, dict[str, Any]]]:
        """Resources of the given types across all stacks, in template order."""
        out: list[tuple[Template, str, dict[str, Any]]] = []
        for t in types:
            out.extend(self.by_type.get(t, ()))
        return out

    def function_by_name(self, name: str) -> tuple[Template, str, dict[str, Any]] | None:
        """The Lambda function whose literal FunctionName is ``name``, in any stack."""
        if self._names is None:
            self._names = {}
            for entry in self.of_type(FUNCTION):
                fn_name = props(entry[2]).get("FunctionName")
                if isinstance(fn_name, str):
                    self._names[fn_name] = entry
        return self._names.get(name)


class Context(NamedTuple):
    """What every rule may read: the stacks, the account's concurrency and unreadable nested stacks."""

    index: Index
    account_concurrency: int
    unresolved: list[tuple[Template, str, str]]


def finding(
    rule: str,
    severity: str,
    tpl: Template,
    logical_id: str | None,
    where: str,
    message: str,
    fix: str,
    group: str | None = None,
    subject: str = "",
) -> Finding:
    """A finding whose path starts at the template root (``Resources.<id>.<where>``)."""
    path = f"Resources.{logical_id}.{where}".rstrip(".") if logical_id else where
    return Finding(rule, severity, tpl.name, logical_id, path, message, fix, group=group, subject=subject)


def fn_label(resource: dict[str, Any], logical_id: str) -> str:
    """How a message names a function: its FunctionName when literal, else its logical id."""
    name = props(resource).get("FunctionName")
    return f"{name} ({logical_id})" if isinstance(name, str) else logical_id


def literal_int(value: Any) -> int | None:
    """An integer property as written (CloudFormation also accepts numeric strings), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def literal_true(value: Any) -> bool:
    """A boolean property set to true (CloudFormation also accepts the string "true")."""
    return value is True or (isinstance(value, str) and value.lower() == "true")


def as_list(value: Any) -> list[Any]:
    """A property that may be one item or a list of them (policy statements, actions, principals)."""
    return value if isinstance(value, list) else [value]


def implicit(resource: dict[str, Any]) -> list[str]:
    """Properties the framework filled in by default, as marked by the slsguard plugin bridge."""
    meta = resource.get("Metadata")
    mark = meta.get("slsguard") if isinstance(meta, dict) else None
    value = mark.get("implicit") if isinstance(mark, dict) else None
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
