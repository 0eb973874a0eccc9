"""IAM widening: the Allow grants (action, resource, condition) a role or policy would have that it has not now."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

POLICY_TYPES = ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::RolePolicy")


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _statements(resource: Any) -> Iterator[dict[str, Any]]:
    if not isinstance(resource, dict):
        return
    props = resource.get("Properties") if isinstance(resource.get("Properties"), dict) else {}
    documents = []
    if resource.get("Type") == "AWS::IAM::Role":
        documents = [p.get("PolicyDocument") for p in _list(props.get("Policies")) if isinstance(p, dict)]
    elif resource.get("Type") in POLICY_TYPES:
        documents = [props.get("PolicyDocument")]
    for document in documents:
        if isinstance(document, dict):
            yield from (s for s in _list(document.get("Statement")) if isinstance(s, dict))


def grants(resource: Any) -> set[tuple[str, str, str]]:
    """(action, resource, condition) of every Allow statement, resources and conditions as canonical JSON; a role's
    or policy's managed policies as ("managed policy", ARN, "null"): what they allow is not in the template."""
    found = set()
    props = resource.get("Properties") if isinstance(resource, dict) and isinstance(resource.get("Properties"), dict) else {}
    if isinstance(resource, dict) and resource.get("Type") in ("AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group"):
        for arn in _list(props.get("ManagedPolicyArns") or []):
            found.add(("managed policy", arn if isinstance(arn, str) else json.dumps(arn, sort_keys=True), "null"))
    for statement in _statements(resource):
        if statement.get("Effect") != "Allow":
            continue
        actions = _list(statement.get("Action", statement.get("NotAction") and f"NotAction {statement['NotAction']}"))
        targets = _list(statement.get("Resource", statement.get("NotResource") and {"NotResource": statement["NotResource"]}))
        condition = json.dumps(statement.get("Condition"), sort_keys=True)
        for action in actions:
            for target in targets:
                text = target if isinstance(target, str) else json.dumps(target, sort_keys=True)
                found.add((str(action), text, condition))
    return found


def widening(old: Any, new: Any) -> list[tuple[str, str, str]]:
    """Grants ``new`` has that ``old`` (None: the resource is new) has not, sorted."""
    return sorted(grants(new) - (grants(old) if old is not None else set()))
