"""A REST API without a web ACL (seed challenge 4): stage throttling caps the whole API, so one client can use all of it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..cfn import refs
from .model import INFO, WARNING, Context, Finding, props, rtype
from .rule import Fix, Rule

ASSOCIATIONS = ("AWS::WAFv2::WebACLAssociation", "AWS::WAFRegional::WebACLAssociation")


def _protected(ctx: Context) -> set[tuple[int, str]]:
    """(template, logical id) of every REST API a web ACL association names, directly or through its Stage, in any stack."""
    found: set[tuple[int, str]] = set()
    for tpl, _lid, assoc in ctx.index.of_type(*ASSOCIATIONS):
        targets = list(refs.targets(props(assoc).get("ResourceArn"), tpl))
        for t, lid in list(targets):
            if rtype(t.resources.get(lid)) == "AWS::ApiGateway::Stage":
                targets.extend(refs.targets(props(t.resources[lid]).get("RestApiId"), t))
        found.update((id(t), lid) for t, lid in targets)
    return found


def _private(api: dict[str, Any]) -> bool:
    config = props(api).get("EndpointConfiguration")
    types = config.get("Types") if isinstance(config, dict) else None
    return isinstance(types, list) and types == ["PRIVATE"]


def _declined(api: dict[str, Any]) -> str | None:
    """The reason recorded when the project chose no web ACL (the rails plugin writes Metadata.slsguard.waf)."""
    meta = api.get("Metadata")
    mark = meta.get("slsguard") if isinstance(meta, dict) else None
    value = mark.get("waf") if isinstance(mark, dict) else None
    return value if isinstance(value, str) and value.strip() else None


def rest_api_waf(ctx: Context) -> Iterator[Finding]:
    """Challenge 4: a per-client rate rule stops one abusive client from using the whole stage throttle."""
    protected = _protected(ctx)
    for tpl, lid, api in ctx.index.of_type("AWS::ApiGateway::RestApi"):
        if (id(tpl), lid) in protected or _private(api):
            continue
        declined = _declined(api)
        message = (
            f"REST API {lid} has no AWS WAF web ACL: its stage throttle is shared by every client, so one client can take all of it"
            + (f" ({declined})." if declined else ".")
        )
        yield REST_API_WAF.finding(INFO if declined else WARNING, tpl, lid, "", message)


REST_API_WAF = Rule(
    id="rest-api-waf",
    challenge="4 wallet attack",
    severity=WARNING,
    summary="every public REST API is associated with an AWS WAF web ACL (warning)",
    help="Stage throttling caps the whole API: one client can use all of it and lock everyone else out. A WAF rate-based rule blocks that client alone (429), and AWS managed rules drop known-bad requests before a function is billed. Reported as info where the project chose no web ACL (custom.rails.waf: none); PRIVATE APIs are not asked.",
    checks="every REST API (PRIVATE ones excepted: no internet client reaches them) has an AWS WAF web ACL: a `WAFv2` (or `WAFRegional`) `WebACLAssociation` whose `ResourceArn` names the API or its stage, by `Ref`, `Fn::Sub` or `Fn::GetAtt`, also through a nested stack's output or parameter as split-stacks rewrites them (see [below](#rest-api-waf))",
    levels="warning; info where the project chose no web ACL",
    fixes={
        "": Fix(
            "Set `custom.rails.waf: {{rateLimit: N}}` (slsguard's rails plugin; `slsguard upgrade --set waf=rate-limit` in a generated project), or add an AWS::WAFv2::WebACL with a rate-based rule and its WebACLAssociation with the stage under `resources:`.",
            "Add an AWS::WAFv2::WebACL with a rate-based rule and an AWS::WAFv2::WebACLAssociation with the API's stage ARN to template.yaml.",
            "Add an AWS::WAFv2::WebACL with a rate-based rule and an AWS::WAFv2::WebACLAssociation with the REST API stage's ARN.",
        )
    },
    check=rest_api_waf,
)

RULES = (REST_API_WAF,)
