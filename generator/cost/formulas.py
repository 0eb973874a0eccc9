"""The ceiling's formulas: one function per bill line, each returning the USD per hour and the inputs it used.

Every formula is written once here and documented in docs/cost.md; the model decides the inputs.
Standard library only.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from . import assumptions as A
from .model import API, QUEUE, Api, Function, Service, WebAcl, apis_by_key, bound, invocations_per_s, key
from .prices import Prices

S_PER_HOUR = 3600
MILLION = 1_000_000


class Priced:
    """A priced list of ``items`` (the ceiling, the typical cost): its total per hour and per 30-day month."""

    items: list[Item]

    @property
    def usd_per_hour(self) -> float:
        """The sum of every line."""
        return sum(i.usd_per_hour for i in self.items)

    @property
    def usd_per_month(self) -> float:
        """Per hour times the hours of a 30-day month."""
        return self.usd_per_hour * A.HOURS_PER_MONTH


@dataclass(frozen=True)
class Item:
    """One line of the ceiling: a service's charge for one resource, per hour, with the formula's inputs."""

    service: str
    stack: str
    logical_id: str
    usd_per_hour: float
    inputs: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The JSON view of one item."""
        return {
            "service": self.service,
            "stack": self.stack,
            "logical_id": self.logical_id,
            "usd_per_hour": round(self.usd_per_hour, 6),
            "inputs": self.inputs,
        }


def _gb(fn: Function) -> float:
    return fn.memory_mb / 1024


def lambda_compute(fn: Function, concurrency: float, p: Prices) -> float:
    """concurrency x memory GB x 3,600 s x GB-second price of the architecture."""
    return concurrency * _gb(fn) * S_PER_HOUR * p[f"lambda_gb_second_{fn.architecture}"]


def lambda_provisioned(fn: Function, p: Prices) -> float:
    """provisioned environments x memory GB x 3,600 s x provisioned GB-second price (billed traffic or not)."""
    return fn.provisioned * _gb(fn) * S_PER_HOUR * p[f"lambda_provisioned_gb_second_{fn.architecture}"]


def lambda_snapstart(fn: Function, concurrency: float, p: Prices) -> float:
    """cached versions x memory GB x 3,600 s x cache price + restores per hour x memory GB x restore price."""
    cache = A.SNAPSTART_CACHED_VERSIONS * _gb(fn) * S_PER_HOUR * p["lambda_snapstart_cache_gb_second"]
    restores = concurrency * A.SNAPSTART_RESTORES_PER_ENVIRONMENT_HOUR * _gb(fn) * p["lambda_snapstart_restore_gb"]
    return cache + restores


def per_million(rate_per_s: float, price: float) -> float:
    """requests per second x 3,600 / 1,000,000 x price per million."""
    return rate_per_s * S_PER_HOUR / MILLION * price


def logs(bytes_per_s: float, p: Prices) -> float:
    """bytes per second x 3,600 / 2^30 x ingestion price per GB."""
    return bytes_per_s * S_PER_HOUR / A.GIB * p["logs_ingestion"]


def sqs_requests_per_batch(batch_size: int) -> int:
    """sends (one per message) + one receive + one delete-batch."""
    return batch_size * A.SQS_SENDS_PER_MESSAGE + A.SQS_RECEIVES_PER_BATCH + A.SQS_DELETES_PER_BATCH


def web_acl_fixed(acl: WebAcl, p: Prices) -> float:
    """(web ACL month + rules x rule month) / hours in a month."""
    return (p["waf_web_acl"] + acl.rules * p["waf_rule"]) / A.HOURS_PER_MONTH


def _logs_item(stack: str, logical_id: str, per_s: float, bytes_each: int, rate_name: str, p: Prices) -> Item:
    """The CloudWatch Logs line of anything that writes ``bytes_each`` per event at ``per_s`` events a second."""
    inputs = {rate_name: per_s, "bytes_each": bytes_each}
    return Item("CloudWatch Logs", stack, logical_id, logs(per_s * bytes_each, p), inputs)


def function_items(fn: Function, service: Service, p: Prices) -> Iterator[Item]:
    """Compute, requests, provisioned concurrency, SnapStart, SQS, logs and traces of one function."""
    b = bound(fn, service)
    rate = invocations_per_s(fn, service, b)
    base = {"concurrency": b.concurrency, "concurrency_basis": b.basis, "memory_mb": fn.memory_mb, "timeout_s": fn.timeout_s}
    arch = {"architecture": fn.architecture}
    chosen = {"chosen": list(fn.chosen)} if fn.chosen else {}
    yield Item("Lambda compute", fn.stack, fn.logical_id, lambda_compute(fn, b.concurrency, p), {**base, **arch, **chosen})
    yield Item("Lambda requests", fn.stack, fn.logical_id, per_million(rate, p["lambda_requests"]), {"invocations_per_s": rate})
    if fn.provisioned:
        inputs = {"provisioned": fn.provisioned, "memory_mb": fn.memory_mb, **arch}
        yield Item("Lambda provisioned concurrency", fn.stack, fn.logical_id, lambda_provisioned(fn, p), inputs)
    if fn.snapstart:
        inputs = {
            "concurrency": b.concurrency,
            "memory_mb": fn.memory_mb,
            "restores_per_hour": b.concurrency * A.SNAPSTART_RESTORES_PER_ENVIRONMENT_HOUR,
        }
        yield Item("Lambda SnapStart", fn.stack, fn.logical_id, lambda_snapstart(fn, b.concurrency, p), inputs)
    queues = [t for t in fn.triggers if t.kind == QUEUE]
    for t in queues:
        batches = b.concurrency / fn.timeout_s / len(queues)
        requests = batches * sqs_requests_per_batch(t.batch_size)
        inputs = {"batches_per_s": batches, "batch_size": t.batch_size, "requests_per_s": requests, "queue": t.source}
        yield Item("SQS", fn.stack, fn.logical_id, per_million(requests, p["sqs_requests"]), inputs)
    yield _logs_item(fn.stack, fn.logical_id, rate, A.LOG_BYTES_PER_INVOCATION, "invocations_per_s", p)
    if fn.tracing:
        apis = apis_by_key(service)
        traced_upstream = sum(
            apis[t.source].effective_rate / max(len(apis[t.source].functions), 1)
            for t in fn.triggers
            if t.kind == API and t.source in apis and apis[t.source].tracing
        )
        traces = max(rate - traced_upstream, 0.0) * A.XRAY_SAMPLED
        if traces:
            yield Item("X-Ray", fn.stack, fn.logical_id, per_million(traces, p["xray_traces"]), {"traces_per_s": traces})


def api_items(api: Api, p: Prices, acls: dict[str, WebAcl]) -> Iterator[Item]:
    """Requests at the throttle, WAF inspection of them, access logs and traces of one API."""
    rate = api.effective_rate
    price = p["apigateway_rest_requests"] if api.kind == "rest" else p["apigateway_http_requests"]
    inputs: dict[str, Any] = {"kind": api.kind, "requests_per_s": rate, "throttled": api.rate_per_s is not None}
    if api.basis:
        inputs["chosen"] = list(api.basis)
    service = "API Gateway REST" if api.kind == "rest" else "API Gateway HTTP"
    yield Item(service, api.stack, api.logical_id, per_million(rate, price), inputs)
    for acl_key in api.web_acls:
        acl = acls.get(acl_key)
        if acl is not None:
            yield Item("WAF", api.stack, api.logical_id, per_million(rate, p["waf_requests"]), {"requests_per_s": rate, "web_acl": acl_key})
    if api.access_logs:
        yield _logs_item(api.stack, api.logical_id, rate, A.ACCESS_LOG_BYTES_PER_REQUEST, "requests_per_s", p)
    if api.tracing:
        traces = rate * A.XRAY_SAMPLED
        yield Item("X-Ray", api.stack, api.logical_id, per_million(traces, p["xray_traces"]), {"traces_per_s": traces})


def items(service: Service, p: Prices) -> list[Item]:
    """Every line of the ceiling, functions first, then APIs, then web ACLs' fixed fees."""
    out: list[Item] = []
    for fn in service.functions:
        out.extend(function_items(fn, service, p))
    acls = {key(a.stack, a.logical_id): a for a in service.web_acls}
    for api in service.apis:
        out.extend(api_items(api, p, acls))
    for acl in service.web_acls:
        out.append(Item("WAF", acl.stack, acl.logical_id, web_acl_fixed(acl, p), {"rules": acl.rules}))
    return [i for i in out if i.usd_per_hour > 0 or i.service == "Lambda compute"]


def limited_by_account(service: Service) -> list[dict[str, str]]:
    """Each function and API that only the account limits, with the reason."""
    out = []
    for fn in service.functions:
        b = bound(fn, service)
        if b.account:
            out.append({"stack": fn.stack, "logical_id": fn.logical_id, "reason": b.account})
    for api in service.apis:
        if api.rate_per_s is None:
            out.append(
                {
                    "stack": api.stack,
                    "logical_id": api.logical_id,
                    "reason": f"{api.kind.upper()} API without a stage throttle: priced at the account's API Gateway limit of {api.effective_rate:,.0f} requests/s",
                }
            )
    return out
