"""The data-exposure family's rules (public buckets, databases, ports, passwords, function URLs); the checks are in generator/audit/exposure.py."""

from __future__ import annotations

from .. import exposure
from ..model import ERROR
from ..rule import Fix, Rule

S3_PUBLIC = Rule(
    id="s3-public",
    challenge="3 SQL databases",
    severity=ERROR,
    summary='no bucket policy allows Principal "*" without a restricting condition, no public canned ACL (error)',
    help='A bucket policy statement with Principal "*" and no condition on the caller\'s account, organisation, network or source ARN publishes what it allows to the internet; so does a public canned ACL. Serve content through CloudFront with origin access control and keep all four Block Public Access flags on.',
    checks='no bucket policy statement allows `Principal: "*"` or `{"AWS": "*"}` without a condition that restricts the caller (source ARN/account/VPC/IP, organisation, principal); the message says whether the bucket\'s public access block is off, missing or would refuse it; no public canned ACL (`PublicRead`, `PublicReadWrite`, `AuthenticatedRead`) that the bucket\'s ACL blocking does not stop',
    levels="error",
    fixes={
        "": Fix(
            "In `resources:`, remove the public statement (serve through CloudFront with origin access control) and set all four PublicAccessBlockConfiguration flags to true, {exempt}.",
            "Remove the public statement (serve through CloudFront with origin access control) and set all four PublicAccessBlockConfiguration flags to true in template.yaml, {exempt}.",
            "Remove the public statement (serve through CloudFront with origin access control) and set all four PublicAccessBlockConfiguration flags to true, {exempt}.",
        )
    },
    check=exposure.s3_public,
)

RDS_PUBLIC = Rule(
    id="rds-public",
    challenge="3 SQL databases",
    severity=ERROR,
    summary="no RDS instance or cluster is PubliclyAccessible (error)",
    help="A publicly accessible database gets an internet address; only its security group and password protect it.",
    checks="no `AWS::RDS::DBInstance`/`DBCluster` with `PubliclyAccessible: true`",
    levels="error",
    fixes={
        "": Fix(
            "Set `PubliclyAccessible: false` on the database in `resources:` and reach it from inside its VPC (or through the Data API).",
            "Set `PubliclyAccessible: false` on the database in template.yaml and reach it from inside its VPC (or through the Data API).",
            "Set `PubliclyAccessible: false` and reach the database from inside its VPC (or through the Data API).",
        )
    },
    check=exposure.rds_public,
)

SECURITY_GROUP_OPEN = Rule(
    id="security-group-open",
    challenge="3 SQL databases",
    severity=ERROR,
    summary="no security group admits 0.0.0.0/0 or ::/0 on ports other than 80 and 443 (error)",
    help="Database, cache and SSH ports open to the whole internet are found by scanners within minutes.",
    checks="no ingress from `0.0.0.0/0` or `::/0` beyond ports 80 and 443 (inline `SecurityGroupIngress` and `AWS::EC2::SecurityGroupIngress`; ICMP ignored)",
    levels="error",
    fixes={
        "": Fix(
            "In `resources:`, allow the port only from the security groups or address ranges that need it, {exempt}.",
            "In template.yaml, allow the port only from the security groups or address ranges that need it, {exempt}.",
            "Allow the port only from the security groups (SourceSecurityGroupId) or address ranges that need it, {exempt}.",
        )
    },
    check=exposure.security_group_open,
)

DB_PASSWORD = Rule(
    id="db-password",
    challenge="3 SQL databases",
    severity=ERROR,
    summary="no literal database master password, also none resolved into the template at package time (error)",
    help="A MasterUserPassword in the template is stored in the deployment bucket and every stack version; ManageMasterUserPassword or a {{resolve:secretsmanager:...}} reference keeps it out.",
    checks="no `MasterUserPassword` written in the template (RDS, Redshift, DocumentDB): a literal, a value that looks resolved at package time (said so), or a parameter without `NoEcho` (its value shows when the stack is described; a `Default` is written in the template too); `ManageMasterUserPassword` or `{{resolve:secretsmanager:...}}` pass",
    levels="error",
    fixes={
        "": Fix(
            "Set `ManageMasterUserPassword: true` (RDS keeps it in Secrets Manager), or `{{{{resolve:secretsmanager:...}}}}`, instead of a value or `${{ssm:...}}` in serverless.yml.",
            "Set `ManageMasterUserPassword: true` (RDS keeps it in Secrets Manager), or `{{{{resolve:secretsmanager:...}}}}` in template.yaml.",
            "Set `ManageMasterUserPassword: true` (RDS keeps it in Secrets Manager), or `{{{{resolve:secretsmanager:...}}}}`.",
        )
    },
    check=exposure.db_password,
)

FUNCTION_URL_PUBLIC = Rule(
    id="function-url-public",
    challenge="4 wallet attack",
    severity=ERROR,
    summary="no function URL with AuthType NONE (error)",
    help="A function URL without auth lets anyone invoke the function directly: no authentication, no API Gateway throttling, every call billed.",
    checks="no `AWS::Lambda::Url` with `AuthType: NONE`",
    levels="error",
    fixes={
        "": Fix(
            "Set `url: {{authorizer: aws_iam}}` on the function in serverless.yml, or put it behind an API with throttling, {exempt}.",
            "Set `FunctionUrlConfig: {{AuthType: AWS_IAM}}` on the function in template.yaml, or put it behind an API, {exempt}.",
            "Set `AuthType: AWS_IAM` on the AWS::Lambda::Url, or put the function behind an API, {exempt}.",
        )
    },
    check=exposure.function_url_public,
)
RULES = (
    S3_PUBLIC,
    RDS_PUBLIC,
    SECURITY_GROUP_OPEN,
    DB_PASSWORD,
    FUNCTION_URL_PUBLIC,
)
