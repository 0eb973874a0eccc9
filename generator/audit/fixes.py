"""Fix texts as data: one line per rule and per source, in the language the user wrote the service in.

A finding's fix names what to edit: serverless.yml (osls / Serverless Framework), a SAM template.yaml
(``Globals`` where one setting covers every function) or plain CloudFormation. Rules pick an entry by
key and fill in its ``{placeholders}``; no rule branches on the source itself. A serverless.yml without the rails
plugin (``origin.has_rails``) is a fourth source: ``plain_fixes.PLAIN`` replaces the texts that rely on it.
"""

from __future__ import annotations

from typing import NamedTuple

from .model import SERVERLESS, Template
from .origin import has_rails
from .plain_fixes import PLAIN


class Fix(NamedTuple):
    """The same fix said three ways."""

    serverless: str
    sam: str
    cloudformation: str


EXEMPT = "or exempt it with a reason"  # fills {exempt}
FIXES: dict[str, Fix] = {
    "function-timeout": Fix(
        "Set `timeout:` (seconds) on the function in serverless.yml: the longest one invocation may run.",
        "Set `Timeout` on the function (or under `Globals: Function:`) in template.yaml: the longest one invocation may run.",
        "Set `Timeout` (seconds) on the AWS::Lambda::Function: the longest one invocation may run.",
    ),
    "api-timeout": Fix(
        "Set the function's `timeout:` below {limit} s in serverless.yml, or move long work behind a queue.",
        "Set the function's `Timeout` below {limit} s in template.yaml, or move long work behind a queue.",
        "Set the function's `Timeout` below {limit} s, or move long work behind a queue.",
    ),
    "reserved-concurrency": Fix(
        "Set `reservedConcurrency: N` on the function in serverless.yml, {exempt}.",
        "Set `ReservedConcurrentExecutions: N` on the function in template.yaml, {exempt}.",
        "Set `ReservedConcurrentExecutions: N` on the AWS::Lambda::Function, {exempt}.",
    ),
    "concurrency-budget": Fix(
        "Lower `reservedConcurrency` to a total of at most {most} (largest: {top}), or give the account's real limit with --account-concurrency N.",
        "Lower `ReservedConcurrentExecutions` to a total of at most {most} (largest: {top}), or give the account's real limit with --account-concurrency N.",
        "Lower `ReservedConcurrentExecutions` to a total of at most {most} (largest: {top}), or give the account's real limit with --account-concurrency N.",
    ),
    "rest-api-waf": Fix(
        "Set `custom.rails.waf: {{rateLimit: N}}` (slsguard's rails plugin; `slsguard upgrade --set waf=rate-limit` in a generated "
        "project), or add an AWS::WAFv2::WebACL with a rate-based rule and its WebACLAssociation with the stage under `resources:`.",
        "Add an AWS::WAFv2::WebACL with a rate-based rule and an AWS::WAFv2::WebACLAssociation with the API's stage ARN to template.yaml.",
        "Add an AWS::WAFv2::WebACL with a rate-based rule and an AWS::WAFv2::WebACLAssociation with the REST API stage's ARN.",
    ),
    "api-throttling.rest": Fix(
        "Set `provider.apiGateway.usagePlan.throttle` (rateLimit, burstLimit) with `apiKeys` and mark every http event "
        "`private: true`; stage-wide throttling needs a plugin (e.g. serverless-api-gateway-throttling).",
        "Set `MethodSettings: [{{ResourcePath: '/*', HttpMethod: '*', ThrottlingRateLimit: N, ThrottlingBurstLimit: N}}]` "
        "on the AWS::Serverless::Api (or under `Globals: Api:`) in template.yaml.",
        "Set MethodSettings ThrottlingRateLimit and ThrottlingBurstLimit for ResourcePath /* on the AWS::ApiGateway::Stage "
        "(or the Deployment's StageDescription).",
    ),
    "api-throttling.http": Fix(
        "Add `resources.extensions.HttpApiStage.Properties.DefaultRouteSettings` (ThrottlingRateLimit, ThrottlingBurstLimit) "
        "in serverless.yml: `provider.httpApi` has no throttling setting of its own.",
        "Set `DefaultRouteSettings: {{ThrottlingRateLimit: N, ThrottlingBurstLimit: N}}` on the AWS::Serverless::HttpApi "
        "(or under `Globals: HttpApi:`) in template.yaml.",
        "Set DefaultRouteSettings ThrottlingRateLimit and ThrottlingBurstLimit on the AWS::ApiGatewayV2::Stage.",
    ),
    "websocket-throttling": Fix(
        "Add `resources.extensions.WebsocketsDeploymentStage.Properties.DefaultRouteSettings` (ThrottlingRateLimit, "
        "ThrottlingBurstLimit) in serverless.yml.",
        "Set `DefaultRouteSettings` (ThrottlingRateLimit, ThrottlingBurstLimit) on the WebSocket API's AWS::ApiGatewayV2::Stage in template.yaml.",
        "Set DefaultRouteSettings ThrottlingRateLimit and ThrottlingBurstLimit on the WebSocket API's AWS::ApiGatewayV2::Stage.",
    ),
    "rest-unauthenticated": Fix(
        "Give each http event an `authorizer:` or `private: true` (API key) in serverless.yml, {exempt} if the API is public on purpose.",
        "Set `Auth: {{DefaultAuthorizer: ..., ApiKeyRequired: true}}` on the AWS::Serverless::Api (or `Globals: Api:`), {exempt} if public on purpose.",
        "Set AuthorizationType (AWS_IAM, COGNITO_USER_POOLS, CUSTOM) or ApiKeyRequired: true on the method, {exempt} if public on purpose.",
    ),
    "tracing": Fix(
        "Set `provider.tracing.lambda: true` (or `tracing: Active` on the function) in serverless.yml.",
        "Set `Tracing: Active` under `Globals: Function:` (or on the function) in template.yaml.",
        "Set `TracingConfig: {{Mode: Active}}` on the AWS::Lambda::Function.",
    ),
    "log-retention.group": Fix(
        "Set `provider.logRetentionInDays` in serverless.yml (or RetentionInDays on the log group in `resources:`).",
        "Set `RetentionInDays` on the AWS::Logs::LogGroup in template.yaml.",
        "Set `RetentionInDays` on the AWS::Logs::LogGroup.",
    ),
    "log-retention.unmanaged": Fix(
        "Let the framework create the function's log group (do not set `disableLogs`), or add the log group with RetentionInDays.",
        "Add an AWS::Logs::LogGroup named `!Sub /aws/lambda/${{{function}}}` with RetentionInDays (or `LoggingConfig: {{LogGroup: ...}}` "
        "on the function) in template.yaml.",
        "Add an AWS::Logs::LogGroup named `/aws/lambda/<function name>` with RetentionInDays, or point `LoggingConfig.LogGroup` at one.",
    ),
    "plain-secret": Fix(
        "Store it in Secrets Manager, pass its ARN in `environment:` (e.g. DB_SECRET_ARN) and read it at run time; "
        "`${{ssm:...}}` in serverless.yml copies the value itself into the template.",
        "Store it in Secrets Manager, pass its ARN in `Environment: Variables:` (e.g. DB_SECRET_ARN) and read it at run time.",
        "Store it in Secrets Manager, pass its ARN (e.g. DB_SECRET_ARN) and read it at run time.",
    ),
    "iam-wildcard.action": Fix(
        "List the actions the functions call in `provider.iam.role.statements` (e.g. sqs:SendMessage), {exempt}.",
        "Use a SAM policy template (e.g. `SQSSendMessagePolicy`) or list the actions in `Policies:`, {exempt}.",
        "List the actions the functions call (e.g. sqs:SendMessage), {exempt}.",
    ),
    "iam-wildcard.resource": Fix(
        "Name the ARNs (Fn::GetAtt / Fn::Sub) in `provider.iam.role.statements`, {exempt}.",
        "Use a SAM policy template scoped to the resource (e.g. `DynamoDBCrudPolicy: {{TableName: !Ref Table}}`), {exempt}.",
        "Name the ARNs (Fn::GetAtt / Fn::Sub) the functions use, {exempt}.",
    ),
    "vpc-without-need": Fix(
        "Remove `vpc:` from the function (or the provider), or exempt it with the private resource it reaches.",
        "Remove `VpcConfig` from the function (or `Globals: Function:`), or exempt it with the private resource it reaches.",
        "Remove `VpcConfig` from the function, or exempt it with the private resource it reaches.",
    ),
    "database-tls": Fix(
        "Remove the setting from `environment:` in serverless.yml: the generated db module verifies by default "
        "(DB_TLS=verify-full); for a driver of your own use sslmode=verify-full or a CA with host name verification, "
        "and set DB_CA_BUNDLE when the server's CA is not in the shipped bundle.",
        "Remove the setting from the function's `Environment` (or `Globals: Function:`) in template.yaml: keep "
        "DB_TLS=verify-full, use sslmode=verify-full or a CA with host name verification, and set DB_CA_BUNDLE for another CA.",
        "Remove the setting from the AWS::Lambda::Function's Environment: keep DB_TLS=verify-full, use sslmode=verify-full "
        "or a CA with host name verification, and set DB_CA_BUNDLE for another CA.",
    ),
    "errors-alarm": Fix(
        "Keep the rails plugin (`./.serverless_plugins/rails` in `plugins:`, `custom.rails.alarmTopic` set; a generated project has "
        "it): it alarms on every function, also those added by hand or with `slsguard add`. Without it, add an AWS::CloudWatch::Alarm "
        "on AWS/Lambda Errors with Dimensions FunctionName: {{Ref: {function}}} under `resources:`.",
        "Add an AWS::CloudWatch::Alarm (Namespace AWS/Lambda, MetricName Errors, Dimensions FunctionName: !Ref {function}, "
        "AlarmActions: a topic) to template.yaml.",
        "Add an AWS::CloudWatch::Alarm on MetricName Errors (Namespace AWS/Lambda) with Dimensions FunctionName: {{Ref: {function}}} "
        "and an AlarmActions topic.",
    ),
    "queue-visibility": Fix(
        "Set `VisibilityTimeout` to at least {seconds} ({factor} x the consumer's `timeout:`) on the queue under `resources:` in serverless.yml; "
        "`slsguard add NAME --trigger sqs` writes its queue that way.",
        "Set `VisibilityTimeout` to at least {seconds} ({factor} x the consumer's `Timeout`) on the AWS::SQS::Queue in template.yaml.",
        "Set `VisibilityTimeout` to at least {seconds} ({factor} x the consumer's Timeout) on the AWS::SQS::Queue.",
    ),
    "sqs-max-concurrency": Fix(
        "Set the sqs event's `maximumConcurrency:` to at most {reserved} (the function's `reservedConcurrency:`) in serverless.yml, "
        "or raise that; `slsguard add NAME --trigger sqs` writes the two equal.",
        "Set the SQS event's `ScalingConfig: {{MaximumConcurrency: N}}` to at most {reserved} (the function's "
        "`ReservedConcurrentExecutions`) in template.yaml, or raise that.",
        "Set `ScalingConfig.MaximumConcurrency` on the AWS::Lambda::EventSourceMapping to at most {reserved} (the function's "
        "ReservedConcurrentExecutions), or raise that.",
    ),
    "warmer-permission": Fix(
        "Set `custom.rails.warmerRole` (the rails plugin gives that role lambda:InvokeFunction on exactly the functions the warmer "
        "pings, also those added with `slsguard add`), or allow it on `Fn::GetAtt: [{function}, Arn]` in the role named by "
        "`custom.warmup.<warmer>.role`.",
        "Allow `lambda:InvokeFunction` on `!GetAtt {function}.Arn` in the warmer's role in template.yaml (e.g. the "
        "`LambdaInvokePolicy: {{FunctionName: !Ref {function}}}` policy template).",
        "Allow lambda:InvokeFunction on {{Fn::GetAtt: [{function}, Arn]}} in the warmer's role.",
    ),
    "async-failure-destination": Fix(
        "Keep the rails plugin (`./.serverless_plugins/rails` in `plugins:`): it gives every asynchronous function a failure queue "
        "with an alarm. Without it, set `destinations: {{onFailure: <queue ARN>}}` on the function in serverless.yml and alarm on the queue.",
        "Set `DeadLetterQueue: {{Type: SQS, TargetArn: ...}}` or `EventInvokeConfig: {{DestinationConfig: {{OnFailure: ...}}}}` on "
        "the function in template.yaml, with an alarm on that queue.",
        "Set DeadLetterConfig.TargetArn to an SQS queue, or add an AWS::Lambda::EventInvokeConfig with DestinationConfig.OnFailure, "
        "with an alarm on it.",
    ),
    "s3-public": Fix(
        "In `resources:`, remove the public statement (serve through CloudFront with origin access control) and set all four "
        "PublicAccessBlockConfiguration flags to true, {exempt}.",
        "Remove the public statement (serve through CloudFront with origin access control) and set all four "
        "PublicAccessBlockConfiguration flags to true in template.yaml, {exempt}.",
        "Remove the public statement (serve through CloudFront with origin access control) and set all four "
        "PublicAccessBlockConfiguration flags to true, {exempt}.",
    ),
    "rds-public": Fix(
        "Set `PubliclyAccessible: false` on the database in `resources:` and reach it from inside its VPC (or through the Data API).",
        "Set `PubliclyAccessible: false` on the database in template.yaml and reach it from inside its VPC (or through the Data API).",
        "Set `PubliclyAccessible: false` and reach the database from inside its VPC (or through the Data API).",
    ),
    "security-group-open": Fix(
        "In `resources:`, allow the port only from the security groups or address ranges that need it, {exempt}.",
        "In template.yaml, allow the port only from the security groups or address ranges that need it, {exempt}.",
        "Allow the port only from the security groups (SourceSecurityGroupId) or address ranges that need it, {exempt}.",
    ),
    "db-password": Fix(
        "Set `ManageMasterUserPassword: true` (RDS keeps it in Secrets Manager), or `{{{{resolve:secretsmanager:...}}}}`, "
        "instead of a value or `${{ssm:...}}` in serverless.yml.",
        "Set `ManageMasterUserPassword: true` (RDS keeps it in Secrets Manager), or `{{{{resolve:secretsmanager:...}}}}` in template.yaml.",
        "Set `ManageMasterUserPassword: true` (RDS keeps it in Secrets Manager), or `{{{{resolve:secretsmanager:...}}}}`.",
    ),
    "function-url-public": Fix(
        "Set `url: {{authorizer: aws_iam}}` on the function in serverless.yml, or put it behind an API with throttling, {exempt}.",
        "Set `FunctionUrlConfig: {{AuthType: AWS_IAM}}` on the function in template.yaml, or put it behind an API, {exempt}.",
        "Set `AuthType: AWS_IAM` on the AWS::Lambda::Url, or put the function behind an API, {exempt}.",
    ),
    "lambda-permission-public": Fix(
        "In `resources:`, give the AWS::Lambda::Permission a SourceArn or SourceAccount (or PrincipalOrgID), or a principal "
        'of one account or service instead of "*", {exempt}.',
        "Give the AWS::Lambda::Permission in template.yaml a SourceArn or SourceAccount (or PrincipalOrgID), or a principal "
        'of one account or service instead of "*", {exempt}.',
        "Give the AWS::Lambda::Permission a SourceArn or SourceAccount (or PrincipalOrgID), or a principal of one account or "
        'service instead of "*", {exempt}.',
    ),
    "rds-public.default-vpc": Fix(
        "Set `DBSubnetGroupName` (private subnets) and `PubliclyAccessible: false` on the database in `resources:`.",
        "Set `DBSubnetGroupName` (private subnets) and `PubliclyAccessible: false` on the database in template.yaml.",
        "Set `DBSubnetGroupName` (private subnets) and `PubliclyAccessible: false` on the AWS::RDS::DBInstance.",
    ),
    "unprovable": Fix(
        "Write the value in `resources:` as a literal, or give the parameter `AllowedValues` that are all safe, {exempt}.",
        "Write the value in template.yaml as a literal, or give the parameter `AllowedValues` that are all safe, {exempt}.",
        "Write the value as a literal, or give the parameter `AllowedValues` that are all safe, {exempt}.",
    ),
}


def fix(key: str, tpl: Template, **values: object) -> str:
    """The fix for a rule (``key`` is its id, or ``id.variant``) in the language of ``tpl``'s source; a serverless.yml
    without the rails plugin gets the wording of ``plain_fixes`` where the rails one names what it does not have."""
    source = tpl.source
    text = PLAIN[key] if source == SERVERLESS and key in PLAIN and not has_rails(tpl) else getattr(FIXES[key], source)
    return str(text).format(exempt=EXEMPT, **values)
