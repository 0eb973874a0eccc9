"""Settings from the environment, the invocation's deadline, credentials and the db log lines.

Every knob has a default measured with slsguard's burst benchmark (benchmarks/db_burst.py) and can be
overridden by an environment variable of the same name; see the table in db/__init__.py.
"""

from __future__ import annotations

import logging
import os
import random
import sys
import time
from dataclasses import dataclass, fields
from typing import Any

from .errors import ConfigurationError, DatabaseError, Unavailable

DEFAULT_ENGINE = "{{ cookiecutter.database if cookiecutter.database != 'none' else 'postgres' }}"
DEFAULT_ACCESS = "{{ cookiecutter.database_access }}"
DEFAULT_PORTS = {"postgres": 5432, "mysql": 3306}
TLS_MODES = ("verify-full", "disable")
ALARM_LEAD_S = 0.2  # given the guard's Budget, db gives up this much before the guard's alarm fires


@dataclass(frozen=True)
class Settings:
    """How to reach the database and how patiently; read once per container, on first use."""

    engine: str = DEFAULT_ENGINE
    access: str = DEFAULT_ACCESS
    host: str = ""
    port: int = 0
    name: str = ""
    user: str = ""
    password: str = ""
    secret_arn: str = ""
    cluster_arn: str = ""
    tls: str = "verify-full"  # verify-full: encrypted, chain and host name checked; disable: a local server only
    ca_bundle: str = ""  # PEM file of CAs; empty: the bundle shipped for the access path (see _tls.py)
    time_margin_ms: int = 700  # kept free before Lambda's deadline; more than the guard's 500 so db errors come first
    default_budget_s: float = 10.0  # budget when no Lambda context was given (scripts, tests)
    connect_timeout_s: float = 5.0  # one connect attempt never waits longer, whatever the budget
    retry_base_ms: float = 5.0  # first backoff step of connect retries (full jitter)
    retry_cap_ms: float = 200.0  # longest single backoff sleep
    max_retries: int = 100  # connect attempts after the first; the deadline normally stops them first
    conn_utilisation: float = 0.8  # above this share of the connection limit, end() cleans up or closes
    zombie_min_s: float = 3.0  # never kill a connection idle for less than this
    zombie_max_s: float = 900.0  # always kill this user's connections idle for longer than this
    limit_cache_s: float = 15.0  # how long the server's connection limit is trusted
    usage_cache_s: float = 1.0  # at most one connection count per container per this many seconds
    ping_after_s: float = 60.0  # idle longer than this: a real round trip validates the connection before reuse
    secret_max_age_s: float = 300.0  # how long the Secrets Manager value is cached

    @classmethod
    def from_env(cls, environ: Any = None) -> Settings:
        """Read DB_* variables; a malformed number is a clear ConfigurationError naming the variable."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(f"DB_{f.name.upper()}")
            if raw is None or raw == "":
                continue
            if f.type in ("int", "float"):
                try:
                    values[f.name] = int(raw) if f.type == "int" else float(raw)
                except ValueError:
                    raise ConfigurationError(f"DB_{f.name.upper()}={raw!r} is not a number") from None
            else:
                values[f.name] = raw
        settings = cls(**values)
        if settings.engine not in DEFAULT_PORTS:
            raise ConfigurationError(f"DB_ENGINE={settings.engine!r} is not supported: use postgres or mysql")
        if settings.access not in ("direct", "rds-proxy", "data-api"):
            raise ConfigurationError(f"DB_ACCESS={settings.access!r} is not supported: use direct, rds-proxy or data-api")
        if settings.tls not in TLS_MODES:
            raise ConfigurationError(
                f"DB_TLS={settings.tls!r} is not supported: use verify-full (the default) or disable (a local server only)"
            )
        if not settings.port:
            settings = cls(**{**values, "port": DEFAULT_PORTS[settings.engine]})
        return settings


class Deadline:
    """The monotonic instant by which db must have answered, from the Lambda context or a default budget."""

    def __init__(self, at: float) -> None:
        self.at = at

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        return cls(time.monotonic() + seconds)

    @classmethod
    def of(cls, source: Any, settings: Settings) -> Deadline:
        """From a Lambda context, an object with a monotonic ``deadline`` (the guard's Budget), or seconds left."""
        margin = settings.time_margin_ms / 1000
        if source is None:
            return cls.after(settings.default_budget_s)
        if hasattr(source, "get_remaining_time_in_millis"):
            return cls.after(source.get_remaining_time_in_millis() / 1000 - margin)
        if hasattr(source, "deadline"):  # the guard kept its margin already: just finish before its alarm
            return cls(float(source.deadline) - ALARM_LEAD_S)
        return cls.after(float(source))

    def remaining(self) -> float:
        """Seconds left (never negative)."""
        return max(0.0, self.at - time.monotonic())


def backoff(attempt: int, settings: Settings, waited: float = 0.0, budget: float = 0.0) -> float:
    """Capped exponential backoff with full jitter (seconds): spreads the retries of a burst of containers.

    The ceiling shrinks as the wait eats into the budget, so the longest-waiting containers try most
    often and win the next free slot: close to first come, first served, without any coordination.
    """
    ceiling = min(settings.retry_cap_ms, settings.retry_base_ms * 2**attempt) / 1000
    if budget > 0:
        ceiling *= max(0.25, 1 - waited / budget)
    return random.uniform(0, ceiling)


def credentials(settings: Settings, refresh: bool = False) -> dict[str, Any]:
    """User and password: DB_USER/DB_PASSWORD locally, else the JSON secret DB_SECRET_ARN names (cached)."""
    if settings.user:
        return {"username": settings.user, "password": settings.password}
    if not settings.secret_arn:
        raise ConfigurationError("no credentials: set DB_SECRET_ARN (deployed) or DB_USER and DB_PASSWORD (local runs)")
    from aws_lambda_powertools.utilities import parameters  # lazy: boto3 only when a secret is read

    try:
        secret = parameters.get_secret(settings.secret_arn, transform="json", max_age=int(settings.secret_max_age_s), force_fetch=refresh)
    except parameters.exceptions.TransformParameterError as err:
        raise ConfigurationError(f"the secret {settings.secret_arn} is not JSON with username and password") from err
    except parameters.exceptions.GetParameterError as err:
        raise _secret_error(settings.secret_arn, err.__context__ or err) from err
    if not isinstance(secret, dict) or "username" not in secret or "password" not in secret:
        raise ConfigurationError(f"the secret {settings.secret_arn} has no username and password keys")
    return secret


_GUARD = f"{__name__.split('.')[0]}.guard"  # the handlers' guard module (its JSON logger), when it is loaded
_fallback = logging.getLogger(__name__.rpartition(".")[0])


def log() -> Any:
    """guard's JSON logger when the handlers loaded it, so db lines carry the correlation ID; else plain logging (scripts).

    Looked up on every line rather than once at import: db may be imported before guard (migrate_resource).
    """
    return getattr(sys.modules.get(_GUARD), "logger", None) or _fallback


def event(name: str, level: int = logging.INFO, **values: Any) -> None:
    """One structured line per connection event (connect, reuse, retry, cleanup, close)."""
    target = log()
    if target.isEnabledFor(level):
        target.log(level, f"db {name}", extra={"db_event": name, **values})


SECRET_TRANSIENT = ("ThrottlingException", "InternalServiceError", "InternalServiceErrorException", "RequestTimeout")


def _secret_error(arn: str, cause: BaseException) -> DatabaseError:
    """Secrets Manager unreachable or busy: Unavailable (503, retry later); anything else it answers: ConfigurationError."""
    from botocore.exceptions import BotoCoreError, ClientError

    code = cause.response.get("Error", {}).get("Code", "") if isinstance(cause, ClientError) else ""
    if isinstance(cause, BotoCoreError) or code in SECRET_TRANSIENT:
        return Unavailable(f"the secret {arn} could not be read: {type(cause).__name__}: {cause}")
    return ConfigurationError(f"the secret {arn} could not be read ({code or type(cause).__name__}): {cause}", code or None)
