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

from .. import __version__
from ..errors import UserError
from ..project import serverless_yml, snapshot
from ..project.change import UPDATED, Change
from ..project.snapshot import Entry
from ..project.transaction import apply
from . import rails as rails_plan
from .plugins import add_plugin
from .rails import RailsPlan

if TYPE_CHECKING:
    from ..cfn.template import Template

__all__ = ["ADOPTED_FILE", "BASELINE_FILE", "PLUGIN_ENTRY", "Adopted", "Plan", "adopt", "plan", "write"]

SLSGUARD_DIR = Path(".slsguard")
PLUGIN_FILE = SLSGUARD_DIR / "plugin.js"
ADOPTED_FILE = Path(snapshot.ADOPTED_FILE)
BASELINE_FILE = SLSGUARD_DIR / "baseline.json"
ANSWERS_FILE = Path(snapshot.ANSWERS_FILE)  # only a generated project has it
PLUGIN_ENTRY = "./.slsguard/plugin.js"
COMMAND = "slsguard init"
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
    rails: RailsPlan | None = None  # --rails: the rails plugin, its plugins entry and custom.rails
    bridge: bool = True  # False when --rails alone was added to a service adopted before


@dataclass(frozen=True)
class Plan:
    """Everything ``init`` would write, before it writes anything (``--rails`` shows it first)."""

    outcome: Adopted
    files: dict[str, bytes]
    before: str  # serverless.yml as it is
    after: str  # serverless.yml as it would be


def _config(project: Path) -> Path:
    found = serverless_yml.find(project)
    if found is not None:
        return found
    other = next((name for name in OTHER_CONFIGS if (project / name).is_file()), None)
    if other:
        raise UserError(f"{project / other}: slsguard init edits serverless.yml only.", "Fix: convert the configuration to serverless.yml.")
    raise UserError(
        f"{project}: no serverless.yml here.", "Fix: run `slsguard init` in (or name) the folder of a Serverless Framework service."
    )


def _esm(project: Path) -> bool:
    """Whether the project's package.json makes .js files ES modules (the bridge is CommonJS)."""
    from .. import safe_load

    if not (project / "package.json").is_file():
        return False
    try:  # bounded: a cloned service's package.json is untrusted input too
        return safe_load.load_json(project / "package.json").get("type") == "module"
    except (UserError, AttributeError):
        return False


def _template_plugin() -> Path:
    from ..new.render import template_dir

    return template_dir() / "{{cookiecutter.project_slug}}" / PLUGIN_FILE


def _own_timeout_missing(root: Any) -> set[str]:
    """Logical ids of the functions serverless.yml gives no ``timeout:`` (what the bridge marks at package time)."""
    import yaml

    from ..audit.sources import normalized

    functions = serverless_yml.child(root, "functions")
    pairs = functions.value if isinstance(functions, yaml.MappingNode) else []
    return {
        f"{normalized(k.value)}LambdaFunction"
        for k, v in pairs
        if isinstance(v, yaml.MappingNode) and serverless_yml.entry(v, "timeout")[0] is None and isinstance(k.value, str)
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


def plan(project_dir: str | Path = ".", *, force: bool = False, rails: bool = False) -> Plan:
    """What adopting the service in ``project_dir`` writes; ``force`` refreshes the plugin of an adopted one, ``rails``
    adds the rails plugin (to a service adopted before, or with the adoption)."""
    project = Path(project_dir)
    if not project.is_dir():
        raise UserError(f"{project}: no such folder.", "Fix: name the folder of a Serverless Framework service.")
    config = _config(project)
    if (project / ANSWERS_FILE).is_file():
        if rails:
            raise UserError(
                f"{project}: generated by slsguard (it has {ANSWERS_FILE}), so it has the rails already.",
                "Fix: run `slsguard upgrade` to refresh them.",
            )
        if not force:
            raise UserError(
                f"{project}: generated by slsguard (it has {ANSWERS_FILE}); its bridge is already set up.",
                "Fix: run `slsguard upgrade` to refresh it (or pass --force to refresh only the plugin).",
            )
        # Only the plugin: a generated project stays generated (adopted.json would hide `slsguard upgrade`).
        # The next upgrade sees the same new plugin on both sides of its merge.
        text = config.read_text(encoding="utf-8")
        return Plan(
            Adopted(project, config, False, None, generated=True), {PLUGIN_FILE.as_posix(): _template_plugin().read_bytes()}, text, text
        )
    adopted = (project / ADOPTED_FILE).is_file()
    if adopted and not force and not rails:
        raise UserError(
            f"{project}: already adopted ({ADOPTED_FILE} exists).", "Fix: pass --force to refresh the plugin (or --rails to add the rails)."
        )
    if rails and not force and rails_plan.present(project):
        raise UserError(
            f"{project}: has the rails already ({rails_plan.RAILS_DIR}/).", "Fix: pass --force with --rails to refresh the plugin's files."
        )
    text, root = serverless_yml.compose(config, COMMAND)
    files: dict[str, bytes] = {}
    bridge = not adopted or force
    edited = add_plugin(text, root, PLUGIN_ENTRY, config) if bridge else None
    kept = force and (project / BASELINE_FILE).is_file()
    recorded = None if kept or not bridge else _baseline(project, root)
    if bridge:
        files[PLUGIN_FILE.as_posix()] = _template_plugin().read_bytes()
        files[ADOPTED_FILE.as_posix()] = (json.dumps({"slsguard": __version__}, indent=2) + "\n").encode()
        if _esm(project):  # else node loads plugin.js as an ES module and `require` fails
            files[(SLSGUARD_DIR / "package.json").as_posix()] = b'{"type": "commonjs"}\n'
    if recorded is not None:
        files[BASELINE_FILE.as_posix()] = recorded[0].encode()
    after = edited if edited is not None else text
    given = None
    if rails:
        given = rails_plan.plan(config, after)
        files.update(given.files)
        after = given.text
    outcome = Adopted(project, config, edited is not None, recorded[1] if recorded else None, kept, rails=given, bridge=bridge)
    return Plan(outcome, files, text, after)


def write(planned: Plan) -> Adopted:
    """Write a plan all at once (a failure leaves the project as it was)."""
    files = dict(planned.files)
    if planned.after != planned.before:
        files[planned.outcome.config.name] = planned.after.encode("utf-8")
    apply(planned.outcome.project, [Change(path, UPDATED, Entry(data, False)) for path, data in files.items()])
    return planned.outcome


def adopt(project_dir: str | Path = ".", *, force: bool = False, rails: bool = False) -> Adopted:
    """Adopt the service in ``project_dir``; ``force`` refreshes the plugin of an adopted one, ``rails`` adds the rails."""
    return write(plan(project_dir, force=force, rails=rails))
