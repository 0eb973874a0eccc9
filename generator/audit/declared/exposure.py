"""The data-exposure family's rules (public buckets, databases, ports, passwords, function URLs, invoke permissions); the checks are in
generator/audit/exposure.py, network.py (security groups) and lambda_access.py (function URLs and permissions)."""

from __future__ import annotations

from .. import exposure, lambda_access, network
from ..model import ERROR
from ..rule import Fix, Rule

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
    check=exposure.s3_public,
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
    check=exposure.rds_public,
)

SECURITY_GROUP_OPEN = Rule(
    id="security-group-open",
    challenge="3 SQL databases",
    severity=ERROR,
    summary="no security group admits 0.0.0.0/0 or ::/0 on ports other than 80 and 443 (error)",
    help="Database, cache and SSH ports open to the whole internet are found by scanners within minutes.",
    checks="no ingress from the whole internet beyond ports 80 and 443: `0.0.0.0/0` or `::/0` in any spelling, ranges that together cover everything (two `/1` halves, in one group or its separate `AWS::EC2::SecurityGroupIngress` resources), CIDRs through `Fn::Sub`/`Fn::If`/parameter defaults; every protocol (`-1`/`all` and any number other than TCP/UDP/ICMP open all ports; ICMP ignored); a CIDR the deployer chooses on such a port cannot be proven closed",
    levels="error",
    fixes={
        "": Fix(
            "In `resources:`, allow the port only from the security groups or address ranges that need it, {exempt}.",
            "In template.yaml, allow the port only from the security groups or address ranges that need it, {exempt}.",
            "Allow the port only from the security groups (SourceSecurityGroupId) or address ranges that need it, {exempt}.",
        )
    },
    check=network.security_group_open,
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
    check=exposure.db_password,
)

FUNCTION_URL_PUBLIC = Rule(
    id="function-url-public",
    challenge="4 wallet attack",
    severity=ERROR,
    summary="no function URL with AuthType NONE in any branch, nor a lambda:InvokeFunctionUrl permission for everyone with FunctionUrlAuthType NONE (error)",
    help="A function URL without auth lets anyone invoke the function directly: no authentication, no API Gateway throttling, every call billed.",
    checks="no `AWS::Lambda::Url` whose `AuthType` is `NONE` in any branch (or comes from a parameter without `AllowedValues`); no `lambda:InvokeFunctionUrl` permission for everyone with `FunctionUrlAuthType: NONE`",
    levels="error",
    fixes={
        "": Fix(
            "Set `url: {{authorizer: aws_iam}}` on the function in serverless.yml, or put it behind an API with throttling, {exempt}.",
            "Set `FunctionUrlConfig: {{AuthType: AWS_IAM}}` on the function in template.yaml, or put it behind an API, {exempt}.",
            "Set `AuthType: AWS_IAM` on the AWS::Lambda::Url, or put the function behind an API, {exempt}.",
        )
    },
    check=lambda_access.function_url_public,
)
LAMBDA_PERMISSION_PUBLIC = Rule(
    id="lambda-permission-public",
    challenge="4 wallet attack",
    severity=ERROR,
    summary='no AWS::Lambda::Permission for Principal "*" without SourceArn, SourceAccount or PrincipalOrgID (error)',
    help='A resource-based permission for Principal "*" that no SourceArn, SourceAccount or PrincipalOrgID narrows lets any AWS account invoke the function and run up its bill, outside any API\'s throttling.',
    checks='no `AWS::Lambda::Permission` whose `Principal` is `"*"` (also through `Fn::Sub`/`Fn::If`, or a parameter: "cannot be proven") with no `SourceArn`, `SourceAccount` or `PrincipalOrgID`',
    levels="error",
    fixes={
        "": Fix(
            "In `resources:`, give the AWS::Lambda::Permission a SourceArn or SourceAccount (or PrincipalOrgID), or a principal "
            'of one account or service instead of "*", {exempt}.',
            "Give the AWS::Lambda::Permission in template.yaml a SourceArn or SourceAccount (or PrincipalOrgID), or a principal "
            'of one account or service instead of "*", {exempt}.',
            "Give the AWS::Lambda::Permission a SourceArn or SourceAccount (or PrincipalOrgID), or a principal of one account or "
            'service instead of "*", {exempt}.',
        ),
    },
    check=lambda_access.lambda_permission_public,
)

RULES = (
    S3_PUBLIC,
    RDS_PUBLIC,
    SECURITY_GROUP_OPEN,
    DB_PASSWORD,
    FUNCTION_URL_PUBLIC,
    LAMBDA_PERMISSION_PUBLIC,
)
