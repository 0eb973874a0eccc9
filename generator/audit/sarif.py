"""SARIF 2.1.0: the audit's findings as code-scanning alerts (GitHub reads ruleId, level, message, locations).

A third view of the same findings as text and JSON. Each result points at the line of serverless.yml
that sets the offending value when it can be found (the line a person edits), and always at the
compiled template; ``partialFingerprints`` carry the baseline fingerprint, so an alert keeps its
identity across builds; exempted findings are ``suppressions`` with the exemption's reason.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .. import __version__
from . import baseline, sources
from .exemptions import RULE as EXEMPTION_RULE
from .model import ERROR, INFO, WARNING, Finding, Template
from .rules import RULES

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT = "slsguard/v1"
LEVELS = {ERROR: "error", WARNING: "warning", INFO: "note"}  # SARIF result.level for each severity
EXEMPTION_HELP = (
    "every exemption names a real rule and gives a reason (error; cannot be exempted); "
    "an exemption that covers no finding is a warning naming where the rule does report"
)


@functools.lru_cache(maxsize=256)
def _uri(path: Path) -> str:
    """A path relative to the working directory (the repository root in CI), with '/' separators."""
    rel = os.path.relpath(path.resolve(), Path.cwd())
    return Path(rel).as_posix() if not rel.startswith("..") else path.resolve().as_uri()


def _descriptor(rule_id: str, summary: str, help_text: str, level: str, challenge: str) -> dict[str, Any]:
    return {
        "id": rule_id,
        "name": "".join(part.capitalize() for part in rule_id.split("-")),
        "shortDescription": {"text": summary},
        "fullDescription": {"text": help_text},
        "help": {"text": f"{help_text}\nSee docs/audit.md (rule {rule_id}); exempt with a reason under Metadata slsguard.exempt."},
        "defaultConfiguration": {"level": level},
        "properties": {"tags": ["security", "serverless", challenge]} if challenge else {"tags": ["security", "serverless"]},
    }


def descriptors() -> list[dict[str, Any]]:
    """The tool's rules: every rule of the table, then the exemption check."""
    out = []
    for rule in RULES:
        out.append(_descriptor(rule.id, rule.summary, rule.help, LEVELS[rule.severity], f"challenge {rule.challenge}"))
    out.append(_descriptor(EXEMPTION_RULE, EXEMPTION_HELP, EXEMPTION_HELP, LEVELS[ERROR], ""))
    return out


def _template_lines(tpl: Template) -> dict[str, int]:
    """The line of each resource's key in a compiled JSON template (first occurrence of '"<id>": {')."""
    lines: dict[str, int] = {}
    try:
        text = tpl.path.read_text(encoding="utf-8-sig")
    except OSError:
        return lines
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.lstrip()
        if stripped.startswith('"') and stripped.endswith(("{", ": {")):
            lines.setdefault(stripped[1 : stripped.index('"', 1)], number)
        elif stripped.endswith(":") and not stripped.startswith(("-", "#")):  # YAML: "  Id:"
            lines.setdefault(stripped[:-1].strip("'\""), number)
    return lines


def _location(uri: str, line: int | None, logical: dict[str, Any] | None = None) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": uri}}
    if line:
        physical["region"] = {"startLine": line}
    location: dict[str, Any] = {"physicalLocation": physical}
    if logical:
        location["logicalLocations"] = [logical]
    return location


def document(findings: Sequence[Finding], templates: Sequence[Template], *, baseline_used: bool = False) -> dict[str, Any]:
    """The SARIF log: one run, the rules, one result per finding."""
    rules = descriptors()
    index = {r["id"]: i for i, r in enumerate(rules)}
    by_name = {t.name: t for t in templates}
    prints = baseline.fingerprints(findings, templates)
    ymls: dict[Path, sources.ServerlessYml | None] = {}
    tpl_lines: dict[str, dict[str, int]] = {}
    results = []
    for f, fp in zip(findings, prints, strict=True):
        tpl = by_name.get(f.stack)
        locations = []
        logical = {"name": f.logical_id, "fullyQualifiedName": f"{f.stack}/{f.logical_id}", "kind": "resource"} if f.logical_id else None
        if tpl is not None:
            project = sources.project_of(tpl)
            if project not in ymls:
                ymls[project] = sources.load(project)
            yml = ymls[project]
            line = yml.line(f) if yml is not None else None
            if yml is not None and line:
                locations.append(_location(_uri(yml.path), line, logical))
            if f.logical_id and tpl.name not in tpl_lines:
                tpl_lines[tpl.name] = _template_lines(tpl)
            locations.append(_location(_uri(tpl.path), tpl_lines.get(tpl.name, {}).get(f.logical_id or ""), logical))
        result: dict[str, Any] = {
            "ruleId": f.rule,
            "ruleIndex": index.get(f.rule, -1),
            "level": LEVELS.get(f.severity, "note"),
            "message": {"text": f"{f.message} Fix: {f.fix}"},
            "locations": locations,
            "partialFingerprints": {FINGERPRINT: fp},
            "properties": {"stack": f.stack, "path": f.path},
        }
        if result["ruleIndex"] < 0:
            del result["ruleIndex"]
        if f.exempt is not None:
            result["suppressions"] = [{"kind": "inSource", "justification": f.exempt}]
        if baseline_used and f.exempt is None and f.severity != INFO:  # exempted ones are suppressions; info is never baselined
            result["baselineState"] = "unchanged" if f.baseline else "new"
        results.append(result)
    driver = {"name": "slsguard", "version": __version__, "semanticVersion": __version__, "rules": rules}
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [{"tool": {"driver": driver}, "results": results}]}


def dumps(findings: Sequence[Finding], templates: Sequence[Template], *, baseline_used: bool = False) -> str:
    """The SARIF log as the text ``--format sarif`` prints: compact (the C encoder; indenting costs 10x on large logs)."""
    return json.dumps(document(findings, templates, baseline_used=baseline_used), separators=(",", ":")) + "\n"
