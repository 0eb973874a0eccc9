"""Conflicts an upgrade leaves for the user, and whether they are still there.

Text conflicts hold labelled markers (the labels name the upgrade, so the markers of the last one
are found again); a binary conflict keeps yours in place and the new version in git's index
(stage 3, as ``git merge`` does) or, outside git, in ``<file>.slsguard-new``. ``--check`` and the
next upgrade read the same three signs: markers, unmerged paths, side files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from ..errors import UserError
from ..project import confine
from ..project.change import BINARY_CONFLICT, SIDE_FILE, Change
from .merge import Labels

SIDE_SUFFIX = ".slsguard-new"
OURS_LABEL = "your project"
MARKERS = "conflict markers"
UNMERGED = "unmerged in git"
# (sign in an unresolved entry, what to do about it)
RESOLVE = (
    (MARKERS, "edit each file with markers to keep the right lines and remove the markers"),
    (SIDE_SUFFIX, f"for each {SIDE_SUFFIX} file keep yours (delete it) or take the new version (move it over yours)"),
    (
        UNMERGED,
        "'git add' each file once resolved (for a binary file 'git checkout --ours <file>' keeps yours, '--theirs' takes the new one)",
    ),
)


def labels(from_version: str, to_version: str) -> Labels:
    """The names after the markers: yours, the last generation, this upgrade."""
    return Labels(OURS_LABEL, f"slsguard {from_version} (last generation)", f"slsguard {to_version} (this upgrade)")


def side_path(path: str) -> str:
    return path + SIDE_SUFFIX


def side_files(changes: Sequence[Change]) -> list[Change]:
    """Outside git, the new version of each binary conflict, written next to yours."""
    out = []
    for change in changes:
        if change.action == BINARY_CONFLICT and change.sides is not None and change.sides[2] is not None:
            out.append(Change(side_path(change.path), SIDE_FILE, change.sides[2]))
    return out


def _markers(version: str) -> re.Pattern[bytes]:
    """The markers an upgrade to ``version`` writes: its own labels, so no other ``<<<<<<<`` counts."""
    ours, theirs = re.escape(f"<<<<<<< {OURS_LABEL}".encode()), re.escape(f">>>>>>> {labels('', version).theirs}".encode())
    return re.compile(rb"(?ms)^" + ours + rb"\r?$.*^" + theirs + rb"\r?$")


def unresolved(root: Path, version: str, generated: Iterable[str], unmerged: Iterable[str] = ()) -> list[tuple[str, str]]:
    """(path, what is left) for each conflict of the last upgrade (to ``version``) not resolved yet.

    ``unmerged``: the paths git holds as unmerged (``gitrepo.unmerged_paths``).
    """
    paths = sorted(generated)
    behind = confine.links(root, paths)
    found: dict[str, list[str]] = {}
    pattern = _markers(version)
    for rel in paths:
        if rel in behind:
            continue
        path = root / rel
        if path.is_file() and pattern.search(path.read_bytes()):
            found.setdefault(rel, []).append(MARKERS)
        if (root / side_path(rel)).is_file():
            found.setdefault(rel, []).append(f"new version in {side_path(rel)}")
    for rel in unmerged:
        found.setdefault(rel, []).append(UNMERGED)
    return [(rel, ", ".join(how)) for rel, how in sorted(found.items())]


def refuse_unresolved(root: Path, left: Sequence[tuple[str, str]]) -> None:
    """Refuse to merge over open conflicts: side files and unmerged paths (``git merge`` refuses those too).

    Markers alone (kept or committed) are text the user owns: ``--check`` reports them, the upgrade goes on.
    """
    blocking = [(rel, how) for rel, how in left if how != MARKERS]
    if not blocking:
        return
    sample = "; ".join(f"{rel} ({how})" for rel, how in blocking[:3]) + ("; ..." if len(blocking) > 3 else "")
    n = len(blocking)
    raise UserError(
        f"{root} has {n} unresolved conflict{'s' if n > 1 else ''} from the last upgrade: {sample}; nothing was changed.",
        f"Fix: {resolve_hint(blocking)}, then run slsguard upgrade again.",
    )


def resolve_hint(left: Sequence[tuple[str, str]]) -> str:
    """What to do with each kind of conflict left (no markers are mentioned when there are none)."""
    hows = " ".join(how for _, how in left)
    steps = [text for sign, text in RESOLVE if sign in hows]
    return "; ".join(steps)
