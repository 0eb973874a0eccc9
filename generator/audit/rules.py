"""Every audit rule, its id and the challenge of the 2023 seed article (``shared/seed``) it answers.

Seed challenges: 1 cold start, 2 observability, 3 SQL databases, 4 wallet attack (DDoS), 5 CloudFormation.
Rules read the root template and every nested stack together, so a resource that
serverless-plugin-split-stacks moved into a nested stack is checked like one in the root, and
budgets (reserved concurrency, resources per operation) are summed over all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import NamedTuple

from . import api, database, exemptions, exposure, functions, lambda_access, network, quotas, rails, security, waf
from .model import ERROR, WARNING, Context, Finding


class Rule(NamedTuple):
    """A rule id, the seed challenge it answers, what it checks, the check itself and why it matters (SARIF help)."""

    id: str
    challenge: str
    severity: str  # the most a finding of this rule can be: its SARIF default level
    summary: str
    check: Callable[[Context], Iterator[Finding]]
    help: str  # why it matters and what to do, for people and for dashboards (SARIF rule help)


RULES: tuple[Rule, ...] = (
    Rule(
        "function-timeout",
        "4 wallet attack",
        ERROR,
        "every function has a timeout chosen in serverless.yml (error)",
        functions.function_timeout,
        "A timeout bounds what one runaway invocation can cost. Lambda's 3 s default, the framework's 6 s, or a provider-wide "
        "value were not chosen for the function's work: set one per function.",
    ),
    Rule(
        "api-timeout",
        "4 wallet attack",
        ERROR,
        "functions behind API Gateway time out before it does: 29 s REST, 30 s HTTP API (error)",
        api.api_timeout,
        "API Gateway gives up after 29 s (REST, WebSocket) or 30 s (HTTP API), or the integration's own timeout; a function allowed to run longer keeps running and billing after the caller got a 504.",
    ),
    Rule(
        "reserved-concurrency",
        "4 wallet attack",
        ERROR,
        "every function has reserved concurrency (error)",
        functions.reserved_concurrency,
        "Reserved concurrency caps how far one function scales, and bills, in a flood or a loop, and keeps it from starving the others. Functions invoked only by schedules or by SQS sources capped with MaximumConcurrency get a warning instead.",
    ),
    Rule(
        "concurrency-budget",
        "4 wallet attack",
        ERROR,
        "reserved concurrency summed over all stacks leaves 100 of the account's limit unreserved (error)",
        functions.concurrency_budget,
        "AWS keeps at least 100 of the account's concurrency unreserved and rejects a deployment whose reservations leave less; counted over the root and all nested stacks.",
    ),
    Rule(
        "warmer-concurrency",
        "1 cold start",
        ERROR,
        "serverless-plugin-warmup pings fewer copies than a function reserves (error above, warning equal)",
        functions.warmer_concurrency,
        "A warmer that pings a function more times at once than it reserves is throttled every round and warms nothing; pinging all reserved slots throttles real requests.",
    ),
    Rule(
        "api-throttling",
        "4 wallet attack",
        ERROR,
        "REST APIs have stage or usage-plan throttling; HTTP APIs default-route throttling (error)",
        api.api_throttling,
        "Without throttling a flood reaches the functions at the account's 10,000 requests per second. A usage plan throttles only requests with its API key, so it counts only when every method requires one.",
    ),
    Rule(
        "tracing",
        "2 observability",
        WARNING,
        "active tracing on every function (warning)",
        functions.tracing,
        "Active tracing shows where a slow or failing request spent its time across services.",
    ),
    Rule(
        "log-retention",
        "2 observability",
        ERROR,
        "every log group has a retention period (error); every function's log group is managed (warning)",
        functions.log_retention,
        "Log groups without RetentionInDays keep logs, and their cost, forever; a function whose log group no stack creates gets one from Lambda with no retention.",
    ),
    Rule(
        "plain-secret",
        "3 SQL databases",
        ERROR,
        "no secret-looking values in plain environment variables (error)",
        security.plain_secret,
        "Environment variables are plain text to anyone who can read the function's configuration: pass a Secrets Manager ARN and read the secret at run time. Values resolved at package time (e.g. ${ssm:...}) land in the template in plain text.",
    ),
    Rule(
        "iam-wildcard",
        "3 SQL databases",
        ERROR,
        'no Action "*" on Resource "*" (administrator: error), no Action "*" and no data-service action on Resource "*" (warning)',
        security.iam_wildcard,
        'Action "*" or a data-service action on Resource "*" turns one bug or injected request into access to every table, bucket or secret in the account; both together are administrator access. Policies given as JSON strings and statements behind Fn::If are read too.',
    ),
    Rule(
        "database-tls",
        "3 SQL databases",
        ERROR,
        "no database TLS mode or driver flag in a function's environment that skips certificate verification (error)",
        database.database_tls,
        "sslmode prefer/require (PostgreSQL) or PREFERRED/REQUIRED (MySQL) encrypt but accept any certificate, so anything on the "
        "path can read the queries and the password. Keep DB_TLS=verify-full (the default) and set DB_CA_BUNDLE if the CA differs.",
    ),
    Rule(
        "vpc-without-need",
        "1 cold start",
        WARNING,
        "a function in a VPC reaches something private (warning)",
        security.vpc_without_need,
        "A VPC only pays off for private resources; otherwise every AWS call needs a NAT gateway or VPC endpoints, and each function uses subnet IPs.",
    ),
    Rule(
        "cfn-resources",
        "5 CloudFormation",
        ERROR,
        "at most 500 resources per template (warning from 400)",
        quotas.template_quotas,
        "CloudFormation allows 500 resources per template; about 60 HTTP functions fill one stack.",
    ),
    Rule(
        "cfn-outputs",
        "5 CloudFormation",
        ERROR,
        "at most 200 outputs per template",
        quotas.template_quotas,
        "CloudFormation allows 200 outputs per template.",
    ),
    Rule(
        "cfn-parameters",
        "5 CloudFormation",
        ERROR,
        "at most 200 parameters per template",
        quotas.template_quotas,
        "CloudFormation allows 200 parameters per template; split stacks pass references as parameters.",
    ),
    Rule(
        "cfn-mappings",
        "5 CloudFormation",
        ERROR,
        "at most 200 mappings per template",
        quotas.template_quotas,
        "CloudFormation allows 200 mappings per template.",
    ),
    Rule(
        "cfn-template-size",
        "5 CloudFormation",
        ERROR,
        "template body within 1 MB (S3), warning above 51,200 bytes when inline",
        quotas.template_size,
        "A template body may be 1 MB from S3 and 51,200 bytes inline.",
    ),
    Rule(
        "cfn-operation-resources",
        "5 CloudFormation",
        ERROR,
        "at most 2,500 resources in the root and nested stacks together",
        quotas.operation_resources,
        "One stack operation may touch at most 2,500 resources across the root and its nested stacks.",
    ),
    Rule(
        "nested-unaudited",
        "5 CloudFormation",
        WARNING,
        "every nested stack's template was found and audited (warning)",
        quotas.nested_unaudited,
        "A nested stack whose template was not found locally was not audited: its resources are unchecked.",
    ),
    Rule(
        "s3-public",
        "3 SQL databases",
        ERROR,
        'no bucket policy allows Principal "*" without a restricting condition, no public canned ACL (error)',
        exposure.s3_public,
        'A bucket policy statement with Principal "*" and no condition on the caller\'s account, organisation, network or '
        "source ARN publishes what it allows to the internet; so does a public canned ACL. Serve content through CloudFront "
        "with origin access control and keep all four Block Public Access flags on.",
    ),
    Rule(
        "rds-public",
        "3 SQL databases",
        ERROR,
        "no RDS instance or cluster is PubliclyAccessible (error)",
        exposure.rds_public,
        "A publicly accessible database gets an internet address; only its security group and password protect it.",
    ),
    Rule(
        "security-group-open",
        "3 SQL databases",
        ERROR,
        "no security group admits 0.0.0.0/0 or ::/0 on ports other than 80 and 443 (error)",
        network.security_group_open,
        "Database, cache and SSH ports open to the whole internet are found by scanners within minutes.",
    ),
    Rule(
        "db-password",
        "3 SQL databases",
        ERROR,
        "no literal database master password, also none resolved into the template at package time (error)",
        exposure.db_password,
        "A MasterUserPassword in the template is stored in the deployment bucket and every stack version; "
        "ManageMasterUserPassword or a {{resolve:secretsmanager:...}} reference keeps it out.",
    ),
    Rule(
        "function-url-public",
        "4 wallet attack",
        ERROR,
        "no function URL with AuthType NONE in any branch, nor a lambda:InvokeFunctionUrl permission for everyone with FunctionUrlAuthType NONE (error)",
        lambda_access.function_url_public,
        "A function URL without auth lets anyone invoke the function directly: no authentication, no API Gateway throttling, "
        "every call billed.",
    ),
    Rule(
        "lambda-permission-public",
        "4 wallet attack",
        ERROR,
        'no AWS::Lambda::Permission for Principal "*" without SourceArn, SourceAccount or PrincipalOrgID (error)',
        lambda_access.lambda_permission_public,
        'A resource-based permission for Principal "*" that no SourceArn, SourceAccount or PrincipalOrgID narrows lets any AWS '
        "account invoke the function and run up its bill, outside any API's throttling.",
    ),
    Rule(
        "rest-unauthenticated",
        "4 wallet attack",
        WARNING,
        "every REST method (OPTIONS excepted) requires an API key or an authorizer (warning)",
        api.rest_unauthenticated,
        "A method with neither an API key nor an authorizer can be called by anyone who finds its URL; exempt APIs that are "
        "public on purpose, with the reason.",
    ),
    Rule(
        "websocket-throttling",
        "4 wallet attack",
        ERROR,
        "every WebSocket API stage has default-route throttling (error)",
        api.websocket_throttling,
        "Each WebSocket message invokes a function; without stage throttling connected clients set the bill.",
    ),
    Rule(
        "rest-api-waf",
        "4 wallet attack",
        WARNING,
        "every public REST API is associated with an AWS WAF web ACL (warning)",
        waf.rest_api_waf,
        "Stage throttling caps the whole API: one client can use all of it and lock everyone else out. A WAF rate-based rule "
        "blocks that client alone (429), and AWS managed rules drop known-bad requests before a function is billed. Reported as info where the project chose no web ACL (custom.rails.waf: none); PRIVATE APIs are not asked.",
    ),
    Rule(
        "errors-alarm",
        "2 observability",
        ERROR,
        "every function but the warmer has an AWS/Lambda Errors alarm (error)",
        rails.errors_alarm,
        "A function that fails with no Errors alarm on it fails silently: nobody is told until a user complains.",
    ),
    Rule(
        "queue-visibility",
        "4 wallet attack",
        ERROR,
        "an SQS queue's VisibilityTimeout is at least 6 x its consumer's timeout (error)",
        rails.queue_visibility,
        "A batch still being processed when the visibility timeout ends is delivered again: processed twice and billed twice.",
    ),
    Rule(
        "sqs-max-concurrency",
        "4 wallet attack",
        ERROR,
        "an SQS event source's MaximumConcurrency is at most its consumer's reserved concurrency (error)",
        rails.sqs_max_concurrency,
        "Pollers above the reserved concurrency are throttled and their batches go back to the queue, towards the dead-letter queue.",
    ),
    Rule(
        "warmer-permission",
        "1 cold start",
        ERROR,
        "the warmer's role may invoke every function it pings (error)",
        rails.warmer_permission,
        "A ping the warmer's role may not send is refused by IAM every round: the function is never warmed and nothing reports it.",
    ),
    Rule(
        "async-failure-destination",
        "2 observability",
        ERROR,
        "an asynchronously invoked function has a DeadLetterConfig or an OnFailure destination (error)",
        rails.async_failure_destination,
        "After its retries an asynchronous event that failed is dropped unless a dead-letter queue or OnFailure destination keeps it.",
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
