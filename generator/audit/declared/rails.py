"""The rails family's rules (what the rails plugin adds to every function); the checks are in generator/audit/rails.py."""

from __future__ import annotations

from .. import rails
from ..model import ERROR
from ..rule import Fix, Rule

ERRORS_ALARM = Rule(
    id="errors-alarm",
    challenge="2 observability",
    severity=ERROR,
    summary="every function but the warmer has an AWS/Lambda Errors alarm (error)",
    help="A function that fails with no Errors alarm on it fails silently: nobody is told until a user complains.",
    checks="every function has an `AWS/Lambda` `Errors` alarm whose `FunctionName` dimension names it (by `Ref`, through nested stacks, or literally; metric-math alarms count); the warmer (a lost ping costs nothing) and the framework's `CustomDashresource...` function (deploy-time only) are excepted; skipped while a nested stack is unaudited (its alarm may be there)",
    levels="error",
    fixes={
        "": Fix(
            "Keep the rails plugin (`./.serverless_plugins/rails` in `plugins:`, `custom.rails.alarmTopic` set; a generated project has it): it alarms on every function, also those added by hand or with `slsguard add`. Without it, add an AWS::CloudWatch::Alarm on AWS/Lambda Errors with Dimensions FunctionName: {{Ref: {function}}} under `resources:`.",
            "Add an AWS::CloudWatch::Alarm (Namespace AWS/Lambda, MetricName Errors, Dimensions FunctionName: !Ref {function}, AlarmActions: a topic) to template.yaml.",
            "Add an AWS::CloudWatch::Alarm on MetricName Errors (Namespace AWS/Lambda) with Dimensions FunctionName: {{Ref: {function}}} and an AlarmActions topic.",
        )
    },
    check=rails.errors_alarm,
)

QUEUE_VISIBILITY = Rule(
    id="queue-visibility",
    challenge="4 wallet attack",
    severity=ERROR,
    summary="an SQS queue's VisibilityTimeout is at least 6 x its consumer's timeout (error)",
    help="A batch still being processed when the visibility timeout ends is delivered again: processed twice and billed twice.",
    checks="an SQS queue feeding a function through an event source mapping has `VisibilityTimeout` (SQS default 30 s) at least 6 x that function's `Timeout` (Lambda default 3 s)",
    levels="error",
    fixes={
        "": Fix(
            "Set `VisibilityTimeout` to at least {seconds} ({factor} x the consumer's `timeout:`) on the queue under `resources:` in serverless.yml; `slsguard add NAME --trigger sqs` writes its queue that way.",
            "Set `VisibilityTimeout` to at least {seconds} ({factor} x the consumer's `Timeout`) on the AWS::SQS::Queue in template.yaml.",
            "Set `VisibilityTimeout` to at least {seconds} ({factor} x the consumer's Timeout) on the AWS::SQS::Queue.",
        )
    },
    check=rails.queue_visibility,
)

SQS_MAX_CONCURRENCY = Rule(
    id="sqs-max-concurrency",
    challenge="4 wallet attack",
    severity=ERROR,
    summary="an SQS event source's MaximumConcurrency is at most its consumer's reserved concurrency (error)",
    help="Pollers above the reserved concurrency are throttled and their batches go back to the queue, towards the dead-letter queue.",
    checks="an SQS event source mapping's `ScalingConfig.MaximumConcurrency` is at most its function's `ReservedConcurrentExecutions`",
    levels="error",
    fixes={
        "": Fix(
            "Set the sqs event's `maximumConcurrency:` to at most {reserved} (the function's `reservedConcurrency:`) in serverless.yml, or raise that; `slsguard add NAME --trigger sqs` writes the two equal.",
            "Set the SQS event's `ScalingConfig: {{MaximumConcurrency: N}}` to at most {reserved} (the function's `ReservedConcurrentExecutions`) in template.yaml, or raise that.",
            "Set `ScalingConfig.MaximumConcurrency` on the AWS::Lambda::EventSourceMapping to at most {reserved} (the function's ReservedConcurrentExecutions), or raise that.",
        )
    },
    check=rails.sqs_max_concurrency,
)

WARMER_PERMISSION = Rule(
    id="warmer-permission",
    challenge="1 cold start",
    severity=ERROR,
    summary="the warmer's role may invoke every function it pings (error)",
    help="A ping the warmer's role may not send is refused by IAM every round: the function is never warmed and nothing reports it.",
    checks="the warmer's role (inline policies and attached `AWS::IAM::Policy`) allows `lambda:InvokeFunction` (wildcards honoured) on every function it pings (targets from its code artifact), by reference, `*`, or a literal / `Fn::Sub` ARN",
    levels="error",
    fixes={
        "": Fix(
            "Set `custom.rails.warmerRole` (the rails plugin gives that role lambda:InvokeFunction on exactly the functions the warmer pings, also those added with `slsguard add`), or allow it on `Fn::GetAtt: [{function}, Arn]` in the role named by `custom.warmup.<warmer>.role`.",
            "Allow `lambda:InvokeFunction` on `!GetAtt {function}.Arn` in the warmer's role in template.yaml (e.g. the `LambdaInvokePolicy: {{FunctionName: !Ref {function}}}` policy template).",
            "Allow lambda:InvokeFunction on {{Fn::GetAtt: [{function}, Arn]}} in the warmer's role.",
        )
    },
    check=rails.warmer_permission,
)

ASYNC_FAILURE_DESTINATION = Rule(
    id="async-failure-destination",
    challenge="2 observability",
    severity=ERROR,
    summary="an asynchronously invoked function has a DeadLetterConfig or an OnFailure destination (error)",
    help="After its retries an asynchronous event that failed is dropped unless a dead-letter queue or OnFailure destination keeps it.",
    checks="a function invoked asynchronously (an EventBridge rule or schedule target, an SNS subscription, an S3 notification, or a `Lambda::Permission` for events, sns, s3, ses, iot, logs, ...) has `DeadLetterConfig.TargetArn` or an `EventInvokeConfig` with `OnFailure`; synchronous-only functions and the warmer are not asked; skipped while a nested stack is unaudited",
    levels="error",
    fixes={
        "": Fix(
            "Keep the rails plugin (`./.serverless_plugins/rails` in `plugins:`): it gives every asynchronous function a failure queue with an alarm. Without it, set `destinations: {{onFailure: <queue ARN>}}` on the function in serverless.yml and alarm on the queue.",
            "Set `DeadLetterQueue: {{Type: SQS, TargetArn: ...}}` or `EventInvokeConfig: {{DestinationConfig: {{OnFailure: ...}}}}` on the function in template.yaml, with an alarm on that queue.",
            "Set DeadLetterConfig.TargetArn to an SQS queue, or add an AWS::Lambda::EventInvokeConfig with DestinationConfig.OnFailure, with an alarm on it.",
        )
    },
    check=rails.async_failure_destination,
)
RULES = (
    ERRORS_ALARM,
    QUEUE_VISIBILITY,
    SQS_MAX_CONCURRENCY,
    WARMER_PERMISSION,
    ASYNC_FAILURE_DESTINATION,
)
