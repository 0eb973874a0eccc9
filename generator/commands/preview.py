"""``slsguard preview``: what a deploy would add, change, replace and remove."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Compare the deployed stacks (root and nested, CloudFormation GetTemplate) with the packaged templates in .serverless/."
    )
    parser.epilog = (
        "exit codes: 0 nothing stateful lost (or all of it --accept-ed), 1 a stateful resource would be replaced or removed, "
        "2 unusable input."
    )
    parser.add_argument(
        "build", nargs="?", default=Path(".serverless"), type=Path, metavar="BUILD", help="the package folder (default: .serverless)"
    )
    parser.add_argument("--stack", metavar="NAME", help="the deployed root stack (default: <service>-<stage> from the package)")
    parser.add_argument(
        "--accept",
        action="append",
        default=[],
        metavar="LOGICAL_ID",
        help="acknowledge that this stateful resource is replaced or removed (repeatable)",
    )


def run(args: argparse.Namespace) -> int:
    from ..preview import run_cli

    return run_cli(args)
