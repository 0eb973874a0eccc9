"""AWS service limits that slsguard's rules and audit enforce, each with its source.

Numbers as of late 2026; see docs/facts.md for what the 2023 advice got wrong.
"""

from __future__ import annotations

# Lambda (docs: gettingstarted-limits, API_PutFunctionConcurrency)
LAMBDA_MIN_TIMEOUT_S = 1
LAMBDA_MAX_TIMEOUT_S = 900
LAMBDA_DEFAULT_TIMEOUT_S = 3  # what Lambda uses when a function's Timeout is absent
LAMBDA_MIN_MEMORY_MB = 128
LAMBDA_MAX_MEMORY_MB = 10_240
LAMBDA_DEFAULT_ACCOUNT_CONCURRENCY = 1_000
LAMBDA_UNRESERVED_MINIMUM = 100  # at least 100 must stay unreserved per account and region
LAMBDA_FUNCTION_NAME_MAX = 64
LAMBDA_SYNC_PAYLOAD_BYTES = 6 * 1024 * 1024
LAMBDA_MAX_LAYERS = 5

# SQS as a Lambda event source (Lambda developer guide, with-sqs; SQS CreateQueue): a queue hides a received
# message for its visibility timeout, which should be at least 6 x the consumer's timeout; 30 s when not set.
SQS_VISIBILITY_TIMEOUT_FACTOR = 6
SQS_DEFAULT_VISIBILITY_TIMEOUT_S = 30

# The queue pair every SQS function gets: the template's WorkQueue and each queue `slsguard add --trigger sqs` writes.
# One table: generator/cookiecutter_json.py writes it into cookiecutter.json as `_sqs` (plain cookiecutter reads it
# there), templates/sqs/queue_pair.yml renders it for both, and add reads it here.
SQS_QUEUE_PAIR = {
    "visibility_factor": SQS_VISIBILITY_TIMEOUT_FACTOR,
    "retention_s": 4 * 24 * 3600,  # SQS default, 4 days
    "max_receive_count": 5,  # receives before a message moves to the dead-letter queue
    "dead_letter_retention_s": 14 * 24 * 3600,  # SQS maximum, 14 days: time to inspect and redrive
    "batch_size": 10,  # messages per invocation (the Lambda default for SQS)
}

# IAM (docs: reference_iam-quotas): role names are at most 64 characters.
IAM_ROLE_NAME_MAX = 64

# API Gateway (docs: limits, http-api-vs-rest)
REST_API_MAX_INTEGRATION_TIMEOUT_S = 29  # default; regional REST APIs may raise it at a throttle cost
HTTP_API_MAX_INTEGRATION_TIMEOUT_S = 30  # hard limit, not raisable
WEBSOCKET_API_MAX_INTEGRATION_TIMEOUT_S = 29  # WebSocket APIs (API Gateway v2) keep the 29 s limit
API_ACCOUNT_THROTTLE_RPS = 10_000
API_ACCOUNT_THROTTLE_BURST = 5_000

# AWS WAF (docs: waf-rule-statement-type-rate-based): a rate-based rule's limit and evaluation window.
WAF_RATE_LIMIT_MIN = 10
WAF_RATE_LIMIT_MAX = 2_000_000_000
WAF_RATE_WINDOW_S = 300  # the default window; 60, 120, 300 or 600 s are accepted

# CloudFormation (docs: cloudformation-limits)
CFN_MAX_RESOURCES = 500
CFN_MAX_OUTPUTS = 200
CFN_MAX_PARAMETERS = 200
CFN_MAX_MAPPINGS = 200
CFN_MAX_BODY_INLINE_BYTES = 51_200
CFN_MAX_BODY_S3_BYTES = 1_000_000  # 1 MB
CFN_RESOURCE_WARNING_RATIO = 0.8
CFN_MAX_NESTED_OPERATION_RESOURCES = 2_500  # resources in one stack operation, root plus nested stacks

# CloudWatch Logs (API_PutRetentionPolicy): the only values retentionInDays accepts.
LOG_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545,
    731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip

# The longest stage name the generated project documents; names are checked against it.
LONGEST_STAGE = "production"
