"""One error hierarchy: every failure a user can cause is a UserError with a fix."""

from __future__ import annotations


class SlsguardError(Exception):
    """Base of every error slsguard raises on purpose."""

    exit_code = 1


class UserError(SlsguardError):
    """A mistake the user can fix: printed as one line plus the fix, never a traceback."""

    exit_code = 2

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        """One line whatever the message quotes: control, line-breaking and bidi characters are escaped."""
        from .printable import printable  # here, not at the top: errors.py stays free of imports

        return printable(f"{self.message} {self.hint}".strip())


class Interrupted(SlsguardError):
    """The user pressed Ctrl-C or closed input; nothing was written."""

    exit_code = 130


class UpgradeConflict(SlsguardError):
    """An upgrade finished but left conflict markers for the user to resolve."""

    exit_code = 1
