"""``slsguard add``: add a function to a generated project."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Add a function to a generated project: its handler through guard, its test and sample event, and its "
        "block in serverless.yml with only handler, events, timeout and reservedConcurrency (the rails plugin adds the rest)."
    )
    parser.add_argument("name", metavar="NAME", help="function name, also its module: a lowercase Python identifier")
    parser.add_argument(
        "--trigger", required=True, metavar="http|sqs|schedule", help="what invokes it: API Gateway, an SQS queue, a schedule"
    )
    parser.add_argument("--path", metavar="/ROUTE", help="HTTP route (--trigger http; default /NAME with - for _)")
    parser.add_argument("--schedule", metavar="EXPR", help="rate(...) or cron(...) (--trigger schedule; default rate(1 hour))")
    parser.add_argument("--database", action="store_true", help="the function reads the database (slsguard: {database: true})")
    parser.add_argument("--project", type=Path, default=Path("."), metavar="PROJECT_DIR", help="the generated project (default: .)")


def run(args: argparse.Namespace) -> int:
    from ..add import Request, add

    request = Request(args.name, args.trigger, args.path, args.schedule, args.database)
    written = add(args.project, request)
    print(f"Added function {args.name} ({args.trigger}):")
    for rel in written:
        print(f"  {rel}")
    print("Next:\n  python -m pytest\n  npm run package   (the rails plugin adds its alarms, role and the rest)")
    return 0
