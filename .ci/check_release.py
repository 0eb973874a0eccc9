"""Refuse a release whose tag, version and changelog disagree: the version is defined once, in generator/__init__.py.

    python .ci/check_release.py v0.2.0              the tag names __version__, and CHANGELOG.md has a section for it
    python .ci/check_release.py v0.2.0 --dist dist  and the built wheel and sdist carry that version

Exit 0 when they agree, 1 with one line per disagreement. Standard library only (runs before anything is installed).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VERSION_LINE = re.compile(r'^__version__ = "([^"]+)"$', re.MULTILINE)
TAG = re.compile(r"^v(\d+\.\d+\.\d+(?:(?:a|b|rc)\d+)?)$")


def version(repo: Path = REPO) -> str:
    """``__version__`` as generator/__init__.py writes it (read, not imported)."""
    match = VERSION_LINE.search((repo / "generator" / "__init__.py").read_text(encoding="utf-8"))
    if match is None:
        raise SystemExit('generator/__init__.py has no line __version__ = "X.Y.Z"')
    return match.group(1)


def problems(tag: str, repo: Path = REPO, dist: Path | None = None) -> list[str]:
    """Every way the tag, the version, the changelog and the built files disagree."""
    found = []
    defined = version(repo)
    match = TAG.match(tag)
    if match is None:
        found.append(f"tag {tag!r} is not a release tag: use v<version>, e.g. v{defined}")
    elif match.group(1) != defined:
        found.append(
            f"tag {tag} names {match.group(1)}, but generator/__init__.py defines {defined}: change __version__ first, or tag v{defined}"
        )
    changelog = repo / "CHANGELOG.md"
    heading = re.compile(rf"^## \[?{re.escape(defined)}\]?(\s|$)", re.MULTILINE)
    if not changelog.is_file() or not heading.search(changelog.read_text(encoding="utf-8")):
        found.append(f"CHANGELOG.md has no section '## {defined}': say what this release changes")
    if dist is not None:
        for pattern in (f"slsguard-{defined}-py3-none-any.whl", f"slsguard-{defined}.tar.gz"):
            if not (dist / pattern).is_file():
                built = ", ".join(sorted(p.name for p in dist.glob("slsguard-*"))) or "nothing"
                found.append(f"{dist}/{pattern} was not built (found: {built})")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tag")
    parser.add_argument("--dist", type=Path, help="the folder the wheel and sdist were built into")
    args = parser.parse_args(argv)
    found = problems(args.tag, dist=args.dist)
    for line in found:
        print(f"release: {line}", file=sys.stderr)
    if not found:
        print(f"release: {args.tag} is slsguard {version()}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
