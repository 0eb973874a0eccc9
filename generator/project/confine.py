"""A command that writes into an existing project (``upgrade``, ``add``, ``new --force``) stays inside it: it never
reads as yours, writes or deletes a path that passes through a symbolic link, whatever the link points to
(``git apply`` refuses the same paths)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

from ..errors import UserError


def first_link(root: Path, rel: str, seen: dict[str, bool] | None = None) -> str | None:
    """The first component of ``rel`` (``rel`` itself included) that is a symbolic link under ``root``, else None."""
    seen = {} if seen is None else seen
    parts = rel.split("/")
    for i in range(1, len(parts) + 1):
        sub = "/".join(parts[:i])
        if sub not in seen:
            try:
                seen[sub] = stat.S_ISLNK(os.lstat(root / sub).st_mode)
            except OSError:
                return None  # missing (or not a folder): nothing beyond it exists to follow
        if seen[sub]:
            return sub
    return None


def links(root: Path, paths: Iterable[str]) -> dict[str, str]:
    """Each path that lies behind (or is) a symbolic link, with that link; ``root`` must be the real project root."""
    seen: dict[str, bool] = {}
    found = {rel: first_link(root, rel, seen) for rel in paths}
    return {rel: link for rel, link in found.items() if link is not None}


def refuse_links(root: Path, paths: Iterable[str], command: str = "upgrade") -> None:
    """The last guard before writing: a path through a link could change files outside the project."""
    who = "an upgrade" if command == "upgrade" else f"slsguard {command}"
    for rel, link in sorted(links(root, paths).items()):
        where = "is a symbolic link" if link == rel else f"lies behind the symbolic link {link}"
        raise UserError(
            f"{root / rel} {where}: {who} never writes through a link (it could change files outside the project); nothing was changed.",
            f"Fix: replace {link} with a real {'file' if link == rel else 'folder'}, or run {who.removeprefix('an ')} without it.",
        )
