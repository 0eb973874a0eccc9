"""Views of an upgrade for people: the summary, the ``--dry-run`` diff, the conflict message and the ``--check`` verdict.

It reads the plain result (``generator.upgrade.result``) and never imports the upgrade itself.
"""

from __future__ import annotations

import difflib
import json
from typing import Any

from ..project.change import ADDED, BINARY_CONFLICT, CONFLICT, KEPT, LINKED, MERGED, NOT_RESTORED, RECORDED, REMOVED, SIDE_FILE, UPDATED
from .conflicts import resolve_hint, side_path
from .result import Upgrade

ORDER = (CONFLICT, BINARY_CONFLICT, MERGED, UPDATED, ADDED, REMOVED, KEPT, NOT_RESTORED, LINKED)
EXPLAIN = {
    MERGED: "your changes kept",
    UPDATED: "you had not changed it",
    CONFLICT: "both changed the same lines: resolve the markers",
}


def _value(value: Any) -> str:
    return json.dumps(value) if isinstance(value, bool) or value is None or value == "" else str(value)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _in_git(result: Upgrade) -> bool:
    """Whether the new versions of binary conflicts are (or would be) in git's index rather than side files."""
    return result.in_git and not result.side_files


def _binary_note(result: Upgrade, path: str) -> str:
    where = "git's index (stage 3)" if _in_git(result) else side_path(path)
    return f"binary, both changed it: yours stays in the file, the new version {'would go' if result.dry_run else 'is'} in {where}"


def _binary_fix(result: Upgrade) -> str:
    """Exactly what to do with binary conflicts: there are no markers to remove."""
    paths = result.binary_conflicts
    f = paths[0] if len(paths) == 1 else "<file>"
    if _in_git(result):
        return f"'git checkout --theirs {f}' takes the new version, 'git checkout --ours {f}' keeps yours; then 'git add {f}'."
    return f"keep yours (delete {side_path(f)}) or take the new one (move {side_path(f)} over {f})."


def _answers_lines(result: Upgrade) -> list[str]:
    lines = [f"  changed  {k}: {_value(old)} -> {_value(new)}" for k, old, new in result.changed]
    lines += [f"  new      {k}: {_value(v)} ({_why_new(asked)})" for k, v, asked in result.new]
    lines += [f"  dropped  {k}: {_value(v)} (no longer asked by slsguard)" for k, v in result.dropped]
    return ["Answers:", *lines] if lines else []


def _why_new(asked: bool | str) -> str:
    """How a new answer got its value: asked, defaulted, or (a text) kept what the project did before it existed."""
    return asked if isinstance(asked, str) else "your answer" if asked else "default"


def summary(result: Upgrade) -> str:
    """What the upgrade did (or, in a dry run, would do): answers, then one line per file."""
    name = result.project.name
    versions = (
        f"slsguard {result.from_version} -> {result.to_version}"
        if result.from_version != result.to_version
        else f"slsguard {result.to_version}"
    )
    head = f"{'Dry run, nothing written. ' if result.dry_run else ''}Upgrade of {name}: {versions}"
    files = sorted(result.file_changes, key=lambda c: (ORDER.index(c.action), c.path))
    pending = "; ".join(f"{rel} ({how})" for rel, how in result.unresolved)
    left = [f"Still unresolved from the last upgrade: {pending}."] if pending else []
    if not result.changes:
        return "\n".join([head, f"{name} is up to date: nothing to do.", *left])
    lines = [head, *_answers_lines(result)]
    if result.tools:
        lines += ["Node tools pinned in package.json (run `npm ci` afterwards):", *(f"  {line}" for line in result.tools)]
    if files:
        width = max(len(c.action) for c in files)
        path_width = max(len(c.path) for c in files)
        lines.append("Files:")
        for c in files:
            note = c.note or (_binary_note(result, c.path) if c.action == BINARY_CONFLICT else EXPLAIN.get(c.action, ""))
            lines.append(f"  {c.action:<{width}}  {c.path:<{path_width}}  {note}".rstrip())
    if any(c.action == RECORDED for c in result.changes):
        lines.append(f"{'Would record' if result.dry_run else 'Recorded'} the answers, version and merge base in .slsguard/.")
    if result.marked_unmerged:
        lines.append("The conflicted files are marked unmerged in git: 'git add' each one once resolved.")
    if result.binary_conflicts:
        lines.append(f"Binary conflicts keep both versions: {_binary_fix(result)}")
    written = sum(c.writes for c in files)
    verdict = f"{'Would change' if result.dry_run else 'Changed'} {_count(written, 'file')}"
    counts = [f"{len(result.conflicts)} with conflict markers"] if result.conflicts else []
    counts += [_count(len(result.binary_conflicts), "binary conflict")] if result.binary_conflicts else []
    lines.append(f"{verdict}, {', '.join(counts) or 'no conflicts'}.")
    return "\n".join(lines + left)


def conflict_message(result: Upgrade) -> str:
    """The one line an upgrade with conflicts exits with: the files, and what to do with each kind."""
    parts = []
    if result.conflicts:
        n, files = len(result.conflicts), ", ".join(result.conflicts)
        parts.append(
            f"{n} file{'s have' if n > 1 else ' has'} conflict markers: {files}. "
            "Fix: edit each to keep the right lines, remove the <<<<<<< ||||||| ======= >>>>>>> markers, then run your tests."
        )
    if result.binary_conflicts:
        n, files = len(result.binary_conflicts), ", ".join(result.binary_conflicts)
        parts.append(f"{_count(n, 'binary file')} changed on both sides: {files}. Fix: {_binary_fix(result)}")
    return " ".join(parts)


def diff(result: Upgrade) -> str:
    """A unified diff per file the upgrade writes, against the project as it is now."""
    out: list[str] = []
    for change in sorted(result.changes, key=lambda c: c.path):
        if not change.writes or change.path.endswith(".tar.gz") or change.action == SIDE_FILE:
            continue
        path = result.project / change.path
        before = path.read_bytes().decode("utf-8", "replace") if path.is_file() else ""
        after = change.entry.data.decode("utf-8", "replace") if change.entry is not None else ""
        a = f"a/{change.path}" if path.is_file() else "/dev/null"
        b = f"b/{change.path}" if change.entry is not None else "/dev/null"
        lines = list(difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True), a, b))
        out.extend(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)
    return "".join(out)


def _unresolved_report(result: Upgrade) -> str:
    name = result.project.name
    body = "\n".join(f"  - {rel}: {how}" for rel, how in result.unresolved)
    return f"{name} has unresolved conflicts from the last upgrade:\n{body}\nFix: {resolve_hint(result.unresolved)}."


def check_report(result: Upgrade) -> str:
    """One verdict for CI: current, or behind and why, and any conflicts of the last upgrade left unresolved."""
    name = result.project.name
    if not result.behind:
        if result.unresolved:
            return _unresolved_report(result)
        return f"{name} is up to date with slsguard {result.to_version} and its answers."
    reasons = []
    if result.from_version != result.to_version:
        reasons.append(f"generated by slsguard {result.from_version}, this is {result.to_version}")
    reasons += [f"answer {k}: {_value(old)} -> {_value(new)}" for k, old, new in result.changed]
    reasons += [f"new question {k} (default {_value(v)})" for k, v, _ in result.new]
    reasons += [f"answer {k} is no longer asked" for k, _ in result.dropped]
    if result.generated_changed:
        n = result.generated_changed
        reasons.append(f"{_count(n, 'generated file')} {'differs' if n == 1 else 'differ'} from the last generation")
    body = "\n".join(f"  - {r}" for r in reasons)
    command = " ".join(["slsguard upgrade", *(f"--set {k}={_value(new)}" for k, _, new in result.changed)])
    behind = f"{name} is behind:\n{body}\nRun '{command}' to update it."
    return f"{_unresolved_report(result)}\n{behind}" if result.unresolved else behind
