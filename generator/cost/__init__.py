"""``slsguard cost``: the most a service can cost per hour under a flood, before it is deployed.

``cost(paths)`` reads compiled templates exactly as the audit does and returns a ``Ceiling``;
``ceiling_of_answers(answers)`` prices wizard answers through the same model and formulas;
``run_cli`` prints one of two views and exits 1 above ``--max-hourly``, 2 on unusable input.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import UserError
from . import formulas, prices, report, typical
from .report import Ceiling

__all__ = ["Ceiling", "ceiling_of_answers", "cost", "readme_bullet", "run_cli"]

DEFAULT_REGION = "us-east-1"


def cost(paths: Sequence[str | Path], region: str | None = None, account_concurrency: int | None = None) -> Ceiling:
    """The ceiling of the templates the paths name (root and nested stacks)."""
    from ..answers import limits
    from ..cfn.index import Index
    from ..cfn.load import load
    from ..project import recorded
    from .from_templates import build

    recorded.check_account_concurrency(account_concurrency)
    loaded = load(paths)
    notes: list[str] = []
    if region is None:
        region = recorded.region(loaded.projects)
        if region is None:
            region = DEFAULT_REGION
            notes.append(f"region {DEFAULT_REGION}: no recorded answers name one (pass --region)")
    table = prices.load(region)
    if account_concurrency is None:
        account_concurrency = recorded.account_concurrency(loaded.projects) or limits.LAMBDA_DEFAULT_ACCOUNT_CONCURRENCY
    for _parent, stack_id, file in loaded.unresolved:
        notes.append(f"nested stack {stack_id} ({file}) not found: its resources are not priced")
    service = build(Index(loaded.roots), account_concurrency)
    return Ceiling(
        formulas.items(service, table),
        formulas.limited_by_account(service),
        table,
        account_concurrency,
        tuple(notes),
        typical=typical.price(service, table),
        unbounded=tuple(service.unbounded),
    )


def ceiling_of_answers(answers: Mapping[str, Any]) -> Ceiling:
    """The ceiling of a complete answer set, without rendering or packaging; UserError when its region has no table."""
    from .from_answers import build

    service = build(answers)
    table = prices.load(str(answers["aws_region"]))
    return Ceiling(
        formulas.items(service, table),
        formulas.limited_by_account(service),
        table,
        service.account_concurrency,
        (),
        typical.price(service, table),
    )


def readme_bullet(answers: Mapping[str, Any]) -> str:
    """The generated README's cost line for these answers (a region without prices says so and names those with)."""
    try:
        return report.readme_bullet(ceiling_of_answers(answers))
    except UserError as err:
        return f"- **Cost ceiling**: not computed: {err.message} Add a table to slsguard, then run `slsguard cost .serverless`."


def run_cli(args: argparse.Namespace) -> int:
    """``slsguard cost``: print the ceiling; exit 1 when it is above --max-hourly."""
    if args.max_hourly is not None and not args.max_hourly >= 0:
        raise UserError(f"--max-hourly={args.max_hourly} is not allowed: it must be a number of USD >= 0.", "Fix: --max-hourly 5")
    ceiling = cost(args.paths, args.region, args.account_concurrency)
    sys.stdout.write(report.as_json(ceiling) if args.format == "json" else report.text(ceiling))
    if args.max_hourly is not None and ceiling.usd_per_hour > args.max_hourly:
        print(
            f"slsguard cost: the ceiling ${ceiling.usd_per_hour:,.2f}/hour is above --max-hourly {args.max_hourly:g}.",
            file=sys.stderr,
        )
        return 1
    return 0
