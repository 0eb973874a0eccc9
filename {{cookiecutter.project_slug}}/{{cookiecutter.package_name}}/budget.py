"""The time budget of one invocation: Lambda's remaining time minus a margin, enforced by a SIGALRM timer.

DeadlineExceeded derives from BaseException, not Exception, on purpose: a route's or a message function's own
``except Exception:`` (a retry loop, a "log and carry on") would otherwise catch it and run on to Lambda's hard
timeout, which answers nothing, logs nothing and bills the whole timeout. guard catches it and answers 504
(API), returns the unprocessed messages to the queue (SQS) or raises TimeBudgetError (scheduled: an ordinary
exception for Lambda's runtime, which retries).
"""

from __future__ import annotations

import _thread
import os
import signal
import sys
import time

# typing is read by type checkers only: importing it costs milliseconds of every cold start.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

DEFAULT_MARGIN_MS = int(os.environ.get("TIME_BUDGET_MARGIN_MS") or 500)

_current_budget: Budget | None = None
_has_alarm = hasattr(signal, "setitimer")
# signal.getsignal wraps the C function to map handlers to an enum, which costs ~1 µs per call for a function.
_getsignal = getattr(getattr(signal, "_signal", None), "getsignal", signal.getsignal)
# Lambda imports and runs handlers in the main thread, the only one where signal handlers run. threading is not
# imported for it (its import costs cold-start time); if other code loaded it already, it knows the main thread.
_threading = sys.modules.get("threading")
_MAIN_THREAD = _threading.main_thread().ident if _threading else _thread.get_ident()


class DeadlineExceeded(BaseException):
    """The work ran past its time budget. A BaseException so that ``except Exception:`` in a route or a message
    function cannot swallow it (the work would run on to Lambda's hard timeout); guard answers 504 for it."""


class NoTimeLeft(DeadlineExceeded):
    """The invocation arrived with less time than the margin: refuse (503) before starting work."""


class TimeBudgetError(RuntimeError):
    """A scheduled run stopped at its time budget: raised to Lambda as an ordinary exception, so it retries."""


class Budget:
    """The deadline of one invocation (monotonic clock): Lambda's remaining time minus the margin."""

    __slots__ = ("alarm", "deadline")

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.alarm = False

    def remaining(self) -> float:
        """Seconds left for the work, e.g. to set a database statement timeout."""
        return max(0.0, self.deadline - time.monotonic())

    def check(self) -> None:
        """Raise DeadlineExceeded when the budget is spent (for loops that can stop between steps)."""
        if time.monotonic() >= self.deadline:
            raise DeadlineExceeded("time budget spent")


def _expired(signum: int, frame: Any) -> None:
    """SIGALRM: the running budget is spent. Outside a budget (a stray signal) it does nothing."""
    if _current_budget is not None:
        raise DeadlineExceeded("time budget spent")


def arm(context: Any, margin_ms: int) -> Budget:
    """Start the invocation's budget: NoTimeLeft when less than the margin is left, else a SIGALRM timer set.

    The timer works in the main thread (where Lambda runs handlers); elsewhere only Budget.check() enforces the
    budget. guard's SIGALRM handler is installed on first use and stays: between invocations no timer runs,
    and a stray signal outside a budget does nothing.
    """
    global _current_budget
    seconds = (context.get_remaining_time_in_millis() - margin_ms) / 1000
    if seconds <= 0:
        raise NoTimeLeft("less time left than the safety margin")
    budget = Budget(time.monotonic() + seconds)
    _current_budget = budget
    if _has_alarm and _thread.get_ident() == _MAIN_THREAD:
        if _getsignal(signal.SIGALRM) is not _expired:  # re-installed if other code replaced it
            try:
                signal.signal(signal.SIGALRM, _expired)
            except ValueError:  # not the main thread after all: Budget.check() only
                return budget
        signal.setitimer(signal.ITIMER_REAL, seconds)
        budget.alarm = True
    return budget


def disarm(budget: Budget) -> None:
    """End the budget: the timer off, no current budget."""
    global _current_budget
    if budget.alarm:
        signal.setitimer(signal.ITIMER_REAL, 0)
    _current_budget = None


class time_budget:
    """``with time_budget(context) as budget:`` gives the work Lambda's remaining time minus a margin, and interrupts
    it (DeadlineExceeded) when that runs out. A class rather than @contextmanager: contextlib costs cold-start time."""

    __slots__ = ("budget",)

    def __init__(self, context: Any, margin_ms: int | None = None) -> None:
        self.budget = arm(context, DEFAULT_MARGIN_MS if margin_ms is None else margin_ms)

    def __enter__(self) -> Budget:
        return self.budget

    def __exit__(self, *exc: object) -> None:
        disarm(self.budget)


def current_budget() -> Budget | None:
    """The running invocation's budget, for code (the db module on its first import) that starts mid-invocation."""
    return _current_budget
