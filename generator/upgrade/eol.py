"""Line endings: a file the user converted (LF to CRLF or back) merges line by line and keeps the user's endings."""

from __future__ import annotations

CRLF, LF = b"\r\n", b"\n"
NAMES = {CRLF: "CRLF", LF: "LF"}


def style(data: bytes) -> bytes | None:
    """CRLF when every line ends so, LF when none does, None when mixed."""
    crlf = data.count(CRLF)
    if not crlf:
        return LF
    return CRLF if crlf == data.count(LF) else None


def converted(ours: bytes, base: bytes | None, theirs: bytes) -> bytes | None:
    """The user's line ending when they converted the generated file to another one, else None."""
    mine, generated = style(ours), style(base if base is not None else theirs)
    if mine is None or generated is None or mine == generated or style(theirs) is None:
        return None
    return mine


def to_lf(data: bytes) -> bytes:
    return data.replace(CRLF, LF)


def to_style(data: bytes, eol: bytes) -> bytes:
    """``data`` with every line ending ``eol``."""
    lf = to_lf(data)
    return lf if eol == LF else lf.replace(LF, eol)
