"""Rules about data anyone on the internet can reach: public buckets and access points, databases and literal
master passwords (seed challenge 3), judged on every value a deploy can give them (generator/cfn/values.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ..cfn import refs
from ..cfn.policy import statements
from ..cfn.values import ABSENT, Possible, Unknown, deployed, merge, property_values, unprovable, why
from .fixes import fix
from .model import ERROR, Context, Finding, Template, finding, literal_true, props, rtype
from .network import SECURITY_GROUP_OPEN
from .principals import exposures
from .rule import Fix, Rule

PUBLIC_ACLS = frozenset({"PublicRead", "PublicReadWrite", "AuthenticatedRead"})
# The four settings of S3 Block Public Access; a public policy takes effect only when BlockPublicPolicy and
# RestrictPublicBuckets are off, a public ACL only when BlockPublicAcls and IgnorePublicAcls are.
POLICY_BLOCKS = ("BlockPublicPolicy", "RestrictPublicBuckets")
ACL_BLOCKS = ("BlockPublicAcls", "IgnorePublicAcls")
DATABASES = ("AWS::RDS::DBInstance", "AWS::RDS::DBCluster")
PASSWORD_HOLDERS = (*DATABASES, "AWS::Redshift::Cluster", "AWS::DocDB::DBCluster", "AWS::DocDB::DBInstance")
SECRET_REASON = re.compile(r"('s default| =) .*$")  # a reason that would print the secret's value


def _block_state(tpl: Template | None, resource: dict[str, Any] | None, flags: tuple[str, ...], default_on: bool = False) -> str | None:
    """None when S3 Block Public Access stops it in every deploy; else why it does not."""
    if tpl is None or resource is None:
        return "the bucket is not in this template, so its public access block is unknown"
    for config in property_values(tpl, resource, "PublicAccessBlockConfiguration"):
        if config.value is ABSENT and not default_on:
            return f"the bucket sets no PublicAccessBlockConfiguration{why(config.because)} (S3 blocks it only while the account or bucket default stays on)"
        if config.value is ABSENT:
            continue
        settings = config.value if isinstance(config.value, dict) else {}
        off = [flag for flag in flags if not (literal_true(settings.get(flag)) or (default_on and flag not in settings))]
        if off:
            return f"public access blocking is off ({', '.join(off)}){why(config.because)}"
    return None


def _policy_findings(tpl: Template, resource: dict[str, Any], lid: str, prop: str, owner: str, state: str | None) -> Iterator[Finding]:
    """One finding for the first statement that is public in some deploy, or cannot be proven private."""
    exists = deployed(tpl, resource)
    if exists is None:
        return
    where = f"Properties.{prop}"
    for i, st in statements(props(resource).get(prop), tpl):
        found = [e for e in exposures(st.value, tpl) if merge(exists, st.because, e.because) is not None]
        if not found:
            continue
        exposure = found[0]
        reasons = merge(exists, st.because, exposure.because) or ()
        path = f"{where}.Statement[{i}]"
        if not exposure.definite:
            message = (
                f"{owner}: policy {lid} cannot be proven private: it allows {exposure.what}{why(reasons)}, which may be "
                "anyone on the internet."
            )
            yield S3_PUBLIC.unsafe(tpl, lid, path, message, unprovable="the principal and its conditions")
            return
        blocked = "" if state else " (S3 Block Public Access refuses it today, so deploying it fails)"
        message = (
            f"{owner}: policy {lid} allows {exposure.what} with no restricting condition{why(reasons)}{blocked}"
            f"{'; ' + state if state else ''}: anyone on the internet can use what the statement allows."
        )
        yield S3_PUBLIC.unsafe(tpl, lid, path, message)
        return


def s3_public(ctx: Context) -> Iterator[Finding]:
    """Challenge 3: a bucket or access point policy or ACL open to everyone publishes every object it covers."""
    for tpl, lid, policy in ctx.index.of_type("AWS::S3::BucketPolicy"):
        p = props(policy)
        target = next(refs.targets(p.get("Bucket"), tpl), None)
        bucket = target[0].resources.get(target[1]) if target else None
        state = _block_state(target[0] if target else None, bucket, POLICY_BLOCKS)
        name = target[1] if target else p.get("Bucket") if isinstance(p.get("Bucket"), str) else lid
        yield from _policy_findings(tpl, policy, lid, "PolicyDocument", f"Bucket {name}", state)
    for tpl, lid, point in ctx.index.of_type("AWS::S3::AccessPoint"):
        if any(v.value is not ABSENT for v in property_values(tpl, point, "VpcConfiguration")):
            continue  # reachable only from one VPC: IAM Access Analyzer does not count it as public
        state = _block_state(tpl, point, POLICY_BLOCKS, default_on=True)
        yield from _policy_findings(tpl, point, lid, "Policy", f"Access point {lid}", state)
    for tpl, lid, bucket in ctx.index.of_type("AWS::S3::Bucket"):
        yield from _acl(tpl, lid, bucket)


def _acl(tpl: Template, lid: str, bucket: dict[str, Any]) -> Iterator[Finding]:
    for acl in property_values(tpl, bucket, "AccessControl"):
        if unprovable(acl.value):
            message = f"Bucket {lid}: its canned ACL comes from {acl.value.detail}{why(acl.because)} and cannot be proven private."
            yield S3_PUBLIC.unsafe(tpl, lid, "Properties.AccessControl", message, unprovable="AccessControl")
            return
        if isinstance(acl.value, str) and acl.value in PUBLIC_ACLS and _block_state(tpl, bucket, ACL_BLOCKS):
            message = (
                f"Bucket {lid} has the canned ACL {acl.value}{why(acl.because)} and its public access block does not stop it: "
                f"{'every AWS user' if acl.value == 'AuthenticatedRead' else 'anyone'} can list or read it."
            )
            yield S3_PUBLIC.unsafe(tpl, lid, "Properties.AccessControl", message)
            return


def rds_public(ctx: Context) -> Iterator[Finding]:
    """Challenge 3: a publicly accessible database has an internet address; its password is all that stands in the way."""
    for tpl, lid, db in ctx.index.of_type(*DATABASES):
        found = _rds_problem(tpl, db)
        if found:
            message, key = found
            yield finding(
                "rds-public",
                ERROR,
                tpl,
                lid,
                "Properties.PubliclyAccessible",
                f"Database {lid} ({rtype(db)}) {message}",
                fix(key, tpl, what="PubliclyAccessible"),
            )


def _rds_problem(tpl: Template, db: dict[str, Any]) -> tuple[str, str] | None:
    public = property_values(tpl, db, "PubliclyAccessible")
    for p in public:
        if literal_true(p.value):
            return (
                f"is PubliclyAccessible{why(p.because)}: it gets a public DNS name and address, reachable from the internet "
                "wherever its security group allows.",
                "rds-public",
            )
        if unprovable(p.value):
            return f"takes PubliclyAccessible from {p.value.detail}{why(p.because)}: it cannot be proven private.", "unprovable"
    if rtype(db) != "AWS::RDS::DBInstance" or "DBClusterIdentifier" in props(db):
        return None  # an Aurora instance is placed by its cluster
    for p in public:
        for subnets in property_values(tpl, db, "DBSubnetGroupName"):
            reasons = merge(p.because, subnets.because)
            if p.value is ABSENT and subnets.value is ABSENT and reasons is not None:
                return (
                    f"has no DBSubnetGroupName and no PubliclyAccessible{why(reasons)}: AWS creates it in the account's default "
                    "VPC, where it is publicly accessible when that VPC has an internet gateway (every default VPC has one).",
                    "rds-public.default-vpc",
                )
    return None


def looks_generated(value: str) -> bool:
    """A long value mixing three kinds of characters: what a secret store hands out, not what people type."""
    kinds = sum(bool(re.search(p, value)) for p in (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^A-Za-z0-9]"))
    return len(value) >= 16 and kinds >= 3


def _password_problem(raw: Any, p: Possible) -> str | None:
    value, reasons = p.value, why(tuple(SECRET_REASON.sub(r"\1", b) for b in p.because))
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        if isinstance(raw, str) and looks_generated(raw):
            return "holds a value that looks resolved at package time (e.g. from `${ssm:...}`): the password itself is in the template"
        if not isinstance(raw, str) and not reasons:
            return "is written in the template, assembled from literal parts"
        return f"is written in the template{reasons}"
    if not isinstance(value, Unknown) or value.kind == "dynamic":
        return None
    if value.kind == "parameter" and value.target is not None:
        tpl, name = value.target
        spec = tpl.section("Parameters").get(name)
        if isinstance(spec, dict) and not literal_true(spec.get("NoEcho")):
            return f"comes from parameter {name}{reasons} without NoEcho: CloudFormation shows it to anyone who can describe the stack"
        return None
    if value.kind == "pseudo":
        return f"is built from template text and pseudo parameters ({value.detail}){reasons}: anyone who can read the stack can compute it"
    if value.kind == "unresolved":
        return f"comes from {value.detail}{reasons} and cannot be proven to stay out of the template"
    return None


def db_password(ctx: Context) -> Iterator[Finding]:
    """Challenge 3: a master password in the template is stored in the deployment bucket and every stack version."""
    for tpl, lid, db in ctx.index.of_type(*PASSWORD_HOLDERS):
        for p in property_values(tpl, db, "MasterUserPassword"):
            problem = _password_problem(props(db).get("MasterUserPassword"), p)
            if problem:
                yield DB_PASSWORD.finding(
                    ERROR,
                    tpl,
                    lid,
                    "Properties.MasterUserPassword",
                    f"Database {lid}: MasterUserPassword {problem}; anyone who can read the template, the deployment bucket or the "
                    "stack can log in as master.",
                )
                break


S3_PUBLIC = Rule(
    id="s3-public",
    challenge="3 SQL databases",
    severity=ERROR,
    summary='no bucket policy allows Principal "*" without a restricting condition, no public canned ACL (error)',
    help='A bucket policy statement with Principal "*" and no condition on the caller\'s account, organisation, network or source ARN publishes what it allows to the internet; so does a public canned ACL. Serve content through CloudFront with origin access control and keep all four Block Public Access flags on.',
    checks='no bucket or access point policy statement (also a JSON-string policy, a statement behind `Fn::If`, a principal through `Fn::Sub`/`Fn::If`) allows `Principal: "*"`, `{"AWS": "*"}` or `NotPrincipal` with `Allow` without a condition that pins the caller (IAM Access Analyzer\'s meaning: source ARN/account/VPC/VPC endpoint, organisation, principal account, with a value that is not a wildcard; `aws:SourceIp` 0.0.0.0/0 pins nothing); a principal or condition the deployer chooses cannot be proven private; access points with a `VpcConfiguration` are not public; the message says whether the bucket\'s public access block is off, missing or would refuse it; no public canned ACL (`PublicRead`, `PublicReadWrite`, `AuthenticatedRead`; in any branch) that the bucket\'s ACL blocking does not stop',
    levels="error",
    fixes={
        "": Fix(
            "In `resources:`, remove the public statement (serve through CloudFront with origin access control) and set all four PublicAccessBlockConfiguration flags to true, {exempt}.",
            "Remove the public statement (serve through CloudFront with origin access control) and set all four PublicAccessBlockConfiguration flags to true in template.yaml, {exempt}.",
            "Remove the public statement (serve through CloudFront with origin access control) and set all four PublicAccessBlockConfiguration flags to true, {exempt}.",
        )
    },
    check=s3_public,
)

RDS_PUBLIC = Rule(
    id="rds-public",
    challenge="3 SQL databases",
    severity=ERROR,
    summary="no RDS instance or cluster is PubliclyAccessible (error)",
    help="A publicly accessible database gets an internet address; only its security group and password protect it.",
    checks="no `AWS::RDS::DBInstance`/`DBCluster` whose `PubliclyAccessible` is true in any branch or parameter value (one the deployer chooses cannot be proven private); no `DBInstance` outside a cluster with neither `DBSubnetGroupName` nor `PubliclyAccessible` (AWS puts it in the default VPC, where it is public when the VPC has an internet gateway)",
    levels="error",
    fixes={
        "": Fix(
            "Set `PubliclyAccessible: false` on the database in `resources:` and reach it from inside its VPC (or through the Data API).",
            "Set `PubliclyAccessible: false` on the database in template.yaml and reach it from inside its VPC (or through the Data API).",
            "Set `PubliclyAccessible: false` and reach the database from inside its VPC (or through the Data API).",
        ),
        "default-vpc": Fix(
            "Set `DBSubnetGroupName` (private subnets) and `PubliclyAccessible: false` on the database in `resources:`.",
            "Set `DBSubnetGroupName` (private subnets) and `PubliclyAccessible: false` on the database in template.yaml.",
            "Set `DBSubnetGroupName` (private subnets) and `PubliclyAccessible: false` on the AWS::RDS::DBInstance.",
        ),
    },
    check=rds_public,
)

DB_PASSWORD = Rule(
    id="db-password",
    challenge="3 SQL databases",
    severity=ERROR,
    summary="no literal database master password, also none resolved into the template at package time (error)",
    help="A MasterUserPassword in the template is stored in the deployment bucket and every stack version; ManageMasterUserPassword or a {{resolve:secretsmanager:...}} reference keeps it out.",
    checks="no `MasterUserPassword` written in the template (RDS, Redshift, DocumentDB) in any branch: a literal (also through `Fn::Sub`, `Fn::Join`, `Fn::FindInMap`, or the `Default` of a parameter, `NoEcho` or not), a value that looks resolved at package time (said so), or a parameter without `NoEcho` (its value shows when the stack is described; a `Default` is written in the template too); `ManageMasterUserPassword` or `{{resolve:secretsmanager:...}}` pass",
    levels="error",
    fixes={
        "": Fix(
            "Set `ManageMasterUserPassword: true` (RDS keeps it in Secrets Manager), or `{{{{resolve:secretsmanager:...}}}}`, instead of a value or `${{ssm:...}}` in serverless.yml.",
            "Set `ManageMasterUserPassword: true` (RDS keeps it in Secrets Manager), or `{{{{resolve:secretsmanager:...}}}}` in template.yaml.",
            "Set `ManageMasterUserPassword: true` (RDS keeps it in Secrets Manager), or `{{{{resolve:secretsmanager:...}}}}`.",
        )
    },
    check=db_password,
)

# The family's order (the report's): security-group-open is declared beside its network model in network.py.
RULES = (S3_PUBLIC, RDS_PUBLIC, SECURITY_GROUP_OPEN, DB_PASSWORD)
