"""Add one entry to serverless.yml's ``plugins:`` as a text insertion at PyYAML node marks.

Re-dumping the YAML would drop the user's comments, quoting and layout; inserting text where the
parser says the list ends keeps every other byte as it was. Handles ``plugins:`` as a block or flow
list, as ``{localPath, modules}`` and absent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..cfn.yaml_tags import CfnLoader
from ..errors import UserError

FIX = "Fix: make `plugins:` a list of plugin names (or `{localPath, modules: [...]}`), then run `slsguard init` again."


def _get(node: Any, key: str) -> tuple[Any, Any]:
    for k, v in node.value if getattr(node, "id", None) == "mapping" else []:
        if getattr(k, "value", None) == key:
            return k, v
    return None, None


def _line_end(text: str, index: int) -> int:
    end = text.find("\n", index)
    return len(text) if end < 0 else end


def _into_sequence(text: str, seq: Any, entry: str) -> str:
    """Append ``entry`` to a block or flow sequence, in the style it is written in."""
    if seq.flow_style:
        close = seq.end_mark.index - 1  # the ']'
        head = text[:close].rstrip() + ", " if seq.value else text[:close]
        return head + entry + text[close:]
    last = seq.value[-1]
    dash = seq.start_mark.column
    gap = max(1, seq.value[0].start_mark.column - dash - 1)
    at = _line_end(text, last.end_mark.index if last.end_mark.line == last.start_mark.line else last.end_mark.index - 1)
    return text[:at] + "\n" + " " * dash + "-" + " " * gap + entry + text[at:]


def _after_key(text: str, key: Any, null: Any, value: str) -> str:
    """Replace an empty ``key:`` (null value, written or not: ``~``, ``null``) with ``key:`` and a block list of one entry."""
    if null.end_mark.index > null.start_mark.index:  # drop the written null, keep any comment after it
        rest = text[null.end_mark.index :]
        head = text[: null.start_mark.index]
        text = (head.rstrip(" ") if rest[:1] in ("\n", "") else head) + rest
    at = _line_end(text, key.end_mark.index)
    return text[:at] + "\n" + " " * (key.start_mark.column + 2) + f"- {value}" + text[at:]


def _listed(text: str, entry: str) -> bool:
    """Whether the edited text really lists ``entry`` among the plugins (an edit that does not parse back is refused)."""
    try:
        data = yaml.load(text, Loader=CfnLoader)  # a SafeLoader that also reads !Ref-style tags
    except yaml.YAMLError:
        return False
    plugins = data.get("plugins") if isinstance(data, dict) else None
    modules = plugins.get("modules") if isinstance(plugins, dict) else plugins
    return isinstance(modules, list) and entry in modules


def _before_item(text: str, seq: Any, item: Any, entry: str) -> str:
    """Insert ``entry`` into a block or flow sequence just before ``item`` (above the comment lines that lead to it)."""
    if seq.flow_style:
        return text[: item.start_mark.index] + entry + ", " + text[item.start_mark.index :]
    start = text.rfind("\n", 0, item.start_mark.index) + 1
    while start > 0:
        above = text.rfind("\n", 0, start - 1) + 1
        if not text[above : start - 1].lstrip().startswith("#"):
            break
        start = above
    dash = seq.start_mark.column
    gap = max(1, seq.value[0].start_mark.column - dash - 1)
    return text[:start] + " " * dash + "-" + " " * gap + entry + "\n" + text[start:]


def add_plugin(text: str, root: Any, entry: str, where: Path, before: tuple[str, ...] = ()) -> str | None:
    """serverless.yml's text with ``entry`` added to its plugins (ahead of the first of ``before`` that is listed, else
    last); None when it is listed already."""
    edited = _add(text, root, entry, where, before)
    if edited is not None and not _listed(edited, entry):
        raise UserError(f"{where}: slsguard could not add {entry} to `plugins:` without changing what else it says.", FIX)
    return edited


def _add(text: str, root: Any, entry: str, where: Path, before: tuple[str, ...] = ()) -> str | None:
    key, plugins = _get(root, "plugins")
    if key is None:
        sep = "" if text.endswith("\n") or not text else "\n"
        return f"{text}{sep}\nplugins:\n  - {entry}\n"
    kind = getattr(plugins, "id", None)
    if kind == "scalar" and plugins.tag.endswith(":null"):
        return _after_key(text, key, plugins, entry)
    if kind == "mapping":
        mkey, modules = _get(plugins, "modules")
        if mkey is None:
            first = plugins.value[0][0] if plugins.value else None
            if plugins.flow_style or first is None:
                raise UserError(f"{where}: plugins has no modules list.", FIX)
            at = _line_end(text, plugins.value[-1][1].end_mark.index - 1)
            indent = " " * first.start_mark.column
            return text[:at] + f"\n{indent}modules:\n{indent}  - {entry}" + text[at:]
        key, plugins, kind = mkey, modules, getattr(modules, "id", None)
        if kind == "scalar" and modules.tag.endswith(":null"):
            return _after_key(text, key, modules, entry)
    if kind != "sequence":
        raise UserError(f"{where}: plugins is a {kind or 'value'}, not a list.", FIX)
    if any(getattr(item, "value", None) in (entry, entry.removeprefix("./")) for item in plugins.value):
        return None
    if not plugins.value and not plugins.flow_style:
        raise UserError(f"{where}: plugins is an empty list that is not written as [].", FIX)
    ahead = next((item for item in plugins.value if getattr(item, "value", None) in before), None)
    return _into_sequence(text, plugins, entry) if ahead is None else _before_item(text, plugins, ahead, entry)
