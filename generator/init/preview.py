"""``slsguard init --rails``: show what would change, then write only on confirmation.

The choice (docs/audit.md, "slsguard init --rails"): the rails change how every function is deployed (roles, alarms,
queues), so ``--rails`` never writes on its own. It prints the files it would add and serverless.yml's exact diff,
then asks on a terminal (``Write these changes? [y/N]``, anything but y/yes writes nothing); without a terminal (CI,
a pipe) it writes nothing and says that ``--yes`` writes it. ``--yes`` writes after printing the same preview.
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Callable

from . import BASELINE_FILE, Plan, write
from .rails import RAILS_DIR

PROMPT = "Write these changes? [y/N] "
YES = frozenset({"y", "yes"})


def lines(planned: Plan) -> list[str]:
    """The preview: each file added or changed, serverless.yml's diff, what the rails give."""
    out = [f"slsguard init --rails: what it would change in {planned.outcome.project} (nothing is written yet)", ""]
    rails_files = [p for p in planned.files if p.startswith(f"{RAILS_DIR.as_posix()}/")]
    if rails_files:
        out.append(f"  add   {RAILS_DIR.as_posix()}/  ({len(rails_files)} files: the rails plugin)")
    notes = {BASELINE_FILE.as_posix(): f"  ({planned.outcome.baseline} findings of the last package, accepted)"}
    for path in sorted(p for p in planned.files if p not in rails_files):
        verb = "write" if (planned.outcome.project / path).exists() else "add  "
        out.append(f"  {verb} {path}{notes.get(path, '')}")
    if planned.after != planned.before:
        name = planned.outcome.config.name
        out.append(f"  edit  {name} (comments and layout kept):")
        diff = difflib.unified_diff(planned.before.splitlines(), planned.after.splitlines(), name, f"{name} (after)", lineterm="")
        out += [f"        {line}".rstrip() for line in diff]
    given = planned.outcome.rails
    if given and given.gives:
        out += ["", "The rails give every function, also those added later:"]
        out += [f"  {name}: {what}" for name, what in given.gives]
    return out


def run(planned: Plan, yes: bool, ask: Callable[[str], str] | None = None) -> bool:
    """Print the preview and write when confirmed; returns whether it wrote."""
    print("\n".join(lines(planned)))
    print()
    if not yes:
        if ask is None and not sys.stdin.isatty():
            print("Nothing written: run it again with --yes to write these changes.")
            return False
        try:
            answer = (ask or input)(PROMPT)
        except EOFError:
            answer = ""
        if answer.strip().lower() not in YES:
            print("Nothing written.")
            return False
    write(planned)
    return True
