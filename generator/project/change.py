"""What happens to one path of a project: the ``Change`` record and its status names.

``slsguard upgrade`` plans one per path (``generator.upgrade.merge``), ``slsguard new``, ``add`` and ``init`` write
theirs, and ``generator.project.transaction`` applies any list of them all or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from .snapshot import Entry

# What happens to a path; the ones in WRITES change the project.
ADDED = "added"  # new in this render, absent from the project
UPDATED = "updated"  # you never changed it: the new render replaces it
MERGED = "merged"  # both sides changed it, in different places: both kept
CONFLICT = "conflict"  # both sides changed the same lines: markers written
BINARY_CONFLICT = "binary conflict"  # both sides changed a binary file: yours stays, the new one is kept aside
REMOVED = "removed"  # no longer generated and unchanged by you
KEPT = "kept"  # no longer generated, but you changed it: left in place
NOT_RESTORED = "not restored"  # you deleted it; the new render changed it; it stays deleted
LINKED = "linked"  # you replaced it (or a folder above it) with a symbolic link: not followed
RECORDED = "recorded"  # .slsguard/ answers or merge base
SIDE_FILE = "side file"  # the new version of a binary conflict, next to yours (outside git)
WRITES = frozenset({ADDED, UPDATED, MERGED, CONFLICT, REMOVED, RECORDED, SIDE_FILE})


@dataclass(frozen=True)
class Change:
    """One path's fate: ``entry`` is the content to write (None: delete, or nothing to write)."""

    path: str
    action: str
    entry: Entry | None = None
    note: str = ""
    sides: tuple[Entry | None, Entry | None, Entry | None] | None = None  # (ours, base, theirs) of a conflict

    @property
    def writes(self) -> bool:
        """Whether the project changes: a removal, or new content (a binary conflict writes nothing in place)."""
        return self.action == REMOVED or (self.action in WRITES and self.entry is not None)
