"""Fix texts for a serverless.yml without the rails plugin (a service slsguard did not generate, or adopted without
``--rails``): the same keys as ``fixes.FIXES``, only where its serverless.yml text relies on what a generated project
has (the rails plugin, ``custom.rails``, ``slsguard add``, the generated db module).

Each says what to write in the service's own serverless.yml, and where the rails would do it for every function,
that ``slsguard init --rails`` offers them. ``{placeholders}`` are the ones the rule fills in for ``fixes.FIXES``.
"""

from __future__ import annotations

INIT_RAILS = "`slsguard init --rails` offers the rails plugin, which does this for every function, also those added later"
PLAIN: dict[str, str] = {
    "rest-api-waf": (
        "Add an AWS::WAFv2::WebACL with a rate-based rule and an AWS::WAFv2::WebACLAssociation with the REST API stage's ARN "
        "under `resources:` in serverless.yml; `slsguard init --rails` offers the rails plugin, whose web ACL does this."
    ),
    "errors-alarm": (
        "Add an AWS::CloudWatch::Alarm on AWS/Lambda Errors with Dimensions FunctionName: {{Ref: {function}}} and an AlarmActions "
        "topic under `resources:` in serverless.yml; " + INIT_RAILS + "."
    ),
    "warmer-permission": (
        "Allow lambda:InvokeFunction on `Fn::GetAtt: [{function}, Arn]` in the role named by `custom.warmup.<warmer>.role` "
        "(under `resources:` in serverless.yml), or leave `role` out so serverless-plugin-warmup makes one that may."
    ),
    "async-failure-destination": (
        "Set `destinations: {{onFailure: <queue ARN>}}` on the function in serverless.yml (the queue under `resources:`) and alarm "
        "on the queue; " + INIT_RAILS + "."
    ),
    "queue-visibility": (
        "Set `VisibilityTimeout` to at least {seconds} ({factor} x the consumer's `timeout:`) on the queue under `resources:` "
        "in serverless.yml."
    ),
    "sqs-max-concurrency": (
        "Set the sqs event's `maximumConcurrency:` to at most {reserved} (the function's `reservedConcurrency:`) in serverless.yml, "
        "or raise that."
    ),
    "api-throttling.rest": (
        "Set `provider.apiGateway.usagePlan.throttle` (rateLimit, burstLimit) with `apiKeys` and every http event `private: true` "
        "in serverless.yml; " + INIT_RAILS + "."
    ),
    "api-throttling.unproven": (
        "Give the parameter AllowedValues that are all above 0, or Type: Number with MinValue: 1 (in `resources:`), or write the "
        "throttle as a number in serverless.yml (`provider.apiGateway.usagePlan.throttle`, or DefaultRouteSettings under "
        "`resources.extensions`)."
    ),
    "stateful-retention": (
        "Add `DeletionPolicy: {policy}` and `UpdateReplacePolicy: {policy}` to {resource} under `resources.Resources` in "
        "serverless.yml (beside `Type`); " + INIT_RAILS + "."
    ),
    "http-api-unauthenticated": (
        "Give each httpApi event an `authorizer:` (a JWT authorizer under `provider.httpApi.authorizers`, or `type: aws_iam`) in "
        "serverless.yml, {exempt} if the route is public on purpose; " + INIT_RAILS + "."
    ),
    "jwt-issuer-http": "Set the authorizer's `issuerUrl` under `provider.httpApi.authorizers` in serverless.yml to the issuer's https URL.",
    "rest-unauthenticated.key-only": (
        "Give each http event an `authorizer:` (COGNITO_USER_POOLS with the pool's ARN, or aws_iam) besides `private: true` in "
        "serverless.yml, {exempt} if a shared key is all this API needs; " + INIT_RAILS + "."
    ),
    "database-tls": (
        "Remove the setting from `environment:` in serverless.yml and verify the server: sslmode=verify-full (PostgreSQL) or "
        "a CA with host name verification (MySQL drivers), with the RDS CA bundle (or your CA's) as the root."
    ),
}
