"""The data deploy-policy reads from cfn-lint's package: the CloudFormation resource provider schemas (each type's
handler permissions) and IAM's table of actions per service (which exist, which can be scoped to a resource)."""

from __future__ import annotations

import json
from typing import Any

from packaged import Unusable


def schemas(region: str) -> tuple[Any, dict[str, str]]:
    try:
        from importlib import resources

        root = resources.files("cfnlint.data.schemas")
    except ModuleNotFoundError:
        raise Unusable("cfn-lint is not installed (its resource schemas are the data): pip install -r requirements-dev.txt") from None
    for name in (region, "us-east-1"):
        file = root / "providers" / f"{name}.json"
        if file.is_file():
            return root, json.loads(file.read_text(encoding="utf-8"))
    raise Unusable("cfn-lint's resource schemas are missing: pip install --force-reinstall cfn-lint")


def iam_actions() -> dict[str, dict[str, Any]]:
    """cfn-lint's table of IAM actions per service (lower case), each with the resource types it can be scoped to."""
    from importlib import resources

    policies = resources.files("cfnlint.data.AdditionalSpecs") / "Policies.json"
    return {service: spec.get("Actions", {}) for service, spec in json.loads(policies.read_text(encoding="utf-8")).items()}


def known(action: str, table: dict[str, dict[str, Any]]) -> bool:
    """False for a schema entry IAM does not know (it would grant nothing); a service the table lacks is kept."""
    service, _, name = action.lower().partition(":")
    return service not in table or name in table[service]


def scoped(action: str, table: dict[str, dict[str, Any]]) -> bool:
    """True when the action can be limited to resources (IAM's table names a resource type for it)."""
    service, _, name = action.lower().partition(":")
    return bool(table.get(service, {}).get(name, {}).get("Resources"))


def canonical(action: str) -> str:
    """One spelling per action (IAM ignores case; schemas write s3:GetObject and s3:getObject)."""
    service, _, name = action.partition(":")
    return f"{service.lower()}:{name[:1].upper()}{name[1:]}"
