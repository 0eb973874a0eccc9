"""Who may invoke a function from outside (seed challenge 4): function URLs without auth and resource-based
permissions open to everyone, judged on every value a deploy can give them.

``AWS::Lambda::Permission`` with ``Principal: "*"`` (also through ``Fn::Sub``/``Fn::If``) lets any AWS account, or
with ``FunctionUrlAuthType: NONE`` anyone on the internet, invoke the function, unless ``SourceArn``,
``SourceAccount`` or ``PrincipalOrgID`` pins the caller with a value that is not a wildcard. A
``lambda:InvokeFunctionUrl`` permission with ``FunctionUrlAuthType: NONE`` is a public function URL whatever the
``AWS::Lambda::Url`` says, so it is reported as ``function-url-public``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

from ..cfn import refs
from ..cfn.values import ABSENT, MAX_COMBINATIONS, Possible, Unknown, merge, property_values, unprovable, why
from .model import ERROR, Context, Finding, Template, fn_label, props
from .rule import Fix, Rule

PINNING = ("SourceArn", "SourceAccount", "PrincipalOrgID")


def _label(tpl: Template, value: Any, fallback: str) -> str:
    fns = refs.functions(value, tpl)
    return fn_label(fns[0][0].resources[fns[0][1]], fns[0][1]) if fns else fallback


def function_url_public(ctx: Context) -> Iterator[Finding]:
    """Challenge 4: a function URL with AuthType NONE is invoked by anyone, with no API Gateway throttling in front."""
    for tpl, lid, url in ctx.index.of_type("AWS::Lambda::Url"):
        for auth in property_values(tpl, url, "AuthType"):
            label = _label(tpl, props(url).get("TargetFunctionArn"), lid)
            if auth.value == "NONE":
                message = (
                    f"Function URL {lid} of {label} has AuthType NONE{why(auth.because)}: anyone can invoke the function directly, "
                    "without authentication or throttling, and every call is billed."
                )
                yield FUNCTION_URL_PUBLIC.unsafe(tpl, lid, "Properties.AuthType", message)
                break
            if unprovable(auth.value):
                message = (
                    f"Function URL {lid} of {label} takes its AuthType from {auth.value.detail}{why(auth.because)}: it cannot be "
                    "proven to require authentication."
                )
                yield FUNCTION_URL_PUBLIC.unsafe(tpl, lid, "Properties.AuthType", message, unprovable="AuthType (AWS_IAM)")
                break


class Open(NamedTuple):
    """A deploy in which the permission may be for everyone: the principal, why, and the pin that cannot be proven."""

    principal: Any
    because: tuple[str, ...]
    unsure: Unknown | None  # a SourceArn/SourceAccount/PrincipalOrgID the deployer chooses, else None


def _everyone(tpl: Template, permission: dict[str, Any]) -> Open | None:
    """The first way the permission's principal is anyone and no pinning property narrows it (None if never);
    deploys that are definitely open come before those that only cannot be proven closed."""
    pins: list[list[Possible]] | None = None
    found: list[Open] = []
    for principal in property_values(tpl, permission, "Principal"):
        value = principal.value
        if not (value == "*" or unprovable(value)):
            continue
        pins = pins if pins is not None else [property_values(tpl, permission, name) for name in PINNING]
        found.extend(Open(value, reasons, unsure) for reasons, unsure in _unpinned(pins, principal.because))
    found.sort(key=lambda o: o.unsure is not None or isinstance(o.principal, Unknown))
    return found[0] if found else None


def _unpinned(pins: list[list[Possible]], because: tuple[str, ...]) -> list[tuple[tuple[str, ...], Unknown | None]]:
    """Deploys in which no pinning property holds a real value: their reasons, and a pin the deployer chooses."""
    combos: list[tuple[tuple[str, ...], Unknown | None]] = [(because, None)]
    for options in pins:
        nxt: list[tuple[tuple[str, ...], Unknown | None]] = []
        for reasons, unsure in combos:
            for option in options:
                pinned = option.value is not ABSENT and not unprovable(option.value) and option.value not in ("*", "")
                merged = merge(reasons, option.because)
                if not pinned and merged is not None:
                    nxt.append((merged, unsure or (option.value if unprovable(option.value) else None)))
        combos = nxt[:MAX_COMBINATIONS]
    return combos


def _url_only(tpl: Template, permission: dict[str, Any]) -> bool:
    return all(str(a.value).lower() == "lambda:invokefunctionurl" for a in property_values(tpl, permission, "Action"))


def lambda_permission_public(ctx: Context) -> Iterator[Finding]:
    """Challenge 4: a permission for Principal "*" lets anyone invoke the function and bill it, outside any API's throttling."""
    urls = {
        (id(t), f)
        for tpl, _lid, url in ctx.index.of_type("AWS::Lambda::Url")
        if any(a.value == "NONE" or unprovable(a.value) for a in property_values(tpl, url, "AuthType"))
        for t, f in refs.functions(props(url).get("TargetFunctionArn"), tpl)
    }  # reported by function_url_public already
    for tpl, lid, permission in ctx.index.of_type("AWS::Lambda::Permission"):
        found = _everyone(tpl, permission)
        if found is None:
            continue
        targets = refs.functions(props(permission).get("FunctionName"), tpl)
        if targets and all((id(t), f) in urls for t, f in targets) and _url_only(tpl, permission):
            continue
        label = _label(tpl, props(permission).get("FunctionName"), lid)
        url_auth = property_values(tpl, permission, "FunctionUrlAuthType")
        actions = property_values(tpl, permission, "Action")
        public_url = next(
            (
                merge(found.because, a.because, u.because) if found.unsure is None and found.principal == "*" else None
                for a in actions
                for u in url_auth
                if str(a.value).lower() in ("lambda:invokefunctionurl", "lambda:*") and u.value == "NONE"
            ),
            None,
        )
        if public_url is not None:
            message = (
                f'Permission {lid} lets anyone call the function URL of {label} without authentication (Principal "*", '
                f"FunctionUrlAuthType NONE){why(public_url)}: every call is billed, with no throttling in front."
            )
            yield FUNCTION_URL_PUBLIC.unsafe(tpl, lid, "Properties.FunctionUrlAuthType", message)
            continue
        if isinstance(found.principal, Unknown) or found.unsure is not None:
            if isinstance(found.principal, Unknown):
                what = f"takes its Principal from {found.principal.detail}"
            else:
                what = f'lets Principal "*" in, narrowed only by {found.unsure.detail}'  # type: ignore[union-attr]
            message = f"Permission {lid} on {label} {what}{why(found.because)}: it cannot be proven to exclude everyone."
            yield LAMBDA_PERMISSION_PUBLIC.unsafe(tpl, lid, "Properties.Principal", message, unprovable="the principal and its pins")
            continue
        message = (
            f'Permission {lid} lets Principal "*" invoke {label} with no SourceArn, SourceAccount or PrincipalOrgID'
            f"{why(found.because)}: any AWS account can invoke it and run up its bill, outside any API's throttling."
        )
        yield LAMBDA_PERMISSION_PUBLIC.unsafe(tpl, lid, "Properties.Principal", message)


FUNCTION_URL_PUBLIC = Rule(
    id="function-url-public",
    challenge="4 wallet attack",
    severity=ERROR,
    summary="no function URL with AuthType NONE in any branch, nor a lambda:InvokeFunctionUrl permission for everyone with FunctionUrlAuthType NONE (error)",
    help="A function URL without auth lets anyone invoke the function directly: no authentication, no API Gateway throttling, every call billed.",
    checks="no `AWS::Lambda::Url` whose `AuthType` is `NONE` in any branch (or comes from a parameter without `AllowedValues`); no `lambda:InvokeFunctionUrl` permission for everyone with `FunctionUrlAuthType: NONE`",
    levels="error",
    fixes={
        "": Fix(
            "Set `url: {{authorizer: aws_iam}}` on the function in serverless.yml, or put it behind an API with throttling, {exempt}.",
            "Set `FunctionUrlConfig: {{AuthType: AWS_IAM}}` on the function in template.yaml, or put it behind an API, {exempt}.",
            "Set `AuthType: AWS_IAM` on the AWS::Lambda::Url, or put the function behind an API, {exempt}.",
        )
    },
    check=function_url_public,
)
LAMBDA_PERMISSION_PUBLIC = Rule(
    id="lambda-permission-public",
    challenge="4 wallet attack",
    severity=ERROR,
    summary='no AWS::Lambda::Permission for Principal "*" without SourceArn, SourceAccount or PrincipalOrgID (error)',
    help='A resource-based permission for Principal "*" that no SourceArn, SourceAccount or PrincipalOrgID narrows lets any AWS account invoke the function and run up its bill, outside any API\'s throttling.',
    checks='no `AWS::Lambda::Permission` whose `Principal` is `"*"` (also through `Fn::Sub`/`Fn::If`, or a parameter: "cannot be proven") with no `SourceArn`, `SourceAccount` or `PrincipalOrgID`',
    levels="error",
    fixes={
        "": Fix(
            "In `resources:`, give the AWS::Lambda::Permission a SourceArn or SourceAccount (or PrincipalOrgID), or a principal "
            'of one account or service instead of "*", {exempt}.',
            "Give the AWS::Lambda::Permission in template.yaml a SourceArn or SourceAccount (or PrincipalOrgID), or a principal "
            'of one account or service instead of "*", {exempt}.',
            "Give the AWS::Lambda::Permission a SourceArn or SourceAccount (or PrincipalOrgID), or a principal of one account or "
            'service instead of "*", {exempt}.',
        ),
    },
    check=lambda_permission_public,
)

RULES = (FUNCTION_URL_PUBLIC, LAMBDA_PERMISSION_PUBLIC)
