"""Arguments more than one command takes, defined once: the templates to read and the account's concurrency limit."""

from __future__ import annotations

import argparse


def add_paths(parser: argparse.ArgumentParser) -> None:
    """The compiled templates ``audit`` and ``cost`` read."""
    parser.add_argument(
        "paths", nargs="*", default=["."], metavar="PATH", help="a .serverless/ folder, a project folder or template files (default: .)"
    )


def add_account_concurrency(parser: argparse.ArgumentParser) -> None:
    """The account's Lambda concurrency limit, which ``audit`` and ``cost`` both weigh the functions against."""
    parser.add_argument(
        "--account-concurrency",
        type=int,
        metavar="N",
        help="the account's Lambda concurrency limit (default: the project's answer, else 1000)",
    )
