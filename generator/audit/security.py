"""Rules about IAM breadth and needless VPCs (seed challenges 1, 3 and 4); secrets in the environment are env_secrets.py's."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from ..cfn import refs
from ..cfn.policy import field, statements
from ..cfn.values import ABSENT, deployed, items, merge, why
from .model import ERROR, FUNCTION, WARNING, Context, Finding, Template, as_list, fn_label, props, rtype
from .rule import Fix, Rule

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
                    yield IAM_WILDCARD.finding(
                        ERROR,
                        tpl,
                        lid,
                        f"{path}.Action",
                        f'IAM {lid} allows {label} on Resource "*"{why(both)}: administrator access, every API of every service '
                        "on every resource in the account.",
                        variant="action",
                    )
                    continue
                if any_action:
                    seen.add(i)
                    yield IAM_WILDCARD.finding(
                        WARNING,
                        tpl,
                        lid,
                        f"{path}.Action",
                        f"IAM {lid} allows {label}{why(reasons)}: every API of every service.",
                        variant="action",
                    )
                    continue
                if not any_resource:
                    continue
                data = sorted({a for a in actions if a.split(":", 1)[0].lower() in DATA_SERVICES})
                if data:
                    seen.add(i)
                    shown = tuple(r for r in (merge(because, any_resource) or ()) if r != "always")
                    yield IAM_WILDCARD.finding(
                        WARNING,
                        tpl,
                        lid,
                        f"{path}.Resource",
                        f'IAM {lid} allows {", ".join(data)} on Resource "*"{why(shown)}: every such resource in the account, not just this service\'s.',
                        variant="resource",
                    )


def _env(fn: dict[str, Any]) -> dict[str, Any]:
    env = props(fn).get("Environment")
    variables = env.get("Variables") if isinstance(env, dict) else None
    return variables if isinstance(variables, dict) else {}


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
            yield VPC_WITHOUT_NEED.finding(
                WARNING,
                tpl,
                lid,
                "Properties.VpcConfig",
                f"Function {fn_label(fn, lid)} runs in a VPC but reaches nothing private (no database or cache host, no file "
                "system): every AWS call then needs a NAT gateway or VPC endpoints, and each function uses subnet IPs.",
                group=f"vpc:{json.dumps(props(fn).get('VpcConfig'), sort_keys=True)}",
                subject=f"Function {fn_label(fn, lid)} runs",
            )


IAM_WILDCARD = Rule(
    id="iam-wildcard",
    challenge="3 SQL databases",
    severity=ERROR,
    summary='no Action "*" on Resource "*" (administrator: error), no Action "*" and no data-service action on Resource "*" (warning)',
    help='Action "*" or a data-service action on Resource "*" turns one bug or injected request into access to every table, bucket or secret in the account; both together are administrator access. Policies given as JSON strings and statements behind Fn::If are read too.',
    checks='no `Action: "*"` (or an `Allow` with `NotAction`) on `Resource: "*"` (administrator access: error); no `Action: "*"`, and no data-service action (S3, DynamoDB, RDS, Secrets Manager, SSM, KMS, SQS, ...) on `Resource: "*"` (warning); policies given as JSON strings and statements behind `Fn::If` are read too',
    levels="error; warning",
    fixes={
        "action": Fix(
            "List the actions the functions call in `provider.iam.role.statements` (e.g. sqs:SendMessage), {exempt}.",
            "Use a SAM policy template (e.g. `SQSSendMessagePolicy`) or list the actions in `Policies:`, {exempt}.",
            "List the actions the functions call (e.g. sqs:SendMessage), {exempt}.",
        ),
        "resource": Fix(
            "Name the ARNs (Fn::GetAtt / Fn::Sub) in `provider.iam.role.statements`, {exempt}.",
            "Use a SAM policy template scoped to the resource (e.g. `DynamoDBCrudPolicy: {{TableName: !Ref Table}}`), {exempt}.",
            "Name the ARNs (Fn::GetAtt / Fn::Sub) the functions use, {exempt}.",
        ),
    },
    check=iam_wildcard,
)

VPC_WITHOUT_NEED = Rule(
    id="vpc-without-need",
    challenge="1 cold start",
    severity=WARNING,
    summary="a function in a VPC reaches something private (warning)",
    help="A VPC only pays off for private resources; otherwise every AWS call needs a NAT gateway or VPC endpoints, and each function uses subnet IPs.",
    checks="a function in a VPC reaches something private: a database/cache host variable, an in-template RDS/ElastiCache/EFS/... resource, or a file system",
    levels="warning",
    fixes={
        "": Fix(
            "Remove `vpc:` from the function (or the provider), or exempt it with the private resource it reaches.",
            "Remove `VpcConfig` from the function (or `Globals: Function:`), or exempt it with the private resource it reaches.",
            "Remove `VpcConfig` from the function, or exempt it with the private resource it reaches.",
        )
    },
    check=vpc_without_need,
)
RULES = (IAM_WILDCARD, VPC_WITHOUT_NEED)
