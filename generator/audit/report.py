"""Two views of the same findings: text grouped by stack for people, JSON for tools.

The text view escapes every control, line-breaking and bidi character a template value carries (``printable``):
a function name holding ``\n::error::`` cannot forge a CI annotation, nor an ANSI sequence recolour the terminal.
JSON escapes them by itself (``ensure_ascii``).

The JSON schema (``slsguard-audit/1``) is documented in docs/audit.md; fields are only ever
added, never renamed or removed, without changing the schema name.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ..printable import printable
from .model import ERROR, INFO, WARNING, Finding, Template

SCHEMA = "slsguard-audit/1"


def _rank(f: Finding) -> int:
    return 4 if f.exempt is not None else 3 if f.baseline else {ERROR: 0, WARNING: 1, INFO: 2}.get(f.severity, 3)


def ordered(findings: Sequence[Finding], templates: Sequence[Template], rule_order: Sequence[str]) -> list[Finding]:
    """Stacks in template order; in each, errors, warnings, info, baselined, then exempted ones; then by rule and resource."""
    stack_pos = {t.name: i for i, t in enumerate(templates)}
    rule_pos = {r: i for i, r in enumerate(rule_order)}
    return sorted(
        findings,
        key=lambda f: (stack_pos.get(f.stack, len(stack_pos)), _rank(f), rule_pos.get(f.rule, len(rule_pos)), f.logical_id or "", f.path),
    )


def summary(findings: Sequence[Finding]) -> dict[str, Any]:
    """Counts that decide the exit code (errors: nobody exempted them, no baseline accepted them), and findings per rule.

    ``info`` (gaps the project chose, never failing, never warnings) and ``baseline`` appear only when there are any.
    """
    by_rule: dict[str, int] = {}
    for f in findings:
        by_rule[f.rule] = by_rule.get(f.rule, 0) + 1
    counts: dict[str, Any] = {
        "errors": sum(1 for f in findings if f.blocking),
        "warnings": sum(1 for f in findings if f.severity == WARNING and f.exempt is None and not f.baseline),
    }
    info = sum(1 for f in findings if f.severity == INFO and f.exempt is None and not f.baseline)
    if info:
        counts["info"] = info
    counts["exempted"] = sum(1 for f in findings if f.exempt is not None)
    counts["by_rule"] = dict(sorted(by_rule.items(), key=lambda kv: (-kv[1], kv[0])))
    baselined = sum(1 for f in findings if f.baseline)
    return {**counts, "baseline": baselined} if baselined else counts


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _in_baseline(counts: dict[str, int]) -> str:
    return f", {counts['baseline']} in the baseline" if counts.get("baseline") else ""


def _info(counts: dict[str, int]) -> str:
    return f"{counts['info']} info, " if counts.get("info") else ""


def summary_line(findings: Sequence[Finding], templates: Sequence[Template]) -> str:
    """The closing line, also what the plugin bridge quotes when it fails a deploy."""
    s = summary(findings)
    return (
        f"slsguard audit: {_plural(s['errors'], 'error')}, {_plural(s['warnings'], 'warning')}, "
        f"{_info(s)}{s['exempted']} exempted{_in_baseline(s)} in {_plural(len(templates), 'stack')}."
    )


def _by_stack(findings: Sequence[Finding], templates: Sequence[Template]) -> list[str]:
    lines: list[str] = []
    for tpl in templates:
        mine = [f for f in findings if f.stack == tpl.name]
        if not mine:
            continue
        heading = tpl.name if tpl.name == str(tpl.path) else f"{tpl.name} ({tpl.path})"
        lines.append(printable(heading))
        for f in mine:  # every text from a template is escaped: no value may start a line or print an escape sequence
            label = "EXEMPT" if f.exempt is not None else f.severity.upper()
            lines.append(f"  {label:<8}{printable(f.rule)}  {printable(f.path)}{'  (baseline)' if f.baseline else ''}")
            lines.append(f"          {printable(f.message)}")
            lines.append(f"          exempt: {printable(f.exempt)}" if f.exempt is not None else f"          fix: {printable(f.fix)}")
        lines.append("")
    return lines


def accepted_line(accepted: Sequence[Finding], show: str) -> str:
    """One line for the findings a baseline accepted, instead of listing each (``show``: the command that lists them)."""
    kinds = [
        _plural(n, word)
        for word, n in ((w, sum(1 for f in accepted if f.severity == s)) for w, s in (("error", ERROR), ("warning", WARNING)))
        if n
    ]
    return f"accepted: {_plural(len(accepted), 'finding')} in the baseline ({', '.join(kinds) or 'info'}) not shown; `{show}` lists them."


def text(findings: Sequence[Finding], templates: Sequence[Template], show_accepted: bool = False, show: str = "--show-accepted") -> str:
    """Readable report grouped by stack, stacks without findings left out: new findings first, then the ones a baseline
    accepted, listed only with ``show_accepted`` and otherwise summed up in one line (``show`` says how to list them)."""
    accepted = [f for f in findings if f.baseline]
    lines = _by_stack([f for f in findings if not f.baseline], templates)
    if accepted and show_accepted:
        lines += [f"Accepted by the baseline ({_plural(len(accepted), 'finding')}):", *_by_stack(accepted, templates)]
    elif accepted:
        lines.append(accepted_line(accepted, show))
    counts = summary(findings)["by_rule"]
    if counts:
        lines.append("by rule: " + ", ".join(f"{printable(rule)} {n}" for rule, n in counts.items()))
    lines.append(summary_line(findings, templates))
    return "\n".join(lines) + "\n"


def as_json(findings: Sequence[Finding], templates: Sequence[Template], account_concurrency: int) -> str:
    """The stable machine-readable view (schema slsguard-audit/1)."""
    doc: dict[str, Any] = {
        "schema": SCHEMA,
        "account_concurrency": account_concurrency,
        "stacks": [
            {
                "name": t.name,
                "file": str(t.path),
                "parent": t.parent.name if t.parent else None,
                "resources": len(t.resources),
                "bytes": t.size,
            }
            for t in templates
        ],
        "findings": [f.to_dict() for f in findings],
        "summary": summary(findings),
    }
    return json.dumps(doc, indent=2) + "\n"
