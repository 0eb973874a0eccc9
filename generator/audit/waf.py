"""A REST API without a web ACL (seed challenge 4): stage throttling caps the whole API, so one client can use all of it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .model import INFO, WARNING, Context, Finding, finding, props

ASSOCIATIONS = ("AWS::WAFv2::WebACLAssociation", "AWS::WAFRegional::WebACLAssociation")


def _names(value: Any) -> Iterator[str]:
    """Logical ids a ResourceArn expression refers to (Ref, GetAtt and ${Name} in Fn::Sub)."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "Ref" and isinstance(inner, str):
                yield inner
            elif key == "Fn::GetAtt" and isinstance(inner, list) and inner and isinstance(inner[0], str):
                yield inner[0]
            elif key == "Fn::Sub":
                template, variables = (inner[0], inner[1]) if isinstance(inner, list) and len(inner) == 2 else (inner, {})
                if isinstance(template, str):
                    yield from (part.split("}")[0].split(".")[0] for part in template.split("${")[1:])
                yield from _names(variables)
            else:
                yield from _names(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _names(inner)


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
    protected = {name for _tpl, _lid, assoc in ctx.index.of_type(*ASSOCIATIONS) for name in _names(props(assoc).get("ResourceArn"))}
    for tpl, lid, api in ctx.index.of_type("AWS::ApiGateway::RestApi"):
        if lid in protected or _private(api):
            continue
        declined = _declined(api)
        yield finding(
            "rest-api-waf",
            INFO if declined else WARNING,
            tpl,
            lid,
            "",
            f"REST API {lid} has no AWS WAF web ACL: its stage throttle is shared by every client, so one client can take all of it"
            + (f" (chosen: {declined})." if declined else "."),
            "Answer waf=rate-limit (slsguard upgrade --set waf=rate-limit), or associate a web ACL with a rate-based rule "
            "(AWS::WAFv2::WebACLAssociation) with the stage.",
        )
