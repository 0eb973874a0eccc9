"""Runtime mitigations every handler goes through: warm-up short-circuit, correlation IDs in every
log line, a time budget that answers before Lambda kills the invocation, request limits, and error
answers that never leak a stack trace.

Environment variables (set in serverless.yml; the defaults suit local runs and tests):
  POWERTOOLS_SERVICE_NAME       service name on every log line and metric (default: {{ cookiecutter.project_slug }})
  POWERTOOLS_LOG_LEVEL          log level (default INFO; Lambda's own AWS_LAMBDA_LOG_LEVEL wins when set)
  POWERTOOLS_METRICS_NAMESPACE  CloudWatch namespace of the ColdStart metric (default: the service name)
  POWERTOOLS_METRICS_DISABLED   "true" turns the ColdStart metric off
  MAX_BODY_BYTES                largest request body the API accepts, after base64 decoding (default 262144); larger: 413
  TIME_BUDGET_MARGIN_MS         time kept back from Lambda's remaining time to answer and log (default 500)

Only the Powertools Logger and single_metric are imported here: anything heavier (boto3, a database
driver) is imported by the code that needs it, on first use, so the cold start stays short.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from aws_lambda_powertools import Logger

SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME") or "{{ cookiecutter.project_slug }}"
METRICS_NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or SERVICE
MAX_BODY_BYTES = int(os.environ.get("MAX_BODY_BYTES") or 256 * 1024)
TIME_BUDGET_MARGIN_MS = int(os.environ.get("TIME_BUDGET_MARGIN_MS") or 500)

WARMUP_SOURCE = "serverless-plugin-warmup"  # serverless-plugin-warmup's default payload: {"source": ...}
WARMUP_RESPONSE = {"warmup": "ok"}
CORRELATION_HEADER = "x-correlation-id"
# What a client may send as a correlation ID: short, printable, no spaces (no log or header injection).
CORRELATION_ID_RE = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")  # used with fullmatch: "$" would let a final newline in
DB_MODULE = f"{__package__}.db"

logger = Logger(service=SERVICE)
_cold_start = os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") != "provisioned-concurrency"
_current_budget: Budget | None = None


class HttpError(Exception):
    """A client mistake answered with a 4xx status and a message that is safe to show."""

    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})


class DeadlineExceeded(Exception):
    """The work ran past its time budget; raised so the handler can still answer (504) and log."""


class NoTimeLeft(DeadlineExceeded):
    """The invocation arrived with less time than the margin: refuse (503) before starting work."""


class Budget:
    """The deadline of one invocation (monotonic clock): Lambda's remaining time minus the margin."""

    __slots__ = ("deadline",)

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline

    def remaining(self) -> float:
        """Seconds left for the work, e.g. to set a database statement timeout."""
        return max(0.0, self.deadline - time.monotonic())

    def check(self) -> None:
        """Raise DeadlineExceeded when the budget is spent (for loops that can stop between steps)."""
        if time.monotonic() >= self.deadline:
            raise DeadlineExceeded("time budget spent")


class Request:
    """One HTTP request, the same for API Gateway REST (payload v1) and HTTP API (payload v2) events.

    Plain classes rather than dataclasses here and below: importing dataclasses costs cold-start time.
    """

    __slots__ = ("body", "budget", "correlation_id", "event", "headers", "method", "path", "query")

    def __init__(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        query: dict[str, str],
        body: bytes,
        correlation_id: str,
        budget: Budget,
        event: Mapping[str, Any],
    ) -> None:
        self.method, self.path, self.headers, self.query = method, path, headers, query
        self.body, self.correlation_id, self.budget, self.event = body, correlation_id, budget, event

    def json(self) -> Any:
        """The body parsed as JSON; malformed or empty bodies are the client's mistake (400)."""
        if not self.body:
            raise HttpError(400, "the request body must be JSON and is empty")
        try:
            return json.loads(self.body)
        except ValueError as err:  # JSONDecodeError and UnicodeDecodeError
            raise HttpError(400, f"the request body is not valid JSON: {err}") from None


class Response:
    """What a route returns when 200 with a JSON body is not the answer."""

    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int = 200, body: Any = None, headers: Mapping[str, str] | None = None) -> None:
        self.status, self.body, self.headers = status, body, dict(headers or {})


def is_warmup(event: Any) -> bool:
    """A ping from serverless-plugin-warmup: answer it before doing anything else."""
    return isinstance(event, Mapping) and event.get("source") == WARMUP_SOURCE


def correlation_id(headers: Mapping[str, str], fallback: str) -> str:
    """The caller's x-correlation-id when it is well-formed, else the request ID."""
    given = headers.get(CORRELATION_HEADER, "")
    if given and CORRELATION_ID_RE.fullmatch(given):
        return given
    if given:
        logger.warning("ignored a malformed x-correlation-id header", extra={"header_length": len(given)})
    return fallback


@contextmanager
def time_budget(context: Any, margin_ms: int | None = None) -> Iterator[Budget]:
    """Give the work Lambda's remaining time minus a margin, and interrupt it when that runs out.

    In the main thread (where Lambda runs handlers) a SIGALRM timer raises DeadlineExceeded inside
    the work, even inside a blocking socket read; elsewhere only Budget.check() enforces it.
    """
    margin = TIME_BUDGET_MARGIN_MS if margin_ms is None else margin_ms
    seconds = (context.get_remaining_time_in_millis() - margin) / 1000
    if seconds <= 0:
        raise NoTimeLeft("less time left than the safety margin")
    global _current_budget
    budget = Budget(time.monotonic() + seconds)
    _current_budget = budget
    use_alarm = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    previous = None
    if use_alarm:

        def _expired(signum: int, frame: Any) -> None:
            raise DeadlineExceeded("time budget spent")

        previous = signal.signal(signal.SIGALRM, _expired)
        signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield budget
    finally:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        _current_budget = None


def current_budget() -> Budget | None:
    """The running invocation's budget, for code (the db module on its first import) that starts mid-invocation."""
    return _current_budget


def start_db(budget: Budget) -> None:
    """Bound the database's connects, retries and statements by this invocation's budget, if db is loaded.

    On a container's first use db is imported later, inside the work: it can read current_budget() then.
    """
    set_deadline = getattr(sys.modules.get(DB_MODULE), "set_deadline", None)
    if set_deadline is None:
        return
    try:
        set_deadline(budget)
    except Exception:
        logger.exception("setting the database deadline failed")


def end_db() -> None:
    """Let the database module decide whether to keep its connection, if this invocation used it."""
    db = sys.modules.get(DB_MODULE)
    if db is None:
        return
    try:
        db.end()
    except Exception:
        logger.exception("closing the database connection failed")


def record_cold_start(context: Any, correlation: str) -> None:
    """Emit one ColdStart metric (CloudWatch EMF, no API call) on the first invocation of an environment."""
    global _cold_start
    if not _cold_start:
        return
    _cold_start = False
    if os.environ.get("POWERTOOLS_METRICS_DISABLED", "").lower() == "true":
        return
    from aws_lambda_powertools.metrics import MetricUnit, single_metric

    with single_metric(name="ColdStart", unit=MetricUnit.Count, value=1, namespace=METRICS_NAMESPACE) as metric:
        metric.add_dimension(name="service", value=SERVICE)
        metric.add_dimension(name="function_name", value=getattr(context, "function_name", "local"))
        metric.add_metadata(key="correlation_id", value=correlation)


def json_response(status: int, body: Any, correlation: str, headers: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A Lambda proxy response, valid for both REST (v1) and HTTP API (v2) integrations."""
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json", **(headers or {}), CORRELATION_HEADER: correlation},
        "body": json.dumps(body, default=str, separators=(",", ":")),
        "isBase64Encoded": False,
    }


def error_response(status: int, message: str, correlation: str, headers: Mapping[str, str] | None = None) -> dict[str, Any]:
    """An error answer: a short message and the correlation ID, never a stack trace."""
    return json_response(status, {"error": message, "correlation_id": correlation}, correlation, headers)


def http_parts(event: Mapping[str, Any], context: Any) -> tuple[str, str, dict[str, str], str]:
    """Method, path, lower-cased headers and request ID of a REST (payload v1) or HTTP API (payload v2) event."""
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    ctx = event.get("requestContext") or {}
    if event.get("version") == "2.0":
        method, path = (ctx.get("http") or {}).get("method", ""), event.get("rawPath") or "/"
    else:
        method, path = event.get("httpMethod") or "", event.get("path") or "/"
    request_id = ctx.get("requestId") or getattr(context, "aws_request_id", "") or "unknown"
    return str(method).upper(), str(path), headers, request_id


def read_body(event: Mapping[str, Any], max_body: int | None = None) -> bytes:
    """The decoded request body; oversized (413) or undecodable (400) bodies stop here, before any parsing."""
    limit = MAX_BODY_BYTES if max_body is None else max_body
    raw = event.get("body") or ""
    if len(raw) > limit * 4 // 3 + 4:  # refuse a huge body before spending time decoding it
        raise HttpError(413, f"the request body is larger than {limit} bytes")
    if event.get("isBase64Encoded"):
        try:
            body = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            raise HttpError(400, "the request body is not valid base64") from None
    else:
        body = raw.encode("utf-8", "surrogatepass")
    if len(body) > limit:
        raise HttpError(413, f"the request body is larger than {limit} bytes")
    return body


Route = Callable[[Request], Any]


def find_route(routes: Mapping[str, Mapping[str, Route]], method: str, path: str) -> Route:
    """The function for this path and method: unknown path 404, known path with another method 405."""
    methods = routes.get(path)
    if methods is None:
        raise HttpError(404, f"no route for {path[:200]}")
    if method not in methods:
        allowed = ", ".join(sorted(methods))
        raise HttpError(405, f"{method} is not allowed on {path[:200]}; allowed: {allowed}", {"allow": allowed})
    return methods[method]


def http_handler(routes: Mapping[str, Mapping[str, Route]]) -> Callable[[Any, Any], Any]:
    """A Lambda handler for API Gateway serving ``routes`` ({path: {method: function}}) with every guard on."""

    @logger.inject_lambda_context(clear_state=True)
    def _serve(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
        started = time.perf_counter()
        method, path, headers, request_id = http_parts(event, context)
        path = path.rstrip("/") or "/"
        cid = correlation_id(headers, request_id)
        logger.set_correlation_id(cid)
        record_cold_start(context, cid)
        try:
            with time_budget(context) as budget:
                start_db(budget)
                function = find_route(routes, method, path)
                query = dict(event.get("queryStringParameters") or {})
                request = Request(method, path, headers, query, read_body(event), cid, budget, event)
                result = function(request)
            answer = result if isinstance(result, Response) else Response(body=result)
            response = json_response(answer.status, answer.body, cid, answer.headers)
        except HttpError as err:
            logger.info("refused the request", extra={"status": err.status, "reason": err.message})
            response = error_response(err.status, err.message, cid, err.headers)
        except NoTimeLeft as err:
            logger.error("answered 503: no time left to start", extra={"reason": str(err)})
            response = error_response(503, "the service is busy, retry later", cid, {"retry-after": "1"})
        except DeadlineExceeded as err:
            logger.error("answered 504 before the function timeout", extra={"reason": str(err)})
            response = error_response(504, "the request did not finish in time", cid)
        except Exception:
            logger.exception("unhandled error")
            response = error_response(500, "internal error", cid)
        finally:
            end_db()
        elapsed = round((time.perf_counter() - started) * 1000, 1)
        logger.info("request done", extra={"status": response["statusCode"], "method": method, "path": path[:200], "duration_ms": elapsed})
        return response

    def handler(event: Any, context: Any) -> Any:
        if is_warmup(event):
            return WARMUP_RESPONSE
        if not isinstance(event, Mapping):
            raise TypeError("the API handler expects an API Gateway event object")
        return _serve(event, context)

    return handler


def message_correlation_id(record: Mapping[str, Any]) -> str:
    """An SQS message's correlation ID: its x-correlation-id (or correlation_id) attribute, else its message ID."""
    attributes = {str(k).lower(): v for k, v in (record.get("messageAttributes") or {}).items()}
    for name in (CORRELATION_HEADER, "correlation_id"):
        value = (attributes.get(name) or {}).get("stringValue") or ""
        if CORRELATION_ID_RE.fullmatch(value):
            return value
    return str(record.get("messageId") or "unknown")


def _process_one(process: Callable[[Any, Mapping[str, Any]], None], record: Mapping[str, Any]) -> bool:
    """Run ``process`` on one message; False when it must go back to the queue. DeadlineExceeded passes through."""
    message_id = record.get("messageId")
    try:
        body = json.loads(record.get("body") or "")
    except ValueError as err:
        logger.error("message body is not valid JSON", extra={"message_id": message_id, "reason": str(err)})
        return False
    try:
        process(body, record)
    except DeadlineExceeded:
        raise
    except Exception:
        logger.exception("message failed", extra={"message_id": message_id})
        return False
    return True


def sqs_handler(process: Callable[[Any, Mapping[str, Any]], None]) -> Callable[[Any, Any], Any]:
    """A Lambda handler for an SQS batch that reports partial failures (ReportBatchItemFailures).

    ``process(body, record)`` gets each message body parsed as JSON; a message that raises, is not JSON,
    or did not get its turn before the time budget ran out goes back to the queue (and to the DLQ after
    maxReceiveCount). On a FIFO queue the first failure fails the rest of the batch, to keep the order.
    """

    @logger.inject_lambda_context(clear_state=True)
    def _consume(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
        records = list(event.get("Records") or [])
        failures: list[dict[str, str]] = []
        done = 0
        request_id = getattr(context, "aws_request_id", "") or "unknown"
        logger.set_correlation_id(request_id)
        record_cold_start(context, request_id)
        try:
            with time_budget(context) as budget:
                start_db(budget)
                for record in records:
                    budget.check()
                    cid = message_correlation_id(record)
                    logger.set_correlation_id(cid)
                    fifo = bool((record.get("attributes") or {}).get("MessageGroupId"))
                    if not _process_one(process, record):
                        failures.append({"itemIdentifier": record["messageId"]})
                    done += 1
                    if fifo and failures:
                        break
        except DeadlineExceeded as err:
            logger.error(
                "time budget spent: returning the unprocessed messages to the queue",
                extra={"reason": str(err), "left": len(records) - done},
            )
        finally:
            end_db()
        failed = {f["itemIdentifier"] for f in failures}
        failures.extend({"itemIdentifier": r["messageId"]} for r in records[done:] if r["messageId"] not in failed)
        logger.set_correlation_id(request_id)
        logger.info("batch done", extra={"messages": len(records), "failed": len(failures)})
        return {"batchItemFailures": failures}

    def handler(event: Any, context: Any) -> Any:
        if is_warmup(event):
            return WARMUP_RESPONSE
        return _consume(event if isinstance(event, Mapping) else {}, context)

    return handler


def event_correlation_id(event: Mapping[str, Any], fallback: str) -> str:
    """A scheduled (EventBridge) event's correlation ID: its event id when well-formed, else the request ID."""
    given = str(event.get("id") or "")
    return given if CORRELATION_ID_RE.fullmatch(given) else fallback


def scheduled_handler(run: Callable[[Mapping[str, Any]], Any]) -> Callable[[Any, Any], Any]:
    """A Lambda handler for a scheduled (or other asynchronous EventBridge) invocation with every guard on.

    ``run(event)`` does the work; ``current_budget()`` tells it how much time is left. Every log line
    carries the event id as correlation ID. A failure, the time budget included, is logged and raised
    again: Lambda retries the invocation and then hands the event to the function's failure destination.
    """

    @logger.inject_lambda_context(clear_state=True)
    def _run(event: Mapping[str, Any], context: Any) -> Any:
        started = time.perf_counter()
        cid = event_correlation_id(event, getattr(context, "aws_request_id", "") or "unknown")
        logger.set_correlation_id(cid)
        record_cold_start(context, cid)
        try:
            with time_budget(context) as budget:
                start_db(budget)
                result = run(event)
        except DeadlineExceeded as err:
            logger.error("scheduled run stopped: time budget spent", extra={"reason": str(err)})
            raise
        except Exception:
            logger.exception("scheduled run failed")
            raise
        finally:
            end_db()
        logger.info("scheduled run done", extra={"duration_ms": round((time.perf_counter() - started) * 1000, 1)})
        return result

    def handler(event: Any, context: Any) -> Any:
        if is_warmup(event):
            return WARMUP_RESPONSE
        return _run(event if isinstance(event, Mapping) else {}, context)

    return handler
