"""The functions family's rules (timeouts, concurrency, warmers, tracing, log retention); the checks are in generator/audit/functions.py."""

from __future__ import annotations

from .. import functions
from ..model import ERROR, WARNING
from ..rule import Fix, Rule

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
    check=functions.function_timeout,
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
    check=functions.reserved_concurrency,
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
    check=functions.concurrency_budget,
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
    check=functions.warmer_concurrency,
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
    check=functions.tracing,
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
    check=functions.log_retention,
)
RULES = (
    FUNCTION_TIMEOUT,
    RESERVED_CONCURRENCY,
    CONCURRENCY_BUDGET,
    WARMER_CONCURRENCY,
    TRACING,
    LOG_RETENTION,
)
