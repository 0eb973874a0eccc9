"""``slsguard upgrade``: re-render a project with this slsguard and merge three ways."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("project_dir", nargs="?", default=".", metavar="PROJECT_DIR")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="change an answer (repeatable)")
    parser.add_argument(
        "--no-input",
        action="store_true",
        help="do not ask questions new in this version; take their defaults (or what keeps the project as it was, where a question says)",
    )
    parser.add_argument("--dry-run", action="store_true", help="print what would change; write nothing")
    parser.add_argument("--check", action="store_true", help="exit 1 when the project is behind this slsguard or its answers")
    parser.add_argument("--allow-dirty", action="store_true", help="upgrade a git project with uncommitted changes")


def run(args: argparse.Namespace) -> int:
    from ..upgrade.regenerate import run_cli

    return run_cli(args)
