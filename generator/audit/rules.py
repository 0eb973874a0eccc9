"""Every audit rule, its id and the challenge of the 2023 seed article (``shared/seed``) it answers.

Seed challenges: 1 cold start, 2 observability, 3 SQL databases, 4 wallet attack (DDoS), 5 CloudFormation.
Rules read the root template and every nested stack together, so a resource that
serverless-plugin-split-stacks moved into a nested stack is checked like one in the root, and
budgets (reserved concurrency, resources per operation) are summed over all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import NamedTuple

from . import api, exemptions, exposure, functions, quotas, security
from .model import Context, Finding


class Rule(NamedTuple):
    """A rule id, the seed challenge it answers, what it checks, the check itself and why it matters (SARIF help)."""

    id: str
    challenge: str
    summary: str
    check: Callable[[Context], Iterator[Finding]]
    help: str = ""

    @property
    def help_text(self) -> str:
        """The help a dashboard shows: ``help`` when given, else the check's docstring."""
        return self.help or (self.check.__doc__ or self.summary).strip()


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
    Rule(
        "s3-public",
        "3 SQL databases",
        'no bucket policy allows Principal "*" without a restricting condition, no public canned ACL (error)',
        exposure.s3_public,
        'A bucket policy statement with Principal "*" and no condition on the caller\'s account, organisation, network or '
        "source ARN publishes what it allows to the internet; so does a public canned ACL. Serve content through CloudFront "
        "with origin access control and keep all four Block Public Access flags on.",
    ),
    Rule(
        "rds-public",
        "3 SQL databases",
        "no RDS instance or cluster is PubliclyAccessible (error)",
        exposure.rds_public,
        "A publicly accessible database gets an internet address; only its security group and password protect it.",
    ),
    Rule(
        "security-group-open",
        "3 SQL databases",
        "no security group admits 0.0.0.0/0 or ::/0 on ports other than 80 and 443 (error)",
        exposure.security_group_open,
        "Database, cache and SSH ports open to the whole internet are found by scanners within minutes.",
    ),
    Rule(
        "db-password",
        "3 SQL databases",
        "no literal database master password, also none resolved into the template at package time (error)",
        exposure.db_password,
        "A MasterUserPassword in the template is stored in the deployment bucket and every stack version; "
        "ManageMasterUserPassword or a {{resolve:secretsmanager:...}} reference keeps it out.",
    ),
    Rule(
        "function-url-public",
        "4 wallet attack",
        "no function URL with AuthType NONE (error)",
        exposure.function_url_public,
        "A function URL without auth lets anyone invoke the function directly: no authentication, no API Gateway throttling, "
        "every call billed.",
    ),
    Rule(
        "rest-unauthenticated",
        "4 wallet attack",
        "every REST method (OPTIONS excepted) requires an API key or an authorizer (warning)",
        api.rest_unauthenticated,
        "A method with neither an API key nor an authorizer can be called by anyone who finds its URL; exempt APIs that are "
        "public on purpose, with the reason.",
    ),
    Rule(
        "websocket-throttling",
        "4 wallet attack",
        "every WebSocket API stage has default-route throttling (error)",
        api.websocket_throttling,
        "Each WebSocket message invokes a function; without stage throttling connected clients set the bill.",
    ),
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
