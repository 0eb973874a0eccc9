"""Rules about what each function leaves to look at: active tracing and log groups with a retention (seed challenge 2)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..cfn import refs
from ..cfn.values import ABSENT, Unknown, merge, property_values, why
from . import warmer
from .functions import absent_in
from .model import ERROR, FUNCTION, WARNING, Context, Finding, Template, fn_label, props
from .rule import Fix, Rule


def tracing(ctx: Context) -> Iterator[Finding]:
    """Challenge 2: active tracing shows where a request spent its time across services."""
    warmers = {(id(w.tpl), w.logical_id) for w in warmer.find(ctx.index)}
    for tpl, lid, fn in ctx.index.of_type(FUNCTION):
        if (id(tpl), lid) in warmers:
            continue  # a warmer only pings; tracing it would make the plugin bundle the X-Ray SDK
        off = next(
            (
                p.because
                for p in property_values(tpl, fn, "TracingConfig")
                if not (isinstance(p.value, dict) and p.value.get("Mode") == "Active")
            ),
            None,
        )
        if off is not None:
            yield TRACING.finding(
                WARNING,
                tpl,
                lid,
                "Properties.TracingConfig.Mode",
                f"Function {fn_label(fn, lid)} has active tracing off{why(off)}: its part of a slow or failing request is invisible.",
                group=f"tracing{why(off)}",
                subject=f"Function {fn_label(fn, lid)} has",
            )


def _managed(ctx: Context) -> tuple[set[str], set[tuple[int, str]]]:
    """Log group names the stacks create (in any branch), and functions whose generated name a log group's
    ``!Sub /aws/lambda/${Fn}`` uses."""
    names: set[str] = set()
    functions: set[tuple[int, str]] = set()
    for tpl, _lid, group in ctx.index.of_type("AWS::Logs::LogGroup"):
        names.update(p.value for p in property_values(tpl, group, "LogGroupName") if isinstance(p.value, str))
        functions.update((id(t), fid) for t, fid in refs.functions(props(group).get("LogGroupName"), tpl))
    return names, functions


def _unmanaged(tpl: Template, lid: str, fn: dict[str, Any], names: set[str], covered: set[tuple[int, str]]) -> str | None:
    """The first log group a deploy can make the function write to that no stack manages, with why."""
    for config in property_values(tpl, fn, "LoggingConfig"):
        group = config.value.get("LogGroup", ABSENT) if isinstance(config.value, dict) else ABSENT
        if isinstance(group, Unknown):
            continue  # a reference to a log group resource, checked above
        if group is ABSENT and (id(tpl), lid) in covered:
            continue
        if group is not ABSENT:
            if group not in names:
                return f"{group}{why(config.because)}"
            continue
        for fname in property_values(tpl, fn, "FunctionName"):
            default = f"/aws/lambda/{fname.value}" if isinstance(fname.value, str) else f"/aws/lambda/<generated name of {lid}>"
            if default not in names:
                return f"{default}{why(merge(config.because, fname.because) or config.because)}"
    return None


def log_retention(ctx: Context) -> Iterator[Finding]:
    """Challenge 2 (and 4): logs kept forever cost more every month and are rarely read after weeks."""
    for tpl, lid, group in ctx.index.of_type("AWS::Logs::LogGroup"):
        name = props(group).get("LogGroupName")
        missing = absent_in(tpl, group, "RetentionInDays")
        if missing is not None:
            shown = name if isinstance(name, str) else lid
            yield LOG_RETENTION.finding(
                ERROR,
                tpl,
                lid,
                "Properties.RetentionInDays",
                f"Log group {shown} keeps logs forever (no RetentionInDays{', ' + why(missing)[2:-1] if missing else ''}).",
                variant="group",
                group=f"no-retention{why(missing)}",
                subject=f"Log group {shown} keeps",
            )
    names, covered = _managed(ctx)
    for tpl, lid, fn in ctx.index.of_type(FUNCTION):
        group = _unmanaged(tpl, lid, fn, names, covered)
        if group is not None:
            yield LOG_RETENTION.finding(
                WARNING,
                tpl,
                lid,
                "Properties.LoggingConfig",
                f"Function {fn_label(fn, lid)} writes to log group {group}, which no stack manages: Lambda creates it on "
                "first use with no retention.",
                variant="unmanaged",
                function=lid,
            )


TRACING = Rule(
    id="tracing",
    challenge="2 observability",
    severity=WARNING,
    summary="active tracing on every function (warning)",
    help="Active tracing shows where a slow or failing request spent its time across services.",
    checks="active tracing on every function (warmers excepted: they only ping)",
    levels="warning",
    fixes={
        "": Fix(
            "Set `provider.tracing.lambda: true` (or `tracing: Active` on the function) in serverless.yml.",
            "Set `Tracing: Active` under `Globals: Function:` (or on the function) in template.yaml.",
            "Set `TracingConfig: {{Mode: Active}}` on the AWS::Lambda::Function.",
        )
    },
    check=tracing,
)

LOG_RETENTION = Rule(
    id="log-retention",
    challenge="2 observability",
    severity=ERROR,
    summary="every log group has a retention period (error); every function's log group is managed (warning)",
    help="Log groups without RetentionInDays keep logs, and their cost, forever; a function whose log group no stack creates gets one from Lambda with no retention.",
    checks="every log group has `RetentionInDays`; every function's log group is created by a stack (else Lambda creates one that never expires)",
    levels="error; warning",
    fixes={
        "group": Fix(
            "Set `provider.logRetentionInDays` in serverless.yml (or RetentionInDays on the log group in `resources:`).",
            "Set `RetentionInDays` on the AWS::Logs::LogGroup in template.yaml.",
            "Set `RetentionInDays` on the AWS::Logs::LogGroup.",
        ),
        "unmanaged": Fix(
            "Let the framework create the function's log group (do not set `disableLogs`), or add the log group with RetentionInDays.",
            "Add an AWS::Logs::LogGroup named `!Sub /aws/lambda/${{{function}}}` with RetentionInDays (or `LoggingConfig: {{LogGroup: ...}}` on the function) in template.yaml.",
            "Add an AWS::Logs::LogGroup named `/aws/lambda/<function name>` with RetentionInDays, or point `LoggingConfig.LogGroup` at one.",
        ),
    },
    check=log_retention,
)
RULES = (TRACING, LOG_RETENTION)
