"""The audit's data (findings, loaded templates, the index the rules query) and helpers every rule shares."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

# The template model and the Index live in generator/cfn (shared with cost and init); the rule modules keep importing them from here.
from ..cfn.index import Index as Index
from ..cfn.template import CLOUDFORMATION as CLOUDFORMATION
from ..cfn.template import SAM as SAM
from ..cfn.template import SERVERLESS as SERVERLESS
from ..cfn.template import Template as Template
from ..cfn.template import props as props
from ..cfn.template import rtype as rtype

ERROR = "error"
WARNING = "warning"
INFO = "info"  # a known gap the project chose on purpose (its reason is in the message): never fails, never counts as a warning
SEVERITIES = (ERROR, WARNING, INFO)
FUNCTION = "AWS::Lambda::Function"


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
