"""One error hierarchy for every engine and access path, so handlers catch the same names everywhere.

The driver's own exception is always chained (``raise ... from err``) for the logs.
"""

from __future__ import annotations


class DatabaseError(Exception):
    """Something the database (or the way to it) refused; ``code`` is the SQLSTATE or MySQL error number."""

    def __init__(self, message: str, code: str | int | None = None) -> None:
        super().__init__(message)
        self.code = code


class Unavailable(DatabaseError):
    """No working connection within the time budget: unreachable, out of connections, or lost mid-statement."""


class QueryTimeout(DatabaseError):
    """A statement did not finish within the invocation's time budget."""


class IntegrityError(DatabaseError):
    """A constraint said no: duplicate key, foreign key, NOT NULL, CHECK."""


class QueryError(DatabaseError):
    """The server rejected the statement: syntax, unknown table or column, wrong type, ..."""


class ConfigurationError(DatabaseError):
    """The environment does not say how to reach the database (a missing or malformed DB_* variable or secret)."""


class TlsRefused(ConfigurationError):
    """The server failed DB_TLS=verify-full (no TLS, an unknown CA, another host name): never retried, never plain text."""
