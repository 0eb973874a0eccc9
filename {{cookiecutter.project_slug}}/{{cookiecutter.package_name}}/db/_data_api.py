"""The same db API over the RDS Data API (boto3 "rds-data"): SQL over HTTPS, no connection, no driver, no VPC.

Encrypted and verified already: botocore speaks HTTPS to the rds-data endpoint and checks its certificate, so
DB_TLS and DB_CA_BUNDLE (for driver connections) do not apply here.

Hand-written rather than the aurora-data-api package: that client opens a Data API transaction for every
cursor (three HTTPS calls per autocommit statement) and has not been released since 2023. Types map as:
    Python -> parameter                       column -> Python
    None        isNull                        isNull             None
    bool        booleanValue                  booleanValue       bool
    int         longValue (DECIMAL if > 64 bit) longValue        int
    float       doubleValue                   doubleValue        float
    str         stringValue                   blobValue          bytes
    bytes       blobValue                     numeric/decimal    Decimal
    Decimal     stringValue + DECIMAL         date, time,        date, time,
    date        stringValue + DATE            timestamp/datetime datetime (naive, as the database sent it)
    time        stringValue + TIME            json/jsonb         parsed JSON
    datetime    stringValue + TIMESTAMP (aware values are converted to UTC first)
    UUID        stringValue + UUID            uuid               UUID
    dict, list  stringValue + JSON            arrays             lists
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
import re
import time
import uuid
from collections import Counter
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from . import errors
from ._config import Deadline, Settings, event

PLACEHOLDER = re.compile(r"%\((\w+)\)s|%s|%%")
SQLSTATE = re.compile(r"SQLState: (\w+)")
LONG_RANGE = (-(2**63), 2**63 - 1)
RETRY_CAP_S = 1.0  # a paused Aurora Serverless cluster takes seconds to resume: retry patiently, within the budget
RETRYABLE = {"DatabaseResumingException", "DatabaseUnavailableException", "ServiceUnavailableError", "InternalServerErrorException"}
CONFIG = {
    "AccessDeniedException": "the function's role may not call rds-data or read the secret",
    "ForbiddenException": "the function's role may not call rds-data or read the secret",
    "SecretsErrorException": "DB_SECRET_ARN cannot be read",
    "InvalidSecretException": "DB_SECRET_ARN does not hold valid credentials",
    "HttpEndpointNotEnabledException": "the Data API (HTTP endpoint) is not enabled on DB_CLUSTER_ARN",
    "DatabaseNotFoundException": "DB_NAME does not exist on the cluster",
    "InvalidResourceStateException": "the cluster is not in a state to run statements",
    "NotFoundException": "DB_CLUSTER_ARN or the transaction was not found",
}


def to_sql(sql: str, params: Any) -> tuple[str, list[dict[str, Any]]]:
    """Turn ``%s``/``%(name)s`` placeholders into the Data API's ``:name`` and typed parameters."""
    if params is None:
        return sql, []
    named = isinstance(params, Mapping)
    values = dict(params) if named else {f"p{i + 1}": v for i, v in enumerate(params)}
    used: list[str] = []

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "%%":
            return "%"
        if (token == "%s") == named:
            raise errors.QueryError("mix of %s and %(name)s placeholders, or a dict given for %s (use a list)")
        name = match.group(1) or f"p{len(used) + 1}"
        if name not in values:
            raise errors.QueryError(f"placeholder %({name})s has no parameter" if named else "more %s placeholders than parameters")
        used.append(name)
        return f":{name}"

    text = PLACEHOLDER.sub(replace, sql)
    if not named and len(used) != len(values):
        raise errors.QueryError(f"{len(values)} parameters for {len(used)} %s placeholders")
    return text, [to_parameter(name, values[name]) for name in dict.fromkeys(used)]


def to_parameter(name: str, value: Any) -> dict[str, Any]:
    """One SqlParameter: the field for the Python type, and a typeHint where the database needs one."""
    hint = None
    if value is None:
        field: dict[str, Any] = {"isNull": True}
    elif isinstance(value, bool):
        field = {"booleanValue": value}
    elif isinstance(value, int):
        field = {"longValue": value} if LONG_RANGE[0] <= value <= LONG_RANGE[1] else {"stringValue": str(value)}
        hint = None if "longValue" in field else "DECIMAL"
    elif isinstance(value, float):
        field = {"doubleValue": value}
    elif isinstance(value, str):
        field = {"stringValue": value}
    elif isinstance(value, bytes | bytearray | memoryview):
        field = {"blobValue": bytes(value)}
    elif isinstance(value, Decimal):
        field, hint = {"stringValue": str(value)}, "DECIMAL"
    elif isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        field, hint = {"stringValue": value.isoformat(sep=" ")}, "TIMESTAMP"
    elif isinstance(value, dt.date):
        field, hint = {"stringValue": value.isoformat()}, "DATE"
    elif isinstance(value, dt.time):
        field, hint = {"stringValue": value.isoformat()}, "TIME"
    elif isinstance(value, uuid.UUID):
        field, hint = {"stringValue": str(value)}, "UUID"
    elif isinstance(value, dict | list):
        field, hint = {"stringValue": json.dumps(value)}, "JSON"
    else:
        raise errors.QueryError(
            f"parameter {name}: {type(value).__name__} is not supported by the Data API; pass None, bool, int, float, "
            "str, bytes, Decimal, date, time, datetime, UUID, or a dict/list (sent as JSON)"
        )
    return {"name": name, "value": field, **({"typeHint": hint} if hint else {})}


def from_field(field: Mapping[str, Any], type_name: str = "") -> Any:
    """A result Field as a Python value, using the column's type name for what arrives as a string."""
    if field.get("isNull"):
        return None
    if "arrayValue" in field:
        return from_array(field["arrayValue"])
    for key in ("booleanValue", "longValue", "doubleValue", "blobValue"):
        if key in field:
            return field[key]
    text = field.get("stringValue")
    kind = type_name.lower()
    try:
        if kind in ("numeric", "decimal"):
            return Decimal(text)
        if kind == "date":
            return dt.date.fromisoformat(text)
        if kind in ("timestamp", "timestamptz", "datetime"):
            return dt.datetime.fromisoformat(text)
        if kind in ("time", "timetz"):
            return dt.time.fromisoformat(text)
        if kind in ("json", "jsonb"):
            return json.loads(text)
        if kind == "uuid":
            return uuid.UUID(text)
    except (ValueError, ArithmeticError):
        pass  # an unexpected format: hand over the text rather than fail the query
    return text


def from_array(array: Mapping[str, Any]) -> list[Any]:
    if "arrayValues" in array:
        return [from_array(a) for a in array["arrayValues"]]
    return next(iter(array.values()), [])


class DataApiClient:
    """The container's Data API client: a boto3 client made on first use, and the open transaction's ID."""

    def __init__(self, settings: Settings) -> None:
        if not settings.cluster_arn or not settings.secret_arn:
            raise errors.ConfigurationError("DB_ACCESS=data-api needs DB_CLUSTER_ARN and DB_SECRET_ARN")
        self.settings = settings
        self.client: Any = None
        self.transaction_id: str | None = None
        self.stats: Counter[str] = Counter()

    def _api(self, deadline: Deadline) -> Any:
        if self.client is None:
            import boto3  # lazy: only the first statement pays for it
            from botocore.config import Config

            budget = max(1.0, deadline.remaining())
            config = Config(
                connect_timeout=min(self.settings.connect_timeout_s, budget),
                read_timeout=budget,
                retries={"mode": "standard", "max_attempts": 2},
            )
            self.client = boto3.client("rds-data", config=config)
            self.stats["connects"] += 1
            event("connect", access="data-api", read_timeout_s=round(budget, 1))
        else:
            self.stats["reuses"] += 1
        return self.client

    def _call(self, operation: str, deadline: Deadline, **request: Any) -> dict[str, Any]:
        """Call the Data API, retrying a resuming or unavailable cluster until the budget runs out."""
        from botocore.exceptions import BotoCoreError, ClientError

        request = {"resourceArn": self.settings.cluster_arn, "secretArn": self.settings.secret_arn, **request}
        attempt = 0
        while True:
            client = self._api(deadline)
            try:
                return getattr(client, operation)(**request)
            except ClientError as err:
                name = err.response.get("Error", {}).get("Code", "")
                pause = random.uniform(0, min(RETRY_CAP_S, 0.05 * 2**attempt))
                if name in RETRYABLE and pause < deadline.remaining():
                    attempt += 1
                    self.stats["retries"] += 1
                    event("retry", logging.DEBUG, attempt=attempt, reason=name, sleep_ms=round(pause * 1000, 1))
                    time.sleep(pause)
                    continue
                raise self._error(err, name) from err
            except BotoCoreError as err:  # no answer: endpoint unreachable, read timeout
                timed_out = "timeout" in type(err).__name__.lower() or "timed out" in str(err)
                cls = errors.QueryTimeout if timed_out and "Read" in type(err).__name__ else errors.Unavailable
                raise cls(f"data-api {operation}: {err}") from err

    def _error(self, err: Any, name: str) -> errors.DatabaseError:
        message = err.response.get("Error", {}).get("Message", "") or str(err)
        found = SQLSTATE.search(message)
        state = found.group(1) if found else None
        text = f"data-api: {name}: {message.strip().splitlines()[0] if message.strip() else name}"
        if name in CONFIG:
            return errors.ConfigurationError(f"{text} ({CONFIG[name]})", name)
        if name == "StatementTimeoutException" or state == "57014":
            return errors.QueryTimeout(text, state or name)
        if name in RETRYABLE or name == "TransactionNotFoundException":
            return errors.Unavailable(text, name)
        if state and state.startswith("23"):
            return errors.IntegrityError(text, state)
        return errors.QueryError(text, state or name)

    def run(self, sql: str, params: Any, deadline: Deadline) -> tuple[list[dict[str, Any]], int]:
        text, parameters = to_sql(sql, params)
        request: dict[str, Any] = {"sql": text, "includeResultMetadata": True}
        if parameters:
            request["parameters"] = parameters
        if self.settings.name:
            request["database"] = self.settings.name
        if self.transaction_id:
            request["transactionId"] = self.transaction_id
        response = self._call("execute_statement", deadline, **request)
        columns = response.get("columnMetadata") or []
        names = [c.get("label") or c.get("name") for c in columns]
        types = [c.get("typeName", "") for c in columns]
        rows = [
            {names[i] if i < len(names) else f"col{i}": from_field(f, types[i] if i < len(types) else "") for i, f in enumerate(record)}
            for record in response.get("records") or []
        ]
        count = response.get("numberOfRecordsUpdated") or 0
        return rows, count or len(rows)

    def begin(self, deadline: Deadline) -> None:
        request = {"database": self.settings.name} if self.settings.name else {}
        self.transaction_id = self._call("begin_transaction", deadline, **request)["transactionId"]

    def commit(self, deadline: Deadline) -> None:
        transaction_id, self.transaction_id = self.transaction_id, None
        self._call("commit_transaction", deadline, transactionId=transaction_id)

    def rollback(self, deadline: Deadline) -> None:
        transaction_id, self.transaction_id = self.transaction_id, None
        if transaction_id:
            try:
                self._call("rollback_transaction", deadline, transactionId=transaction_id)
            except errors.DatabaseError as err:  # the Data API rolls back an abandoned transaction itself
                event("rollback", logging.WARNING, error=str(err))

    def end(self) -> None:
        if self.transaction_id:
            event("rollback", logging.WARNING, reason="the invocation ended inside a transaction")
            self.rollback(Deadline.after(1.0))

    def close(self) -> None:
        self.end()
