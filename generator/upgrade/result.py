"""What an upgrade found and did, as plain data: ``generator.upgrade.regenerate`` fills it, ``generator.upgrade.report`` reads it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..project.change import BINARY_CONFLICT, CONFLICT, RECORDED, SIDE_FILE, Change


@dataclass
class Upgrade:
    """What an upgrade found and did: the report and the diff are views of it."""

    project: Path
    from_version: str
    to_version: str
    changed: list[tuple[str, Any, Any]] = field(default_factory=list)  # (key, old, new)
    new: list[tuple[str, Any, bool]] = field(default_factory=list)  # (key, value, asked)
    dropped: list[tuple[str, Any]] = field(default_factory=list)  # answers to questions that no longer exist
    changes: list[Change] = field(default_factory=list)
    generated_changed: int = 0  # generated files whose pristine render differs from last time
    dry_run: bool = False
    in_git: bool = False  # the project is in a git work tree: binary conflicts go to the index, not side files
    marked_unmerged: bool = False  # conflicts registered in the git index, as after 'git merge'
    unresolved: list[tuple[str, str]] = field(default_factory=list)  # (path, how) left by the last upgrade
    tools: list[str] = field(default_factory=list)  # package.json pins slsguard changed: "osls 3.77.1 -> 4.3.1"

    @property
    def conflicts(self) -> list[str]:
        """Files holding conflict markers."""
        return [c.path for c in self.changes if c.action == CONFLICT]

    @property
    def binary_conflicts(self) -> list[str]:
        """Binary files both sides changed: both versions kept, the user picks one."""
        return [c.path for c in self.changes if c.action == BINARY_CONFLICT]

    @property
    def side_files(self) -> bool:
        """Whether the new versions of binary conflicts sit in side files (not in git's index)."""
        return any(c.action == SIDE_FILE for c in self.changes) and not self.marked_unmerged

    @property
    def file_changes(self) -> list[Change]:
        return [c for c in self.changes if c.action not in (RECORDED, SIDE_FILE)]

    @property
    def behind(self) -> bool:
        """Whether the project differs from what this slsguard would generate with these answers."""
        return bool(self.from_version != self.to_version or self.changed or self.new or self.dropped or self.generated_changed)
