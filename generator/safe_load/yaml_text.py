"""YAML with the bounds: depth, nodes built through aliases and number lengths checked on the event stream before
anything is constructed; duplicate keys refused by name and line; only safe loaders."""

from __future__ import annotations

from typing import Any

from ..errors import UserError
from ..printable import printable
from .limits import ALIAS_NODES, DEPTH, DUPLICATE_FIX, INT_DIGITS, SYNTAX_FIX, Refused, error, over


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
                            raise Refused(f'the key "{event.value}" is written twice in one mapping', DUPLICATE_FIX, line)
                        top.keys[event.value] = line
                    top.expect_key = not top.expect_key
            if kind is yaml.ScalarEvent:
                value = event.value
                if len(value) > INT_DIGITS.value and not event.style and event.implicit[0] and _number_like(loader, value):
                    raise over(INT_DIGITS, f"{len(value):,} found", event.start_mark.line + 1)
                close(event.anchor, 1, 0)
            elif kind is yaml.AliasEvent:
                size, height = anchors.get(event.anchor, (1, 0))  # an unknown alias is the loader's error to report
                through_aliases += size
                if through_aliases > ALIAS_NODES.value:
                    raise over(ALIAS_NODES, "", event.start_mark.line + 1)
                if len(stack) + height > DEPTH.value:
                    raise over(DEPTH, f"{len(stack) + height:,} through an alias", event.start_mark.line + 1)
                close(None, size, height)
            elif kind in (yaml.SequenceStartEvent, yaml.MappingStartEvent):
                if len(stack) + 1 > DEPTH.value:
                    raise over(DEPTH, "", event.start_mark.line + 1)
                stack.append(_Frame(event.anchor, kind is yaml.MappingStartEvent))
            elif kind in (yaml.SequenceEndEvent, yaml.MappingEndEvent):
                frame = stack.pop()
                close(frame.anchor, frame.size, frame.height)
    except Refused as refused:
        raise error(source, refused) from None
    except yaml.YAMLError as err:
        if "nesting depth" in str(err):  # libyaml's own cap (1,000 flow levels) met before this scan's
            raise error(source, over(DEPTH)) from err
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
