"""What the ceiling assumes where a template says nothing: named constants, each printed with the result.

Standard library only (the summary and the post-generation hook price answers with it).
"""

from __future__ import annotations

HOURS_PER_MONTH = 720  # a 30-day month
GIB = 1024**3  # CloudWatch Logs bills ingestion per GB of 2^30 bytes
LOG_BYTES_PER_INVOCATION = 2048  # START/END/REPORT lines (~300 B) plus a few structured log lines
ACCESS_LOG_BYTES_PER_REQUEST = 512  # one JSON access-log line per API request, when the stage logs access
SQS_RECEIVES_PER_BATCH = 1  # the poller's ReceiveMessage that returned the batch
SQS_DELETES_PER_BATCH = 1  # one DeleteMessageBatch per batch (ReportBatchItemFailures keeps failures)
SQS_SENDS_PER_MESSAGE = 1  # the producer sends each message with its own SendMessage
XRAY_SAMPLED = 1.0  # every traced request recorded: sampling rules can be set to 100 %
SNAPSTART_RESTORES_PER_ENVIRONMENT_HOUR = 1  # each concurrent environment restores once an hour
SNAPSTART_CACHED_VERSIONS = 1  # the function's latest published version is cached
CRON_RATE_PER_S = 1 / 60  # a cron() schedule fires at most once a minute
DEFAULT_BATCH_SIZE = 10  # SQS event source mapping's default BatchSize

TEXT = (
    f"every function runs each invocation to its timeout at its concurrency; a month is {HOURS_PER_MONTH} hours",
    f"Lambda logs {LOG_BYTES_PER_INVOCATION} B per invocation; API access logs {ACCESS_LOG_BYTES_PER_REQUEST} B per request where enabled",
    "an SQS batch costs one send per message, one receive and one delete-batch request (64 KB messages or smaller)",
    "X-Ray records every request of a traced API or function (sampling at 100 %)",
    "functions limited only by the account are each priced at the whole unreserved pool (they share it)",
    "left out: data transfer, NAT gateways, storage that grows (logs kept, S3, queues), free tiers, volume discounts",
)
