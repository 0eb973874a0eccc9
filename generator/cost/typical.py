"""What the same service costs at a modest, stated traffic: the number to read next to the ceiling.

The ceiling (``slsguard cost``) is a worst case, not a bill: every entry point driven to its cap and every function
running to its timeout at its concurrency, hour after hour. This prices the same model (functions, APIs, web ACLs)
with the same price table at the traffic ``TRAFFIC`` states, so the two numbers can stand side by side. Fixed fees
(provisioned concurrency, the WAF web ACL and its rules, SnapStart's cache) are counted in full; the free tiers are not.
Standard library only (the summary and the post-generation hook price answers with it).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from . import assumptions as A
from . import formulas as F
from .model import API, AUTHORIZER, QUEUE, SCHEDULE, Function, Service, apis_by_key, key
from .prices import Prices

REQUESTS_PER_S = 1.0  # per API, shared by the functions behind it
MESSAGES_PER_S = 1.0  # per queue a function consumes
DURATION_S = 0.1  # per invocation: the generated handlers answer in milliseconds when warm; 100 ms leaves room
IDLE_POLLS_PER_S = 5 / 20  # Lambda polls each queue with 5 long polls of up to 20 s, messages or not
SQS_REQUESTS_PER_MESSAGE = 3  # at this rate a batch holds one message: its send, the receive and the delete

TRAFFIC = f"{REQUESTS_PER_S:g} request/s per API and {MESSAGES_PER_S:g} message/s per queue, {DURATION_S * 1000:.0f} ms each"


@dataclass(frozen=True)
class Typical(F.Priced):
    """The service's cost per hour at ``TRAFFIC``, line by line."""

    items: list[F.Item]


def _rate(fn: Function, service: Service) -> float:
    """Invocations per second of one function at ``TRAFFIC``; triggers nothing caps (S3, SNS, ...) count as none."""
    apis = apis_by_key(service)
    rate = 0.0
    for t in fn.triggers:
        if t.kind == API and t.source in apis:
            rate += REQUESTS_PER_S / max(len(apis[t.source].functions), 1)
        elif t.kind == AUTHORIZER and t.source in apis:
            rate += REQUESTS_PER_S
        elif t.kind == QUEUE:
            rate += MESSAGES_PER_S
        elif t.kind == SCHEDULE and t.rate_per_s is not None:
            rate += t.rate_per_s
    return rate


def _function_items(fn: Function, service: Service, p: Prices) -> Iterator[F.Item]:
    rate = _rate(fn, service)
    busy = rate * DURATION_S  # environments busy on average: the GB-seconds billed per second
    yield F.Item("Lambda compute", fn.stack, fn.logical_id, F.lambda_compute(fn, busy, p), {"invocations_per_s": rate})
    yield F.Item("Lambda requests", fn.stack, fn.logical_id, F.per_million(rate, p["lambda_requests"]), {"invocations_per_s": rate})
    if fn.provisioned:
        yield F.Item(
            "Lambda provisioned concurrency", fn.stack, fn.logical_id, F.lambda_provisioned(fn, p), {"provisioned": fn.provisioned}
        )
    if fn.snapstart:
        yield F.Item("Lambda SnapStart", fn.stack, fn.logical_id, F.lambda_snapstart(fn, 1, p), {"environments": 1})
    for t in fn.triggers:
        if t.kind == QUEUE:
            requests = MESSAGES_PER_S * SQS_REQUESTS_PER_MESSAGE + IDLE_POLLS_PER_S
            yield F.Item("SQS", fn.stack, fn.logical_id, F.per_million(requests, p["sqs_requests"]), {"requests_per_s": requests})
    yield F.Item("CloudWatch Logs", fn.stack, fn.logical_id, F.logs(rate * A.LOG_BYTES_PER_INVOCATION, p), {"invocations_per_s": rate})
    if fn.tracing:
        yield F.Item("X-Ray", fn.stack, fn.logical_id, F.per_million(rate * A.XRAY_SAMPLED, p["xray_traces"]), {"traces_per_s": rate})


def price(service: Service, p: Prices) -> Typical:
    """The service at ``TRAFFIC``: the ceiling's model and formulas, fed ordinary rates instead of the caps."""
    out: list[F.Item] = []
    for fn in service.functions:
        out.extend(_function_items(fn, service, p))
    acls = {key(a.stack, a.logical_id): a for a in service.web_acls}
    for api in service.apis:
        price_per_million = p["apigateway_rest_requests"] if api.kind == "rest" else p["apigateway_http_requests"]
        out.append(F.Item(f"API Gateway {api.kind.upper()}", api.stack, api.logical_id, F.per_million(REQUESTS_PER_S, price_per_million)))
        if any(k in acls for k in api.web_acls):
            out.append(F.Item("WAF", api.stack, api.logical_id, F.per_million(REQUESTS_PER_S, p["waf_requests"])))
        if api.access_logs:
            out.append(F.Item("CloudWatch Logs", api.stack, api.logical_id, F.logs(REQUESTS_PER_S * A.ACCESS_LOG_BYTES_PER_REQUEST, p)))
    out += [F.Item("WAF", acl.stack, acl.logical_id, F.web_acl_fixed(acl, p), {"rules": acl.rules}) for acl in service.web_acls]
    return Typical([i for i in out if i.usd_per_hour > 0])


def of_answers(answers: Mapping[str, Any]) -> Typical:
    """The service a complete answer set generates, at ``TRAFFIC``; UserError when its region has no price table."""
    from . import prices
    from .from_answers import build

    return price(build(answers), prices.load(str(answers["aws_region"])))
