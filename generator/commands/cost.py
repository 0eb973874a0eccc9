"""``slsguard cost``: the most the service can cost per hour under a flood."""

from __future__ import annotations

import argparse

from . import options


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Price the ceiling of compiled templates: every entry point driven to its cap, every function running to its timeout."
    )
    parser.epilog = "exit codes: 0 at or below --max-hourly (or without it), 1 above it, 2 unusable input. Model: docs/cost.md"
    options.add_paths(parser)
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--max-hourly", type=float, metavar="USD", help="exit 1 when the ceiling per hour is above USD")
    parser.add_argument("--region", metavar="REGION", help="price table to use (default: the project's answer, else us-east-1)")
    options.add_account_concurrency(parser)


def run(args: argparse.Namespace) -> int:
    from ..cost import run_cli

    return run_cli(args)
