"""Find and read compiled templates: a .serverless/ folder (root plus every nested stack the
split-stacks plugin wrote), a project folder, or template files in JSON or YAML with CloudFormation tags.

JSON goes through the standard library; PyYAML is imported only when a YAML file is read,
which keeps ``slsguard audit`` of a .serverless/ folder fast.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

from .. import safe_load
from ..errors import UserError
from ..printable import printable
from . import transforms
from .template import Template, props, rtype

ROOT_TEMPLATE = "cloudformation-template-update-stack.json"
BUILD_DIR = ".serverless"
GIVE = "Fix: give a .serverless/ folder, a project folder, or CloudFormation template files (JSON or YAML)."


class Loaded(NamedTuple):
    """What ``load`` found: root templates (nested ones hang below them) and where projects live."""

    roots: list[Template]
    projects: list[Path]
    unresolved: list[tuple[Template, str, str]]  # (parent, stack logical id, TemplateURL file) not found locally


def load(paths: Sequence[str | Path]) -> Loaded:
    """Read every template the paths name; raises UserError naming the path on unusable input."""
    roots: list[Template] = []
    projects: list[Path] = []
    unresolved: list[tuple[Template, str, str]] = []
    seen: dict[Path, Template] = {}
    for raw in paths or ["."]:
        path = Path(raw)
        if not path.exists():
            raise UserError(f"{printable(path)}: no such file or folder.", GIVE)
        if path.is_dir():
            build = _build_dir(path)
            projects.append(build.parent)
            files = [build / ROOT_TEMPLATE]
            via_s3 = True  # the framework uploads every template to its deployment bucket
        else:
            projects.extend(_projects_of_file(path))
            files = [path]
            via_s3 = False
        for file in files:
            key = file.resolve()
            if key in seen:
                continue
            tpl = _read(file, via_s3)
            tpl.name = str(path)  # how the user named it: the label when several roots are audited together
            seen[key] = tpl
            roots.append(tpl)
            _load_children(tpl, seen, unresolved)
    nested = {id(c) for r in roots for c in r.walk() if c is not r}
    roots = [r for r in roots if id(r) not in nested]  # a file given explicitly that another root nests
    _name(roots)
    return Loaded(roots, _unique(projects), unresolved)


def _build_dir(path: Path) -> Path:
    if (path / ROOT_TEMPLATE).is_file():
        return path
    if (path / BUILD_DIR / ROOT_TEMPLATE).is_file():
        return path / BUILD_DIR
    raise UserError(
        f"{printable(path)}: no compiled templates (no {ROOT_TEMPLATE} here or in {BUILD_DIR}/).",
        "Fix: run `npx osls package` (or `npx serverless package`) first, or give template files.",
    )


def _projects_of_file(path: Path) -> list[Path]:
    folder = path.resolve().parent
    return [folder.parent, folder] if folder.name == BUILD_DIR else [folder]


def _read(path: Path, via_s3: bool) -> Template:
    data = safe_load.read_bytes(path)
    body = _parse(path, data)
    if not isinstance(body, dict) or not isinstance(body.get("Resources"), dict):
        raise UserError(f"{printable(path)}: not a CloudFormation template (it has no Resources section).", GIVE)
    body, from_sam = transforms.apply(body, data, path)  # what CloudFormation deploys; macros refused
    tpl = Template(name=str(path), path=path, body=body, size=len(data), via_s3=via_s3)
    tpl.sam = from_sam
    return tpl


def _parse(path: Path, data: bytes) -> Any:
    """JSON or YAML within safe_load's limits (size, depth, aliases, numbers, duplicate keys, strict UTF-8)."""
    text = safe_load.decode(data, path)
    if path.suffix.lower() == ".json" or text.lstrip().startswith("{"):
        try:
            return safe_load.parse_json(text, path, fix=GIVE)
        except UserError as err:  # a limit or a duplicate key is final; a syntax error in a non-.json file may be YAML
            if path.suffix.lower() == ".json" or not isinstance(err.__cause__, json.JSONDecodeError):
                raise
    from .yaml_tags import CfnLoader  # PyYAML is imported only when a YAML file is read

    return safe_load.parse_yaml(text, path, CfnLoader, fix=GIVE)  # a SafeLoader subclass: only CloudFormation tags added


def template_file(url: Any) -> str | None:
    """The file name a nested stack's TemplateURL ends with (the split-stacks plugin joins it last)."""
    if isinstance(url, dict):
        if "Fn::Join" in url:
            parts = url["Fn::Join"]
            if isinstance(parts, list) and len(parts) == 2 and isinstance(parts[1], list) and parts[1]:
                return template_file(parts[1][-1])
            return None
        if "Fn::Sub" in url:
            sub = url["Fn::Sub"]
            return template_file(sub[0] if isinstance(sub, list) and sub else sub)
        return None
    if isinstance(url, str) and url:
        return url.rsplit("/", 1)[-1] if "://" in url else url
    return None


def _load_children(tpl: Template, seen: dict[Path, Template], unresolved: list[tuple[Template, str, str]]) -> None:
    for logical_id, resource in tpl.resources.items():
        if rtype(resource) != "AWS::CloudFormation::Stack":
            continue
        name = template_file(props(resource).get("TemplateURL"))
        file = tpl.path.parent / name if name else None
        if file is None or not file.is_file():
            unresolved.append((tpl, logical_id, name or "?"))
            continue
        key = file.resolve()
        if key in seen:
            child = seen[key]
            if child.parent is not None or child is tpl.root:
                continue  # already nested elsewhere, or a cycle
        else:
            child = _read(file, via_s3=True)  # a TemplateURL is always an S3 object (`cloudformation package` uploads local ones)
            seen[key] = child
        child.parent, child.parent_id, child.via_s3 = tpl, logical_id, True
        tpl.children[logical_id] = child
        _load_children(child, seen, unresolved)


def _name(roots: list[Template]) -> None:
    for root in roots:
        if len(roots) == 1:
            root.name = "root"
        for tpl in root.walk():
            if tpl.parent is not None:
                parent = tpl.parent.name
                tpl.name = f"{tpl.parent_id}" if parent == "root" else f"{parent}/{tpl.parent_id}"


def _unique(paths: list[Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        p = p.resolve()
        if p not in out:
            out.append(p)
    return out
