"""The verified caller of a request, the same on HTTP API, REST and under ``npm run offline``.

API Gateway verifies the token (or the SigV4 signature) before the function runs; this module only reads what it
verified, from where each integration puts it:

  HTTP API, JWT authorizer     requestContext.authorizer.jwt.claims (and .jwt.scopes)
  HTTP API, IAM                requestContext.authorizer.iam (userArn, accountId, ...)
  REST, Cognito user pools     requestContext.authorizer.claims
  REST, IAM                    requestContext.identity (userArn, caller, accountId)
  serverless-offline           the paths above; some versions put HTTP API claims at requestContext.authorizer.claims

``request.caller`` is a Caller (subject, scopes, groups, raw claims) or None when the route is public; it is built
on first access, so a route that never asks pays nothing. ``@requires("orders/read")`` on a route makes guard answer
401 without a caller and 403 without the scope, as its usual JSON error bodies.
"""

from __future__ import annotations

from .apigw import HttpError

# typing and collections.abc are read by type checkers only: importing them costs milliseconds of every cold start.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

_EMPTY: frozenset[str] = frozenset()


class Caller:
    """Who called: ``kind`` is "jwt" (HTTP API), "cognito" (REST) or "iam"; ``claims`` as API Gateway passed them."""

    __slots__ = ("claims", "groups", "kind", "scopes", "subject")

    def __init__(self, kind: str, subject: str, scopes: frozenset[str], groups: frozenset[str], claims: Mapping[str, Any]) -> None:
        self.kind, self.subject, self.scopes, self.groups, self.claims = kind, subject, scopes, groups, claims

    def __repr__(self) -> str:  # never the claims: they may hold personal data
        return f"Caller(kind={self.kind!r}, subject={self.subject!r})"


def _words(value: Any) -> frozenset[str]:
    """A claim holding several values: a list, "a b" (OAuth scope), "a,b" or "[a b]" (Cognito groups as passed)."""
    if isinstance(value, list):
        return frozenset(v for v in value if isinstance(v, str) and v)
    if not isinstance(value, str) or not value:
        return _EMPTY
    return frozenset(value.strip("[]").replace(",", " ").split())


def _from_claims(kind: str, claims: Any, scopes: Any = None) -> Caller | None:
    if not isinstance(claims, dict) or not claims:
        return None
    subject = claims.get("sub")
    found = _words(claims.get("scope")) | _words(claims.get("scp")) | _words(scopes)
    groups = _words(claims.get("cognito:groups")) | _words(claims.get("groups"))
    return Caller(kind, subject if isinstance(subject, str) else "", found, groups, claims)


def _from_iam(values: Any) -> Caller | None:
    if not isinstance(values, dict):
        return None
    arn = values.get("userArn")
    if not isinstance(arn, str) or not arn.startswith("arn:"):  # serverless-offline writes "offlineContext_userArn"
        return None
    claims = {k: v for k, v in values.items() if isinstance(v, str)}
    return Caller("iam", arn, _EMPTY, _EMPTY, claims)


def caller_of(event: Mapping[str, Any]) -> Caller | None:
    """The verified caller of an API Gateway event (payload v1 or v2), or None when the route had no authorizer."""
    ctx = event.get("requestContext")
    if not isinstance(ctx, dict):
        return None
    authorizer = ctx.get("authorizer")
    if isinstance(authorizer, dict):
        jwt = authorizer.get("jwt")
        if isinstance(jwt, dict):
            return _from_claims("jwt", jwt.get("claims"), jwt.get("scopes"))
        if "iam" in authorizer:
            return _from_iam(authorizer.get("iam"))
        if "claims" in authorizer:
            return _from_claims("jwt" if event.get("version") == "2.0" else "cognito", authorizer.get("claims"))
    return _from_iam(ctx.get("identity")) if event.get("version") != "2.0" else None


def requires(*scopes: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark a route: guard answers 401 without a verified caller and 403 unless the token holds every scope."""
    needed = frozenset(scopes)

    def mark(route: Callable[..., Any]) -> Callable[..., Any]:
        route.required_scopes = needed  # type: ignore[attr-defined]
        return route

    return mark


def check(caller: Caller | None, needed: frozenset[str]) -> None:
    """HttpError 401 (no caller) or 403 (a scope missing), with the header RFC 6750 gives each."""
    if caller is None:
        raise HttpError(401, "this route needs a valid access token", {"www-authenticate": "Bearer"})
    missing = needed - caller.scopes
    if missing:
        wanted = " ".join(sorted(needed))
        challenge = f'Bearer error="insufficient_scope", scope="{wanted}"'
        raise HttpError(403, f"the token lacks the scope {' '.join(sorted(missing))}", {"www-authenticate": challenge})
