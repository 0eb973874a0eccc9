"""The rules table of docs/audit.md, written from the registry: ``python -m generator.audit.docs [--check] [FILE]``.

The table sits between two marker comments; everything else in the file is left as written. ``--check`` exits 1
when the file's table differs from the registry (the tests run it), 0 when they agree.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .exemptions import RULE as EXEMPTION_RULE
from .rules import RULES

BEGIN = "<!-- rules table: written by `python -m generator.audit.docs` from generator/audit/rules.py; edit the rules, not this table -->"
END = "<!-- end of rules table -->"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "audit.md"
EXEMPTION_ROW = (
    f"| `{EXEMPTION_RULE}` | | every exemption names a real rule and gives a reason (error, cannot be exempted); an exemption that "
    "covers no finding is a warning naming where the rule does report | error / warning |"
)


def table() -> str:
    """The Markdown table: one row per rule in registry order, then the exemption check."""
    rows = ["| rule | challenge | checks | severity |", "|---|---|---|---|"]
    rows += [f"| `{r.id}` | {r.challenge.split()[0]} | {r.checks} | {r.levels} |" for r in RULES]
    rows.append(EXEMPTION_ROW)
    return "\n".join(rows)


def rewritten(text: str) -> str:
    """``text`` with the part between the markers replaced by the current table."""
    if BEGIN not in text or END not in text:
        raise ValueError(f"the rules table markers are missing: add the lines {BEGIN!r} and {END!r}")
    head, rest = text.split(BEGIN, 1)
    _old, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{table()}\n{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    """Write (or with --check compare) the table in the given file, docs/audit.md by default."""
    parser = argparse.ArgumentParser(prog="python -m generator.audit.docs", description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path, default=DOCS)
    parser.add_argument("--check", action="store_true", help="exit 1 when the file's table is not the registry's")
    args = parser.parse_args(argv)
    try:
        text = args.file.read_text(encoding="utf-8")
        new = rewritten(text)
    except (OSError, ValueError) as err:
        print(f"slsguard: {args.file}: {err}", file=sys.stderr)
        return 2
    if args.check:
        if new != text:
            print(
                f"slsguard: the rules table in {args.file} differs from the registry: run python -m generator.audit.docs", file=sys.stderr
            )
            return 1
        return 0
    if new != text:
        args.file.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
