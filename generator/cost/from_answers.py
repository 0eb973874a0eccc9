"""Build the cost model from wizard answers, without packaging: the same objects the templates give.

Mirrors what the template compiles to (serverless.yml): an ``api`` function behind a REST or HTTP API
throttled at ``throttle_rate``, a ``worker`` SQS consumer, and with ``cold_start=warmer`` the warm-up
function. Logical ids are the framework's; only the labels in the summary use them. Standard library only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..answers import limits, rules, values
from .model import API, QUEUE, SCHEDULE, Api, Function, Service, Trigger, WebAcl, key

WARMER_MEMORY_MB = 128  # custom.warmup.default.memorySize in the template
WARMER_TIMEOUT_S = 10  # custom.warmup.default.timeout
WARMER_RATE_PER_S = 1 / 300  # rate(5 minutes)
WORKER_BATCH_SIZE = limits.SQS_QUEUE_PAIR["batch_size"]  # functions.worker.events[0].sqs.batchSize


WAF_RULES = 3  # the rails plugin's web ACL: per-IP rate rule, AWS common and known-bad-inputs rule groups


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() in values.TRUE_WORDS


def build(answers: Mapping[str, Any]) -> Service:
    """The service a complete answer set generates."""
    memory, timeout = int(answers["memory_size"]), int(answers["function_timeout"])
    reserved, arch = int(answers["reserved_concurrency"]), str(answers["architecture"])
    tracing, api_kind = _truthy(answers["tracing"]), str(answers["api"])
    cold = str(answers.get("cold_start", "none")) if api_kind != "none" else "none"
    functions: list[Function] = []
    apis: list[Api] = []
    acls: list[WebAcl] = []
    if api_kind != "none":
        api = Api("root", "ApiGatewayRestApi" if api_kind == "rest" else "HttpApi", api_kind, float(answers["throttle_rate"]))
        api.tracing = tracing and api_kind == "rest"
        api.access_logs = api_kind == "http"
        api.functions.append("ApiLambdaFunction")
        apis.append(api)
        if api_kind == "rest" and answers.get("waf") == "rate-limit":
            acls.append(WebAcl("root", "WebAcl", WAF_RULES))
            api.web_acls.append(key("root", "WebAcl"))
        functions.append(
            Function(
                "root",
                "ApiLambdaFunction",
                memory,
                timeout,
                arch,
                reserved,
                provisioned=rules.PROVISIONED_CONCURRENCY if cold == "provisioned" else 0,
                snapstart=cold == "snapstart",
                tracing=tracing,
                triggers=[Trigger(API, api.logical_id)],
            )
        )
    queue = Trigger(QUEUE, "WorkQueue", reserved if reserved >= 2 else None, None, WORKER_BATCH_SIZE)
    functions.append(Function("root", "WorkerLambdaFunction", memory, timeout, arch, reserved, tracing=tracing, triggers=[queue]))
    if cold == "warmer":
        warm = Trigger(SCHEDULE, "WarmUpSchedule", None, WARMER_RATE_PER_S)
        functions.append(
            Function(
                "root",
                "WarmUpPluginDefaultLambdaFunction",
                WARMER_MEMORY_MB,
                WARMER_TIMEOUT_S,
                arch,
                rules.WARMER_RESERVED_CONCURRENCY,
                tracing=tracing,  # provider.tracing.lambda applies to the warm-up function too
                triggers=[warm],
            )
        )
    return Service(functions, apis, acls, int(answers["account_concurrency"]))
