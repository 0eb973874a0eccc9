"""The objects the ceiling is computed from: functions with their triggers, APIs with their throttles, web ACLs.

Built from compiled templates (``from_templates``) or from wizard answers (``from_answers``); both feed
the same bounds here and the same formulas in ``formulas``, so the summary and ``slsguard cost`` agree.
Standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..answers import limits

API = "api"
QUEUE = "queue"
SCHEDULE = "schedule"
AUTHORIZER = "authorizer"  # a Lambda authorizer of an API: invoked on every request it does not have cached
OTHER = "other"  # a trigger whose rate nothing in the templates caps (S3, SNS, another account, ...)


@dataclass(frozen=True)
class Trigger:
    """One event source of a function: an API, a queue mapping, a schedule, or something uncapped."""

    kind: str
    source: str  # the API's or queue's logical id, the rule id, or the invoking principal
    max_concurrency: int | None = None  # an event source mapping's ScalingConfig.MaximumConcurrency
    rate_per_s: float | None = None  # a schedule's rate
    batch_size: int = 10


@dataclass
class Function:
    """One Lambda function as billed: memory, timeout, architecture, reservations and triggers."""

    stack: str
    logical_id: str
    memory_mb: int
    timeout_s: int
    architecture: str = "x86_64"
    reserved: int | None = None
    provisioned: int = 0
    snapstart: bool = False
    tracing: bool = False
    triggers: list[Trigger] = field(default_factory=list)
    chosen: list[str] = field(default_factory=list)  # which branch or parameter gave a priced value ("MemorySize 3008 when Big is true")


@dataclass
class Api:
    """One API Gateway API: its kind (rest/http), the sum of its stages' throttles, the functions behind it."""

    stack: str
    logical_id: str
    kind: str  # "rest" | "http"
    rate_per_s: float | None  # None: no stage throttle, only the account's API Gateway limit
    tracing: bool = False
    access_logs: bool = False
    functions: list[str] = field(default_factory=list)  # Function.logical_id, stack-qualified by key()
    web_acls: list[str] = field(default_factory=list)
    basis: list[str] = field(default_factory=list)  # which branch or parameter gave each stage's rate

    @property
    def effective_rate(self) -> float:
        """The rate a flood reaches: the throttle, else the account's API Gateway limit."""
        return self.rate_per_s if self.rate_per_s is not None else float(limits.API_ACCOUNT_THROTTLE_RPS)


@dataclass
class WebAcl:
    """A WAF web ACL: billed per month, per rule and per request it inspects."""

    stack: str
    logical_id: str
    rules: int


@dataclass
class Service:
    """Everything the ceiling needs, plus the account's concurrency limit."""

    functions: list[Function]
    apis: list[Api]
    web_acls: list[WebAcl]
    account_concurrency: int
    unbounded: list[dict[str, str]] = field(default_factory=list)  # values only the deployer bounds, priced at AWS's maximum


@dataclass(frozen=True)
class Bound:
    """How many copies of a function can run at once, and why; ``account`` says why only the account limits it."""

    concurrency: float
    basis: str
    account: str | None = None


def key(stack: str, logical_id: str) -> str:
    """How a resource is named across stacks."""
    return logical_id if stack == "root" else f"{stack}/{logical_id}"


def unreserved(service: Service) -> int:
    """The account's concurrency that no function reserves: the pool unreserved functions share."""
    return max(service.account_concurrency - sum(f.reserved or 0 for f in service.functions), 0)


def apis_by_key(service: Service) -> dict[str, Api]:
    """The service's APIs by stack-qualified logical id."""
    return {key(a.stack, a.logical_id): a for a in service.apis}


def bound(fn: Function, service: Service) -> Bound:
    """Reserved concurrency; else the sum of what its triggers allow; else the account's unreserved pool (flagged)."""
    if fn.reserved is not None:
        return Bound(float(fn.reserved), f"reserved concurrency {fn.reserved}")
    pool = unreserved(service)
    if not fn.triggers:
        return Bound(float(pool), f"account unreserved {pool}", "no reserved concurrency and no trigger that caps it")
    apis = apis_by_key(service)
    total, parts = 0.0, []
    for t in fn.triggers:
        if t.kind == QUEUE and t.max_concurrency is not None:
            total += t.max_concurrency
            parts.append(f"{t.source} MaximumConcurrency {t.max_concurrency}")
        elif t.kind in (API, AUTHORIZER) and t.source in apis and apis[t.source].rate_per_s is not None:
            rate = apis[t.source].rate_per_s or 0.0
            total += rate * fn.timeout_s
            parts.append(f"{t.source} throttle {rate:g}/s x timeout {fn.timeout_s} s")
        elif t.kind == SCHEDULE and t.rate_per_s is not None:
            total += t.rate_per_s * fn.timeout_s
            parts.append(f"{t.source} schedule {t.rate_per_s:g}/s x timeout {fn.timeout_s} s")
        else:
            what = (
                "API without a throttle"
                if t.kind in (API, AUTHORIZER)
                else "queue without MaximumConcurrency"
                if t.kind == QUEUE
                else t.source
            )
            return Bound(float(pool), f"account unreserved {pool}", f"no reserved concurrency and its trigger ({what}) has no cap")
    if total > pool:
        return Bound(float(pool), f"account unreserved {pool} (below {' + '.join(parts)})")
    return Bound(total, " + ".join(parts))


def invocations_per_s(fn: Function, service: Service, b: Bound) -> float:
    """API triggers: the function's share of each API's rate; a Lambda authorizer: all of it; schedules: their rate;
    anything else: concurrency / timeout."""
    apis = apis_by_key(service)
    rate = 0.0
    paced = not fn.triggers
    for t in fn.triggers:
        if t.kind == API and t.source in apis:
            api = apis[t.source]
            rate += api.effective_rate / max(len(api.functions), 1)
        elif t.kind == AUTHORIZER and t.source in apis:
            rate += apis[t.source].effective_rate  # every request of the flood, none cached (a flood varies its tokens)
        elif t.kind == SCHEDULE and t.rate_per_s is not None:
            rate += t.rate_per_s
        else:
            paced = True
    if paced:
        rate += b.concurrency / fn.timeout_s
    return rate
