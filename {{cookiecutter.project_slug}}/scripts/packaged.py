"""What `npm run package` wrote in .serverless/, read the way the scripts need it (deploy-policy, rehearse): JSON
files a missing or broken package makes unusable, the service and region, the root and nested templates.
scripts/ is no package: a script imports this with its own folder on the path."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any


class Unusable(Exception):
    """Input a script cannot use: one line, exit 2."""


def read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise Unusable(f"{path} is missing: run `npm run package` first.") from None
    except ValueError as err:
        raise Unusable(f"{path} is not JSON ({err}): run `npm run package` again.") from None


def service_of(build: Path) -> tuple[str, str]:
    """(service name, region) of the package."""
    state = read_json(build / "serverless-state.json")
    try:
        service, region = state["service"]["service"], state["service"]["provider"]["region"]
    except (KeyError, TypeError):
        raise Unusable(f"{build / 'serverless-state.json'} names no service and region: run `npm run package` again.") from None
    if not (isinstance(service, str) and re.fullmatch(r"[a-z][a-z0-9-]*", service) and isinstance(region, str)):
        raise Unusable(f"{build / 'serverless-state.json'}: service {service!r} is not a lowercase service name.")
    return service, region


def templates(build: Path) -> list[dict[str, Any]]:
    """The packaged root template and its nested templates."""
    found = []
    paths = [build / "cloudformation-template-update-stack.json", *sorted(build.glob("cloudformation-template-*-nested-stack.json"))]
    for path in paths:
        body = read_json(path)
        if not isinstance(body, dict) or not isinstance(body.get("Resources", {}), dict):
            raise Unusable(f"{path}: Resources is not a mapping: run `npm run package` again.")
        for logical_id, resource in body.get("Resources", {}).items():
            if not isinstance(resource, dict) or not isinstance(resource.get("Properties", {}), dict):
                raise Unusable(
                    f"{path}: resource {logical_id} or its Properties is not a mapping: correct it under resources: in serverless.yml."
                )
        found.append(body)
    return found
