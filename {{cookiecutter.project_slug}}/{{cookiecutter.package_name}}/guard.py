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

Nothing heavy is imported here: log lines and the ColdStart metric are written by hand in Powertools' formats
(jsonlog.py says why), and boto3 or a database driver load in the code that needs them, on first use.

The time budget's DeadlineExceeded derives from BaseException, not Exception: a route's own ``except Exception:``
cannot swallow it and run on to Lambda's hard timeout; guard still catches it and answers 504.
Errors that carry ``http_status`` (db.errors: Unavailable 503 with Retry-After, QueryTimeout 504, InvalidValue 422)
are answered with that status and their safe message; any other exception is 500 with the trace in the log only.
"""

from __future__ import annotations

import os
import time

from . import apigw
from .apigw import CORRELATION_HEADER, CORRELATION_ID_RE, HttpError, Request, Response, error_response, json_response
from .budget import Budget, DeadlineExceeded, NoTimeLeft, TimeBudgetError, current_budget, time_budget
from .lifecycle import DB_MODULE, SERVICE, end_db, invocation, logger, start_db
from .messages import message_correlation_id, message_id_of, process_one
from .routing import Router, RouteTableError

# typing and collections.abc are read by type checkers only: importing them costs milliseconds of every cold start.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

    from .routing import Route

__all__ = [
    "DB_MODULE",
    "SERVICE",
    "Budget",
    "DeadlineExceeded",
    "HttpError",
    "NoTimeLeft",
    "Request",
    "Response",
    "RouteTableError",
    "TimeBudgetError",
    "current_budget",
    "end_db",
    "http_handler",
    "logger",
    "scheduled_handler",
    "sqs_handler",
    "start_db",
    "time_budget",
]


def __getattr__(name: str) -> Any:
    """``guard.Caller`` and ``guard.requires`` (identity.py) load on first use: unused, they cost no cold start."""
    if name in ("Caller", "requires"):
        from . import identity

        return getattr(identity, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


MAX_BODY_BYTES = int(os.environ.get("MAX_BODY_BYTES") or 256 * 1024)
TIME_BUDGET_MARGIN_MS = int(os.environ.get("TIME_BUDGET_MARGIN_MS") or 500)

WARMUP_SOURCE = "serverless-plugin-warmup"  # serverless-plugin-warmup's default payload: {"source": ...}
WARMUP_RESPONSE = {"warmup": "ok"}


def is_warmup(event: Any) -> bool:
    """A ping from serverless-plugin-warmup: answer it before doing anything else."""
    return isinstance(event, dict) and event.get("source") == WARMUP_SOURCE


def correlation_id(headers: Mapping[str, str], fallback: str) -> str:
    """The caller's x-correlation-id (``headers`` by lower-case name) when it is well-formed, else the request ID."""
    return _checked_correlation_id(headers.get(CORRELATION_HEADER, ""), fallback)


def _checked_correlation_id(given: str, fallback: str) -> str:
    if given and CORRELATION_ID_RE.fullmatch(given):
        return given
    if given:
        logger.warning("ignored a malformed x-correlation-id header", extra={"header_length": len(given)})
    return fallback


def entry(work: Callable[[Mapping[str, Any], Any], Any], not_an_object: str = "") -> Callable[[Any, Any], Any]:
    """The Lambda handler around ``work``: a warm-up ping answered first; an event that is not an object raises
    TypeError(``not_an_object``) when that is given, else is read as ``{}``."""

    def handler(event: Any, context: Any) -> Any:
        if is_warmup(event):
            return WARMUP_RESPONSE
        if not isinstance(event, dict):
            if not_an_object:
                raise TypeError(not_an_object)
            event = {}
        return work(event, context)

    return handler


def read_body(event: Mapping[str, Any], max_body: int | None = None) -> bytes:
    """The decoded request body (apigw.read_body with MAX_BODY_BYTES): 413 when larger, 400 when undecodable."""
    return apigw.read_body(event, MAX_BODY_BYTES if max_body is None else max_body)


def answer_error(err: BaseException, cid: str) -> dict[str, Any] | None:
    """The response for an exception a route let through: its http_status when it has one, else 500.

    The guard's own refusals (HttpError, no time to start, the budget spent) have their answers; an exception that is
    not an Exception (SystemExit, KeyboardInterrupt) has none (None): it goes on to Lambda.
    """
    if isinstance(err, HttpError):
        logger.info("refused the request", extra={"status": err.status, "reason": err.message})
        return error_response(err.status, err.message, cid, err.headers)
    if isinstance(err, NoTimeLeft):
        logger.error("answered 503: no time left to start", extra={"reason": str(err)})
        return error_response(503, "the service is busy, retry later", cid, {"retry-after": "1"})
    if isinstance(err, DeadlineExceeded):
        logger.error("answered 504 before the function timeout", extra={"reason": str(err)})
        return error_response(504, "the request did not finish in time", cid)
    if not isinstance(err, Exception):
        return None
    status = getattr(err, "http_status", None)
    if isinstance(status, int) and 400 <= status <= 599:
        if status >= 500:
            logger.exception("answered from a dependency's error", extra={"status": status})
        else:
            logger.info("refused the request", extra={"status": status, "reason": str(err)[:200]})
        message = getattr(err, "http_message", None) or "the request could not be served"
        return error_response(status, message, cid, getattr(err, "http_headers", None))
    logger.exception("unhandled error")
    return error_response(500, "internal error", cid)


def http_handler(routes: Mapping[str, Mapping[str, Route]]) -> Callable[[Any, Any], Any]:
    """A Lambda handler for API Gateway serving ``routes`` with every guard on (routing.py: paths and parameters).

    A route is ``function(request, **path_parameters)``; it returns a JSON-able body (200) or a Response.
    RouteTableError at import when a route cannot be served.
    """
    router = Router(routes)

    def _serve(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
        started = time.perf_counter()
        fallback = getattr(context, "aws_request_id", "") or "unknown"
        try:
            parts: apigw.Parts | None = apigw.Parts(event, fallback)
            refused = None
        except HttpError as err:
            parts, refused = None, err
        given = parts.header(CORRELATION_HEADER) if parts else ""
        cid = given if given and CORRELATION_ID_RE.fullmatch(given) else parts.request_id if parts else fallback
        method, path = (parts.method, parts.path) if parts else ("", "/")
        with invocation(context, cid, lambda err: answer_error(err, cid)) as run:
            if given and cid != given:
                logger.warning("ignored a malformed x-correlation-id header", extra={"header_length": len(given)})
            if parts is None:
                raise refused
            budget = run.start(TIME_BUDGET_MARGIN_MS)
            try:
                methods, params, route = router.find(path, parts.template, parts.path_params, parts.encoded)
            except KeyError:
                raise HttpError(404, f"no route for {path[:200]}") from None
            except UnicodeDecodeError:
                raise HttpError(400, "the path has a %-escape that is not UTF-8") from None
            function = methods.get(method)
            if function is None:
                allowed = ", ".join(sorted(methods))
                raise HttpError(405, f"{method[:20]} is not allowed on {path[:200]}; allowed: {allowed}", {"allow": allowed})
            body = apigw.read_body(event, MAX_BODY_BYTES)
            request = Request(method, path, parts.headers, apigw.query(event), body, cid, budget, event, params, route)
            needed = getattr(function, "required_scopes", None)  # @requires(...): 401 or 403 before the route runs
            if needed is not None:
                from .identity import check  # loaded only where a route asks for scopes

                check(request.caller, needed)
            result = function(request, **params) if params else function(request)
            answer = result if isinstance(result, Response) else Response(body=result)
            run.answer = json_response(answer.status, answer.body, cid, answer.headers)
        response: dict[str, Any] = run.answer
        elapsed = round((time.perf_counter() - started) * 1000, 1)
        logger.info(
            "request done", extra={"status": response["statusCode"], "method": method[:20], "path": path[:200], "duration_ms": elapsed}
        )
        return response

    return entry(_serve, "the API handler expects an API Gateway event object")


def sqs_handler(process: Callable[[Any, Mapping[str, Any]], None]) -> Callable[[Any, Any], Any]:
    """A Lambda handler for an SQS batch that reports partial failures (ReportBatchItemFailures).

    ``process(body, record)`` gets each message body parsed as JSON; a message that raises, whose body is not
    usable JSON (malformed, too deep, a lone surrogate), or that did not get its turn before the time budget ran
    out goes back to the queue alone (and to the DLQ after maxReceiveCount): its neighbours are not retried. On a
    FIFO queue the first failure fails the rest of the batch, to keep the order. A record without a messageId (no
    SQS record has none) is logged and skipped: it cannot be reported back.
    """

    def _consume(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
        records = event.get("Records")
        if not isinstance(records, list):
            records = []
        failures: list[dict[str, str]] = []
        done = 0
        request_id = getattr(context, "aws_request_id", "") or "unknown"

        def stopped(err: BaseException) -> list[dict[str, str]] | None:
            if not isinstance(err, DeadlineExceeded):
                return None
            left = len(records) - done
            logger.error("time budget spent: returning the unprocessed messages to the queue", extra={"reason": str(err), "left": left})
            return failures

        with invocation(context, request_id, stopped) as run:
            budget = run.start(TIME_BUDGET_MARGIN_MS)
            for record in records:
                budget.check()
                message_id = message_id_of(record)
                if message_id is None:
                    logger.error("skipped a record without a messageId: not an SQS record", extra={"index": done})
                    done += 1
                    continue
                logger.set_correlation_id(message_correlation_id(record, message_id))
                attributes = record.get("attributes")
                fifo = isinstance(attributes, dict) and bool(attributes.get("MessageGroupId"))
                if not process_one(process, record, message_id, logger):
                    failures.append({"itemIdentifier": message_id})
                done += 1
                if fifo and failures:
                    break
        failed = {f["itemIdentifier"] for f in failures}
        for record in records[done:]:
            message_id = message_id_of(record)
            if message_id is not None and message_id not in failed:
                failures.append({"itemIdentifier": message_id})
        logger.set_correlation_id(request_id)
        logger.info("batch done", extra={"messages": len(records), "failed": len(failures)})
        return {"batchItemFailures": failures}

    return entry(_consume)


def event_correlation_id(event: Mapping[str, Any], fallback: str) -> str:
    """A scheduled (EventBridge) event's correlation ID: its event id when well-formed, else the request ID."""
    given = event.get("id")
    return given if isinstance(given, str) and CORRELATION_ID_RE.fullmatch(given) else fallback


def _scheduled_failed(err: BaseException) -> None:
    """A scheduled run's failure is logged and goes on to Lambda (the time budget as TimeBudgetError, which it retries)."""
    if isinstance(err, DeadlineExceeded):
        logger.error("scheduled run stopped: time budget spent", extra={"reason": str(err)})
        raise TimeBudgetError(str(err)) from err
    if isinstance(err, Exception):
        logger.exception("scheduled run failed")


def scheduled_handler(run: Callable[[Mapping[str, Any]], Any]) -> Callable[[Any, Any], Any]:
    """A Lambda handler for a scheduled (or other asynchronous EventBridge) invocation with every guard on.

    ``run(event)`` does the work; ``current_budget()`` tells it how much time is left. Every log line
    carries the event id as correlation ID. A failure is logged and raised again (the time budget as
    TimeBudgetError, an ordinary exception for Lambda's runtime): Lambda retries the invocation and then
    hands the event to the function's failure destination.
    """

    def _run(event: Mapping[str, Any], context: Any) -> Any:
        started = time.perf_counter()
        cid = event_correlation_id(event, getattr(context, "aws_request_id", "") or "unknown")
        with invocation(context, cid, _scheduled_failed) as scheduled:
            scheduled.start(TIME_BUDGET_MARGIN_MS)
            result = run(event)
        logger.info("scheduled run done", extra={"duration_ms": round((time.perf_counter() - started) * 1000, 1)})
        return result

    return entry(_run)
