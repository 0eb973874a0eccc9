"""``slsguard init``: adopt a Serverless Framework service slsguard did not generate.

Copies the bridge plugin into ``.slsguard/``, lists it in serverless.yml's ``plugins:`` (a text
insertion: the user's comments and layout stay), records ``.slsguard/adopted.json`` and, when the
service was packaged before, today's findings as ``.slsguard/baseline.json``, so the next package
passes on them and fails only on what gets worse. Everything is written through one transaction:
a refusal or a failure leaves the project as it was.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__, snapshot
from ..errors import UserError
from ..merge import UPDATED, Change
from ..snapshot import Entry
from ..transaction import apply
from .plugins import add_plugin

if TYPE_CHECKING:
    from ..cfn.template import Template

__all__ = ["ADOPTED_FILE", "BASELINE_FILE", "PLUGIN_ENTRY", "Adopted", "adopt"]

SLSGUARD_DIR = Path(".slsguard")
PLUGIN_FILE = SLSGUARD_DIR / "plugin.js"
ADOPTED_FILE = Path(snapshot.ADOPTED_FILE)
BASELINE_FILE = SLSGUARD_DIR / "baseline.json"
ANSWERS_FILE = Path(snapshot.ANSWERS_FILE)  # only a generated project has it
PLUGIN_ENTRY = "./.slsguard/plugin.js"
CONFIG_NAMES = ("serverless.yml", "serverless.yaml")
OTHER_CONFIGS = ("serverless.ts", "serverless.js", "serverless.json", "serverless.cjs", "serverless.mjs")


@dataclass(frozen=True)
class Adopted:
    """What ``init`` did, for the command's closing lines."""

    project: Path
    config: Path
    plugin_listed: bool  # False when serverless.yml already listed the plugin
    baseline: int | None  # findings recorded, or None when there was no package to read or one was kept
    kept_baseline: bool = False  # --force on a project that has a baseline: it stays as it is
    generated: bool = False  # --force on a generated project: only its plugin was refreshed


def _config(project: Path) -> Path:
    for name in CONFIG_NAMES:
        if (project / name).is_file():
            return project / name
    other = next((name for name in OTHER_CONFIGS if (project / name).is_file()), None)
    if other:
        raise UserError(f"{project / other}: slsguard init edits serverless.yml only.", "Fix: convert the configuration to serverless.yml.")
    raise UserError(
        f"{project}: no serverless.yml here.", "Fix: run `slsguard init` in (or name) the folder of a Serverless Framework service."
    )


def _compose(config: Path) -> tuple[str, Any]:
    import yaml

    try:
        text = config.read_text(encoding="utf-8")
        root = yaml.compose(text, Loader=yaml.SafeLoader)  # nodes only: !Ref and other tags need no constructor
    except (OSError, UnicodeDecodeError) as err:
        raise UserError(f"{config}: cannot be read ({err}).", "Fix: make it a readable UTF-8 file.") from err
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(err, "problem", None) or "parse error"
        raise UserError(f"{config}: not valid YAML{where}: {problem}.", "Fix: correct the YAML, then run `slsguard init` again.") from err
    if getattr(root, "id", None) != "mapping":
        raise UserError(f"{config}: not a Serverless Framework configuration (no top-level mapping).", "Fix: name the service's folder.")
    return text, root


def _esm(project: Path) -> bool:
    """Whether the project's package.json makes .js files ES modules (the bridge is CommonJS)."""
    try:
        return json.loads((project / "package.json").read_text(encoding="utf-8")).get("type") == "module"
    except (OSError, ValueError, AttributeError):
        return False


def _template_plugin() -> Path:
    from ..render import template_dir

    return template_dir() / "{{cookiecutter.project_slug}}" / PLUGIN_FILE


def _own_timeout_missing(root: Any) -> set[str]:
    """Logical ids of the functions serverless.yml gives no ``timeout:`` (what the bridge marks at package time)."""
    from ..audit.sources import normalized

    functions = next((v for k, v in root.value if getattr(k, "value", None) == "functions"), None)
    pairs = functions.value if getattr(functions, "id", None) == "mapping" else []
    return {
        f"{normalized(k.value)}LambdaFunction"
        for k, v in pairs
        if getattr(v, "id", None) == "mapping" and not any(getattr(key, "value", None) == "timeout" for key, _ in v.value)
    }


def _mark_defaults(defaulted: set[str]) -> Callable[[list[Template]], None]:
    def mark(templates: list[Template]) -> None:
        for tpl in templates:
            for lid in defaulted & tpl.resources.keys():
                meta = tpl.resources[lid].setdefault("Metadata", {}).setdefault("slsguard", {})
                meta.setdefault("implicit", ["Timeout"])

    return mark


def _baseline(project: Path, root: Any) -> tuple[str, int] | None:
    """Today's findings as a baseline file's text, when the service has been packaged.

    A package made before adoption lacks the bridge's marks of functions without their own timeout:
    they are added here from serverless.yml, else the first package with the bridge would fail on them.
    """
    from ..audit import audit_with_templates, baseline
    from ..cfn.load import BUILD_DIR, ROOT_TEMPLATE

    if not (project / BUILD_DIR / ROOT_TEMPLATE).is_file():
        return None
    findings, templates = audit_with_templates([project / BUILD_DIR], _mark_defaults(_own_timeout_missing(root)))
    items = baseline.entries(findings, templates)
    return baseline.dumps(items), sum(1 for f in findings if baseline.recordable(f))  # findings, as the audit counts them


def adopt(project_dir: str | Path = ".", *, force: bool = False) -> Adopted:
    """Adopt the service in ``project_dir``; ``force`` refreshes the plugin of an adopted one."""
    project = Path(project_dir)
    if not project.is_dir():
        raise UserError(f"{project}: no such folder.", "Fix: name the folder of a Serverless Framework service.")
    config = _config(project)
    if (project / ANSWERS_FILE).is_file():
        if not force:
            raise UserError(
                f"{project}: generated by slsguard (it has {ANSWERS_FILE}); its bridge is already set up.",
                "Fix: run `slsguard upgrade` to refresh it (or pass --force to refresh only the plugin).",
            )
        # Only the plugin: a generated project stays generated (adopted.json would hide `slsguard upgrade`).
        # The next upgrade sees the same new plugin on both sides of its merge.
        apply(project, [Change(PLUGIN_FILE.as_posix(), UPDATED, Entry(_template_plugin().read_bytes(), False))])
        return Adopted(project, config, False, None, generated=True)
    if (project / ADOPTED_FILE).is_file() and not force:
        raise UserError(f"{project}: already adopted ({ADOPTED_FILE} exists).", "Fix: pass --force to refresh the plugin.")
    text, root = _compose(config)
    edited = add_plugin(text, root, PLUGIN_ENTRY, config)
    kept = force and (project / BASELINE_FILE).is_file()
    recorded = None if kept else _baseline(project, root)
    files = {
        PLUGIN_FILE.as_posix(): _template_plugin().read_bytes(),
        ADOPTED_FILE.as_posix(): (json.dumps({"slsguard": __version__}, indent=2) + "\n").encode(),
    }
    if _esm(project):  # else node loads plugin.js as an ES module and `require` fails
        files[(SLSGUARD_DIR / "package.json").as_posix()] = b'{"type": "commonjs"}\n'
    if edited is not None:
        files[config.name] = edited.encode("utf-8")
    if recorded is not None:
        files[BASELINE_FILE.as_posix()] = recorded[0].encode()
    apply(project, [Change(path, UPDATED, Entry(data, False)) for path, data in files.items()])
    return Adopted(project, config, edited is not None, recorded[1] if recorded else None, kept)
