"""The preview as text: per stack, one line per resource a deploy touches; stateful losses marked; IAM widening."""

from __future__ import annotations

from collections.abc import Iterator

from ..printable import printable
from .model import ADDED, CHANGED, NEW, REMOVED, REPLACED, SAME, UNKNOWN, Change

MARK = {ADDED: "+", REMOVED: "-", CHANGED: "~", REPLACED: "!"}
MAX_PATHS = 6  # properties named per changed resource
MAX_GRANTS = 10  # IAM grants named per resource


def losses(changes: dict[str, list[Change]]) -> list[Change]:
    """Stateful resources a deploy would replace or remove."""
    return [c for found in changes.values() for c in found if c.stateful and c.kind in (REPLACED, REMOVED)]


def lost(changes: dict[str, list[Change]], accepted: set[str]) -> list[Change]:
    """Stateful losses not acknowledged with --accept."""
    return [c for c in losses(changes) if c.logical_id not in accepted]


def _detail(c: Change) -> str:
    if c.kind == REPLACED:
        forcing, rest = ", ".join(c.paths[: c.forcing][:MAX_PATHS]), c.paths[c.forcing :]
        also = f"; also {', '.join(rest[:MAX_PATHS])}" if rest else ""
        text = f" replaced: {'the type changes' if c.paths == ('Type',) else f'{forcing} cannot change in place (create-only)'}{also}"
    elif c.kind == CHANGED:
        more = f" and {len(c.paths) - MAX_PATHS} more" if len(c.paths) > MAX_PATHS else ""
        text = f": {', '.join(c.paths[:MAX_PATHS])}{more}"
    else:
        text = ""
    if c.because:
        text += f" (in cascade: {c.because})"
    if c.stateful and c.kind in (REPLACED, REMOVED):
        new = "; the service moves to a new, empty one" if c.kind == REPLACED else ""
        fate = "kept by its policy, detached from the stack" if c.kept else "DELETED with its data"
        text += f"  [STATEFUL: the current one is {fate}{new}]"
    return text


def _artifact_lines(found: list[Change]) -> Iterator[str]:
    """One line per artifact kind for the resources whose only change is this package's new upload folder."""
    for kind in dict.fromkeys(c.artifact for c in found if c.artifact):
        same = [c for c in found if c.artifact == kind]
        codes = {code: sum(c.code == code for c in same) for code in (NEW, SAME, UNKNOWN) if any(c.code == code for c in same)}
        how = f" (code: {', '.join(f'{n} {code}' for code, n in codes.items())}, by the published versions' CodeSha256)" if codes else ""
        names = ", ".join(c.logical_id for c in same[:MAX_PATHS]) + (f" and {len(same) - MAX_PATHS} more" if len(same) > MAX_PATHS else "")
        yield printable(f"  ~ {names} ({len(same)}): only the upload folder of this package's {kind}{how}")


def _stack_lines(label: str, found: list[Change], accepted: set[str]) -> Iterator[str]:
    counts = {kind: sum(c.kind == kind for c in found) for kind in (ADDED, CHANGED, REPLACED, REMOVED)}
    yield f"{label}: " + ", ".join(f"{n} {kind}" for kind, n in counts.items())
    for c in found:
        if c.artifact:
            continue
        ok = " (accepted)" if c.logical_id in accepted and c.stateful and c.kind in (REPLACED, REMOVED) else ""
        yield printable(f"  {MARK[c.kind]} {c.logical_id} ({c.type}){_detail(c)}{ok}")
    yield from _artifact_lines(found)
    for c in found:
        if c.widening:
            yield printable(f"  IAM widening: {c.logical_id} {'(new) ' if c.kind == ADDED else ''}would allow")
            for action, resource, condition in c.widening[:MAX_GRANTS]:
                when = "" if condition == "null" else f" when {condition}"
                yield printable(f"      {action} on {resource}{when}")
            if len(c.widening) > MAX_GRANTS:
                yield f"      and {len(c.widening) - MAX_GRANTS} more"


def lines(stack: str, changes: dict[str, list[Change]], accepted: set[str], *, first: bool) -> Iterator[str]:
    """The whole report, ending with the verdict."""
    if first:
        yield f"Stack {stack} is not deployed yet: this deploy creates everything below."
    for name, found in changes.items():
        if found or not name:
            yield from _stack_lines(f"Stack {stack}" if not name else f"Nested stack {name}", found, accepted)
    missing = lost(changes, accepted)
    if missing:
        ids = " ".join(f"--accept {c.logical_id}" for c in missing)
        yield printable(
            f"preview: {len(missing)} stateful resource(s) would be replaced or removed ({', '.join(c.logical_id for c in missing)}); "
            f"undo the change, or acknowledge it with {ids}."
        )
    else:
        total = sum(len(found) for found in changes.values())
        yield f"preview: {total} resource change(s), no stateful resource lost" + (
            " (the losses named were accepted)." if losses(changes) else "."
        )
