"""Three-way merge of a whole project, file by file, as text.

base = what slsguard generated last time, ours = the project now, theirs = the new render.
A change on one side only is taken; overlapping changes become git-style conflict markers
inside the file (``git merge-file --diff3``, which needs no repository). Never a ``.rej`` file.
A binary file both sides changed keeps both versions; a path behind a symbolic link is never read
or written; a file the user converted to other line endings merges line by line in those endings.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import UserError
from ..project import confine
from ..project.change import (
    ADDED,
    BINARY_CONFLICT,
    CONFLICT,
    KEPT,
    LINKED,
    MERGED,
    NOT_RESTORED,
    REMOVED,
    UPDATED,
    Change,
)
from ..project.snapshot import Entry, Tree
from .eol import NAMES, converted, to_lf, to_style


@dataclass(frozen=True)
class Labels:
    """Names of the three sides, written after the conflict markers."""

    ours: str = "your project"
    base: str = "last generation"
    theirs: str = "this upgrade"


def _is_binary(*datas: bytes) -> bool:
    return any(b"\0" in data[:8192] for data in datas)


def merge_text(ours: bytes, base: bytes, theirs: bytes, labels: Labels) -> tuple[bytes, bool]:
    """Merge three versions of a file with ``git merge-file``; returns (result, had_conflicts)."""
    git = shutil.which("git")
    if git is None:
        raise UserError("merging needs git's 'git merge-file' (the project itself need not be a git repository).", "Fix: install git.")
    with tempfile.TemporaryDirectory(prefix="slsguard-merge-") as tmp:
        paths = []
        for name, data in (("ours", ours), ("base", base), ("theirs", theirs)):
            path = Path(tmp, name)
            path.write_bytes(data)
            paths.append(str(path))
        labels_args = ["-L", labels.ours, "-L", labels.base, "-L", labels.theirs]
        proc = subprocess.run([git, "merge-file", "-p", "--diff3", *labels_args, *paths], capture_output=True, check=False)
    if proc.returncode < 0 or proc.returncode > 127:
        message = proc.stderr.decode("utf-8", "replace").strip() or f"exit code {proc.returncode}"
        raise UserError(f"git merge-file failed: {message}.", "Fix: check that git works ('git --version').")
    return proc.stdout, proc.returncode > 0


def _both_changed(path: str, ours: Entry, base: Entry | None, theirs: Entry, executable: bool, labels: Labels) -> Change:
    """Both sides changed a file's text (or both added it): merge, or conflict."""
    if _is_binary(ours.data, theirs.data, base.data if base else b""):
        return Change(path, BINARY_CONFLICT, None, "", (ours, base, theirs))
    merged, conflicted = merge_text(ours.data, base.data if base else b"", theirs.data, labels)
    if conflicted:
        note = "you created this file and the new render adds it too" if base is None else ""
        return Change(path, CONFLICT, Entry(merged, executable), note, (ours, base, theirs))
    return Change(path, MERGED, Entry(merged, executable))


def plan_file(path: str, ours: Entry | None, base: Entry | None, theirs: Entry | None, labels: Labels) -> Change | None:
    """What to do with one path; None when there is nothing to do or to say."""
    if base == theirs:
        return None  # the template did not change it: whatever you did stands (edits, deletion)
    if theirs is None:
        assert base is not None
        if ours is None:
            return None  # you deleted it and slsguard no longer generates it
        if ours == base:
            return Change(path, REMOVED)
        return Change(path, KEPT, None, "no longer generated, but you changed it")
    if ours is None:
        if base is None:
            return Change(path, ADDED, theirs)
        return Change(path, NOT_RESTORED, None, "you deleted it; the new render changed it")
    if ours == theirs:
        return None
    # the executable bit merges like a one-line file: your change wins over the template's
    executable = theirs.executable if base is None or ours.executable == base.executable else ours.executable
    binary = _is_binary(ours.data, theirs.data, base.data if base else b"")
    eol = None if binary else converted(ours.data, base.data if base else None, theirs.data)
    if eol is not None:
        return _in_your_line_endings(path, ours, base, theirs, executable, labels, eol)
    if base is not None and ours.data == base.data:
        return Change(path, UPDATED, Entry(theirs.data, executable))
    if ours.data == theirs.data:
        return None if executable == ours.executable else Change(path, UPDATED, Entry(ours.data, executable))
    return _both_changed(path, ours, base, theirs, executable, labels)


def _in_your_line_endings(
    path: str, ours: Entry, base: Entry | None, theirs: Entry, executable: bool, labels: Labels, eol: bytes
) -> Change | None:
    """You converted the file's line endings: merge its lines as if you had not, then write them in yours."""
    o, t = Entry(to_lf(ours.data), ours.executable), Entry(to_lf(theirs.data), theirs.executable)
    b = Entry(to_lf(base.data), base.executable) if base is not None else None
    if o.data == t.data:
        return None if executable == ours.executable else Change(path, UPDATED, Entry(ours.data, executable))
    if b is not None and o.data == b.data:
        return Change(path, MERGED, Entry(to_style(t.data, eol), executable), f"your {NAMES[eol]} line endings kept")
    change = _both_changed(path, o, b, t, executable, labels)
    assert change.entry is not None  # line endings are only compared in text files
    sides = tuple(Entry(to_style(e.data, eol), e.executable) if e is not None else None for e in (ours, base, theirs))
    return replace(change, entry=Entry(to_style(change.entry.data, eol), executable), sides=sides if change.sides else None)


def linked(path: str, link: str, base: Entry | None, theirs: Entry | None) -> Change | None:
    """A generated path you replaced with a symbolic link, or put behind one: reported, never followed."""
    if base == theirs:
        return None
    note = "replaced by a link; not followed" if link == path else f"behind your link {link}; not followed"
    return Change(path, LINKED, None, note)


def plan(root: Path, base: Tree, theirs: Tree, labels: Labels) -> list[Change]:
    """Every change an upgrade of ``root`` makes, sorted by path; the project is only read, never through a link."""
    paths = sorted(set(base) | set(theirs))
    behind = confine.links(root, paths)
    ours = _read_ours(root, (p for p in paths if p not in behind))
    changes = [
        linked(p, behind[p], base.get(p), theirs.get(p)) if p in behind else plan_file(p, ours.get(p), base.get(p), theirs.get(p), labels)
        for p in paths
    ]
    return [c for c in changes if c is not None]


def _read_ours(root: Path, paths: Iterable[str]) -> Mapping[str, Entry]:
    """The project's current version of the paths that matter (missing ones are absent)."""
    out: dict[str, Entry] = {}
    for rel in paths:
        path = root / rel
        if path.is_file() and not path.is_symlink():
            out[rel] = Entry(path.read_bytes(), bool(path.stat().st_mode & 0o111))
    return out
