"""``slsguard audit``: check compiled CloudFormation templates (root and nested stacks) for unsafe settings.

``audit(paths)`` returns findings as data; ``run_cli`` prints one of two views and picks the exit
code: 0 without errors, 1 with errors, 2 on unusable input (raised as UserError).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from .. import limits
from ..errors import UserError
from . import exemptions, grouping, report
from .loader import load
from .model import Context, Finding, Index, Template
from .rules import RULES, run

__all__ = ["RULES", "Finding", "audit", "run_cli"]

# generator.snapshot.ANSWERS_FILE, spelled out: importing snapshot (tarfile, gzip) would slow every audit start.
ANSWERS_FILE = Path(".slsguard") / "answers.json"


def recorded_concurrency(projects: Sequence[Path]) -> int | None:
    """The account concurrency the project's recorded answers name, if any project has them."""
    for project in projects:
        path = project / ANSWERS_FILE
        if not path.is_file():
            continue
        try:
            value = json.loads(path.read_text(encoding="utf-8"))["answers"]["account_concurrency"]
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise UserError(
                f"{path}: cannot read account_concurrency ({err}).", "Fix: restore the file, or pass --account-concurrency N."
            ) from err
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
        raise UserError(f"{path}: account_concurrency={value!r} is not a positive whole number.", "Fix: pass --account-concurrency N.")
    return None


def _prepare(paths: Sequence[str | Path], account_concurrency: int | None) -> tuple[list[Finding], list[Template], int]:
    if account_concurrency is not None and account_concurrency < 1:
        raise UserError(
            f"--account-concurrency={account_concurrency} is not allowed: it must be a whole number >= 1.",
            "Fix: --account-concurrency 1000",
        )
    loaded = load(paths)
    if account_concurrency is None:
        account_concurrency = recorded_concurrency(loaded.projects) or limits.LAMBDA_DEFAULT_ACCOUNT_CONCURRENCY
    index = Index(loaded.roots)
    ctx = Context(index, account_concurrency, loaded.unresolved)
    findings = grouping.group(exemptions.apply(run(ctx), {t.name: t for t in index.templates}))
    ordered = report.ordered(findings, index.templates, [r.id for r in RULES])
    return ordered, index.templates, account_concurrency


def audit(paths: Sequence[str | Path], account_concurrency: int | None = None) -> list[Finding]:
    """Findings for the templates the paths name; exempted findings are included, marked with their reason."""
    return _prepare(paths, account_concurrency)[0]


def run_cli(args: argparse.Namespace) -> int:
    """``slsguard audit``: print the report, exit 1 when an error is not exempted (0 with --warn-only)."""
    findings, templates, account = _prepare(args.paths, args.account_concurrency)
    if args.format == "json":
        sys.stdout.write(report.as_json(findings, templates, account))
    else:
        sys.stdout.write(report.text(findings, templates))
    errors = report.summary(findings)["errors"]
    return 1 if errors and not args.warn_only else 0
