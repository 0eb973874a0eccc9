"""Baselines: today's findings recorded once, so an adopted service fails only on what gets worse.

A fingerprint names a finding by what it is, not where a build happened to put it:

- the rule, the logical id and the property path with list positions removed
  (``Statement[3]`` becomes ``Statement[]``): no file paths, timestamps, code hashes or ordering;
- where a path runs through a list, a short key of that list element's content (sorted, so
  reordering does not matter): two wildcard statements of one policy stay two findings;
- for rules whose offence is a value (``VALUE_KIND``), the kind of value (a literal, a
  ``{{resolve:...}}``, or the intrinsic function that builds it), never the value: a baseline file is
  committed, and even a hash of a short password can be guessed back;
- a grouped finding is recorded per member (``members``), each as if reported alone;
- the stack name only for findings about a whole stack (quotas, the budget). A resource's stack is
  left out: serverless-plugin-split-stacks moves resources between the root and nested stacks when
  functions are added or its settings change, while the logical id, unique in the service, stays.

File format (``slsguard-baseline/1``): JSON, entries sorted by rule, logical id, path and fingerprint,
one entry per line group, so a re-written baseline diffs only where findings changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..errors import UserError
from .model import INFO, Finding, Template

SCHEMA = "slsguard-baseline/1"
NEVER = frozenset({"exemption"})  # a broken exemption is the user's own config error: it cannot be accepted, only fixed
# Info findings are gaps the project chose on purpose and recorded where it chose them (e.g. Metadata.slsguard.waf):
# they never fail, so a baseline has nothing to accept; recording them would only churn the file when the choice changes.
# Rules whose finding is about a value: its kind is part of the fingerprint (a literal replaced by
# a secret reference is another finding). The rule ids of value rules added later go here.
VALUE_KIND = frozenset({"plain-secret"})
INDEX = re.compile(r"\[(\d+)\]")
WRITE_HINT = "Fix: write one with `slsguard audit PATH --write-baseline FILE` (it records today's findings)."


def recordable(finding: Finding) -> bool:
    """Whether a baseline may accept this finding: not exempted, not a broken exemption, not info (see NEVER)."""
    return finding.exempt is None and finding.rule not in NEVER and finding.severity != INFO


def _canonical(value: Any) -> Any:
    """The value with mapping keys and list items sorted, so order never changes its key."""
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, list):
        return sorted((_canonical(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    return value


def _digest(value: Any, size: int = 12) -> str:
    text = json.dumps(_canonical(value), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:size]


def _walk(body: Any, path: str) -> tuple[Any, Any]:
    """(value at ``path``, the innermost list element the path runs through); (None, None) when not found."""
    node, element = body, None
    for part in path.split("."):
        name = INDEX.sub("", part)
        if name:
            if not isinstance(node, dict) or name not in node:
                return None, None
            node = node[name]
        for index in INDEX.findall(part):
            if not isinstance(node, list) or int(index) >= len(node):
                return None, None
            node = element = node[int(index)]
    return node, element


def value_kind(value: Any) -> str:
    """How a value is written, without the value: literal, resolve (a dynamic reference) or the intrinsic's name."""
    if isinstance(value, dict) and len(value) == 1:
        return next(iter(value))
    if isinstance(value, str):
        return "resolve" if "{{resolve:" in value else "literal"
    return type(value).__name__


def key(finding: Finding, templates: dict[str, Template]) -> dict[str, str | None]:
    """What identifies a finding across builds (see the module docstring for why each part is there)."""
    tpl = templates.get(finding.stack)
    value, element = _walk(tpl.body, finding.path) if tpl is not None else (None, None)
    parts: dict[str, str | None] = {
        "rule": finding.rule,
        "stack": finding.stack if finding.logical_id is None else None,
        "logical_id": finding.logical_id,
        "path": INDEX.sub("[]", finding.path),
        "value": None,
    }
    extra = []
    if element is not None:
        extra.append(f"item:{_digest(element)}")
    if finding.rule in VALUE_KIND and value is not None:
        extra.append(f"kind:{value_kind(value)}")
    if extra:
        parts["value"] = " ".join(extra)
    return parts


def fingerprint(parts: dict[str, str | None]) -> str:
    """A short stable id of a key: SARIF's partialFingerprints and the baseline's match key."""
    text = "\x1f".join(f"{k}={parts[k] or ''}" for k in ("rule", "stack", "logical_id", "path", "value"))
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def members(finding: Finding) -> list[Finding]:
    """A grouped finding stands for each resource it covers, each fingerprinted as if reported alone: the members a
    baseline accepted stay accepted whichever of them is listed first, and a resource that joins the group is new."""
    if len(finding.resources) < 2:
        return [finding]
    first = f"Resources.{finding.logical_id}"
    tail = finding.path[len(first) :] if finding.path.startswith(first) else None
    return [
        replace(finding, logical_id=member, path=finding.path if tail is None else f"Resources.{member}{tail}", resources=())
        for member in finding.resources
    ]


def _member_prints(findings: Sequence[Finding], templates: Sequence[Template]) -> list[list[str]]:
    by_name = {t.name: t for t in templates}
    return [[fingerprint(key(m, by_name)) for m in members(f)] for f in findings]


def fingerprints(findings: Sequence[Finding], templates: Sequence[Template]) -> list[str]:
    """One fingerprint per finding, in order (SARIF's partialFingerprints): a grouped finding's is a digest of its
    members' (in sorted order), so it changes only when a resource joins or leaves the group."""
    return [prints[0] if len(prints) == 1 else _digest(prints, 20) for prints in _member_prints(findings, templates)]


def entries(findings: Sequence[Finding], templates: Sequence[Template]) -> list[dict[str, str | None]]:
    """The baseline's entries for today's findings, one per member of a grouped finding: exempted ones, broken
    exemptions and info findings are left out."""
    by_name = {t.name: t for t in templates}
    out: dict[str, dict[str, str | None]] = {}
    for f in findings:
        if not recordable(f):
            continue
        for m in members(f):
            parts = key(m, by_name)
            fp = fingerprint(parts)
            out[fp] = {"fingerprint": fp, "rule": m.rule, "severity": m.severity, **{k: v for k, v in parts.items() if k != "rule" and v}}
    return sorted(out.values(), key=lambda e: (e["rule"] or "", e.get("logical_id") or "", e.get("path") or "", e["fingerprint"] or ""))


def dumps(items: Iterable[dict[str, str | None]]) -> str:
    """The file's text: one entry per line, so a diff shows exactly the findings that came or went."""
    lines = [json.dumps(entry, sort_keys=False) for entry in items]
    body = ",\n    ".join(lines)
    return (
        f'{{\n  "schema": "{SCHEMA}",\n  "findings": [\n    {body}\n  ]\n}}\n'
        if lines
        else f'{{\n  "schema": "{SCHEMA}",\n  "findings": []\n}}\n'
    )


def write(path: Path, findings: Sequence[Finding], templates: Sequence[Template]) -> frozenset[str]:
    """Record today's findings in ``path`` (atomically: a failed write leaves the old file); returns the fingerprints
    it accepts, one per entry (a grouped finding has one per member)."""
    import tempfile  # only when writing: it costs every audit's start-up otherwise

    items = entries(findings, templates)
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(dumps(items))
        os.replace(tmp, path)
    except OSError as err:
        raise UserError(
            f"{path}: cannot write the baseline ({err.strerror}).", "Fix: choose a writable path for --write-baseline."
        ) from err
    return frozenset(str(e["fingerprint"]) for e in items)


def read(path: Path) -> frozenset[str]:
    """The fingerprints a baseline file accepts; one line and exit 2 when it is missing or not a baseline."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise UserError(f"--baseline {path}: no such file.", WRITE_HINT) from err
    except (OSError, UnicodeDecodeError) as err:
        raise UserError(f"--baseline {path}: cannot be read ({err}).", WRITE_HINT) from err
    except ValueError as err:
        raise UserError(f"--baseline {path}: not valid JSON ({err}).", WRITE_HINT) from err
    schema = doc.get("schema") if isinstance(doc, dict) else None
    if schema != SCHEMA:
        raise UserError(f"--baseline {path}: schema={schema!r} is not allowed: it must be {SCHEMA!r}.", WRITE_HINT)
    items = doc.get("findings")
    if not isinstance(items, list) or not all(isinstance(e, dict) and isinstance(e.get("fingerprint"), str) for e in items):
        raise UserError(f"--baseline {path}: findings must be a list of entries with a fingerprint.", WRITE_HINT)
    return frozenset(e["fingerprint"] for e in items)


def apply(findings: Sequence[Finding], templates: Sequence[Template], accepted: frozenset[str]) -> list[Finding]:
    """Mark the findings the baseline accepts (a grouped one when it accepts every member); they are reported but no
    longer fail the audit."""
    prints = _member_prints(findings, templates)
    return [
        replace(f, baseline=True) if recordable(f) and all(fp in accepted for fp in fps) else f
        for f, fps in zip(findings, prints, strict=True)
    ]
