"""The security family's rules (secrets in the environment, IAM wildcards, VPC use); the checks are in generator/audit/security.py."""

from __future__ import annotations

from .. import security
from ..model import ERROR, WARNING
from ..rule import Fix, Rule

PLAIN_SECRET = Rule(
    id="plain-secret",
    challenge="3 SQL databases",
    severity=ERROR,
    summary="no secret-looking values in plain environment variables (error)",
    help="Environment variables are plain text to anyone who can read the function's configuration: pass a Secrets Manager ARN and read the secret at run time. Values resolved at package time (e.g. ${ssm:...}) land in the template in plain text.",
    checks="no secret-looking environment variable: a secret-like name (`PASSWORD`, `TOKEN`, `API_KEY`, `AUTH_KEY`, ...; not `_ARN`/`_URL`/`_ENDPOINT`/`_HOST`-style names, which point at things) (also `MYSQL_PWD`, `DB_PASS`) with a literal value (URLs and ARNs are settings, unless the URL holds a password), a value passed through `Fn::ImportValue` or taken from a parameter; in every `Fn::If` branch and through `Fn::Sub`/`Fn::Join`; a credential-shaped value (AWS keys, private keys, tokens, `sk_test_`/`sk_live_` keys, a whole `Basic`/`Bearer` header); or a `{{resolve:secretsmanager:...}}`. A long random-looking literal is said to be one; in a serverless.yml build the message adds that it may have been typed or resolved at package time (`${ssm:...}` copies the value itself into the template)",
    levels="error",
    fixes={
        "": Fix(
            "Store it in Secrets Manager, pass its ARN in `environment:` (e.g. DB_SECRET_ARN) and read it at run time; `${{ssm:...}}` in serverless.yml copies the value itself into the template.",
            "Store it in Secrets Manager, pass its ARN in `Environment: Variables:` (e.g. DB_SECRET_ARN) and read it at run time.",
            "Store it in Secrets Manager, pass its ARN (e.g. DB_SECRET_ARN) and read it at run time.",
        )
    },
    check=security.plain_secret,
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
    check=security.iam_wildcard,
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
    check=security.vpc_without_need,
)
RULES = (
    PLAIN_SECRET,
    IAM_WILDCARD,
    VPC_WITHOUT_NEED,
)
