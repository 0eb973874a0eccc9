"""Which properties of a resource type cannot change without a replacement: ``createOnlyProperties`` of the
CloudFormation registry schema cfn-lint ships (``cfnlint/data/schemas``: ``providers/<region>.json`` maps each type
to its schema file under ``resources/``; us-east-1's when the region has no file)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from ..errors import UserError


@cache
def _providers(region: str) -> tuple[Any, dict[str, str]]:
    try:
        root = resources.files("cfnlint.data.schemas")
    except ModuleNotFoundError:
        raise UserError(
            "preview needs cfn-lint (its resource schemas).", "Fix: pip install -r requirements-dev.txt (it pins cfn-lint)."
        ) from None
    for name in (region, "us-east-1"):
        file = root / "providers" / f"{name}.json"
        if file.is_file():
            return root, json.loads(file.read_text(encoding="utf-8"))
    raise UserError("cfn-lint's resource schemas are not installed with it.", "Fix: pip install --force-reinstall cfn-lint.")


@cache
def create_only(region: str, resource_type: str) -> tuple[tuple[str, ...], ...] | None:
    """The create-only property paths of a type (each a tuple of keys, ``*`` for any list item); None without a schema."""
    root, providers = _providers(region)
    digest = providers.get(resource_type)
    if not isinstance(digest, str):
        return None
    schema = json.loads((root / "resources" / f"{digest}.json").read_text(encoding="utf-8"))
    paths = schema.get("createOnlyProperties", [])
    return tuple(tuple(p.split("/")[2:]) for p in paths if isinstance(p, str) and p.startswith("/properties/"))
