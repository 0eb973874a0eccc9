"""The HTTP API (handler ``{{ cookiecutter.package_name }}/api.handler``): routes and their business logic.

Every request goes through guard.http_handler: warm-up pings return at once, the correlation ID is in
every log line and the response, bodies are size-checked, and errors never leak a stack trace.
Add a route by adding a function and a line in ROUTES.
{%- if cookiecutter.database == "postgres" %}

The data path expects this table; migrations/{{ cookiecutter.database }}/0001_create_items.sql creates it (npm run migrate):
    CREATE TABLE items (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name varchar(100) NOT NULL);
{%- elif cookiecutter.database == "mysql" %}

The data path expects this table; migrations/{{ cookiecutter.database }}/0001_create_items.sql creates it (npm run migrate):
    CREATE TABLE items (id bigint AUTO_INCREMENT PRIMARY KEY, name varchar(100) NOT NULL);
{%- endif %}
"""

from __future__ import annotations

from . import guard
from .guard import HttpError, Request, Response

# typing is read by type checkers only: importing it costs milliseconds of every cold start (INIT is billed).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

MAX_NAME_LENGTH = 100
{%- if cookiecutter.database != "none" %}
PAGE_SIZE = 100


def list_items(request: Request) -> dict[str, Any]:
    """Read the newest items; the database module (and its driver) loads on first use, not at cold start."""
    from . import db

    rows = db.query("SELECT id, name FROM items ORDER BY id DESC LIMIT %s", [PAGE_SIZE])
    return {"items": rows}


def create_item(request: Request) -> Response:
    """Store one item from a JSON body like {"name": "..."}."""
    from . import db

    name = item_name(request.json())
{%- if cookiecutter.database == "mysql" %}
    with db.transaction():  # MySQL has no RETURNING: read the new id on the same session
        db.execute("INSERT INTO items (name) VALUES (%s)", [name])
        rows = db.query("SELECT id, name FROM items WHERE id = LAST_INSERT_ID()")
{%- else %}
    rows = db.query("INSERT INTO items (name) VALUES (%s) RETURNING id, name", [name])
{%- endif %}
    return Response(201, rows[0])
{%- else %}


def list_items(request: Request) -> dict[str, Any]:
    """Example data: replace with your data source (answer database=postgres or mysql for a working one)."""
    return {"items": [{"id": 1, "name": "example"}]}


def create_item(request: Request) -> Response:
    """Validate a JSON body like {"name": "..."} and echo it: replace with your own storage."""
    return Response(201, {"name": item_name(request.json())})
{%- endif %}


def health(request: Request) -> dict[str, str]:
    """A cheap liveness answer that touches nothing behind the function."""
    return {"status": "ok", "service": guard.SERVICE}


def item_name(body: Any) -> str:
    """The item's name from a parsed body: anything else is the client's mistake (422)."""
    name = body.get("name") if isinstance(body, dict) else None
    if not isinstance(name, str) or not name.strip():
        raise HttpError(422, 'the body must be a JSON object with a non-empty string "name"')
    if len(name) > MAX_NAME_LENGTH:
        raise HttpError(422, f'"name" is longer than {MAX_NAME_LENGTH} characters')
    if not name.isprintable():  # NUL, newlines and other control characters: no place in a name (or a log line)
        raise HttpError(422, '"name" must not contain control characters')
    return name.strip()


ROUTES: dict[str, dict[str, guard.Route]] = {
    "/health": {"GET": health},
    "/items": {"GET": list_items, "POST": create_item},
}

handler = guard.http_handler(ROUTES)
