"""One error hierarchy for every engine and access path, so handlers catch the same names everywhere.

The driver's own exception is always chained (``raise ... from err``) for the logs.

``http_status`` (with ``http_message`` and ``http_headers``) is what guard answers an API request with when a
route lets the error through: the database being unreachable is 503 with Retry-After (the client may retry, the
function is not broken), a statement past the time budget 504, a value the database cannot store 422. Errors
without it (a query the server rejects, missing configuration) stay 500: they are the code's or the deploy's fault.
"""

from __future__ import annotations


class DatabaseError(Exception):
    """Something the database (or the way to it) refused; ``code`` is the SQLSTATE or MySQL error number."""

    def __init__(self, message: str, code: str | int | None = None) -> None:
        super().__init__(message)
        self.code = code


class Unavailable(DatabaseError):
    """No working connection within the time budget: unreachable, out of connections, or lost mid-statement."""

    http_status = 503
    http_message = "the database is unavailable, retry later"
    http_headers = {"retry-after": "5"}  # noqa: RUF012 - read only; a failover or a connection storm lasts seconds


class QueryTimeout(DatabaseError):
    """A statement did not finish within the invocation's time budget."""

    http_status = 504
    http_message = "the request did not finish in time"


class IntegrityError(DatabaseError):
    """A constraint said no: duplicate key, foreign key, NOT NULL, CHECK."""


class InvalidValue(DatabaseError, ValueError):
    """A parameter no engine stores as text: a NUL character or a lone surrogate (refused before it is sent)."""

    http_status = 422
    http_message = "a value contains a NUL character or a lone surrogate, which cannot be stored"


class QueryError(DatabaseError):
    """The server rejected the statement: syntax, unknown table or column, wrong type, ..."""


class ConfigurationError(DatabaseError):
    """The environment does not say how to reach the database (a missing or malformed DB_* variable or secret)."""


class TlsRefused(ConfigurationError):
    """The server failed DB_TLS=verify-full (no TLS, an unknown CA, another host name): never retried, never plain text."""
