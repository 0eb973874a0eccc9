"""A signal (SIGTERM, SIGINT, SIGHUP) leaves nothing behind.

``slsguard`` turns each signal into an exception (KeyboardInterrupt for SIGINT, ``Terminated`` for the others), so
every ``except BaseException`` cleanup runs: the render's staging folder is removed, a transaction rolls back. While a
step cannot be interrupted cleanly (cookiecutter running its hooks in child processes, the final renames of a
transaction), the signal is held and raised as soon as the step ends: a hook never writes into a folder that is
being removed. Library callers that never call ``install()`` keep Python's own signal handling.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from types import FrameType

HANDLED = ("SIGTERM", "SIGINT", "SIGHUP")
_pending: list[int] = []
_held = 0


class Terminated(BaseException):
    """The process was asked to stop (SIGTERM, SIGHUP); a BaseException so that only cleanups catch it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _raise(signum: int) -> None:
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise Terminated(signum)


def _handler(signum: int, frame: FrameType | None) -> None:
    if _held:
        _pending.append(signum)
        return
    _raise(signum)


def install() -> None:
    """Route the handled signals through ``_handler`` (the command line does this; a library caller need not)."""
    for name in HANDLED:
        sig = getattr(signal, name, None)
        if sig is not None:
            signal.signal(sig, _handler)


@contextlib.contextmanager
def held() -> Iterator[None]:
    """Run a step that must not be cut in half; a signal that arrives meanwhile is raised when it ends."""
    global _held
    _held += 1
    try:
        yield
    finally:
        _held -= 1
        if not _held and _pending:
            signum = _pending[0]
            _pending.clear()
            _raise(signum)


def take() -> BaseException | None:
    """The exception for a signal held so far (and forget it), or None: lets a held step undo itself before stopping."""
    if not _pending:
        return None
    signum = _pending[0]
    _pending.clear()
    return KeyboardInterrupt() if signum == signal.SIGINT else Terminated(signum)
