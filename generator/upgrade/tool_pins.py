"""What an upgrade changes in the node toolchain a project pins (package.json's devDependencies), for its summary.

Read from the two pristine renders (the last generation and this one), so it says what slsguard changed, whatever
the user edited since. Moving between framework lines (``--set framework=osls3``) or to a slsguard that pins a
newer line shows here as the CLI's version and the plugins that come and go, each with why where it matters.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from ..project.snapshot import Entry

# Why a pinned package comes or goes, by (package, "added" | "removed"): the reasons a user needs to act on.
NOTES = {
    ("serverless-prune-plugin", "removed"): "osls 4 prunes versions itself: provider.pruneFunctionVersions",
    ("serverless-prune-plugin", "added"): "osls 3.x and Serverless v4 prune versions with it: custom.prune",
    # a major move of the CLI, by (package, "<old major> -> <new major>")
    ("osls", "3 -> 4"): "osls 4 removed the AWS SDK v2 surface some plugins call; `slsguard upgrade --set framework=osls3` stays on 3.x",
}


def _pins(entry: Entry | None) -> dict[str, str]:
    if entry is None:
        return {}
    try:
        package = json.loads(entry.data)
    except ValueError:
        return {}
    pins = package.get("devDependencies") if isinstance(package, dict) else None
    return {str(k): str(v) for k, v in pins.items()} if isinstance(pins, dict) else {}


def pin_changes(before: Mapping[str, Entry], after: Mapping[str, Entry], path: str = "package.json") -> list[str]:
    """One line per package whose pin changed, was added or removed: 'osls 3.77.1 -> 4.3.1'."""
    old, new = _pins(before.get(path)), _pins(after.get(path))
    lines = []
    for name in sorted(set(old) | set(new)):
        if old.get(name) == new.get(name):
            continue
        if name not in new:
            change, how = f"{old[name]} -> removed", "removed"
        elif name not in old:
            change, how = f"added {new[name]}", "added"
        else:
            change, how = f"{old[name]} -> {new[name]}", f"{old[name].split('.')[0]} -> {new[name].split('.')[0]}"
        note = NOTES.get((name, how))
        lines.append(f"{name} {change}" + (f" ({note})" if note else ""))
    return lines
