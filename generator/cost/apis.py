"""What a flood can send through each API: the largest throttle of every live stage, summed (``generator/cfn/stages.py``).

A stage without a throttle in any branch leaves the API limited only by the account. Without any throttled stage a
REST API's usage plans still cap requests that carry their keys (each key gets the plan's rate).
"""

from __future__ import annotations

from typing import Any

from ..answers import limits
from ..cfn import refs, stages
from ..cfn.stages import Resources
from ..cfn.template import Template, props
from ..cfn.values import ABSENT, Possible, items, possible
from .largest import Picked, pick
from .model import Api

ACCOUNT_RPS = float(limits.API_ACCOUNT_THROTTLE_RPS)
Ref = refs.Ref


def _label(api: Ref) -> str:
    stack, lid = api[0].name, api[1]
    return lid if stack == "root" else f"{stack}/{lid}"


def _stages_rate(api: Ref, found: list[stages.Stage], flags: list[dict[str, str]]) -> tuple[float | None, list[str]]:
    """The sum of every live stage's largest rate, and what decided each; None when one stage is unthrottled in some branch."""
    if not found:
        return None, []
    total, basis = 0.0, []
    for stage in found:
        rates = [Possible(t.rate, t.because) for t in stage.throttles]
        picked: Picked = pick(rates, _label(api), f"stage {stage.name} ThrottlingRateLimit", ACCOUNT_RPS, None)
        if picked.value is None:
            return None, [f"stage {stage.name} unthrottled" + (f" ({picked.because})" if picked.because else "")]
        if picked.unbounded:
            flags.append({"stack": api[0].name, "logical_id": api[1], "reason": picked.unbounded})
        total += picked.value
        if picked.because:
            basis.append(f"stage {stage.name} {picked.value:g}/s: {picked.because}")
    return total, basis


def _usage_plan_rate(index: Resources, api: Ref, flags: list[dict[str, str]]) -> float | None:
    """Usage plans throttle per API key: the plan's largest rate times its keys, summed; None when one plan has no throttle."""
    total = None
    for tpl, lid, plan in index.of_type("AWS::ApiGateway::UsagePlan"):
        p = props(plan)
        entries = [e.value for _i, e in items(p.get("ApiStages"), tpl) if isinstance(e.value, dict)]
        if not any(refs.points_to(e.get("ApiId"), tpl, api) for e in entries):
            continue
        found = [
            Possible(v.value.get("RateLimit", ABSENT) if isinstance(v.value, dict) else v.value, v.because)
            for v in possible(p.get("Throttle"), tpl)
        ]
        picked = pick(found, _label((tpl, lid)), "Throttle.RateLimit", ACCOUNT_RPS, None)
        if picked.value is None:
            return None  # a plan without a throttle lets its keys call at any rate: only the account limits the API
        if picked.unbounded:
            flags.append({"stack": tpl.name, "logical_id": lid, "reason": picked.unbounded})
        keys = sum(
            1 for t, _l, k in index.of_type("AWS::ApiGateway::UsagePlanKey") if refs.points_to(props(k).get("UsagePlanId"), t, (tpl, lid))
        )
        total = (total or 0.0) + picked.value * max(keys, 1)
    return total


def rest_api(index: Resources, tpl: Template, lid: str, flags: list[dict[str, str]]) -> Api:
    """A REST API as billed: its live stages' throttles (else its usage plans'), tracing and access logs."""
    api = (tpl, lid)
    found = stages.rest_stages(index, api)
    rate, basis = _stages_rate(api, found, flags)
    if rate is None:
        rate = _usage_plan_rate(index, api, flags)
    tracing = any(s.tracing for s in found)
    access = any(s.access_logs for s in found)
    return Api(tpl.name, lid, "rest", rate, tracing, access, basis=basis)


def http_api(index: Resources, tpl: Template, lid: str, flags: list[dict[str, str]]) -> Api:
    """An HTTP API as billed: its live stages' default-route throttles, the quick-created $default included."""
    api = (tpl, lid)
    found = stages.v2_stages(index, api)
    rate, basis = _stages_rate(api, found, flags)
    return Api(tpl.name, lid, "http", rate, False, any(s.access_logs for s in found), basis=basis)


def is_http(tpl: Template, resource: dict[str, Any]) -> bool:
    """An ApiGatewayV2 API priced as HTTP: HTTP in some branch (a WebSocket API is priced per message: not modelled)."""
    return any(p.value == "HTTP" for p in stages.protocols(tpl, resource))
