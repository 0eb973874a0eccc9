"""What serverless-plugin-warmup (v8) compiles, read back from the package.

The plugin adds one function per warmer (handler ``.warmup/<name>/index.warmUp``). Its targets and
their concurrency are not in the template: they are a JSON array (``const functions = [...]``)
in the warmer's generated code, zipped next to the template as ``<Function>.zip``. At run time
the environment variables ``WARMUP_CONCURRENCY_<TARGET>`` and ``WARMUP_CONCURRENCY`` override
the configured concurrency, in that order.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, NamedTuple

from .model import FUNCTION, Index, Template, literal_int, props

HANDLER = re.compile(r"^\.warmup/(?P<name>[^/]+)/index\.warmUp$")
DESCRIPTION = "Serverless WarmUp Plugin"
_FUNCTIONS = "const functions = "


class Target(NamedTuple):
    """One function a warmer pings, with how many copies at once and where that number came from."""

    function_name: str
    concurrency: int
    source: str


class Warmer(NamedTuple):
    """A warmer function found in the templates and, when its artifact was readable, its targets."""

    tpl: Template
    logical_id: str
    name: str
    targets: list[Target] | None
    problem: str = ""


def find(index: Index) -> list[Warmer]:
    """Every warmer function in the loaded stacks (read once per audit: its targets come from the code artifact)."""
    if "warmers" not in index.derived:
        index.derived["warmers"] = _find(index)
    return index.derived["warmers"]


def _find(index: Index) -> list[Warmer]:
    found = []
    for tpl, lid, fn in index.of_type(FUNCTION):
        p = props(fn)
        handler = p.get("Handler")
        match = HANDLER.match(handler) if isinstance(handler, str) else None
        description = p.get("Description")
        if match is None and not (isinstance(description, str) and description.startswith(DESCRIPTION)):
            continue
        name = match.group("name") if match else lid
        env = _environment(p)
        try:
            configured = _configured_targets(tpl, p)
        except _Unreadable as err:
            found.append(Warmer(tpl, lid, name, None, str(err)))
            continue
        found.append(Warmer(tpl, lid, name, [_target(entry, env) for entry in configured]))
    return found


class _Unreadable(Exception):
    pass


def _environment(p: dict[str, Any]) -> dict[str, Any]:
    env = p.get("Environment")
    variables = env.get("Variables") if isinstance(env, dict) else None
    return variables if isinstance(variables, dict) else {}


def _artifact(tpl: Template, p: dict[str, Any]) -> Path:
    code = p.get("Code")
    key = code.get("S3Key") if isinstance(code, dict) else None
    if not isinstance(key, str):
        raise _Unreadable("its Code.S3Key is not a literal file name")
    name = key.rsplit("/", 1)[-1]
    for folder in (tpl.path.parent, tpl.root.path.parent):
        if (folder / name).is_file():
            return folder / name
    raise _Unreadable(f"{name} is not next to the template")


def _configured_targets(tpl: Template, p: dict[str, Any]) -> list[dict[str, Any]]:
    import zipfile  # only when a warmer exists: keeps the audit's start-up short

    path = _artifact(tpl, p)
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.namelist() if m.startswith(".warmup/") and m.endswith(("index.mjs", "index.js"))]
            if not members:
                raise _Unreadable(f"{path.name} holds no .warmup/*/index.mjs")
            code = archive.read(members[0]).decode("utf-8", errors="replace")
    except (OSError, zipfile.BadZipFile) as err:
        raise _Unreadable(f"{path.name} is not a readable zip") from err
    start = code.find(_FUNCTIONS)
    if start < 0:
        raise _Unreadable(f"{path.name} has no target list")
    try:
        targets, _ = json.JSONDecoder().raw_decode(code, start + len(_FUNCTIONS))
    except json.JSONDecodeError as err:
        raise _Unreadable(f"{path.name} has an unreadable target list") from err
    if not isinstance(targets, list):
        raise _Unreadable(f"{path.name} has an unreadable target list")
    return [t for t in targets if isinstance(t, dict) and isinstance(t.get("name"), str)]


def _target(entry: dict[str, Any], env: dict[str, Any]) -> Target:
    name = entry["name"]
    specific = f"WARMUP_CONCURRENCY_{name.upper().replace('-', '_')}"
    for var in (specific, "WARMUP_CONCURRENCY"):
        value = literal_int(env.get(var))
        if value is not None:
            return Target(name, value, f"environment {var}")
    config = entry.get("config")
    value = literal_int(config.get("concurrency")) if isinstance(config, dict) else None
    return Target(name, value if value is not None else 1, "warmup concurrency setting")
