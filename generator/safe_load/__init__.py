"""Read a file a user or a cloned repository hands slsguard (templates, answers files, serverless.yml) with bounds.

Every reader of such a file goes through here, so one table of limits holds for every command. A file is read
with at most ``SIZE + 1`` bytes (never the whole of a huge file), decoded as strict UTF-8 and parsed with caps on
nesting depth, on nodes built through YAML aliases (a billion-laughs file fails after a few hundred events, in
bounded memory) and on the length of numbers (Python turns a 5,000-digit integer into a ValueError, and a long
YAML 1.1 sexagesimal number into quadratic work). Duplicate keys are refused by name and line, as cfn-lint does
(E0000): CloudFormation would keep one of them silently, and the audit must judge what deploys.

Every refusal is a UserError on one line: the file, what is wrong, the limit and the fix; every text taken from
the file is escaped (``generator.printable``) before it is printed.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

from ..errors import UserError
from ..printable import printable
from .json_text import parse_json
from .limits import ALIAS_NODES, DEPTH, DUPLICATE_FIX, INT_DIGITS, LIMITS, READ_FIX, SIZE, SYNTAX_FIX, Limit
from .yaml_text import check_yaml, compose_yaml, parse_yaml

__all__ = [
    "ALIAS_NODES",
    "DEPTH",
    "DUPLICATE_FIX",
    "INT_DIGITS",
    "LIMITS",
    "READ_FIX",
    "SIZE",
    "SYNTAX_FIX",
    "Limit",
    "check_yaml",
    "compose_yaml",
    "decode",
    "load",
    "load_json",
    "parse",
    "parse_json",
    "parse_yaml",
    "read_bytes",
    "read_text",
]


def read_bytes(path: str | Path, max_bytes: int = SIZE.value) -> bytes:
    """At most ``max_bytes`` of a regular file: more is refused after reading one byte past the limit."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as err:
        raise UserError(f"{printable(path)}: cannot be read ({err.strerror}).", READ_FIX) from err
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # a FIFO or a device could block or never end
            raise UserError(f"{printable(path)}: not a regular file.", "Fix: give a file, not a pipe or a device.")
        chunks: list[bytes] = []
        left = max_bytes + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1024 * 1024))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as err:
        raise UserError(f"{printable(path)}: cannot be read ({err.strerror}).", READ_FIX) from err
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > max_bytes:
        raise UserError(f"{printable(path)}: larger than the limit of {max_bytes:,} bytes.", f"Fix: {SIZE.fix}.")
    return data


def decode(data: bytes, source: object) -> str:
    """Strict UTF-8 (a leading byte-order mark is dropped); anything else names the first bad byte and its line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise UserError(
            f"{printable(source)}: not UTF-8 text (byte 0x{data[err.start]:02x} at line {line}).",
            "Fix: save the file as UTF-8.",
        ) from err


def read_text(path: str | Path, max_bytes: int = SIZE.value) -> str:
    """``read_bytes`` then ``decode``."""
    return decode(read_bytes(path, max_bytes), path)


def parse(text: str, source: object, loader: type | None = None, fix: str = SYNTAX_FIX, json_only: bool = False) -> Any:
    """JSON when the file is named .json or starts with ``{``, else (or when JSON fails on a non-.json file) YAML."""
    is_json = str(source).lower().endswith(".json")
    if is_json or json_only or text.lstrip().startswith("{"):
        try:
            return parse_json(text, source, fix)
        except UserError as err:
            if is_json or json_only or not isinstance(err.__cause__, json.JSONDecodeError):
                raise  # a limit or a duplicate key is refused whatever the format; only a syntax error tries YAML
    return parse_yaml(text, source, loader, fix)


def load(path: str | Path, loader: type | None = None, fix: str = SYNTAX_FIX, max_bytes: int = SIZE.value) -> Any:
    """Read and parse one file (JSON or YAML, see ``parse``) within every limit; UserError naming it otherwise."""
    return parse(read_text(path, max_bytes), path, loader, fix)


def load_json(path: str | Path, fix: str = SYNTAX_FIX, max_bytes: int = SIZE.value) -> Any:
    """Read and parse one JSON file within every limit."""
    return parse_json(read_text(path, max_bytes), path, fix)
