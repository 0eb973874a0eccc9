"""Rules about each Lambda function and their shared concurrency budget (seed challenges 1, 2 and 4)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..answers import limits
from ..cfn import refs
from ..cfn.values import ABSENT, Unknown, deployed, merge, property_values, why
from . import triggers, warmer
from .fixes import fix
from .model import ERROR, FUNCTION, WARNING, Context, Finding, Template, finding, fn_label, implicit, literal_int, props

# --- 4 wallet attack: timeouts ------------------------------------------------------------------


def _absent_in(tpl: Template, fn: dict[str, Any], name: str) -> tuple[str, ...] | None:
    """Why the property may be missing in a deploy (``()``: always), None when every deploy sets it."""
    if name not in props(fn):
        return deployed(tpl, fn)
    return next((p.because for p in property_values(tpl, fn, name) if p.value is ABSENT), None)


def function_timeout(ctx: Context) -> Iterator[Finding]:
    """Challenge 4: a timeout bounds what one runaway invocation can cost; it must be chosen, not defaulted."""
    for tpl, lid, fn in ctx.index.of_type(FUNCTION):
        label = fn_label(fn, lid)
        missing = _absent_in(tpl, fn, "Timeout")
        if missing is not None:
            yield finding(
                "function-timeout",
                ERROR,
                tpl,
                lid,
                "Properties.Timeout",
                f"Function {label} has no Timeout{why(missing)}: Lambda applies its {limits.LAMBDA_DEFAULT_TIMEOUT_S} s default, which nobody chose.",
                fix("function-timeout", tpl),
                group=f"no-timeout{why(missing)}",
                subject=f"Function {label} has",
            )
        elif "Timeout" in implicit(fn):
            yield finding(
                "function-timeout",
                ERROR,
                tpl,
                lid,
                "Properties.Timeout",
                f"Function {label} sets no timeout of its own in serverless.yml: it inherits {props(fn)['Timeout']} s "
                "from the provider or the framework's default, whatever its work needs.",
                fix("function-timeout", tpl),
                group=f"inherited:{props(fn)['Timeout']}",
                subject=f"Function {label} sets",
            )


# --- 4 wallet attack: concurrency ---------------------------------------------------------------


def reserved_concurrency(ctx: Context) -> Iterator[Finding]:
    """Challenge 4: reserved concurrency caps how far one function can scale (and bill) in a flood."""
    found: dict[triggers.Key, set[str]] | None = None
    for tpl, lid, fn in ctx.index.of_type(FUNCTION):
        missing = _absent_in(tpl, fn, "ReservedConcurrentExecutions")
        if missing is None:
            continue
        if found is None:
            found = triggers.triggers(ctx.index)  # only read when some function has no reservation
        kinds = found.get(triggers.key(tpl, lid), set())
        bounded = BOUNDED.get(frozenset(kinds)) if kinds else None
        yield finding(
            "reserved-concurrency",
            WARNING if bounded else ERROR,
            tpl,
            lid,
            "Properties.ReservedConcurrentExecutions",
            f"Function {fn_label(fn, lid)} has no reserved concurrency{why(missing)}: "
            + (
                bounded
                or "a flood or a loop scales it to all of the account's unreserved concurrency, billing every instance "
                "and starving the other functions."
            ),
            fix("reserved-concurrency", tpl),
        )


# Why a function without reserved concurrency is only a warning: what invokes it bounds its scale already.
BOUNDED = {
    frozenset({triggers.CAPPED_QUEUE}): "only SQS event sources capped by MaximumConcurrency invoke it, which bounds its "
    "scale (AWS's recommended cap for queue consumers), but other functions can still take the account's concurrency it needs.",
    frozenset({triggers.SCHEDULE}): "only schedules invoke it, so outside traffic cannot flood it, but a reservation still keeps "
    "it from being starved by other functions.",
    frozenset({triggers.CAPPED_QUEUE, triggers.SCHEDULE}): "only schedules and SQS event sources capped by MaximumConcurrency "
    "invoke it, so outside traffic cannot flood it, but a reservation still keeps it from being starved.",
}


def concurrency_budget(ctx: Context) -> Iterator[Finding]:
    """Challenge 4: AWS refuses reservations that leave fewer than 100 unreserved; counted across every stack."""
    reserved: list[tuple[int, str]] = []
    for tpl, lid, fn in ctx.index.of_type(FUNCTION):
        value = max((literal_int(p.value) or 0 for p in property_values(tpl, fn, "ReservedConcurrentExecutions")), default=0)
        if value:  # the largest reservation any deploy can make
            reserved.append((value, fn_label(fn, lid)))
    total = sum(v for v, _ in reserved)
    account = ctx.account_concurrency
    spare = account - total
    if not reserved or spare >= limits.LAMBDA_UNRESERVED_MINIMUM:
        return
    stacks = len(ctx.index.templates)
    top = ", ".join(f"{label}={value}" for value, label in sorted(reserved, key=lambda r: (-r[0], r[1]))[:3])
    yield finding(
        "concurrency-budget",
        ERROR,
        ctx.index.roots[0],
        None,
        "Resources.*.Properties.ReservedConcurrentExecutions",
        f"{len(reserved)} functions in {stacks} stack{'s' if stacks != 1 else ''} reserve {total} of the account's {account} "
        f"concurrency, leaving {spare} unreserved; AWS keeps at least {limits.LAMBDA_UNRESERVED_MINIMUM} unreserved and "
        "rejects the deployment.",
        fix("concurrency-budget", ctx.index.roots[0], most=account - limits.LAMBDA_UNRESERVED_MINIMUM, top=top),
    )


def warmer_concurrency(ctx: Context) -> Iterator[Finding]:
    """Challenge 1 (and 4): a warmer pinging more copies than a function reserves gets throttled, and pings occupy real slots."""
    for w in warmer.find(ctx.index):
        if w.targets is None:
            yield finding(
                "warmer-concurrency",
                WARNING,
                w.tpl,
                w.logical_id,
                "Properties.Code",
                f"Warmer {w.name}: its target list could not be read ({w.problem}), so its concurrency is unchecked.",
                "Audit the .serverless/ folder that `package` wrote (it holds the warmer's code artifact).",
            )
            continue
        for target in w.targets:
            found = ctx.index.function_by_name(target.function_name)
            if found is None:
                continue
            tpl, lid, fn = found
            reserved = literal_int(props(fn).get("ReservedConcurrentExecutions"))
            if reserved is None or target.concurrency < reserved:
                continue
            label = fn_label(fn, lid)
            if target.concurrency > reserved:
                yield finding(
                    "warmer-concurrency",
                    ERROR,
                    tpl,
                    lid,
                    "Properties.ReservedConcurrentExecutions",
                    f"Warmer {w.name} pings {label} {target.concurrency} times at once ({target.source}) but it reserves only "
                    f"{reserved}: {target.concurrency - reserved} pings are throttled every round (alarming as throttles, warming nothing).",
                    _warmer_fix(w.name, target.concurrency, reserved),
                )
            else:
                yield finding(
                    "warmer-concurrency",
                    WARNING,
                    tpl,
                    lid,
                    "Properties.ReservedConcurrentExecutions",
                    f"Warmer {w.name} pings {label} {target.concurrency} times at once ({target.source}), all {reserved} of its "
                    "reserved slots: real requests are throttled during every warm-up round.",
                    _warmer_fix(w.name, target.concurrency, reserved),
                )


def _warmer_fix(name: str, concurrency: int, reserved: int) -> str:
    raise_it = f"raise the function's reservedConcurrency above {concurrency}"
    if reserved <= 1:
        return f"Either {raise_it}, or stop warming it: pings would take its only slot."
    return f"Set the warmer's concurrency for this function to at most {reserved - 1} (custom.warmup.{name}.concurrency), or {raise_it}."


# --- 2 observability ----------------------------------------------------------------------------


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
            yield finding(
                "tracing",
                WARNING,
                tpl,
                lid,
                "Properties.TracingConfig.Mode",
                f"Function {fn_label(fn, lid)} has active tracing off{why(off)}: its part of a slow or failing request is invisible.",
                fix("tracing", tpl),
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
        missing = _absent_in(tpl, group, "RetentionInDays")
        if missing is not None:
            shown = name if isinstance(name, str) else lid
            yield finding(
                "log-retention",
                ERROR,
                tpl,
                lid,
                "Properties.RetentionInDays",
                f"Log group {shown} keeps logs forever (no RetentionInDays{', ' + why(missing)[2:-1] if missing else ''}).",
                fix("log-retention.group", tpl),
                group=f"no-retention{why(missing)}",
                subject=f"Log group {shown} keeps",
            )
    names, covered = _managed(ctx)
    for tpl, lid, fn in ctx.index.of_type(FUNCTION):
        group = _unmanaged(tpl, lid, fn, names, covered)
        if group is not None:
            yield finding(
                "log-retention",
                WARNING,
                tpl,
                lid,
                "Properties.LoggingConfig",
                f"Function {fn_label(fn, lid)} writes to log group {group}, which no stack manages: Lambda creates it on "
                "first use with no retention.",
                fix("log-retention.unmanaged", tpl, function=lid),
            )
