"""JSON with the bounds: nesting depth, keys and number lengths counted before ``json`` builds anything, duplicate
keys refused by name and line."""

from __future__ import annotations

import json
import re
from typing import Any

from ..errors import UserError
from ..printable import printable
from .limits import DEPTH, DUPLICATE_FIX, INT_DIGITS, SYNTAX_FIX, Refused, error, over

_KEY_END = re.compile(r'"[ \t\n\r]*:')  # how every object key ends (strings may match too: then counted more)
_TOKEN = re.compile(r'("[^"\\]*(?:\\.[^"\\]*)*")(\s*:)?|[\[\]{}]')


def _shape(value: Any) -> tuple[bool, int]:
    """(nests deeper than DEPTH, keys in all objects) of parsed JSON: one level at a time, containers only."""
    level, depth, keys = [value], 0, 0
    while level:
        depth += 1
        if depth > DEPTH.value:
            return True, keys
        below: list[Any] = []
        for node in level:
            if type(node) is dict:
                keys += len(node)
                below.extend([c for c in node.values() if type(c) is dict or type(c) is list])
            else:
                below.extend([c for c in node if type(c) is dict or type(c) is list])
        level = below
    return False, keys


def _json_line(text: str, ordinal: int, key: str) -> int | None:
    """The line of ``key``'s second occurrence in the ``ordinal``-th object to close (objects close in text order)."""
    frames: list[list[tuple[str, int]] | None] = []
    closed = 0
    for m in _TOKEN.finditer(text):
        token = m.group()
        if token in "[{":
            frames.append([] if token == "{" else None)
        elif token in "]}":
            frame = frames.pop() if frames else None
            if token == "}":
                closed += 1
                if closed == ordinal and frame is not None:
                    places = [at for name, at in frame if name == key]
                    return text.count("\n", 0, places[1]) + 1 if len(places) > 1 else None
        elif m.group(2) and frames and frames[-1] is not None:
            frames[-1].append((json.loads(m.group(1)), m.start()))
    return None


def parse_json(text: str, source: object, fix: str = SYNTAX_FIX) -> Any:
    """JSON with the depth, number-length and duplicate-key checks; UserError naming ``source`` otherwise.

    The fast path parses without a per-object hook: every key written ends with ``"`` and a colon, so the text has
    at least as many of those as keys written, and a key written twice leaves fewer in the result. Only when the
    two counts differ (a repeated key, or a string holding ``":``) is the text parsed again with the hook that names
    the key.
    """
    closed = 0

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal closed
        closed += 1
        out = dict(items)
        if len(out) != len(items):
            seen: set[str] = set()
            key = next(k for k, _ in items if k in seen or seen.add(k))  # type: ignore[func-returns-value]
            raise Refused(f'the key "{key}" is written twice in one object', DUPLICATE_FIX, closed, key)
        return out

    def number(digits: str) -> int:
        if len(digits) > INT_DIGITS.value:
            raise over(INT_DIGITS, f"{len(digits):,} found")
        return int(digits)

    try:
        value = json.loads(text, parse_int=number)
        too_deep, keys = _shape(value) if type(value) in (dict, list) else (False, 0)
        if too_deep:  # below Python's own limit, above what every later walker may recurse
            raise over(DEPTH)
        if keys != len(_KEY_END.findall(text)):  # never fewer matches than keys written: equal means none repeated
            json.loads(text, object_pairs_hook=pairs, parse_int=number)
    except Refused as refused:
        if refused.key is not None and refused.line is not None:  # the ordinal of the object, turned into the key's line
            refused.line = _json_line(text, refused.line, refused.key)
        raise error(source, refused) from None
    except json.JSONDecodeError as err:
        raise UserError(f"{printable(source)}: not valid JSON (line {err.lineno}, column {err.colno}: {err.msg}).", fix) from err
    except RecursionError as err:  # the parser recurses: past ~1,000 levels Python stops it
        raise error(source, over(DEPTH)) from err
    except ValueError as err:
        raise UserError(f"{printable(source)}: not valid JSON ({printable(err)}).", fix) from err
    return value
