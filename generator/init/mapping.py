"""Add one key to a mapping of serverless.yml (``custom.rails``, ``resources.Resources.AlarmTopic``) as a text
insertion at PyYAML node marks, like ``plugins.add_plugin``: every other byte, comment and blank line stays.

Missing parents are created (``resources:`` and its ``Resources:``); a block mapping gets the new entry after its
last one, at its indentation; an empty parent (``custom:`` with nothing, ``~``) becomes a block mapping holding it.
A flow mapping (``custom: {a: 1}``) or a parent that is not a mapping is refused with one line.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from ..cfn.yaml_tags import CfnLoader
from ..errors import UserError
from .plugins import _get, _line_end

INDENT = 2  # for parents slsguard writes; an existing mapping keeps its own indentation


def _block(key: str, body: Sequence[str], column: int) -> str:
    """``key:`` at ``column`` with ``body`` (lines relative to the key, already indented by their own depth) below it."""
    pad = " " * column
    return "\n".join([f"{pad}{key}:", *(f"{pad}{' ' * INDENT}{line}" for line in body)])


def _nest(path: Sequence[str], key: str, body: Sequence[str]) -> tuple[str, list[str]]:
    """The first missing key of ``path`` and the lines below it that lead to ``key``."""
    lines = [f"{key}:", *(" " * INDENT + line for line in body)]
    for name in reversed(path[1:]):
        lines = [f"{name}:", *(" " * INDENT + line for line in lines)]
    return path[0], lines


def add_entry(text: str, path: Sequence[str], key: str, body: Sequence[str], where: Path) -> str:
    """``text`` with ``key:`` and ``body`` added under the mapping at ``path`` (created when absent)."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    node, column, parents = root, 0, list(path)
    while parents:
        k, child = _get(node, parents[0])
        if k is None:
            break
        kind = getattr(child, "id", None)
        if kind == "scalar" and child.tag.endswith(":null"):
            return _into_null(text, k, child, parents[1:], key, body, where)
        if kind != "mapping" or child.flow_style:
            name = ".".join(path[: len(path) - len(parents) + 1])
            raise UserError(
                f"{where}: {name} is not a block mapping, so slsguard cannot add {key} to it without rewriting it.",
                f"Fix: write {name} as a block mapping (one key per line), or add {'.'.join([*path, key])} yourself.",
            )
        node, column, parents = child, child.value[0][0].start_mark.column if child.value else column + INDENT, parents[1:]
    if not parents and _get(node, key)[0] is not None:
        return text  # already there: left as the user wrote it
    if parents:
        first, lines = _nest(parents, key, body)
    else:
        first, lines = key, list(body)
    block = _block(first, lines, column)
    if node is root:
        sep = "" if text.endswith("\n") or not text else "\n"
        return f"{text}{sep}\n{block}\n"
    leaf = _last_leaf(node)
    at = _line_end(text, leaf.end_mark.index - 1 if leaf.end_mark.column == 0 else leaf.end_mark.index)
    return text[:at] + "\n" + block + text[at:]


def _last_leaf(node: Any) -> Any:
    """The node written last inside ``node``: its end is where the mapping's text ends (not the blank lines and comments
    before the next key, which a block mapping's own end mark includes)."""
    while getattr(node, "id", None) in ("mapping", "sequence") and node.value and not node.flow_style:
        last = node.value[-1]
        node = last[1] if node.id == "mapping" else last
    return node


def _into_null(text: str, k: Any, null: Any, rest: Sequence[str], key: str, body: Sequence[str], where: Path) -> str:
    """``parent:`` (empty or ``~``) becomes ``parent:`` with the new entry (and any missing level) below it."""
    if null.end_mark.index > null.start_mark.index:  # drop the written null (``~``, ``null``), keep a comment after it
        tail = text[null.end_mark.index :]
        head = text[: null.start_mark.index]
        text = (head.rstrip(" ") if tail[:1] in ("\n", "") else head) + tail
    first, lines = _nest(rest, key, body) if rest else (key, list(body))
    at = _line_end(text, k.end_mark.index)
    return text[:at] + "\n" + _block(first, lines, k.start_mark.column + INDENT) + text[at:]


def check(text: str, path: Sequence[str], key: str, where: Path) -> None:
    """Refuse an edit that does not parse back with ``key`` where it was meant to go."""
    try:
        data = yaml.load(text, Loader=CfnLoader)
    except yaml.YAMLError as err:
        raise UserError(
            f"{where}: slsguard could not add {'.'.join([*path, key])} without breaking the YAML.", "Fix: add it yourself."
        ) from err
    node = data
    for name in path:
        node = node.get(name) if isinstance(node, dict) else None
    if not (isinstance(node, dict) and key in node):
        raise UserError(f"{where}: slsguard could not add {'.'.join([*path, key])} where it belongs.", "Fix: add it yourself.")
