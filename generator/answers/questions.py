"""Every answer slsguard knows, as data: the one definition behind cookiecutter.json
(written by ``generator.answers.cookiecutter_json``), the wizard, ``--set`` validation, the cookiecutter hooks and the docs.

Standard library only: the template's hooks import this module under plain cookiecutter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import limits

Answers = dict[str, Any]


@dataclass(frozen=True)
class Question:
    """One answer: how it is asked, what it may be, and when it matters."""

    name: str
    prompt: str
    help: str  # one line on the trade-off, shown by the wizard and the docs
    default: Any  # a literal, or a Jinja expression over ``cookiecutter.*`` (derived)
    kind: str = "str"  # str | choice | int | bool
    choices: tuple[str, ...] = ()
    choice_help: dict[str, str] = field(default_factory=dict)
    minimum: int | None = None
    maximum: int | None = None
    core: bool = False  # asked before "use the recommended settings for the rest?"
    # What an answer costs or risks, for the wizard's summary: keyed by the value as text
    # ("true"/"false" for booleans); "*" applies to any other value and may use {value}.
    costs: dict[str, str] = field(default_factory=dict)
    applies: Callable[[Answers], bool] = lambda answers: True
    # For a recorded answer set that predates this question (``slsguard upgrade``): a Jinja expression over the
    # recorded answers giving the value that keeps the project's behaviour, and why (None: use ``default``).
    upgrade_default: str | None = None
    upgrade_reason: str = ""

    @property
    def derived(self) -> bool:
        return isinstance(self.default, str) and "{{" in self.default


def _needs_database(answers: Answers) -> bool:
    return answers.get("database", "none") != "none"


QUESTIONS: tuple[Question, ...] = (
    Question(
        "project_name",
        "Project name",
        "A human name; the service name and Python package are derived from it.",
        "My Service",
        core=True,
    ),
    Question(
        "project_slug",
        "Service name (folder and CloudFormation stack prefix)",
        "Lowercase letters, digits and hyphens; short, because Lambda and IAM names stop at 64 characters.",
        "{{ cookiecutter.project_name.lower().strip().replace(' ', '-').replace('_', '-') }}",
        core=True,
    ),
    Question(
        "package_name",
        "Python package of the handlers",
        "The import name of your handler code.",
        "{{ cookiecutter.project_slug.replace('-', '_') }}",
    ),
    Question(
        "description",
        "One-line description",
        "Shown in the README and the CloudFormation stack description.",
        "A Lambda service with slsguard's safety rails",
    ),
    Question(
        "aws_region",
        "AWS region",
        "Standard-partition regions only: the Powertools layer lives in other accounts in GovCloud and China.",
        "us-east-1",
    ),
    Question(
        "runtime",
        "Python runtime",
        "All three are supported until 2028 or later; 3.12+ can use SnapStart (python3.10 ends Oct 2026, not offered).",
        "python3.13",
        kind="choice",
        choices=("python3.13", "python3.12", "python3.14"),
        core=True,
    ),
    Question(
        "architecture",
        "CPU architecture",
        "arm64 (Graviton) costs about 20% less per GB-second; x86_64 only if a native wheel you need lacks arm64.",
        "arm64",
        kind="choice",
        choices=("arm64", "x86_64"),
        costs={"x86_64": "about 20% more per GB-second than arm64"},
    ),
    Question(
        "api",
        "HTTP API",
        "REST API has usage plans, API keys, WAF and X-Ray; HTTP API is cheaper but has only stage/route throttling.",
        "rest",
        kind="choice",
        choices=("rest", "http", "none"),
        costs={
            "rest": "REST API requests cost more per million than HTTP API requests",
            "http": "no usage plans, API keys or WAF: stage throttling is the only brake",
        },
        choice_help={
            "rest": "API Gateway REST API: stage throttling, usage plan, WAF-ready, tracing",
            "http": "API Gateway HTTP API: cheaper, 30 s limit, throttling only, no WAF or X-Ray",
            "none": "no HTTP entry point: an SQS worker only",
        },
    ),
    Question(
        "auth",
        "Who may call the API",
        "cognito or jwt (an OIDC issuer) identify each user; iam is for AWS callers; an API key is metering, not authentication.",
        "{{ 'none' if cookiecutter.api == 'none' else 'cognito' }}",
        kind="choice",
        choices=("cognito", "jwt", "iam", "api-key", "none"),
        costs={
            "cognito": "Cognito user pool (Lite tier): 10,000 monthly active users free, then about $0.0055 per MAU",
            "jwt": "no AWS charge for the HTTP API's JWT authorizer; your identity provider's own pricing applies",
            "iam": "no charge: callers sign requests with AWS credentials (SigV4)",
            "api-key": "an API key identifies no user and travels in a clear header: metering, not authentication",
            "none": "every route is public: anyone on the internet can call (and bill) it",
        },
        choice_help={
            "cognito": "the service's own Cognito user pool: no self sign-up, strong passwords, deletion protection",
            "jwt": "an existing OIDC issuer (Auth0, Okta, Entra ID, another pool): HTTP API only, issuer and audience as stage params",
            "iam": "AWS SigV4: for service-to-service callers with IAM credentials",
            "api-key": "REST only: a shared key per usage plan (metering, not authentication; today's default before auth)",
            "none": "public on purpose: recorded, and the audit reports it as info",
        },
        applies=lambda answers: answers.get("api", "rest") != "none",
        upgrade_default="{{ 'api-key' if cookiecutter.api == 'rest' else 'none' }}",
        upgrade_reason="kept what this project did before auth existed, so its clients keep working; "
        "--set auth=cognito (or jwt, iam) adds real authentication",
    ),
    Question(
        "jwt_issuer",
        "JWT issuer URL (https)",
        "The OIDC issuer whose tokens the HTTP API accepts (the `iss` claim); a stage param, so each stage can use its own.",
        "",
        applies=lambda answers: answers.get("auth") == "jwt",
    ),
    Question(
        "jwt_audience",
        "JWT audience",
        "The `aud` (or `client_id`) a token must carry: your API's identifier at the issuer; a stage param.",
        "",
        applies=lambda answers: answers.get("auth") == "jwt",
    ),
    Question(
        "cold_start",
        "Cold-start strategy",
        "A warmer keeps only N containers warm and cannot help during scale-out; for a latency SLO use provisioned concurrency "
        "or SnapStart. Init is billed since 1 Aug 2025, so a lean init saves money as well as latency.",
        "warmer",
        kind="choice",
        choices=("warmer", "provisioned", "snapstart", "none"),
        costs={
            "warmer": "a ping every 5 minutes and one reserved slot for the warmer; no help when traffic bursts",
            "provisioned": "provisioned concurrency is billed every hour while configured, traffic or not",
            "snapstart": "billed per GB of snapshot cached and per restore; works only on published versions",
            "none": "the first request after idle, and every request that scales out, waits for a cold start",
        },
        choice_help={
            "warmer": "serverless-plugin-warmup pings every 5 minutes: cheap, good for dev and low traffic",
            "provisioned": "provisioned concurrency: no cold starts up to N, billed while configured",
            "snapstart": "SnapStart (Python 3.12+): restores a snapshot, billed per cache and restore",
            "none": "accept cold starts (Python's are usually a few hundred ms)",
        },
        applies=lambda answers: answers.get("api", "rest") != "none",
    ),
    Question(
        "rollout",
        "How a deploy moves HTTP traffic to new code",
        "A canary sends 10 % of requests to the new version for 5 minutes and rolls back by itself when the function's errors "
        "or duration alarm fires; it adds those minutes to every deploy that changes code.",
        "canary",
        kind="choice",
        choices=("canary", "all-at-once"),
        costs={
            "canary": "each deploy that changes an HTTP function waits about 6 minutes more (10 % for 5 minutes, then all); published versions kept (last 3)",
            "all-at-once": "every request goes to new code at once: a bad release reaches all users until someone rolls back",
        },
        choice_help={
            "canary": "CodeDeploy: 10 % for 5 minutes, then 100 %; errors or duration alarm -> automatic rollback",
            "all-at-once": "the new version takes all traffic as soon as CloudFormation updates the function",
        },
        applies=lambda answers: answers.get("api", "rest") != "none",
        upgrade_default="all-at-once",
        upgrade_reason="kept what this project did before rollout existed: new code takes all traffic at once; "
        "--set rollout=canary shifts HTTP traffic through CodeDeploy",
    ),
    Question(
        "database",
        "SQL database",
        "Lambda has nowhere to keep a connection pool: pick how connections are managed next.",
        "none",
        kind="choice",
        choices=("none", "postgres", "mysql"),
        core=True,
    ),
    Question(
        "database_access",
        "How do the functions reach the database?",
        "RDS Proxy pools connections inside the VPC; the Data API runs SQL over HTTPS: no VPC, no connection pool, Aurora only.",
        "rds-proxy",
        kind="choice",
        choices=("rds-proxy", "direct", "data-api"),
        costs={
            "rds-proxy": "RDS Proxy is billed per vCPU (or ACU) of the database every hour, on top of the database",
            "direct": "every running copy holds a connection: keep reserved concurrency below max_connections",
            "data-api": "billed per API request; Aurora only, with its HTTP endpoint (Data API) enabled",
        },
        choice_help={
            "rds-proxy": "RDS Proxy: pooled, survives bursts, needs the VPC, extra cost per vCPU",
            "direct": "direct connection with slsguard's connection manager, needs the VPC",
            "data-api": "RDS Data API (Aurora only): no VPC, no driver, no pool",
        },
        core=True,
        applies=_needs_database,
    ),
    Question(
        "vpc",
        "Run the functions inside a VPC?",
        "A VPC no longer adds ~10 s to cold starts (fixed in 2019), but functions in it need a NAT gateway or VPC endpoints to reach AWS APIs.",
        "auto",
        kind="choice",
        choices=("auto", "yes", "no"),
        costs={
            "yes": "reaching AWS APIs needs a NAT gateway (billed per hour and per GB) or VPC endpoints; ENIs use subnet IPs",
        },
        choice_help={
            "auto": "the functions that use the database, when its access needs the VPC",
            "yes": "every function: for private resources other than the database",
            "no": "never: simplest and no NAT cost",
        },
        core=True,
    ),
    Question(
        "function_timeout",
        "Function timeout (seconds)",
        "Caps what a runaway invocation costs; behind API Gateway it must stay within 29 s (REST) or 30 s (HTTP).",
        6,
        kind="int",
        minimum=1,
        maximum=900,
        costs={"*": "a runaway invocation is billed for at most {value} s"},
    ),
    Question(
        "memory_size",
        "Memory (MB)",
        "CPU grows with memory: 1024 MB is a good start for Python; measure with Lambda Power Tuning.",
        1024,
        kind="int",
        minimum=128,
        maximum=10_240,
        costs={"*": "billed per GB-second: {value} MB for every second a function runs"},
    ),
    Question(
        "account_concurrency",
        "Your account's regional Lambda concurrency limit",
        "1,000 by default (new accounts can be lower); used only to check the reservations fit.",
        1000,
        kind="int",
        minimum=1,
    ),
    Question(
        "reserved_concurrency",
        "Reserved concurrency per function",
        "Caps how many copies run at once (the wallet-attack brake); at least 100 of the account must stay unreserved.",
        10,
        kind="int",
        minimum=1,
        costs={"*": "at most {value} copies of each function at once; requests above that are throttled"},
    ),
    Question(
        "throttle_rate",
        "API steady-state rate limit (requests/s)",
        "API Gateway answers 429 above it, before a Lambda is invoked or billed.",
        50,
        kind="int",
        minimum=1,
        maximum=10_000,
        costs={"*": "API Gateway answers 429 above {value} requests/s, before a Lambda is billed"},
        applies=lambda answers: answers.get("api", "rest") != "none",
    ),
    Question(
        "throttle_burst",
        "API burst limit (requests)",
        "How many requests may arrive at once above the steady rate.",
        100,
        kind="int",
        minimum=1,
        maximum=5_000,
        applies=lambda answers: answers.get("api", "rest") != "none",
    ),
    Question(
        "waf",
        "Per-client rate limit with AWS WAF (REST API only)",
        "Stage throttling caps the whole API, so one abusive client can use all of it; a WAF rate rule blocks that client alone.",
        "{{ 'rate-limit' if cookiecutter.api == 'rest' else 'none' }}",
        kind="choice",
        choices=("rate-limit", "none"),
        costs={
            "rate-limit": "AWS WAF: about $8 a month (web ACL $5 + 3 rules at $1) plus $0.60 per million requests",
            "none": "no per-client limit: one client can use the whole stage throttle and lock everyone else out",
        },
        choice_help={
            "rate-limit": "a regional web ACL: per-IP rate rule (429), AWS managed common and known-bad-inputs rules, logged",
            "none": "no web ACL: stage throttling is the only brake",
        },
        applies=lambda answers: answers.get("api", "rest") == "rest",
    ),
    Question(
        "waf_rate_limit",
        "WAF rate limit (requests per client IP per 5 minutes)",
        "A client above it gets 429 from AWS WAF until its rate drops; 1,000 per 5 minutes is about 3 requests/s per IP.",
        1000,
        kind="int",
        minimum=limits.WAF_RATE_LIMIT_MIN,
        maximum=limits.WAF_RATE_LIMIT_MAX,
        costs={"*": "one client IP gets 429 above {value} requests in 5 minutes"},
        applies=lambda answers: answers.get("api", "rest") == "rest" and answers.get("waf") == "rate-limit",
    ),
    Question(
        "monthly_budget",
        "Monthly spend alert (USD, 0 = none)",
        "An AWS Budgets cost budget on the account: alerts at 80 % of actual and 100 % of forecast spend.",
        50,
        kind="int",
        minimum=0,
        costs={
            "0": "no spend alert: nothing tells you the bill is running away",
            "*": "alerts at 80 % of ${value} actual and 100 % forecast spend (the first two budgets of an account are free)",
        },
    ),
    Question(
        "tracing",
        "Enable Lambda active tracing?",
        "X-Ray traces cost per trace recorded; the X-Ray SDK ends support Feb 2027, so instrument with OpenTelemetry.",
        True,
        kind="bool",
        costs={
            "true": "X-Ray bills per trace recorded and retrieved beyond its free tier",
            "false": "no traces: latency is debugged from logs and metrics only",
        },
    ),
    Question(
        "log_retention_days",
        "Log retention (days)",
        "CloudWatch keeps logs forever by default and bills for it; 14 days suits most services.",
        14,
        kind="int",
        costs={"*": "CloudWatch Logs storage is billed per GB-month; logs are deleted after {value} days"},
    ),
    Question(
        "split_stacks",
        "Split the CloudFormation stack when it grows?",
        "Moves resources into nested stacks before the 500-resource limit; a last resort, splitting the service is better.",
        True,
        kind="bool",
        costs={
            "true": "resources moved into nested stacks stay there: a later change of layout is a migration",
            "false": "one stack: CloudFormation's 500-resource limit stops deploys at about 60 functions",
        },
    ),
    Question(
        "framework",
        "Serverless Framework CLI",
        "osls 4 is the open-source line's current major (no login); osls3 stays on 3.x; Serverless v4 needs a login.",
        "osls",
        kind="choice",
        choices=("osls", "osls3", "serverless"),
        choice_help={
            "osls": "osls 4 (no login): AWS SDK v3 inside, version pruning built in",
            "osls3": "osls 3.x (no login): bug and security fixes only; for teams whose plugins need the AWS SDK v2 surface",
            "serverless": "Serverless Framework v4: needs a login or licence key for every command",
        },
        costs={
            "osls3": "osls 3.x gets bug and security fixes only: plan the move to osls 4 (`slsguard upgrade --set framework=osls`)",
            "serverless": "Serverless Framework v4 needs a login or licence key for every command (free under $2M revenue)",
        },
    ),
)

BY_NAME: dict[str, Question] = {q.name: q for q in QUESTIONS}
