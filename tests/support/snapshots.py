"""Snapshot files of what people read (reports, help, summaries): a change in wording is a reviewed diff."""

from __future__ import annotations

import os
from pathlib import Path

UPDATE = "SLSGUARD_UPDATE_SNAPSHOTS"


def snapshot_check(path: Path, text: str) -> None:
    """Compare ``text`` with the file at ``path``; ``SLSGUARD_UPDATE_SNAPSHOTS=1`` rewrites it (review the diff).

    A missing snapshot fails rather than being written quietly: a new snapshot is a choice someone reads.
    """
    if os.environ.get(UPDATE) == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"{path} is missing: run with {UPDATE}=1 and review it"
    assert text == path.read_text(encoding="utf-8")
