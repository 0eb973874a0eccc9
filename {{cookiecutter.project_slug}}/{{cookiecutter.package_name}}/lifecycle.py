"""What every invocation goes through before and after its work, whatever triggered it: one context manager.

``with invocation(context, cid, on_error) as run:`` starts the invocation's log lines (Lambda context keys,
cold_start, the correlation ID) and emits the ColdStart metric once per container; ``run.start(margin_ms)`` arms
the time budget and bounds the database by it; leaving, whatever happened, it disarms the budget, hands an
exception to ``on_error`` and lets the database module decide about its connection. guard.py's three handler
factories (HTTP, SQS, scheduled) are built on it; what differs between them is the work and ``on_error``.

Environment: POWERTOOLS_SERVICE_NAME (default: {{ cookiecutter.project_slug }}), POWERTOOLS_METRICS_NAMESPACE
(default: the service name), POWERTOOLS_METRICS_DISABLED ("true" turns the ColdStart metric off).
"""

from __future__ import annotations

import os
import sys

from .budget import arm, disarm
from .jsonlog import JsonLogger, cold_start_metric

# typing and collections.abc are read by type checkers only: importing them costs milliseconds of every cold start.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from .budget import Budget

SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME") or "{{ cookiecutter.project_slug }}"
METRICS_NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or SERVICE
DB_MODULE = f"{__package__}.db"

logger = JsonLogger(SERVICE)
_cold_start = os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") != "provisioned-concurrency"


def begin(context: Any, cid: str) -> None:
    """Start an invocation's log lines (Lambda context keys, cold_start, ``cid``) and emit the ColdStart metric once."""
    global _cold_start
    cold, _cold_start = _cold_start, False
    logger.start(context, cold)
    logger.set_correlation_id(cid)
    if cold and os.environ.get("POWERTOOLS_METRICS_DISABLED", "").lower() != "true":
        # stdout, as Powertools' single_metric writes it (not through the logger's stream)
        print(cold_start_metric(METRICS_NAMESPACE, SERVICE, getattr(context, "function_name", "local"), cid), flush=True)


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


class invocation:
    """Setup and teardown of one invocation (the module's docstring says what each step does).

    ``on_error(exception)`` answers an exception that left the work: what it returns is kept in ``run.answer`` and
    ends the exception there; None lets it go on to Lambda; an exception it raises goes in its place. The budget is
    disarmed before ``on_error`` runs (no timer fires while the answer is written) and the database ends after it.
    A class rather than @contextmanager: contextlib costs cold-start time.
    """

    __slots__ = ("answer", "budget", "context", "on_error")

    def __init__(self, context: Any, cid: str, on_error: Callable[[BaseException], Any]) -> None:
        begin(context, cid)
        self.context, self.on_error = context, on_error
        self.budget: Budget | None = None
        self.answer: Any = None

    def __enter__(self) -> invocation:
        return self

    def start(self, margin_ms: int) -> Budget:
        """Arm the time budget (NoTimeLeft when less than ``margin_ms`` is left) and bound the database by it."""
        self.budget = arm(self.context, margin_ms)
        start_db(self.budget)
        return self.budget

    def __exit__(self, kind: object, err: BaseException | None, trace: object) -> bool:
        try:
            if self.budget is not None:
                disarm(self.budget)
            if err is None:
                return False
            self.answer = self.on_error(err)
            return self.answer is not None
        finally:
            end_db()
