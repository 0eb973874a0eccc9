"""Rules about secrets, IAM breadth and needless VPCs (seed challenges 1, 3 and 4)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from ..cfn import refs
from ..cfn.policy import field, statements
from ..cfn.values import ABSENT, Possible, Unknown, deployed, items, merge, possible, shallow, why
from .exposure import SECRET_REASON, looks_generated
from .fixes import fix
from .model import ERROR, FUNCTION, SERVERLESS, WARNING, Context, Finding, Template, as_list, finding, fn_label, props, rtype

SECRET_NAME = re.compile(
    r"PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL|SIGNING_?KEY|AUTH_?KEY|"
    r"AUTH_?HEADER|CLIENT_?KEY|MASTER_?KEY|ENCRYPTION_?KEY|LICEN[CS]E_?KEY|WEBHOOK_?KEY|APP_?KEY|"
    r"[A-Z0-9]_PWD$|(?:^|_)PASS(?:$|_)|(?:^|_)PW$",
    re.I,
)
# Names that point at a secret or a service rather than hold a secret (``OIDC_OP_TOKEN_ENDPOINT``, ``DB_SECRET_ARN``).
REFERENCE_NAME = re.compile(
    r"_(ARN|NAME|ID|PATH|PARAM|PARAMETER|URL|URI|ENDPOINT|HOST|DOMAIN|REGION|TYPE|TTL|EXPIRY|EXPIRES|LENGTH)S?$", re.I
)
URL_PASSWORD = re.compile(r"^[a-z][a-z0-9+.-]*://[^/@:\s]*:[^/@\s]+@", re.I)  # scheme://user:password@host
SECRET_VALUE = re.compile(
    r"(?:A3T|AKIA|ASIA)[0-9A-Z]{16}"  # AWS access key id
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----"
    r"|gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{40,}"
    r"|xox[abpr]-[A-Za-z0-9-]{10,}"
    r"|(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}|whsec_[A-Za-z0-9]{16,}"  # payment-provider secret, restricted and webhook keys
    r"|^(?:Basic|Bearer) [A-Za-z0-9+/=._~-]{8,}$"  # a whole HTTP Authorization header
    r"|AIza[0-9A-Za-z_-]{35}"
    r"|eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\."  # a JSON web token
)
SWITCHES = frozenset({"true", "false", "yes", "no", "on", "off", "none", "null"})
RESOLVE_SECRET = re.compile(r"\{\{resolve:(secretsmanager|ssm-secure):")
# Services whose resources hold data: `Resource: "*"` on their actions reaches every table, bucket, secret, ...
DATA_SERVICES = frozenset(
    {
        *("s3", "s3-object-lambda", "dynamodb", "dax", "rds", "rds-data", "rds-db", "secretsmanager", "ssm", "kms"),
        *("sqs", "sns", "kinesis", "firehose", "elasticache", "memorydb", "es", "aoss", "glue", "athena"),
        *("redshift", "redshift-data", "timestream", "cassandra", "neptune-db", "docdb-elastic", "backup", "elasticfilesystem"),
    }
)
PRIVATE_TYPES = (
    "AWS::RDS::",
    "AWS::ElastiCache::",
    "AWS::MemoryDB::",
    "AWS::EFS::",
    "AWS::DocDB::",
    "AWS::Neptune::",
    "AWS::Redshift::",
    "AWS::MSK::",
    "AWS::AmazonMQ::",
    "AWS::OpenSearchService::Domain",
    "AWS::Elasticsearch::Domain",
)
PRIVATE_ENV = re.compile(
    r"^(DB|DATABASE|RDS|PG|POSTGRES|POSTGRESQL|MYSQL|MARIADB|REDIS|CACHE|MEMCACHED?|VALKEY|ELASTICACHE|MONGO|MONGODB|DOCDB|"
    r"NEPTUNE|KAFKA|MSK|AMQP|RABBITMQ|MQ|OPENSEARCH|ELASTICSEARCH|EFS)[A-Z0-9_]*_(HOST|HOSTNAME|ENDPOINT|ADDRESS|URL|URI|DSN|"
    r"PORT|BROKERS?|MOUNT)$",
    re.I,
)


def _env(fn: dict[str, Any]) -> dict[str, Any]:
    env = props(fn).get("Environment")
    variables = env.get("Variables") if isinstance(env, dict) else None
    return variables if isinstance(variables, dict) else {}


def env_values(tpl: Template, fn: dict[str, Any]) -> Iterator[tuple[str, Any, Possible]]:
    """Each environment variable a deploy can set, with its raw value and each value it can take (and why)."""
    exists = deployed(tpl, fn)
    for env in shallow(props(fn).get("Environment"), tpl) if exists is not None else []:
        if not isinstance(env.value, dict):
            continue
        for variables in shallow(env.value.get("Variables"), tpl):
            reasons = merge(exists or (), env.because, variables.because)
            if reasons is None or not isinstance(variables.value, dict):
                continue
            for name, raw in variables.value.items():
                for p in possible(raw, tpl):
                    because = merge(reasons, p.because)
                    if because is not None and p.value is not ABSENT:
                        yield str(name), raw, Possible(p.value, because)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)


def _setting(value: str) -> bool:
    """Values that configure rather than authenticate: empty, numbers, switches, ARNs and parameter paths.

    A URL is not one of them: under a secret-looking name (SLACK_WEBHOOK_SECRET) the URL is the credential;
    endpoints under reference names (OIDC_OP_TOKEN_ENDPOINT, *_URL) are left alone by REFERENCE_NAME instead."""
    text = value.strip()
    return not text or text.replace(".", "", 1).isdigit() or text.lower() in SWITCHES or text.startswith(("arn:", "/", "${"))


def _imported(value: Any) -> bool:
    return isinstance(value, dict) and "Fn::ImportValue" in value


def _secret_reason(name: str, raw: Any, value: Any, tpl: Template) -> str | None:
    texts = [value.detail] if isinstance(value, Unknown) else list(_strings(value))  # an Unknown spells its known parts
    for text in texts:
        if RESOLVE_SECRET.search(text):
            return "resolves a secret into plain text at deploy time"
        if SECRET_VALUE.search(text):
            return "holds a value shaped like a credential"
        if URL_PASSWORD.match(text):
            return "holds a URL with a password in it"
    named = SECRET_NAME.search(name) and not REFERENCE_NAME.search(name)
    if not named:
        return None
    if _imported(raw):
        return "is imported from another stack's output (Fn::ImportValue): exports are plain text to anyone who can list them"
    if isinstance(value, Unknown) and value.kind == "parameter":
        return f"comes from {value.detail.split(' (')[0]}, copied into the function's configuration in plain text"
    if isinstance(value, str) and not _setting(value):
        if looks_generated(value):
            where = " (typed into serverless.yml, or resolved there at package time from `${ssm:...}`)" if tpl.source == SERVERLESS else ""
            return f"holds a literal value shaped like a generated key or password{where}, in plain text in the template"
        return "holds a literal value that looks like a secret, in plain text in the template"
    return None


def plain_secret(ctx: Context) -> Iterator[Finding]:
    """Challenge 3: database credentials and API keys belong in Secrets Manager, not in readable environment variables."""
    for tpl, lid, fn in ctx.index.of_type(FUNCTION):
        reported: set[str] = set()
        for name, raw, p in env_values(tpl, fn):
            reason = None if name in reported else _secret_reason(name, raw, p.value, tpl)
            if reason:
                reported.add(name)
                yield finding(
                    "plain-secret",
                    ERROR,
                    tpl,
                    lid,
                    f"Properties.Environment.Variables.{name}",
                    f"Function {fn_label(fn, lid)}: environment variable {name} {reason}{why(_redacted(p.because))}; anyone who "
                    "can read the function's configuration can read it.",
                    fix("plain-secret", tpl),
                    group=f"env:{name}={json.dumps(raw, sort_keys=True)}",  # one provider.environment / Globals line
                    subject=f"Function {fn_label(fn, lid)}",
                )


def _redacted(because: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(SECRET_REASON.sub(r"\1", b) for b in because)


def _policies(tpl: Template, resource: dict[str, Any]) -> Iterator[tuple[str, Any, tuple[str, ...]]]:
    p = props(resource)
    exists = deployed(tpl, resource)
    if exists is None:
        return
    if rtype(resource) == "AWS::IAM::Role":
        for i, policy in items(p.get("Policies"), tpl):
            because = merge(exists, policy.because)
            if isinstance(policy.value, dict) and because is not None:
                yield f"Properties.Policies[{i}].PolicyDocument", policy.value.get("PolicyDocument"), because
    else:
        yield "Properties.PolicyDocument", p.get("PolicyDocument"), exists


def _strings_of(st: Any, name: str, tpl: Template) -> tuple[list[str], tuple[str, ...]]:
    """Every string a statement field can hold across deploys, and the reasons of the first '*' among them."""
    out: list[str] = []
    star: tuple[str, ...] = ()
    for p in field(st, name, tpl):
        for v in as_list(p.value):
            if isinstance(v, str):
                out.append(v)
                if v == "*" and not star:
                    star = p.because or ("always",)
    return out, star


def iam_wildcard(ctx: Context) -> Iterator[Finding]:
    """Challenge 3 (and 4): a function that may do anything, or touch every table/bucket/secret, turns one bug into a breach."""
    for tpl, lid, resource in ctx.index.of_type("AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
        for where, document, outer in _policies(tpl, resource):
            seen: set[int] = set()
            for i, st in statements(document, tpl):
                if not isinstance(st.value, dict) or i in seen or not any(e.value == "Allow" for e in field(st.value, "Effect", tpl)):
                    continue
                because = merge(outer, st.because) or ()
                actions, any_action = _strings_of(st.value, "Action", tpl)
                _, any_resource = _strings_of(st.value, "Resource", tpl)
                label = 'Action "*"'
                if not any_action:  # NotAction with Allow: every action but the few it lists
                    any_action = next((p.because or ("always",) for p in field(st.value, "NotAction", tpl) if p.value is not ABSENT), ())
                    label = "every action but those its NotAction lists"
                path = f"{where}.Statement[{i}]"
                reasons = tuple(r for r in (merge(because, any_action) or ()) if r != "always")
                if any_action and any_resource:
                    seen.add(i)
                    both = tuple(r for r in (merge(reasons, any_resource) or reasons) if r != "always")
                    yield finding(
                        "iam-wildcard",
                        ERROR,
                        tpl,
                        lid,
                        f"{path}.Action",
                        f'IAM {lid} allows {label} on Resource "*"{why(both)}: administrator access, every API of every service '
                        "on every resource in the account.",
                        fix("iam-wildcard.action", tpl),
                    )
                    continue
                if any_action:
                    seen.add(i)
                    yield finding(
                        "iam-wildcard",
                        WARNING,
                        tpl,
                        lid,
                        f"{path}.Action",
                        f"IAM {lid} allows {label}{why(reasons)}: every API of every service.",
                        fix("iam-wildcard.action", tpl),
                    )
                    continue
                if not any_resource:
                    continue
                data = sorted({a for a in actions if a.split(":", 1)[0].lower() in DATA_SERVICES})
                if data:
                    seen.add(i)
                    shown = tuple(r for r in (merge(because, any_resource) or ()) if r != "always")
                    yield finding(
                        "iam-wildcard",
                        WARNING,
                        tpl,
                        lid,
                        f"{path}.Resource",
                        f'IAM {lid} allows {", ".join(data)} on Resource "*"{why(shown)}: every such resource in the account, not just this service\'s.',
                        fix("iam-wildcard.resource", tpl),
                    )


def _needs_vpc(ctx: Context, tpl: Any, fn: dict[str, Any]) -> bool:
    p = props(fn)
    if p.get("FileSystemConfigs"):
        return True
    env = _env(fn)
    data_api = env.get("DB_ACCESS") == "data-api"
    for name, value in env.items():
        if PRIVATE_ENV.match(str(name)) and not (data_api and str(name).upper().startswith("DB_")):
            return True
        for target_tpl, target_id in refs.targets(value, tpl):
            if rtype(target_tpl.resources.get(target_id)).startswith(PRIVATE_TYPES):
                return True
    return False


def _in_vpc(fn: dict[str, Any]) -> bool:
    vpc = props(fn).get("VpcConfig")
    subnets = vpc.get("SubnetIds") if isinstance(vpc, dict) else None
    return bool(subnets) if isinstance(subnets, list) else subnets is not None


def vpc_without_need(ctx: Context) -> Iterator[Finding]:
    """Challenges 1 and 3: a VPC only pays off for private resources; otherwise it adds NAT cost and IP quotas."""
    for tpl, lid, fn in ctx.index.of_type(FUNCTION):
        if _in_vpc(fn) and not _needs_vpc(ctx, tpl, fn):
            yield finding(
                "vpc-without-need",
                WARNING,
                tpl,
                lid,
                "Properties.VpcConfig",
                f"Function {fn_label(fn, lid)} runs in a VPC but reaches nothing private (no database or cache host, no file "
                "system): every AWS call then needs a NAT gateway or VPC endpoints, and each function uses subnet IPs.",
                fix("vpc-without-need", tpl),
                group=f"vpc:{json.dumps(props(fn).get('VpcConfig'), sort_keys=True)}",
                subject=f"Function {fn_label(fn, lid)} runs",
            )
