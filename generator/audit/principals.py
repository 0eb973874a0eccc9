"""Who a policy statement lets in, with IAM Access Analyzer's meaning of "public".

A statement is public when it allows everyone (``Principal: "*"``, ``{"AWS": "*"}``, or ``NotPrincipal`` with
``Allow``) and no condition pins the caller: a condition pins it when a positive operator (``StringEquals``,
``ArnLike``, ``IpAddress``, ...; not ``...IfExists``, negations or ``ForAllValues``) tests one of ``PINNING_KEYS``
against values that are not wildcards (``aws:SourceIp`` of ``0.0.0.0/0``/``::/0``, or ranges that together cover
everything, pin nothing; nor does ``aws:PrincipalArn`` ``*``). Every field is read through the evaluation layer,
so a principal or condition behind ``Fn::If``/``Fn::Sub`` or a parameter is judged on each value it can take; a
value the deployer chooses is "cannot be proven" (fail closed), a resource reference or ``${AWS::AccountId}`` pins.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from ..cfn.policy import field
from ..cfn.values import ABSENT, MAX_COMBINATIONS, Unknown, merge, unprovable
from .model import Template, as_list
from .network import covers_everything, network

PINNING_KEYS = frozenset(
    k.lower()
    for k in (
        *("aws:SourceArn", "aws:SourceAccount", "aws:SourceOwner", "aws:SourceVpc", "aws:SourceVpce", "aws:SourceIp", "aws:VpcSourceIp"),
        *("aws:SourceOrgID", "aws:SourceOrgPaths", "aws:PrincipalOrgID", "aws:PrincipalOrgPaths", "aws:PrincipalAccount"),
        *("aws:PrincipalArn", "aws:PrincipalServiceName", "aws:userid", "aws:username", "aws:CalledVia"),
        *("s3:DataAccessPointAccount", "s3:DataAccessPointArn", "lambda:EventSourceToken"),
    )
)
IP_KEYS = frozenset({"aws:sourceip", "aws:vpcsourceip"})
# Keys whose value is an identifier: any wildcard in it ("vpce-*", "o-*") matches other people's accounts too.
ID_KEYS = frozenset(
    k.lower() for k in ("aws:SourceAccount", "aws:SourceOwner", "aws:SourceVpc", "aws:SourceVpce", "aws:SourceOrgID", "aws:PrincipalOrgID")
) | frozenset({"aws:principalaccount", "s3:dataaccesspointaccount"})
POSITIVE = frozenset({"stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike", "ipaddress", "numericequals"})


class Exposure(NamedTuple):
    """One way a statement is open to everyone: ``definite`` False when it only cannot be proven closed."""

    definite: bool
    because: tuple[str, ...]
    what: str  # 'Principal "*"', 'NotPrincipal with Allow', 'Principal parameter P (no AllowedValues)'


def everyone(principal: Any) -> bool | None:
    """Whether a principal value is anyone: True, False, or None when it cannot be proven either way."""
    if unprovable(principal):
        return None
    if principal == "*":
        return True
    if isinstance(principal, dict):
        answers = [everyone(p) for p in as_list(principal.get("AWS"))] if "AWS" in principal else [False]
        return True if True in answers else None if None in answers else False
    return False


def _wildcard(value: Any, key: str) -> bool | None:
    """Whether a condition value matches callers of any account: all wildcards, a wildcard in an identifier, or in
    an ARN's account field (``arn:aws:iam::*:role/x``)."""
    if unprovable(value):
        return None
    if isinstance(value, Unknown) or not isinstance(value, str):
        return False
    if value.strip("*?") == "" or (key in ID_KEYS and any(c in value for c in "*?")):
        return True
    parts = value.split(":")
    return len(parts) > 4 and parts[0] == "arn" and any(c in parts[4] for c in "*?")


def pins(condition: Any) -> bool | None:
    """Whether a Condition block pins the caller (True), does not (False) or cannot be proven to (None)."""
    if unprovable(condition):
        return None
    if not isinstance(condition, dict):
        return False
    unsure = False
    for operator, tests in condition.items():
        op = str(operator).lower().removeprefix("foranyvalue:")
        if unprovable(tests):
            unsure = True
            continue
        if op not in POSITIVE or not isinstance(tests, dict):
            continue
        for key, value in tests.items():
            answer = _pins_key(str(key).lower(), as_list(value))
            if answer:
                return True
            unsure = unsure or answer is None
    return None if unsure else False


def _pins_key(key: str, values: list[Any]) -> bool | None:
    if key not in PINNING_KEYS or not values:
        return False
    if any(unprovable(v) for v in values):
        return None
    if key in IP_KEYS:
        nets = [n for n in (network(v) for v in values) if n is not None]
        return not covers_everything(nets) if nets else not any(isinstance(v, str) for v in values)
    answers = [_wildcard(v, key) for v in values]
    return False if True in answers else None if None in answers else True


def exposures(statement: Any, tpl: Template) -> list[Exposure]:
    """Every way this statement can allow everyone, definite ones first."""
    if isinstance(statement, Unknown):
        return [Exposure(False, (), f"a statement that cannot be read ({statement.detail})")] if unprovable(statement) else []
    out: list[Exposure] = []
    whos: list[tuple[bool | None, tuple[str, ...], str]] = []
    for p in field(statement, "NotPrincipal", tpl):
        if p.value is not ABSENT:
            whos.append((True, p.because, "NotPrincipal with Allow (everyone but the principals it lists)"))
    for p in field(statement, "Principal", tpl):
        answer = everyone(p.value)
        if answer is not False:
            shown = 'Principal "*"' if answer else f"Principal {_detail(p.value)}"
            whos.append((answer, p.because, shown))
    if not whos:
        return []
    effects = [e for e in field(statement, "Effect", tpl) if e.value == "Allow" or unprovable(e.value)]
    conditions = [c for c in field(statement, "Condition", tpl) if not pins(c.value)]
    for effect in effects:
        for condition in conditions:
            pinned = pins(condition.value)
            for answer, because, shown in whos:
                reasons = merge(effect.because, because, condition.because)
                if reasons is None:
                    continue
                definite = answer is True and pinned is False and effect.value == "Allow"
                note = "" if pinned is False else " and a condition the deployer chooses"
                out.append(Exposure(definite, reasons, shown + note))
                if len(out) > MAX_COMBINATIONS:
                    return sorted(out, key=lambda e: not e.definite)
    return sorted(out, key=lambda e: not e.definite)


def _detail(value: Any) -> str:
    if isinstance(value, Unknown):
        return value.detail
    if isinstance(value, dict):
        return next((u.detail for u in as_list(value.get("AWS")) if isinstance(u, Unknown)), str(value))
    return str(value)
