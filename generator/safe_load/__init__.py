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
import re
import stat
from pathlib import Path
from typing import Any, NamedTuple

from .errors import UserError
from .printable import printable


class Limit(NamedTuple):
    """One bound on what a file may make slsguard do; messages are built from it."""

    what: str  # how a message names the measured quantity
    value: int
    unit: str
    fix: str


# The limits, each with why its number. They hold for every file any command reads; a caller may lower SIZE.
SIZE = Limit(
    "file size",
    4 * 1024 * 1024,  # 4 MiB: CloudFormation accepts at most 1 MB per template (from S3); the rest is room for comments
    "bytes",
    "give the file you meant; no template, answers file or serverless.yml slsguard reads is this large",
)
DEPTH = Limit(
    "nesting depth",
    200,  # real templates nest ~20 levels (a policy inside Fn::If inside Properties); 200 stays far below Python's 1,000-frame recursion limit every walker shares
    "levels",
    "flatten the nesting; no CloudFormation template or answers file needs it",
)
ALIAS_NODES = Limit(
    "nodes built through YAML aliases",
    100_000,  # a serverless.yml reusing an anchored block dozens of times builds a few thousand; a billion-laughs file builds 10^9
    "nodes",
    "write the repeated blocks out, or use fewer aliases of large anchored blocks",
)
INT_DIGITS = Limit(
    "number length",
    100,  # no AWS property takes a number beyond 64 bits (20 digits); Python refuses more than 4,300 digits with a traceback
    "characters",
    "quote the value if it is text; no CloudFormation property takes a number this long",
)
LIMITS = (SIZE, DEPTH, ALIAS_NODES, INT_DIGITS)

READ_FIX = "Fix: check the path and that the file is readable."
SYNTAX_FIX = "Fix: correct the file where the message says, or give the file you meant."
DUPLICATE_FIX = "Fix: keep one of them; CloudFormation would silently use only one (cfn-lint reports it as E0000)."
_KEY_END = re.compile(r'"[ \t\n\r]*:')  # how every object key ends (strings may match too: then counted more)
_TOKEN = re.compile(r'("[^"\\]*(?:\\.[^"\\]*)*")(\s*:)?|[\[\]{}]')


class _Refused(Exception):
    """Raised inside a parser hook; turned into a UserError naming the file."""

    def __init__(self, problem: str, hint: str, line: int | None = None, key: str | None = None) -> None:
        super().__init__(problem)
        self.problem, self.hint, self.line, self.key = problem, hint, line, key


def _limit(limit: Limit, found: str = "", line: int | None = None) -> _Refused:
    found = f" ({found})" if found else ""
    return _Refused(f"{limit.what} over the limit of {limit.value:,} {limit.unit}{found}", f"Fix: {limit.fix}.", line)


def _error(source: object, refused: _Refused) -> UserError:
    where = f" line {refused.line}:" if refused.line else ""
    return UserError(f"{printable(source)}:{where} {printable(refused.problem)}.", refused.hint)


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
            raise _Refused(f'the key "{key}" is written twice in one object', DUPLICATE_FIX, closed, key)
        return out

    def number(digits: str) -> int:
        if len(digits) > INT_DIGITS.value:
            raise _limit(INT_DIGITS, f"{len(digits):,} found")
        return int(digits)

    try:
        value = json.loads(text, parse_int=number)
        too_deep, keys = _shape(value) if type(value) in (dict, list) else (False, 0)
        if too_deep:  # below Python's own limit, above what every later walker may recurse
            raise _limit(DEPTH)
        if keys != len(_KEY_END.findall(text)):  # never fewer matches than keys written: equal means none repeated
            json.loads(text, object_pairs_hook=pairs, parse_int=number)
    except _Refused as refused:
        if refused.key is not None and refused.line is not None:  # the ordinal of the object, turned into the key's line
            refused.line = _json_line(text, refused.line, refused.key)
        raise _error(source, refused) from None
    except json.JSONDecodeError as err:
        raise UserError(f"{printable(source)}: not valid JSON (line {err.lineno}, column {err.colno}: {err.msg}).", fix) from err
    except RecursionError as err:  # the parser recurses: past ~1,000 levels Python stops it
        raise _error(source, _limit(DEPTH)) from err
    except ValueError as err:
        raise UserError(f"{printable(source)}: not valid JSON ({printable(err)}).", fix) from err
    return value


class _Frame:
    """An open YAML collection during the event scan: its expanded size and height, and a mapping's keys so far."""

    __slots__ = ("anchor", "expect_key", "height", "keys", "size")

    def __init__(self, anchor: str | None, mapping: bool) -> None:
        self.anchor, self.size, self.height = anchor, 1, 1
        self.keys: dict[str, int] | None = {} if mapping else None
        self.expect_key = mapping


def _number_like(loader: type, value: str) -> bool:
    """Whether a plain scalar would be built as an int or a float (both convert digit by digit)."""
    resolvers = getattr(loader, "yaml_implicit_resolvers", {}).get(value[:1], [])
    return any(tag.endswith((":int", ":float")) and regexp.match(value) for tag, regexp in resolvers)


def check_yaml(text: str, source: object, loader: type) -> None:
    """Depth, alias expansion, number length and duplicate keys, from the parser's events, before anything is built.

    Sizes are counted, never expanded: an alias adds its anchor's expanded node count, so a billion-laughs file
    crosses ALIAS_NODES after a few anchors. Raises UserError; a syntax error is left to the loader to report.
    """
    import yaml

    stack: list[_Frame] = []
    anchors: dict[str, tuple[int, int]] = {}
    through_aliases = 0

    def close(anchor: str | None, size: int, height: int) -> None:
        if anchor is not None:
            anchors[anchor] = (size, height)
        if stack:
            top = stack[-1]
            top.size += size
            top.height = max(top.height, height + 1)

    try:
        for event in yaml.parse(text, Loader=loader):
            kind = type(event)
            if kind in (yaml.ScalarEvent, yaml.AliasEvent, yaml.SequenceStartEvent, yaml.MappingStartEvent) and stack:
                top = stack[-1]
                if top.keys is not None:
                    if top.expect_key and kind is yaml.ScalarEvent:
                        line = event.start_mark.line + 1
                        if event.value in top.keys:
                            raise _Refused(f'the key "{event.value}" is written twice in one mapping', DUPLICATE_FIX, line)
                        top.keys[event.value] = line
                    top.expect_key = not top.expect_key
            if kind is yaml.ScalarEvent:
                value = event.value
                if len(value) > INT_DIGITS.value and not event.style and event.implicit[0] and _number_like(loader, value):
                    raise _limit(INT_DIGITS, f"{len(value):,} found", event.start_mark.line + 1)
                close(event.anchor, 1, 0)
            elif kind is yaml.AliasEvent:
                size, height = anchors.get(event.anchor, (1, 0))  # an unknown alias is the loader's error to report
                through_aliases += size
                if through_aliases > ALIAS_NODES.value:
                    raise _limit(ALIAS_NODES, "", event.start_mark.line + 1)
                if len(stack) + height > DEPTH.value:
                    raise _limit(DEPTH, f"{len(stack) + height:,} through an alias", event.start_mark.line + 1)
                close(None, size, height)
            elif kind in (yaml.SequenceStartEvent, yaml.MappingStartEvent):
                if len(stack) + 1 > DEPTH.value:
                    raise _limit(DEPTH, "", event.start_mark.line + 1)
                stack.append(_Frame(event.anchor, kind is yaml.MappingStartEvent))
            elif kind in (yaml.SequenceEndEvent, yaml.MappingEndEvent):
                frame = stack.pop()
                close(frame.anchor, frame.size, frame.height)
    except _Refused as refused:
        raise _error(source, refused) from None
    except yaml.YAMLError as err:
        if "nesting depth" in str(err):  # libyaml's own cap (1,000 flow levels) met before this scan's
            raise _error(source, _limit(DEPTH)) from err
        return  # the loader reports syntax errors with their position


def _yaml_error(text: str, source: object, err: Exception, fix: str) -> UserError:
    mark = getattr(err, "problem_mark", None)
    where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
    position = getattr(err, "position", None)  # a ReaderError (a control character) has a position, no mark
    if not mark and isinstance(position, int):
        where = f" (line {text.count(chr(10), 0, position) + 1}, character #x{getattr(err, 'character', 0):04x})"
    problem = getattr(err, "problem", None) or getattr(err, "reason", None) or str(err).split("\n", 1)[0]
    return UserError(f"{printable(source)}: not valid YAML{where}: {printable(problem)}.", fix)


def parse_yaml(text: str, source: object, loader: type | None = None, fix: str = SYNTAX_FIX) -> Any:
    """YAML through ``loader`` (a SafeLoader subclass; SafeLoader itself by default) after ``check_yaml``."""
    import yaml

    loader = loader or getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    if not issubclass(loader, (yaml.SafeLoader, getattr(yaml, "CSafeLoader", yaml.SafeLoader))):
        raise TypeError(f"{loader!r} is not a SafeLoader")  # a programming error: only safe loaders read files
    check_yaml(text, source, loader)
    try:
        return yaml.load(text, Loader=loader)
    except yaml.YAMLError as err:
        raise _yaml_error(text, source, err, fix) from err
    except (ValueError, TypeError, OverflowError, RecursionError) as err:  # e.g. a date such as 2001-02-30
        raise UserError(f"{printable(source)}: a value cannot be read as YAML ({printable(err)}).", fix) from err


def compose_yaml(text: str, source: object, loader: type, fix: str = SYNTAX_FIX) -> Any:
    """YAML's node tree (marks kept, tags never resolved) after ``check_yaml``: for readers that edit text at marks."""
    import yaml

    check_yaml(text, source, loader)
    try:
        return yaml.compose(text, Loader=loader)
    except yaml.YAMLError as err:
        raise _yaml_error(text, source, err, fix) from err


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
