"""What an upgrade asks of git when the project lives in a repository: is the tree clean, and
which files hold conflicts (registered as unmerged, like ``git merge`` does)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from ..errors import UserError
from ..project.change import Change
from ..project.snapshot import Entry

NO_OBJECT = "0" * 40


def _git(root: Path, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
    git = shutil.which("git")
    assert git is not None
    return subprocess.run([git, "-C", str(root), *args], capture_output=True, text=True, input=input, check=False)


def inside_work_tree(root: Path) -> bool:
    """Whether ``root`` is in a git work tree (False when git is not installed)."""
    if shutil.which("git") is None:
        return False
    result = _git(root, "rev-parse", "--is-inside-work-tree")
    return result.returncode == 0 and result.stdout.strip() == "true"


def git_dirty(root: Path) -> list[str] | None:
    """``git status`` lines under ``root``; None when it is not inside a git work tree."""
    if shutil.which("git") is None:
        return None
    status = _git(root, "status", "--porcelain", "--untracked-files=normal", "--", ".")
    if status.returncode != 0 and not inside_work_tree(root):
        return None  # one git call in the common cases; the second only tells "not a repository" from a broken one
    if status.returncode != 0:
        raise UserError(f"git status failed in {root}: {status.stderr.strip()}.", "Fix: repair the repository, or pass --allow-dirty.")
    return [line for line in status.stdout.splitlines() if line.strip()]


def unmerged_paths(root: Path) -> list[str] | None:
    """Paths under ``root`` (relative to it) that git holds as unmerged, a conflict not yet 'git add'ed;
    None when ``root`` is not in a git work tree (one git call answers both)."""
    if shutil.which("git") is None:
        return None
    listed = _git(root, "ls-files", "-u", "-z", "--", ".")
    if listed.returncode != 0:
        return None
    return sorted({entry.split("\t", 1)[1] for entry in listed.stdout.split("\0") if "\t" in entry})


def mark_unmerged(root: Path, conflicts: Sequence[Change]) -> bool:
    """Register conflicted files as unmerged (stages 1-3), so ``git status`` and ``git commit`` see them.

    Best effort after the files are written: returns False (and changes nothing) when git cannot do it.
    """
    if not conflicts or not inside_work_tree(root):
        return False
    prefix = _git(root, "rev-parse", "--show-prefix").stdout.strip()
    with tempfile.TemporaryDirectory(prefix="slsguard-git-") as tmp:
        blobs: list[tuple[str, int, Entry]] = []
        for change in conflicts:
            if change.sides is None:
                continue
            for stage, entry in zip((2, 1, 3), change.sides, strict=True):
                if entry is not None:
                    blobs.append((change.path, stage, entry))
        files = []
        for i, (_path, _stage, entry) in enumerate(blobs):
            file = Path(tmp, str(i))
            file.write_bytes(entry.data)
            files.append(str(file))
        hashed = _git(root, "hash-object", "-w", "--no-filters", "--", *files)
        if hashed.returncode != 0:
            return False
        shas = hashed.stdout.split()
    lines = [f"0 {NO_OBJECT}\t{prefix}{change.path}" for change in conflicts if change.sides is not None]
    for (path, stage, entry), sha in zip(blobs, shas, strict=True):
        lines.append(f"{'100755' if entry.executable else '100644'} {sha} {stage}\t{prefix}{path}")
    return _git(root, "update-index", "--index-info", input="\n".join(lines) + "\n").returncode == 0
