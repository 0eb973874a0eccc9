"""``slsguard audit``: check compiled CloudFormation templates for unsafe settings."""

from __future__ import annotations

import argparse
from pathlib import Path

from . import options


def _rules_help() -> str:
    """Every audit rule id (what an exemption names) and what it checks."""
    from ..audit.rules import RULES

    lines = ["rules (ids for exemptions: Metadata slsguard.exempt, custom.slsguard.exempt; see docs/audit.md):"]
    lines += [f"  {rule.id:<24} {rule.summary}" for rule in RULES]
    lines.append("exit codes: 0 no errors, 1 errors (0 with --warn-only), 2 unusable input")
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = "Check compiled CloudFormation templates (the root and every nested stack) for unsafe settings and quotas."
    parser.epilog = _rules_help  # built only when help is shown
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    options.add_paths(parser)
    parser.add_argument("--format", choices=("text", "json", "sarif"), default="text", help="sarif: SARIF 2.1.0 for code scanning")
    recorded = parser.add_mutually_exclusive_group()
    recorded.add_argument(
        "--baseline", type=Path, metavar="FILE", help="report the findings FILE records, but fail only on new ones (see docs/audit.md)"
    )
    recorded.add_argument(
        "--write-baseline", type=Path, metavar="FILE", help="record today's findings in FILE (findings fixed since drop out)"
    )
    options.add_account_concurrency(parser)
    parser.add_argument("--warn-only", action="store_true", help="report errors but exit 0")
    parser.add_argument(
        "--show-accepted", action="store_true", help="text: list the findings the baseline accepts too (default: one line sums them up)"
    )


def run(args: argparse.Namespace) -> int:
    from ..audit import run_cli

    return run_cli(args)
