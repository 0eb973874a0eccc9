"""``slsguard audit``: check compiled CloudFormation templates (root and nested stacks) for unsafe settings.

``audit(paths)`` returns findings as data; ``run_cli`` prints one of two views and picks the exit
code: 0 without errors, 1 with errors, 2 on unusable input (raised as UserError).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from ..answers import limits
from ..cfn.load import load
from ..project import recorded
from . import exemptions, grouping, report
from .model import Context, Finding, Index, Template
from .rules import RULES, run

__all__ = ["RULES", "Finding", "audit", "audit_with_templates", "run_cli"]


def _prepare(
    paths: Sequence[str | Path], account_concurrency: int | None, before: Callable[[list[Template]], None] | None = None
) -> tuple[list[Finding], list[Template], int]:
    """Load, check and order; ``before`` may annotate the loaded templates first (as the plugin bridge would have)."""
    recorded.check_account_concurrency(account_concurrency)
    loaded = load(paths)
    if account_concurrency is None:
        account_concurrency = recorded.account_concurrency(loaded.projects) or limits.LAMBDA_DEFAULT_ACCOUNT_CONCURRENCY
    index = Index(loaded.roots)
    if before is not None:
        before(index.templates)
    ctx = Context(index, account_concurrency, loaded.unresolved)
    findings = grouping.group(exemptions.apply(run(ctx), {t.name: t for t in index.templates}))
    ordered = report.ordered(findings, index.templates, [r.id for r in RULES])
    return ordered, index.templates, account_concurrency


def audit_with_templates(
    paths: Sequence[str | Path], before: Callable[[list[Template]], None] | None = None
) -> tuple[list[Finding], list[Template]]:
    """Findings and the templates they are in (what baselines and SARIF need); ``before`` may annotate the templates first."""
    findings, templates, _ = _prepare(paths, None, before)
    return findings, templates


def audit(paths: Sequence[str | Path], account_concurrency: int | None = None) -> list[Finding]:
    """Findings for the templates the paths name; exempted findings are included, marked with their reason."""
    return _prepare(paths, account_concurrency)[0]


def _show_command(args: argparse.Namespace) -> str:
    """The command that lists what the baseline accepted, as the user would type it."""
    import shlex

    paths = " ".join(shlex.quote(str(p)) for p in args.paths)
    return f"slsguard audit {paths} --baseline {shlex.quote(str(args.baseline or args.write_baseline))} --show-accepted"


def run_cli(args: argparse.Namespace) -> int:
    """``slsguard audit``: print the report, exit 1 when an error is neither exempted nor in the baseline (0 with --warn-only)."""
    if args.baseline or args.write_baseline:
        from . import baseline
    accepted = baseline.read(args.baseline) if args.baseline else None  # a bad baseline stops before any work
    findings, templates, account = _prepare(args.paths, args.account_concurrency)
    if args.write_baseline:
        accepted = baseline.write(args.write_baseline, findings, templates)
        count = sum(1 for f in findings if baseline.recordable(f))  # a grouped finding is one, as the report counts it
        print(f"slsguard: recorded {count} findings in {args.write_baseline}.", file=sys.stderr)
    if accepted is not None:
        findings = baseline.apply(findings, templates, accepted)
        findings = report.ordered(findings, templates, [r.id for r in RULES])
    if args.format == "json":
        sys.stdout.write(report.as_json(findings, templates, account))
    elif args.format == "sarif":
        from . import sarif

        sys.stdout.write(sarif.dumps(findings, templates, baseline_used=accepted is not None))
    else:
        sys.stdout.write(report.text(findings, templates, args.show_accepted, _show_command(args)))
    errors = report.summary(findings)["errors"]
    return 1 if errors and not args.warn_only else 0
