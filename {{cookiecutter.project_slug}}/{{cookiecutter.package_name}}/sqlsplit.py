"""Split a migration file into single statements: every access path sends one statement per call.

The Data API's ExecuteStatement and the drivers' parameter protocols take one statement at a time, so the
runner cuts a file at each terminator that is outside quotes, comments and PostgreSQL dollar-quoted bodies.
MySQL files may use the mysql client's ``DELIMITER //`` lines around routine bodies.
"""

from __future__ import annotations

import re

DELIMITER = re.compile(r"[ \t]*DELIMITER[ \t]+(\S+)[ \t]*(?:\n|$)", re.IGNORECASE)
DOLLAR = re.compile(r"\$[A-Za-z_]*\$")
LEADING = re.compile(r"(?:\s+|--[^\n]*|/\*.*?\*/)*", re.DOTALL)


def split(sql: str, engine: str) -> list[tuple[int, str]]:
    """(line, statement) pairs; the line is where the statement's code starts, for error messages."""
    out: list[tuple[int, str]] = []
    start, i, n, end = 0, 0, len(sql), ";"
    quotes = "'\"`" if engine == "mysql" else "'\""
    while i < n:
        char = sql[i]
        if engine == "mysql" and (i == 0 or sql[i - 1] == "\n"):
            found = DELIMITER.match(sql, i)
            if found:
                _add(out, sql, start, i)
                end = found.group(1)
                i = start = found.end()
                continue
        if sql.startswith("--", i):
            stop = sql.find("\n", i)
            i = n if stop < 0 else stop
        elif sql.startswith("/*", i):
            stop = sql.find("*/", i + 2)
            i = n if stop < 0 else stop + 2
        elif char in quotes:
            i += 1
            while i < n and not (sql[i] == char and not sql.startswith(char * 2, i)):
                escaped = sql[i] == "\\" and engine == "mysql" and char != "`"
                i += 2 if escaped or sql.startswith(char * 2, i) else 1
            i += 1
        elif engine == "postgres" and (tag := DOLLAR.match(sql, i)):
            stop = sql.find(tag.group(0), tag.end())
            i = n if stop < 0 else stop + len(tag.group(0))
        elif sql.startswith(end, i):
            _add(out, sql, start, i)
            i = start = i + len(end)
        else:
            i += 1
    _add(out, sql, start, n)
    return out


def _add(out: list[tuple[int, str]], sql: str, start: int, stop: int) -> None:
    """Keep a statement (without the comments before it) and the line its code starts on."""
    code = LEADING.match(sql, start, stop).end()  # type: ignore[union-attr]
    if code < stop:
        out.append((sql.count("\n", 0, code) + 1, sql[code:stop].strip()))
