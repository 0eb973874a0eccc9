"""Rules about data anyone on the internet can reach: public buckets, databases, open ports, literal master
passwords and function URLs without auth (seed challenges 3 and 4)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ..cfn import refs
from .fixes import fix
from .model import ERROR, Context, Finding, Template, as_list, finding, fn_label, literal_int, literal_true, props, rtype

# Condition keys that limit who a "*" principal really is (the caller's network, account or organisation).
RESTRICTING_KEYS = frozenset(
    k.lower()
    for k in (
        *("aws:SourceArn", "aws:SourceAccount", "aws:SourceOwner", "aws:SourceVpc", "aws:SourceVpce", "aws:SourceIp", "aws:VpcSourceIp"),
        *("aws:SourceOrgID", "aws:SourceOrgPaths", "aws:PrincipalOrgID", "aws:PrincipalOrgPaths", "aws:PrincipalAccount"),
        *("aws:PrincipalArn", "aws:PrincipalServiceName", "aws:userid", "aws:username", "aws:CalledVia"),
    )
)
PUBLIC_ACLS = frozenset({"PublicRead", "PublicReadWrite", "AuthenticatedRead"})
# The four settings of S3 Block Public Access; a public policy takes effect only when BlockPublicPolicy and
# RestrictPublicBuckets are off, a public ACL only when BlockPublicAcls and IgnorePublicAcls are.
POLICY_BLOCKS = ("BlockPublicPolicy", "RestrictPublicBuckets")
ACL_BLOCKS = ("BlockPublicAcls", "IgnorePublicAcls")
OPEN_CIDRS = frozenset({"0.0.0.0/0", "::/0"})
WEB_PORTS = frozenset({80, 443})
DATABASES = ("AWS::RDS::DBInstance", "AWS::RDS::DBCluster")
PASSWORD_HOLDERS = (*DATABASES, "AWS::Redshift::Cluster", "AWS::DocDB::DBCluster", "AWS::DocDB::DBInstance")
DYNAMIC_SECRET = re.compile(r"^\{\{resolve:(secretsmanager|ssm-secure):")


def _anyone(principal: Any) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, dict):
        return "*" in as_list(principal.get("AWS"))
    return False


def _restricted(condition: Any) -> bool:
    if not isinstance(condition, dict):
        return False
    return any(isinstance(keys, dict) and any(str(k).lower() in RESTRICTING_KEYS for k in keys) for keys in condition.values())


def public_statements(document: Any) -> list[int]:
    """Indexes of Allow statements any anonymous caller matches (Principal "*" without a restricting condition)."""
    statements = document.get("Statement") if isinstance(document, dict) else None
    return [
        i
        for i, st in enumerate(as_list(statements or []))
        if isinstance(st, dict) and st.get("Effect") == "Allow" and _anyone(st.get("Principal")) and not _restricted(st.get("Condition"))
    ]


def _block_state(bucket: dict[str, Any] | None, flags: tuple[str, ...]) -> str | None:
    """None when S3 Block Public Access stops it; else why it does not."""
    if bucket is None:
        return "the bucket is not in this template, so its public access block is unknown"
    config = props(bucket).get("PublicAccessBlockConfiguration")
    if not isinstance(config, dict):
        return "the bucket sets no PublicAccessBlockConfiguration (S3 blocks it only while the account or bucket default stays on)"
    off = [flag for flag in flags if not literal_true(config.get(flag))]
    return f"public access blocking is off ({', '.join(off)})" if off else None


def s3_public(ctx: Context) -> Iterator[Finding]:
    """Challenge 3: a bucket policy or ACL open to everyone publishes every object it covers."""
    for tpl, lid, policy in ctx.index.of_type("AWS::S3::BucketPolicy"):
        p = props(policy)
        public = public_statements(p.get("PolicyDocument"))
        if not public:
            continue
        target = next(refs.targets(p.get("Bucket"), tpl), None)
        bucket = target[0].resources.get(target[1]) if target else None
        state = _block_state(bucket, POLICY_BLOCKS)
        name = target[1] if target else p.get("Bucket") if isinstance(p.get("Bucket"), str) else lid
        blocked = "" if state else " (S3 Block Public Access on the bucket refuses it today, so deploying it fails)"
        yield finding(
            "s3-public",
            ERROR,
            tpl,
            lid,
            f"Properties.PolicyDocument.Statement[{public[0]}]",
            f'Bucket {name}: policy {lid} allows Principal "*" with no restricting condition{blocked}'
            f"{'; ' + state if state else ''}: anyone on the internet can use what the statement allows.",
            fix("s3-public", tpl),
        )
    for tpl, lid, bucket in ctx.index.of_type("AWS::S3::Bucket"):
        acl = props(bucket).get("AccessControl")
        if isinstance(acl, str) and acl in PUBLIC_ACLS and _block_state(bucket, ACL_BLOCKS):
            yield finding(
                "s3-public",
                ERROR,
                tpl,
                lid,
                "Properties.AccessControl",
                f"Bucket {lid} has the canned ACL {acl} and its public access block does not stop it: "
                f"{'every AWS user' if acl == 'AuthenticatedRead' else 'anyone'} can list or read it.",
                fix("s3-public", tpl),
            )


def rds_public(ctx: Context) -> Iterator[Finding]:
    """Challenge 3: a publicly accessible database has an internet address; its password is all that stands in the way."""
    for tpl, lid, db in ctx.index.of_type(*DATABASES):
        if literal_true(props(db).get("PubliclyAccessible")):
            yield finding(
                "rds-public",
                ERROR,
                tpl,
                lid,
                "Properties.PubliclyAccessible",
                f"Database {lid} ({rtype(db)}) is PubliclyAccessible: it gets a public DNS name and address, reachable from "
                "the internet wherever its security group allows.",
                fix("rds-public", tpl),
            )


def _ports(rule: dict[str, Any]) -> tuple[int, int] | None:
    """The port range an ingress rule opens, None for protocols without ports (ICMP)."""
    protocol = str(rule.get("IpProtocol", "")).lower()
    if protocol in ("-1", "all"):
        return 0, 65535
    if protocol not in ("tcp", "udp", "6", "17"):
        return None
    low, high = literal_int(rule.get("FromPort")), literal_int(rule.get("ToPort"))
    if low is None or high is None or low < 0:
        return 0, 65535
    return low, high


def _open(rule: Any) -> str | None:
    """The open address range when an ingress rule admits the whole internet beyond ports 80 and 443."""
    if not isinstance(rule, dict):
        return None
    cidrs = [c for c in (rule.get("CidrIp"), rule.get("CidrIpv6")) if isinstance(c, str) and c in OPEN_CIDRS]
    if not cidrs:
        return None  # a parameter or a reference is not known to be the whole internet
    cidr = cidrs[0]
    ports = _ports(rule)
    if ports is None or (ports[0] == ports[1] and ports[0] in WEB_PORTS):
        return None
    shown = "all ports" if ports == (0, 65535) else f"port {ports[0]}" if ports[0] == ports[1] else f"ports {ports[0]}-{ports[1]}"
    return f"{shown} ({rule.get('IpProtocol')}) from {cidr}"


def security_group_open(ctx: Context) -> Iterator[Finding]:
    """Challenge 3: a database, cache or admin port open to 0.0.0.0/0 is scanned within minutes of deployment."""
    for tpl, lid, group in ctx.index.of_type("AWS::EC2::SecurityGroup"):
        for i, rule in enumerate(as_list(props(group).get("SecurityGroupIngress") or [])):
            opened = _open(rule)
            if opened:
                yield _sg_finding(tpl, lid, f"Properties.SecurityGroupIngress[{i}]", f"Security group {lid} admits {opened}")
    for tpl, lid, ingress in ctx.index.of_type("AWS::EC2::SecurityGroupIngress"):
        opened = _open(props(ingress))
        if opened:
            group = next(refs.targets(props(ingress).get("GroupId"), tpl), None)
            whose = f"security group {group[1]}" if group else "its security group"
            yield _sg_finding(tpl, lid, "Properties", f"Ingress rule {lid} opens {whose} to {opened}")


def _sg_finding(tpl: Template, lid: str, where: str, what: str) -> Finding:
    return finding(
        "security-group-open",
        ERROR,
        tpl,
        lid,
        where,
        f"{what}: anything listening there (a database, SSH, a cache) is reachable from the whole internet.",
        fix("security-group-open", tpl),
    )


def looks_generated(value: str) -> bool:
    """A long value mixing three kinds of characters: what a secret store hands out, not what people type."""
    kinds = sum(bool(re.search(p, value)) for p in (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^A-Za-z0-9]"))
    return len(value) >= 16 and kinds >= 3


def _password_problem(value: Any, tpl: Template) -> str | None:
    if isinstance(value, str):
        if DYNAMIC_SECRET.match(value):
            return None
        if looks_generated(value):
            return "holds a value that looks resolved at package time (e.g. from `${ssm:...}`): the password itself is in the template"
        return "is written in the template"
    if isinstance(value, dict) and set(value) == {"Ref"} and isinstance(value["Ref"], str):
        parameter = tpl.section("Parameters").get(value["Ref"])
        if isinstance(parameter, dict) and not literal_true(parameter.get("NoEcho")):
            default = ", whose Default is written in the template," if "Default" in parameter else ""
            return (
                f"comes from parameter {value['Ref']}{default} without NoEcho: CloudFormation shows it to anyone who can describe the stack"
            )
    return None


def db_password(ctx: Context) -> Iterator[Finding]:
    """Challenge 3: a master password in the template is stored in the deployment bucket and every stack version."""
    for tpl, lid, db in ctx.index.of_type(*PASSWORD_HOLDERS):
        problem = _password_problem(props(db).get("MasterUserPassword"), tpl)
        if problem:
            yield finding(
                "db-password",
                ERROR,
                tpl,
                lid,
                "Properties.MasterUserPassword",
                f"Database {lid}: MasterUserPassword {problem}; anyone who can read the template, the deployment bucket or the "
                "stack can log in as master.",
                fix("db-password", tpl),
            )


def function_url_public(ctx: Context) -> Iterator[Finding]:
    """Challenge 4: a function URL with AuthType NONE is invoked by anyone, with no API Gateway throttling in front."""
    for tpl, lid, url in ctx.index.of_type("AWS::Lambda::Url"):
        p = props(url)
        if p.get("AuthType") != "NONE":
            continue
        fns = refs.functions(p.get("TargetFunctionArn"), tpl)
        label = fn_label(fns[0][0].resources[fns[0][1]], fns[0][1]) if fns else lid
        yield finding(
            "function-url-public",
            ERROR,
            tpl,
            lid,
            "Properties.AuthType",
            f"Function URL {lid} of {label} has AuthType NONE: anyone can invoke the function directly, without "
            "authentication or throttling, and every call is billed.",
            fix("function-url-public", tpl),
        )
