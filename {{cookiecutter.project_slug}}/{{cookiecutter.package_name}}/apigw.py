"""API Gateway events in and proxy responses out, for REST (payload v1) and HTTP API (payload v2) integrations.

Whatever a client or a crafted invocation puts in the event is checked here before any route runs: a wrong JSON
type where API Gateway sends an object or a string, a body that is not valid base64 or UTF-8, JSON nested past
what Python can parse, a lone surrogate. Each is an HttpError (400 or 413) with a message safe to show, never
a 500: the event's bytes are the caller's, not the function's.
"""

from __future__ import annotations

import json
import re

# typing and collections.abc are read by type checkers only: importing them costs milliseconds of every cold start.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

CORRELATION_HEADER = "x-correlation-id"
# What a client may send as a correlation ID: short, printable, no spaces (no log or header injection).
CORRELATION_ID_RE = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")  # used with fullmatch: "$" would let a final newline in
_NO_QUERY: dict[str, str] = {}
_UNREAD = object()  # Request.caller not read yet


class HttpError(Exception):
    """A client mistake answered with a 4xx status and a message that is safe to show."""

    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})


class Response:
    """What a route returns when 200 with a JSON body is not the answer."""

    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int = 200, body: Any = None, headers: Mapping[str, str] | None = None) -> None:
        self.status, self.body, self.headers = status, body, dict(headers or {})


def parse_json(data: bytes | str) -> Any:
    """JSON text parsed; ValueError (with a message safe to show) when it is not JSON, too deep, or not Unicode.

    A lone surrogate (raw in a str, or a ``\\uD800``-style escape) parses in Python but is not text any store or
    client can use, so it is refused here too (the escape is looked for only when the text has a ``\\u``).
    """
    if isinstance(data, str) and not data.isascii():
        try:
            data.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("it has a lone surrogate (half a character pair)") from None
    try:
        value = json.loads(data)
    except RecursionError:
        raise ValueError("it is nested too deeply") from None
    except ValueError as err:  # JSONDecodeError and UnicodeDecodeError
        raise ValueError(f"it is not valid JSON: {err}") from None
    if (b"\\u" if isinstance(data, bytes) else "\\u") in data:
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("it has a lone surrogate (a \\u escape of half a character pair)") from None
        except RecursionError:
            raise ValueError("it is nested too deeply") from None
    return value


class Request:
    """One HTTP request, the same for API Gateway REST (payload v1) and HTTP API (payload v2) events.

    ``headers`` are lower-cased on first access (most routes never read them: a warm request does not pay for it).
    Plain classes rather than dataclasses here and below: importing dataclasses costs cold-start time.
    """

    __slots__ = (
        "_caller",
        "_headers",
        "_raw_headers",
        "body",
        "budget",
        "correlation_id",
        "event",
        "method",
        "path",
        "path_params",
        "query",
        "route",
    )

    def __init__(
        self,
        method: str,
        path: str,
        headers: Mapping[str, str],
        query: dict[str, str],
        body: bytes,
        correlation_id: str,
        budget: Any,
        event: Mapping[str, Any],
        path_params: dict[str, str] | None = None,
        route: str = "",
    ) -> None:
        self.method, self.path, self._raw_headers, self._headers, self.query = method, path, headers, None, query
        self.body, self.correlation_id, self.budget, self.event = body, correlation_id, budget, event
        self.path_params, self.route = path_params or {}, route or path
        self._caller: Any = _UNREAD

    @property
    def caller(self) -> Any:
        """The verified caller (identity.Caller: subject, scopes, groups, claims), or None on a public route; read once."""
        if self._caller is _UNREAD:
            from .identity import caller_of

            self._caller = caller_of(self.event)
        return self._caller

    @property
    def headers(self) -> dict[str, str]:
        """Request headers by lower-cased name (HTTP names are case-insensitive)."""
        if self._headers is None:
            self._headers = lower_headers(self._raw_headers)
        return self._headers

    def json(self) -> Any:
        """The body parsed as JSON; an empty, malformed, too deep or non-Unicode body is the client's mistake (400)."""
        if not self.body:
            raise HttpError(400, "the request body must be JSON and is empty")
        try:
            return parse_json(self.body)
        except ValueError as err:
            raise HttpError(400, f"the request body is not usable: {err}") from None


def lower_headers(raw: Mapping[Any, Any]) -> dict[str, str]:
    """Header names lower-cased, values as strings."""
    return {str(k).lower(): v if isinstance(v, str) else str(v) for k, v in raw.items()}


class Parts:
    """What guard needs from an API Gateway event, checked."""

    __slots__ = ("encoded", "headers", "method", "path", "path_params", "request_id", "template")

    def __init__(self, event: Mapping[str, Any], fallback_id: str) -> None:
        ctx = event.get("requestContext")
        ctx = ctx if isinstance(ctx, dict) else {}
        given_id = ctx.get("requestId")
        self.request_id = given_id if isinstance(given_id, str) and given_id else fallback_id
        raw = event.get("headers")
        if raw is None:
            raw = {}
        elif not isinstance(raw, dict):
            raise HttpError(400, "the event's headers must be an object")
        self.headers: Mapping[str, Any] = raw  # as sent; header() and Request.headers read them case-insensitively
        if event.get("version") == "2.0":
            http = ctx.get("http")
            method = http.get("method") if isinstance(http, dict) else None
            path = event.get("rawPath") or "/"
            route_key = event.get("routeKey")
            self.template = (route_key.partition(" ")[2] or None) if isinstance(route_key, str) else None
            self.encoded = True
        else:
            method, path = event.get("httpMethod"), event.get("path") or "/"
            resource = event.get("resource")
            self.template = resource if isinstance(resource, str) else None
            self.encoded = False
        if not isinstance(method, str) or not isinstance(path, str):
            raise HttpError(400, "the event's method and path must be strings")
        self.method, self.path = method.upper(), path.rstrip("/") or "/"
        self.path_params = event.get("pathParameters")

    def header(self, name: str) -> str:
        """One header's value by lower-case ``name`` ("" when absent): HTTP API sends lower-case names, REST as sent."""
        raw = self.headers
        value = raw.get(name)
        if value is None:
            for key, given in raw.items():
                if type(key) is str and len(key) == len(name) and key.lower() == name:
                    value = given
                    break
            else:
                return ""
        return value if isinstance(value, str) else str(value)


def query(event: Mapping[str, Any]) -> dict[str, str]:
    """queryStringParameters: an object of strings (v2 joins repeated names with commas), or nothing."""
    raw = event.get("queryStringParameters")
    if raw is None:
        return _NO_QUERY
    if not isinstance(raw, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in raw.items()):
        raise HttpError(400, "the query string parameters must be an object of strings")
    return dict(raw)


def read_body(event: Mapping[str, Any], limit: int) -> bytes:
    """The decoded request body; oversized (413) or undecodable (400) bodies stop here, before any parsing."""
    raw = event.get("body")
    if raw is None:
        raw = ""
    elif not isinstance(raw, str):
        raise HttpError(400, "the event's body must be a string")
    if len(raw) > limit * 4 // 3 + 4:  # refuse a huge body before spending time decoding it
        raise HttpError(413, f"the request body is larger than {limit} bytes")
    encoded = event.get("isBase64Encoded")
    if encoded is True:
        import base64
        import binascii

        try:
            body = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            raise HttpError(400, "the request body is not valid base64") from None
    elif encoded in (None, False):
        try:
            body = raw.encode("utf-8")
        except UnicodeEncodeError:
            raise HttpError(400, "the request body is not valid Unicode text (it has a lone surrogate)") from None
    else:
        raise HttpError(400, "the event's isBase64Encoded must be true or false")
    if len(body) > limit:
        raise HttpError(413, f"the request body is larger than {limit} bytes")
    return body


_c_encoder = getattr(json.encoder, "c_make_encoder", None)
if _c_encoder is not None:  # made once: json.dumps builds an encoder per call (about 1 µs of a warm request)
    _make = _c_encoder(None, str, json.encoder.encode_basestring_ascii, None, ":", ",", False, False, True)

    def _encode(value: Any) -> str:
        return "".join(_make(value, 0))

else:  # pragma: no cover - CPython always has the C encoder
    _encode = json.JSONEncoder(separators=(",", ":"), default=str).encode


def json_response(status: int, body: Any, correlation: str, headers: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A Lambda proxy response, valid for both REST (v1) and HTTP API (v2) integrations."""
    out = {"content-type": "application/json"}
    if headers:
        out.update(headers)
    out["x-correlation-id"] = correlation
    return {"statusCode": status, "headers": out, "body": _encode(body), "isBase64Encoded": False}


def error_response(status: int, message: str, correlation: str, headers: Mapping[str, str] | None = None) -> dict[str, Any]:
    """An error answer: a short message and the correlation ID, never a stack trace."""
    return json_response(status, {"error": message, "correlation_id": correlation}, correlation, headers)
