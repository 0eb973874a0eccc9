"""Apply a planned upgrade all or nothing.

Every new content is first written into a hidden staging folder inside the project (same file
system, so the final moves are atomic renames); only then are files swapped in one by one, each
original moved aside. Any failure, Ctrl-C or SIGTERM included, moves the originals back: the project ends
byte-identical to how it started. No path that passes through a symbolic link is written or
deleted: the project's real root is the limit, whatever its links point to.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from ..errors import UserError
from ..signals import held, take
from .change import Change
from .confine import refuse_links
from .snapshot import safe_relpath

STAGING_PREFIX = ".slsguard-upgrade-"


def _write(path: Path, data: bytes, executable: bool) -> None:
    """Write one staged file (a seam for tests that inject a disk error)."""
    path.write_bytes(data)
    os.chmod(path, 0o755 if executable else 0o644)


def _move(src: Path, dst: Path) -> None:
    """Rename within the project's file system (a seam for tests that inject a failure mid-apply)."""
    os.replace(src, dst)


class _Journal:
    """What has been done so far, to undo it in reverse order."""

    def __init__(self, root: Path, stage: Path) -> None:
        self.root, self.stage = root, stage
        self.steps: list[tuple[str, Path, Path | None]] = []

    def mkdirs(self, directory: Path) -> None:
        missing = []
        while not directory.exists():
            missing.append(directory)
            directory = directory.parent
        for d in reversed(missing):
            d.mkdir()
            self.steps.append(("mkdir", d, None))

    def rollback(self) -> None:
        for kind, path, saved in reversed(self.steps):
            if kind == "mkdir":
                path.rmdir()
            elif kind == "rmdir":
                path.mkdir()
            elif kind == "new":
                path.unlink()
            elif kind == "moved" and saved is not None:
                os.replace(saved, path)


def _keep_mode(original: Path, staged: Path, change: Change) -> None:
    """Your file's permission bits survive, except the executable bit the merge decided."""
    mode = original.stat().st_mode & 0o7777
    assert change.entry is not None
    mode = mode | (mode & 0o444) >> 2 if change.entry.executable else mode & ~0o111
    os.chmod(staged, mode)


def apply(root: Path, changes: Sequence[Change], command: str = "upgrade") -> None:
    """Make every writing change in ``changes`` happen, or none of them (``command`` names who writes, in errors)."""
    writing = [c for c in changes if c.writes]
    if not writing:
        return
    for change in writing:
        safe_relpath(change.path)
    refuse_links(root, (c.path for c in writing), command)
    try:
        stage = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=root))
    except OSError as err:
        raise UserError(
            f"cannot write in {root}: {err.strerror}; nothing was changed.", "Fix: check the folder's permissions and free space."
        ) from err
    journal = _Journal(root, stage)
    try:
        with held():  # a signal waits for the swap to end, then undoes it (below) before stopping
            staged: list[tuple[Change, Path | None]] = []
            for i, change in enumerate(writing):
                if change.entry is None:
                    staged.append((change, None))
                    continue
                tmp = stage / f"new-{i}"
                _write(tmp, change.entry.data, change.entry.executable)
                if (root / change.path).is_file():
                    _keep_mode(root / change.path, tmp, change)
                staged.append((change, tmp))
            emptied: set[Path] = set()
            for i, (change, tmp) in enumerate(staged):
                target = root / change.path
                if target.exists() or target.is_symlink():
                    saved = stage / f"old-{i}"
                    _move(target, saved)
                    journal.steps.append(("moved", target, saved))
                if tmp is None:
                    emptied.add(target.parent)
                    continue
                journal.mkdirs(target.parent)
                _move(tmp, target)
                journal.steps.append(("new", target, None))
            for directory in sorted(emptied, key=lambda d: len(d.parts), reverse=True):
                while directory != root and directory.is_dir() and not any(directory.iterdir()):
                    directory.rmdir()
                    journal.steps.append(("rmdir", directory, None))
                    directory = directory.parent
            stopped = take()
            if stopped is not None:
                raise stopped
    except BaseException as err:
        journal.rollback()
        shutil.rmtree(stage, ignore_errors=True)
        if isinstance(err, OSError):
            where = f" ({err.filename})" if err.filename else ""
            raise UserError(
                f"the {command} could not write the project{where}: {err.strerror or err}; every file was put back as it was.",
                f"Fix: check free space and permissions, then run the {command} again.",
            ) from err
        raise
    shutil.rmtree(stage, ignore_errors=True)
