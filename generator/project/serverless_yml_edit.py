"""Edit serverless.yml as text at PyYAML node marks (read through ``serverless_yml``): new text goes in, no other
byte, comment or blank line moves.

Two edits, each checked by parsing the result back:

- ``insert``: new entries after the last one of a block mapping (``functions:``, ``resources.Resources``), at the
  indentation its first entry uses and past the blank lines that follow it (``slsguard add``). Past them, so a
  template change to the last entry's own lines and the new text never touch: a three-way merge keeps both.
- ``add_entry``: one key under a mapping path, its missing parents created (``custom.rails``,
  ``resources.Resources.AlarmTopic``: ``slsguard init --rails``); an empty parent (``custom:``, ``~``) becomes a
  block mapping holding it. A flow mapping or a parent that is not a mapping is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from .serverless_yml import child, describe, entry, is_block_mapping, is_null, last_leaf, line_end, parse_back, refusal, tree

INDENT = 2  # for parents slsguard writes; an existing mapping keeps its own indentation


@dataclass(frozen=True)
class Block:
    """One block mapping of the file: its keys, where new entries go and how its entries are indented."""

    keys: tuple[str, ...]
    end: int  # where new text goes: after the last value's line and the blank lines that follow it
    gap: bool  # blank lines follow the last value: the new text keeps one blank line before what comes next
    indent: int  # column of the mapping's keys
    step: int  # extra indentation of a nested block (taken from the first entry's own block when there is one)


def _after(text: str, node: Any) -> tuple[int, bool]:
    """Just past the line where ``node``'s last value ends and the blank lines after it."""
    leaf = last_leaf(node)
    index = leaf.end_mark.index
    # a block scalar ends after its own newline
    end = index if index > 0 and text[index - 1] == "\n" else min(len(text), line_end(text, index) + 1)
    gap = False
    while end < len(text):
        newline = text.find("\n", end)
        if text[end : len(text) if newline < 0 else newline].strip():
            break
        gap, end = True, len(text) if newline < 0 else newline + 1
    return end, gap


def block_mapping(text: str, root: Any, keys: Sequence[str], path: Path, command: str) -> Block:
    """The block mapping at ``keys``, where new entries go; refused unless it is a block mapping with an entry."""
    node = child(root, *keys)
    name = ".".join(keys)
    if not is_block_mapping(node) or not node.value:
        raise refusal(
            path,
            name,
            describe(node),
            f"`{command}` adds to a block mapping with at least one entry (one `name:` per line)",
            f"write {name} as an indented block, then run `{command}` again.",
        )
    first_key, first_value = node.value[0]
    indent = first_key.start_mark.column
    step = 2
    if is_block_mapping(first_value) and first_value.value:
        step = max(1, first_value.value[0][0].start_mark.column - indent)
    names = tuple(str(k.value) for k, _ in node.value if isinstance(k, yaml.ScalarNode))
    return Block(names, *_after(text, node.value[-1][1]), indent, step)


def after_last(text: str, block: Block, nodes: Sequence[Any]) -> Block:
    """``block`` taking new entries after the last of ``nodes`` (entries of it) instead of its end, when there is one."""
    if not nodes:
        return block
    end, gap = _after(text, nodes[-1])
    return replace(block, end=end, gap=gap)


def insert(text: str, inserts: Sequence[tuple[Block, str]]) -> str:
    """``text`` with each new block inserted where its mapping takes new entries (positions in the original text)."""
    out, last = [], 0
    for where, block in sorted(inserts, key=lambda item: item[0].end):
        out.append(text[last : where.end])
        if where.end and not text[: where.end].endswith("\n"):
            out.append("\n")
        out.append(block + ("\n" if where.gap else ""))
        last = where.end
    out.append(text[last:])
    return "".join(out)


def fill_empty(text: str, key: Any, null: Any, lines: Sequence[str]) -> str:
    """``key:`` (empty, ``~`` or ``null``) with ``lines`` below it, one indentation step in; a comment after it stays."""
    if null.end_mark.index > null.start_mark.index:  # drop the written null
        tail = text[null.end_mark.index :]
        head = text[: null.start_mark.index]
        text = (head.rstrip(" ") if tail[:1] in ("\n", "") else head) + tail
    at = line_end(text, key.end_mark.index)
    pad = " " * (key.start_mark.column + INDENT)
    return text[:at] + "".join(f"\n{pad}{line}" for line in lines) + text[at:]


def _nested(keys: Sequence[str], body: Sequence[str]) -> list[str]:
    """``keys[0]:`` then each further key one step in, then ``body`` below the last."""
    lines = list(body)
    for name in reversed(keys):
        lines = [f"{name}:", *(" " * INDENT + line for line in lines)]
    return lines


def add_entry(text: str, path: Sequence[str], key: str, body: Sequence[str], where: Path, command: str) -> str:
    """``text`` with ``key:`` and ``body`` added under the mapping at ``path`` (created when absent); unchanged when
    ``key`` is there already (left as the user wrote it)."""
    root = tree(text)
    node, column, rest = root, 0, list(path)
    while rest:
        k, value = entry(node, rest[0])
        if k is None:
            break
        if is_null(value):
            return _checked(fill_empty(text, k, value, _nested([*rest[1:], key], body)), path, key, where, command)
        if not is_block_mapping(value):
            name = ".".join(path[: len(path) - len(rest) + 1])
            raise refusal(
                where,
                name,
                describe(value),
                f"`{command}` adds {key} to a block mapping (one key per line) and never rewrites one",
                f"write {name} as a block mapping, or add {'.'.join([*path, key])} yourself.",
            )
        node, rest = value, rest[1:]
        column = value.value[0][0].start_mark.column if value.value else column + INDENT
    if not rest and entry(node, key)[0] is not None:
        return text
    block = "\n".join(" " * column + line for line in _nested([*rest, key], body))
    if node is root:
        sep = "" if text.endswith("\n") or not text else "\n"
        return _checked(f"{text}{sep}\n{block}\n", path, key, where, command)
    leaf = last_leaf(node)
    at = line_end(text, leaf.end_mark.index - 1 if leaf.end_mark.column == 0 else leaf.end_mark.index)
    return _checked(text[:at] + "\n" + block + text[at:], path, key, where, command)


def _checked(text: str, path: Sequence[str], key: str, where: Path, command: str) -> str:
    """An edit is kept only when it parses back with ``key`` where it was meant to go."""
    node = parse_back(text)
    for name in path:
        node = node.get(name) if isinstance(node, dict) else None
    if not (isinstance(node, dict) and key in node):
        full = ".".join([*path, key])
        raise refusal(
            where,
            full,
            "absent, and this file's layout takes no new key there by text insertion",
            "slsguard keeps an edit only when the file parses back with the key in place",
            f"add {full} yourself, then run `{command}` again.",
        )
    return text
