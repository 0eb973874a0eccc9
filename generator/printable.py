"""Text from a file (a template value, a key, a path) made safe to print on one terminal line.

A value a template or a cloned repository carries must never start a new line of slsguard's output (a forged
``::error::`` GitHub annotation, a fake "0 errors" summary) nor send an escape sequence to the terminal (ANSI
colours, cursor moves, title changes) nor reorder what is shown (bidi overrides, "Trojan Source"). Every such
character is written as a visible escape: ``\\n``, ``\\r``, ``\\t``, ``\\x1b``, ``\\u2028``, ``\\u202e``.
A backslash stays as it is: the escapes are for reading, not for round trips (JSON and SARIF escape by themselves).
"""

from __future__ import annotations

import re

# C0 controls and DEL, C1 controls, the Unicode line and paragraph separators, and the bidirectional formatting
# characters (LRM/RLM/ALM marks, LRE..RLO embeddings and overrides, LRI..PDI isolates); U+FEFF (a BOM inside
# text, invisible) too. Tab is escaped as well: a report's columns are its own.
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")
NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in NAMED:
        return NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def printable(value: object) -> str:
    """``str(value)`` with every control, line-breaking and bidi character written as a visible escape."""
    text = value if isinstance(value, str) else str(value)
    return UNSAFE.sub(_escape, text) if UNSAFE.search(text) else text
