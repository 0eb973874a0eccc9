"""Every audit rule, its id and the challenge of the 2023 seed article (``shared/seed``) it answers.

Seed challenges: 1 cold start, 2 observability, 3 SQL databases, 4 wallet attack (DDoS), 5 CloudFormation.
Rules read the root template and every nested stack together, so a resource that
serverless-plugin-split-stacks moved into a nested stack is checked like one in the root, and
budgets (reserved concurrency, resources per operation) are summed over all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import NamedTuple

from . import api, database, exemptions, functions, quotas, security
from .model import Context, Finding


class Rule(NamedTuple):
    """A rule id, the seed challenge it answers, what it checks, and the check itself."""

    id: str
    challenge: str
    summary: str
    check: Callable[[Context], Iterator[Finding]]


RULES: tuple[Rule, ...] = (
    Rule(
        "function-timeout", "4 wallet attack", "every function has a timeout chosen in serverless.yml (error)", functions.function_timeout
    ),
    Rule(
        "api-timeout",
        "4 wallet attack",
        "functions behind API Gateway time out before it does: 29 s REST, 30 s HTTP API (error)",
        api.api_timeout,
    ),
    Rule("reserved-concurrency", "4 wallet attack", "every function has reserved concurrency (error)", functions.reserved_concurrency),
    Rule(
        "concurrency-budget",
        "4 wallet attack",
        "reserved concurrency summed over all stacks leaves 100 of the account's limit unreserved (error)",
        functions.concurrency_budget,
    ),
    Rule(
        "warmer-concurrency",
        "1 cold start",
        "serverless-plugin-warmup pings fewer copies than a function reserves (error above, warning equal)",
        functions.warmer_concurrency,
    ),
    Rule(
        "api-throttling",
        "4 wallet attack",
        "REST APIs have stage or usage-plan throttling; HTTP APIs default-route throttling (error)",
        api.api_throttling,
    ),
    Rule("tracing", "2 observability", "active tracing on every function (warning)", functions.tracing),
    Rule(
        "log-retention",
        "2 observability",
        "every log group has a retention period (error); every function's log group is managed (warning)",
        functions.log_retention,
    ),
    Rule("plain-secret", "3 SQL databases", "no secret-looking values in plain environment variables (error)", security.plain_secret),
    Rule("iam-wildcard", "3 SQL databases", 'no Action "*" and no data-service action on Resource "*" (warning)', security.iam_wildcard),
    Rule(
        "database-tls",
        "3 SQL databases",
        "no database TLS mode or driver flag in a function's environment that skips certificate verification (error)",
        database.database_tls,
    ),
    Rule("vpc-without-need", "1 cold start", "a function in a VPC reaches something private (warning)", security.vpc_without_need),
    Rule("cfn-resources", "5 CloudFormation", "at most 500 resources per template (warning from 400)", quotas.template_quotas),
    Rule("cfn-outputs", "5 CloudFormation", "at most 200 outputs per template", quotas.template_quotas),
    Rule("cfn-parameters", "5 CloudFormation", "at most 200 parameters per template", quotas.template_quotas),
    Rule("cfn-mappings", "5 CloudFormation", "at most 200 mappings per template", quotas.template_quotas),
    Rule(
        "cfn-template-size",
        "5 CloudFormation",
        "template body within 1 MB (S3), warning above 51,200 bytes when inline",
        quotas.template_size,
    ),
    Rule(
        "cfn-operation-resources",
        "5 CloudFormation",
        "at most 2,500 resources in the root and nested stacks together",
        quotas.operation_resources,
    ),
    Rule("nested-unaudited", "5 CloudFormation", "every nested stack's template was found and audited (warning)", quotas.nested_unaudited),
)
BY_ID = {rule.id: rule for rule in RULES}
KNOWN = frozenset(BY_ID)


def run(ctx: Context) -> list[Finding]:
    """Run every rule once (rules sharing a check run it once) and the exemption check."""
    findings: list[Finding] = []
    done: set[Callable[[Context], Iterator[Finding]]] = set()
    for rule in RULES:
        if rule.check not in done:
            done.add(rule.check)
            findings.extend(rule.check(ctx))
    findings.extend(exemptions.check(ctx, KNOWN))
    return findings
