"""Explicit exemptions: ``Metadata: {slsguard: {exempt: {<rule-id>: "<reason>"}}}`` on a resource, or on a
template for the whole stack (and the stacks nested below it). The reason is required; an exempted
finding stays in the report, marked with it, and no longer fails the audit.

In a Serverless Framework project the plugin bridge writes ``custom.slsguard.exempt`` into this
same metadata, so the compiled templates alone decide the result.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Any

from .model import ERROR, Context, Finding, Template, finding

RULE = "exemption"


def _entries(holder: Any) -> Any:
    meta = holder.get("Metadata") if isinstance(holder, dict) else None
    mark = meta.get("slsguard") if isinstance(meta, dict) else None
    return mark.get("exempt") if isinstance(mark, dict) else None


def _reason(holder: Any, rule: str) -> str | None:
    entries = _entries(holder)
    reason = entries.get(rule) if isinstance(entries, dict) else None
    return reason.strip() if isinstance(reason, str) and reason.strip() else None


def apply(findings: Iterable[Finding], templates: dict[str, Template]) -> list[Finding]:
    """Mark findings exempted by their resource's or an enclosing template's metadata."""
    out = []
    for f in findings:
        tpl = templates.get(f.stack)
        reason = None
        if f.rule != RULE and tpl is not None:
            if f.logical_id is not None:
                reason = _reason(tpl.resources.get(f.logical_id), f.rule)
            scope: Template | None = tpl
            while reason is None and scope is not None:
                reason = _reason(scope.body, f.rule)
                scope = scope.parent
        out.append(replace(f, exempt=reason) if reason else f)
    return out


def check(ctx: Context, known: frozenset[str]) -> Iterator[Finding]:
    """Every exemption must name a real rule and give a reason; otherwise it is an error itself."""
    fix = 'Write `Metadata: {slsguard: {exempt: {<rule-id>: "<why this is safe>"}}}` with a rule id from `slsguard audit --help`.'
    for tpl in ctx.index.templates:
        holders = [(None, "Metadata.slsguard.exempt", tpl.body)]
        holders += [(lid, "Metadata.slsguard.exempt", res) for lid, res in tpl.resources.items()]
        for lid, where, holder in holders:
            entries = _entries(holder)
            if entries is None:
                continue
            place = f"resource {lid}" if lid else f"stack {tpl.name}"
            if not isinstance(entries, dict):
                yield finding(RULE, ERROR, tpl, lid, where, f"Exemptions of {place} must map rule ids to reasons.", fix)
                continue
            for rule, reason in entries.items():
                if rule not in known or rule == RULE:
                    yield finding(RULE, ERROR, tpl, lid, f"{where}.{rule}", f"Exemption of {place} names unknown rule {rule!r}.", fix)
                elif not (isinstance(reason, str) and reason.strip()):
                    yield finding(RULE, ERROR, tpl, lid, f"{where}.{rule}", f"Exemption of {place} from {rule} gives no reason.", fix)
