"""What ``package`` wrote: the root update template, its nested templates by logical id, the stack name and region."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

from ..errors import UserError
from ..safe_load import parse_json, read_text

ROOT = "cloudformation-template-update-stack.json"
STATE = "serverless-state.json"
NESTED = "AWS::CloudFormation::Stack"


class Package(NamedTuple):
    stack_name: str
    region: str
    stacks: dict[str, dict[str, Any]]  # "" = the root, else the nested stack's logical id in the root


def _json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise UserError(f"{path} is missing.", "Fix: run `npm run package` first (preview compares the package with the deployed stacks).")
    value = parse_json(read_text(path), path, "Fix: run `npm run package` again.")
    if not isinstance(value, dict):
        raise UserError(f"{path} is not a JSON object.", "Fix: run `npm run package` again.")
    return value


def _file_of(resource: Any) -> str | None:
    """The template file a nested stack's TemplateURL ends with (the framework uploads it under that name)."""
    url = resource.get("Properties", {}).get("TemplateURL") if isinstance(resource, dict) else None
    parts = url.get("Fn::Join", [None, []])[1] if isinstance(url, dict) else [url]
    last = parts[-1] if isinstance(parts, list) and parts else None
    return last.rsplit("/", 1)[-1] if isinstance(last, str) and last.endswith(".json") else None


def read_package(build: Path) -> Package:
    """The packaged stacks in ``build`` (a .serverless folder, or a project folder holding one)."""
    if (build / ".serverless").is_dir():
        build = build / ".serverless"
    state = _json(build / STATE)
    service = state.get("service") if isinstance(state.get("service"), dict) else {}
    provider = service.get("provider") if isinstance(service.get("provider"), dict) else {}
    name, stage, region = service.get("service"), provider.get("stage"), provider.get("region")
    if not all(isinstance(v, str) and v for v in (name, stage, region)):
        raise UserError(f"{build / STATE} names no service, stage and region.", "Fix: run `npm run package` again.")
    root = _json(build / ROOT)
    stacks = {"": root}
    resources = root.get("Resources") if isinstance(root.get("Resources"), dict) else {}
    for lid, resource in resources.items():
        if isinstance(resource, dict) and resource.get("Type") == NESTED:
            file = _file_of(resource)
            if file is None or not (build / file).is_file():
                raise UserError(f"Nested stack {lid}'s template is not in {build}.", "Fix: run `npm run package` again.")
            stacks[lid] = _json(build / file)
    return Package(f"{name}-{stage}", region, stacks)
