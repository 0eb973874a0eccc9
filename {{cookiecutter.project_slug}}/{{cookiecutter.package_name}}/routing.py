"""guard's router: ``{path: {method: function} }`` with literal paths, ``{name}`` parameters and a greedy ``{name+}``.

    ROUTES = {
        "/items": {"GET": list_items, "POST": create_item},
        "/orders/{order_id}": {"GET": get_order},          # def get_order(request, order_id): ...
        "/files/{key+}": {"GET": get_file},                 # key = "a/b/c.txt" (the rest of the path)
    }

A route declares its parameters in the path, API Gateway style; guard passes each one to the function as a
keyword argument of the same name (a string), so the function's signature is ``(request, <name>, ...)``. Names
are Python identifiers other than ``request``; ``{name+}`` (at least one character, slashes included) may only
be the last segment. The table is checked when the handler is built (at import), a plain function's parameters
included: a bad route fails the deploy's first cold start loudly instead of one request at a time.

Which route answers: the route API Gateway itself matched, when it is in the table (REST ``resource``, HTTP API
``routeKey``, with its decoded ``pathParameters``: a function wired to ``/orders/{id}`` in serverless.yml);
otherwise the request path (REST ``path`` as API Gateway gives it, HTTP API ``rawPath`` percent-decoded per segment), first as a literal
route, then against the parameter routes, most literal segments first and greedy ones last, as API Gateway
prefers the most specific route.
"""

from __future__ import annotations

import keyword

# typing and collections.abc are read by type checkers only: importing them costs milliseconds of every cold start.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

    Route = Callable[..., Any]  # a route function: (request, **path_parameters) -> a JSON-able body or a Response
_NO_PARAMS: dict[str, str] = {}


class RouteTableError(ValueError):
    """A route of the table cannot be served (a programming mistake, raised when the handler is built)."""


class Pattern:
    """One route with parameters: its segments (a literal, or None for a parameter) and parameter names."""

    __slots__ = ("greedy", "methods", "names", "segments", "template")

    def __init__(self, template: str, methods: Mapping[str, Route]) -> None:
        self.template, self.methods = template, methods
        self.segments: list[str | None] = []
        self.names: list[str] = []
        self.greedy = False
        parts = template.strip("/").split("/")
        for index, part in enumerate(parts):
            if not (part.startswith("{") and part.endswith("}")):
                if "{" in part or "}" in part:
                    raise RouteTableError(f"route {template!r}: a parameter must be a whole segment, like " + "/orders/{order_id}")
                self.segments.append(part)
                continue
            name = part[1:-1]
            if name.endswith("+"):
                if index != len(parts) - 1:
                    raise RouteTableError(f"route {template!r}: a greedy " + part + " may only be the last segment")
                name, self.greedy = name[:-1], True
            if not name.isidentifier() or keyword.iskeyword(name) or name == "request" or name in self.names:
                raise RouteTableError(
                    f"route {template!r}: parameter " + part + " must name a distinct Python identifier other than 'request' "
                    "(the function receives it as a keyword argument)"
                )
            self.names.append(name)
            self.segments.append(None)

    def sort_key(self) -> tuple[int, int, int]:
        """Most specific first: not greedy, more literal segments, more segments."""
        literals = sum(s is not None for s in self.segments)
        return (self.greedy, -literals, -len(self.segments))

    def match(self, parts: list[str]) -> dict[str, str] | None:
        """The parameters when ``parts`` (the path's segments) fit this route, else None."""
        fixed = len(self.segments) - 1 if self.greedy else len(self.segments)
        if (len(parts) <= fixed) if self.greedy else (len(parts) != fixed):
            return None
        params: dict[str, str] = {}
        names = iter(self.names)
        for want, got in zip(self.segments[:fixed], parts, strict=False):
            if want is None:
                if not got:
                    return None
                params[next(names)] = got
            elif want != got:
                return None
        if self.greedy:
            rest = "/".join(parts[fixed:])
            if not rest:
                return None
            params[next(names)] = rest
        return params


_VARKEYWORDS = 0x08  # CO_VARKEYWORDS: the function has **kwargs


def _check_takes(function: Route, names: list[str], route: str) -> None:
    """A plain function must accept each parameter by name (checked from its code object: inspect costs cold-start time)."""
    code = getattr(function, "__code__", None)
    if code is None or code.co_flags & _VARKEYWORDS:
        return  # a callable object or partial, or **kwargs: it takes what it is given
    accepted = code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]
    missing = [name for name in names if name not in accepted]
    if missing:
        raise RouteTableError(f"route {route!r}: {getattr(function, '__name__', 'the function')} does not take {', '.join(missing)}")


class Router:
    """A route table compiled once: literal paths in a dict, parameter routes in order of specificity."""

    __slots__ = ("literal", "patterns", "templates")

    def __init__(self, routes: Mapping[str, Mapping[str, Route]]) -> None:
        self.literal: dict[str, Mapping[str, Route]] = {}
        self.templates: dict[str, Pattern] = {}
        for path, methods in routes.items():
            if not isinstance(path, str) or not path.startswith("/"):
                raise RouteTableError(f"route {path!r}: a path starts with /")
            key = path.rstrip("/") or "/"
            if "{" in key:
                pattern = Pattern(key, methods)
                for method, function in methods.items():
                    _check_takes(function, pattern.names, f"{method} {key}")
                self.templates[key] = pattern
            else:
                self.literal[key] = methods  # the caller's dict itself: tests may swap a function in it
        self.patterns = sorted(self.templates.values(), key=Pattern.sort_key)

    def find(
        self, path: str, template: str | None = None, given: Any = None, encoded: bool = False
    ) -> tuple[Mapping[str, Route], dict[str, str], str]:
        """The methods, parameters and route for a request; KeyError when no route matches.

        ``template`` and ``given`` are the route and pathParameters API Gateway matched, when it did; ``encoded``:
        the path is as the client sent it (HTTP API rawPath), so parameter values are percent-decoded here.
        UnicodeDecodeError: an escape that is not UTF-8 (the client's mistake).
        """
        if template is not None:
            pattern = self.templates.get(template.rstrip("/") or "/")
            if pattern is not None and isinstance(given, dict) and all(isinstance(given.get(n), str) and given[n] for n in pattern.names):
                return pattern.methods, {n: given[n] for n in pattern.names}, pattern.template
        methods = self.literal.get(path)
        if methods is not None:
            return methods, _NO_PARAMS, path
        if self.patterns:
            parts = path.strip("/").split("/")
            if encoded and "%" in path:
                from urllib.parse import unquote  # only when a path has escapes: urllib.parse is not loaded at cold start

                parts = [unquote(p, errors="strict") for p in parts]
            for pattern in self.patterns:
                params = pattern.match(parts)
                if params is not None:
                    return pattern.methods, params, pattern.template
        raise KeyError(path)
