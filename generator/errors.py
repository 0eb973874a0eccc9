"""One error hierarchy: every failure a user can cause is a UserError with a fix.

Exit codes mean one thing each (README, "Commands"): 0 fine; 1 findings or conflicts (the audit's errors, a cost
above ``--max-hourly``, an upgrade that left conflict markers or is behind under ``--check``); 2 unusable input
(``UserError``); 70 an internal error, a bug in slsguard (``INTERNAL_ERROR``, sysexits' EX_SOFTWARE); 130 the user
stopped it (Ctrl-C, a refused confirmation); 128 + N a signal N (143 for SIGTERM).
"""

from __future__ import annotations

FINDINGS = 1
UNUSABLE_INPUT = 2
INTERNAL_ERROR = 70  # sysexits.h EX_SOFTWARE: never 1, which scripts read as "the audit found errors"
STOPPED = 130


class SlsguardError(Exception):
    """Base of every error slsguard raises on purpose."""

    exit_code = FINDINGS


class UserError(SlsguardError):
    """A mistake the user can fix: printed as one line plus the fix, never a traceback."""

    exit_code = UNUSABLE_INPUT

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        """One line whatever the message quotes: control, line-breaking and bidi characters are escaped."""
        from .printable import printable  # here, not at the top: errors.py stays free of imports

        return printable(f"{self.message} {self.hint}".strip())


class Interrupted(SlsguardError):
    """The user pressed Ctrl-C, closed input or declined the summary; nothing was written."""

    exit_code = STOPPED


class UpgradeConflict(SlsguardError):
    """An upgrade finished but left conflict markers for the user to resolve."""

    exit_code = FINDINGS
