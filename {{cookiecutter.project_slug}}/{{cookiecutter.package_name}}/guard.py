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
import sys
import time

from . import apigw
from .apigw import CORRELATION_HEADER, CORRELATION_ID_RE, HttpError, Request, Response, error_response, json_response
from .budget import Budget, DeadlineExceeded, NoTimeLeft, TimeBudgetError, arm, current_budget, disarm, time_budget
from .jsonlog import JsonLogger, cold_start_metric
from .messages import message_correlation_id, message_id_of, process_one
from .routing import Router, RouteTableError

# typing and collections.abc are read by type checkers only: importing them costs milliseconds of every cold start.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

    from .routing import Route

__all__ = [
    "Budget",
    "DeadlineExceeded",
    "HttpError",
    "NoTimeLeft",
    "Request",
    "Response",
    "RouteTableError",
    "TimeBudgetError",
    "current_budget",
    "http_handler",
    "logger",
    "scheduled_handler",
    "sqs_handler",
    "time_budget",
]


def __getattr__(name: str) -> Any:
    """``guard.Caller`` and ``guard.requires`` (identity.py) load on first use: unused, they cost no cold start."""
    if name in ("Caller", "requires"):
        from . import identity

        return getattr(identity, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME") or "{{ cookiecutter.project_slug }}"
METRICS_NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or SERVICE
MAX_BODY_BYTES = int(os.environ.get("MAX_BODY_BYTES") or 256 * 1024)
TIME_BUDGET_MARGIN_MS = int(os.environ.get("TIME_BUDGET_MARGIN_MS") or 500)

WARMUP_SOURCE = "serverless-plugin-warmup"  # serverless-plugin-warmup's default payload: {"source": ...}
WARMUP_RESPONSE = {"warmup": "ok"}
DB_MODULE = f"{__package__}.db"

logger = JsonLogger(SERVICE)
_cold_start = os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") != "provisioned-concurrency"


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


def begin(context: Any, cid: str) -> None:
    """Start an invocation's log lines (Lambda context keys, cold_start, ``cid``) and emit the ColdStart metric once."""
    global _cold_start
    cold, _cold_start = _cold_start, False
    logger.start(context, cold)
    logger.set_correlation_id(cid)
    if cold and os.environ.get("POWERTOOLS_METRICS_DISABLED", "").lower() != "true":
        # stdout, as Powertools' single_metric writes it (not through the logger's stream)
        print(cold_start_metric(METRICS_NAMESPACE, SERVICE, getattr(context, "function_name", "local"), cid), flush=True)


def read_body(event: Mapping[str, Any], max_body: int | None = None) -> bytes:
    """The decoded request body (apigw.read_body with MAX_BODY_BYTES): 413 when larger, 400 when undecodable."""
    return apigw.read_body(event, MAX_BODY_BYTES if max_body is None else max_body)


def answer_error(err: BaseException, cid: str) -> dict[str, Any]:
    """The response for an exception a route let through: its http_status when it has one, else 500."""
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
        begin(context, cid)
        if given and cid != given:
            logger.warning("ignored a malformed x-correlation-id header", extra={"header_length": len(given)})
        method, path = (parts.method, parts.path) if parts else ("", "/")
        try:
            if parts is None:
                raise refused
            budget = arm(context, TIME_BUDGET_MARGIN_MS)
            try:
                start_db(budget)
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
                response = json_response(answer.status, answer.body, cid, answer.headers)
            finally:
                disarm(budget)
        except HttpError as err:
            logger.info("refused the request", extra={"status": err.status, "reason": err.message})
            response = error_response(err.status, err.message, cid, err.headers)
        except NoTimeLeft as err:
            logger.error("answered 503: no time left to start", extra={"reason": str(err)})
            response = error_response(503, "the service is busy, retry later", cid, {"retry-after": "1"})
        except DeadlineExceeded as err:
            logger.error("answered 504 before the function timeout", extra={"reason": str(err)})
            response = error_response(504, "the request did not finish in time", cid)
        except Exception as err:
            response = answer_error(err, cid)
        finally:
            end_db()
        elapsed = round((time.perf_counter() - started) * 1000, 1)
        logger.info(
            "request done", extra={"status": response["statusCode"], "method": method[:20], "path": path[:200], "duration_ms": elapsed}
        )
        return response

    def handler(event: Any, context: Any) -> Any:
        if is_warmup(event):
            return WARMUP_RESPONSE
        if not isinstance(event, dict):
            raise TypeError("the API handler expects an API Gateway event object")
        return _serve(event, context)

    return handler


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
        begin(context, request_id)
        try:
            with time_budget(context, TIME_BUDGET_MARGIN_MS) as budget:
                start_db(budget)
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
        except DeadlineExceeded as err:
            logger.error(
                "time budget spent: returning the unprocessed messages to the queue",
                extra={"reason": str(err), "left": len(records) - done},
            )
        finally:
            end_db()
        failed = {f["itemIdentifier"] for f in failures}
        for record in records[done:]:
            message_id = message_id_of(record)
            if message_id is not None and message_id not in failed:
                failures.append({"itemIdentifier": message_id})
        logger.set_correlation_id(request_id)
        logger.info("batch done", extra={"messages": len(records), "failed": len(failures)})
        return {"batchItemFailures": failures}

    def handler(event: Any, context: Any) -> Any:
        if is_warmup(event):
            return WARMUP_RESPONSE
        return _consume(event if isinstance(event, dict) else {}, context)

    return handler


def event_correlation_id(event: Mapping[str, Any], fallback: str) -> str:
    """A scheduled (EventBridge) event's correlation ID: its event id when well-formed, else the request ID."""
    given = event.get("id")
    return given if isinstance(given, str) and CORRELATION_ID_RE.fullmatch(given) else fallback


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
        begin(context, cid)
        try:
            with time_budget(context, TIME_BUDGET_MARGIN_MS) as budget:
                start_db(budget)
                result = run(event)
        except DeadlineExceeded as err:
            logger.error("scheduled run stopped: time budget spent", extra={"reason": str(err)})
            raise TimeBudgetError(str(err)) from err
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
        return _run(event if isinstance(event, dict) else {}, context)

    return handler
