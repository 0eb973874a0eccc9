"""Rules about each Lambda function's timeout and concurrency, and their shared concurrency budget (seed challenges 1 and 4).

Tracing and log retention, the functions' observability, are observability.py's.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..answers import limits
from ..cfn.values import ABSENT, deployed, property_values, why
from . import triggers, warmer
from .model import ERROR, FUNCTION, WARNING, Context, Finding, Template, finding, fn_label, implicit, literal_int, props
from .rule import Fix, Rule

# --- 4 wallet attack: timeouts ------------------------------------------------------------------


def absent_in(tpl: Template, fn: dict[str, Any], name: str) -> tuple[str, ...] | None:
    """Why the property may be missing in a deploy (``()``: always), None when every deploy sets it."""
    if name not in props(fn):
        return deployed(tpl, fn)
    return next((p.because for p in property_values(tpl, fn, name) if p.value is ABSENT), None)


def function_timeout(ctx: Context) -> Iterator[Finding]:
    """Challenge 4: a timeout bounds what one runaway invocation can cost; it must be chosen, not defaulted."""
    for tpl, lid, fn in ctx.index.of_type(FUNCTION):
        label = fn_label(fn, lid)
        missing = absent_in(tpl, fn, "Timeout")
        if missing is not None:
            yield FUNCTION_TIMEOUT.finding(
                ERROR,
                tpl,
                lid,
                "Properties.Timeout",
                f"Function {label} has no Timeout{why(missing)}: Lambda applies its {limits.LAMBDA_DEFAULT_TIMEOUT_S} s default, which nobody chose.",
                group=f"no-timeout{why(missing)}",
                subject=f"Function {label} has",
            )
        elif "Timeout" in implicit(fn):
            yield FUNCTION_TIMEOUT.finding(
                ERROR,
                tpl,
                lid,
                "Properties.Timeout",
                f"Function {label} sets no timeout of its own in serverless.yml: it inherits {props(fn)['Timeout']} s "
                "from the provider or the framework's default, whatever its work needs.",
                group=f"inherited:{props(fn)['Timeout']}",
                subject=f"Function {label} sets",
            )


# --- 4 wallet attack: concurrency ---------------------------------------------------------------


def reserved_concurrency(ctx: Context) -> Iterator[Finding]:
    """Challenge 4: reserved concurrency caps how far one function can scale (and bill) in a flood."""
    found: dict[triggers.Key, set[str]] | None = None
    for tpl, lid, fn in ctx.index.of_type(FUNCTION):
        missing = absent_in(tpl, fn, "ReservedConcurrentExecutions")
        if missing is None:
            continue
        if found is None:
            found = triggers.triggers(ctx.index)  # only read when some function has no reservation
        kinds = found.get(triggers.key(tpl, lid), set())
        bounded = BOUNDED.get(frozenset(kinds)) if kinds else None
        yield RESERVED_CONCURRENCY.finding(
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
    yield CONCURRENCY_BUDGET.finding(
        ERROR,
        ctx.index.roots[0],
        None,
        "Resources.*.Properties.ReservedConcurrentExecutions",
        f"{len(reserved)} functions in {stacks} stack{'s' if stacks != 1 else ''} reserve {total} of the account's {account} "
        f"concurrency, leaving {spare} unreserved; AWS keeps at least {limits.LAMBDA_UNRESERVED_MINIMUM} unreserved and "
        "rejects the deployment.",
        most=account - limits.LAMBDA_UNRESERVED_MINIMUM,
        top=top,
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


FUNCTION_TIMEOUT = Rule(
    id="function-timeout",
    challenge="4 wallet attack",
    severity=ERROR,
    summary="every function has a timeout chosen in serverless.yml (error)",
    help="A timeout bounds what one runaway invocation can cost. Lambda's 3 s default, the framework's 6 s, or a provider-wide value were not chosen for the function's work: set one per function.",
    checks="every function has a Timeout chosen in serverless.yml, not Lambda's 3 s or the framework's 6 s default, nor one inherited from `provider.timeout` (the plugin bridge marks those)",
    levels="error",
    fixes={
        "": Fix(
            "Set `timeout:` (seconds) on the function in serverless.yml: the longest one invocation may run.",
            "Set `Timeout` on the function (or under `Globals: Function:`) in template.yaml: the longest one invocation may run.",
            "Set `Timeout` (seconds) on the AWS::Lambda::Function: the longest one invocation may run.",
        )
    },
    check=function_timeout,
)

RESERVED_CONCURRENCY = Rule(
    id="reserved-concurrency",
    challenge="4 wallet attack",
    severity=ERROR,
    summary="every function has reserved concurrency (error)",
    help="Reserved concurrency caps how far one function scales, and bills, in a flood or a loop, and keeps it from starving the others. Functions invoked only by schedules or by SQS sources capped with MaximumConcurrency get a warning instead.",
    checks="every function has reserved concurrency",
    levels="error; warning when only schedules and SQS event sources capped by `ScalingConfig.MaximumConcurrency` invoke it (the message says which)",
    fixes={
        "": Fix(
            "Set `reservedConcurrency: N` on the function in serverless.yml, {exempt}.",
            "Set `ReservedConcurrentExecutions: N` on the function in template.yaml, {exempt}.",
            "Set `ReservedConcurrentExecutions: N` on the AWS::Lambda::Function, {exempt}.",
        )
    },
    check=reserved_concurrency,
)

CONCURRENCY_BUDGET = Rule(
    id="concurrency-budget",
    challenge="4 wallet attack",
    severity=ERROR,
    summary="reserved concurrency summed over all stacks leaves 100 of the account's limit unreserved (error)",
    help="AWS keeps at least 100 of the account's concurrency unreserved and rejects a deployment whose reservations leave less; counted over the root and all nested stacks.",
    checks="reserved concurrency summed over the root and all nested stacks leaves at least 100 of the account's limit unreserved",
    levels="error",
    fixes={
        "": Fix(
            "Lower `reservedConcurrency` to a total of at most {most} (largest: {top}), or give the account's real limit with --account-concurrency N.",
            "Lower `ReservedConcurrentExecutions` to a total of at most {most} (largest: {top}), or give the account's real limit with --account-concurrency N.",
            "Lower `ReservedConcurrentExecutions` to a total of at most {most} (largest: {top}), or give the account's real limit with --account-concurrency N.",
        )
    },
    check=concurrency_budget,
)

WARMER_CONCURRENCY = Rule(
    id="warmer-concurrency",
    challenge="1 cold start",
    severity=ERROR,
    summary="serverless-plugin-warmup pings fewer copies than a function reserves (error above, warning equal)",
    help="A warmer that pings a function more times at once than it reserves is throttled every round and warms nothing; pinging all reserved slots throttles real requests.",
    checks="serverless-plugin-warmup pings a function fewer times at once than it reserves (targets and concurrency read from the warmer's code artifact; `WARMUP_CONCURRENCY_<NAME>` / `WARMUP_CONCURRENCY` override it, as at run time)",
    levels="error above, warning equal; warning when the artifact is missing",
    fixes={
        # functions.warmer_concurrency still builds these texts itself (_warmer_fix); they are the same words per source.
        "lower": Fix(
            "Set the warmer's concurrency for this function to at most {most} (custom.warmup.{warmer}.concurrency), or raise the function's reservedConcurrency above {concurrency}.",
            "Ping the function at most {most} times at once from the warmer, or raise `ReservedConcurrentExecutions` above {concurrency} in template.yaml.",
            "Ping the function at most {most} times at once from the warmer, or raise ReservedConcurrentExecutions above {concurrency}.",
        ),
        "stop": Fix(
            "Either raise the function's reservedConcurrency above {concurrency}, or stop warming it: pings would take its only slot.",
            "Either raise `ReservedConcurrentExecutions` above {concurrency} in template.yaml, or stop warming it: pings would take its only slot.",
            "Either raise ReservedConcurrentExecutions above {concurrency}, or stop warming it: pings would take its only slot.",
        ),
        "unread": Fix(
            "Audit the .serverless/ folder that `package` wrote (it holds the warmer's code artifact).",
            "Audit the folder that holds the warmer's code artifact next to the template.",
            "Audit the folder that holds the warmer's code artifact next to the template.",
        ),
    },
    check=warmer_concurrency,
)

RULES = (FUNCTION_TIMEOUT, RESERVED_CONCURRENCY, CONCURRENCY_BUDGET, WARMER_CONCURRENCY)
