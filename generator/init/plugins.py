"""Add one entry to serverless.yml's ``plugins:`` as a text insertion at PyYAML node marks.

Re-dumping the YAML would drop the user's comments, quoting and layout; inserting text where the
parser says the list ends keeps every other byte as it was. Handles ``plugins:`` as a block or flow
list, as ``{localPath, modules}`` and absent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..project import serverless_yml
from ..project.serverless_yml import describe, entry, is_null, line_end
from ..project.serverless_yml_edit import fill_empty

ALLOWED = "slsguard init adds to a list of plugin names, or to {localPath, modules: [...]}"
FIX = "make `plugins:` a list of plugin names (or `{localPath, modules: [...]}`), then run `slsguard init` again."


def _refused(where: Path, key: str, found: str) -> Exception:
    return serverless_yml.refusal(where, key, found, ALLOWED, FIX)


def _into_sequence(text: str, seq: Any, plugin: str) -> str:
    """Append ``plugin`` to a block or flow sequence, in the style it is written in."""
    if seq.flow_style:
        close = seq.end_mark.index - 1  # the ']'
        head = text[:close].rstrip() + ", " if seq.value else text[:close]
        return head + plugin + text[close:]
    last = seq.value[-1]
    dash = seq.start_mark.column
    gap = max(1, seq.value[0].start_mark.column - dash - 1)
    at = line_end(text, last.end_mark.index if last.end_mark.line == last.start_mark.line else last.end_mark.index - 1)
    return text[:at] + "\n" + " " * dash + "-" + " " * gap + plugin + text[at:]


def _listed(text: str, plugin: str) -> bool:
    """Whether the edited text really lists ``plugin`` among the plugins (an edit that does not parse back is refused)."""
    data = serverless_yml.parse_back(text)
    plugins = data.get("plugins") if isinstance(data, dict) else None
    modules = plugins.get("modules") if isinstance(plugins, dict) else plugins
    return isinstance(modules, list) and plugin in modules


def _before_item(text: str, seq: Any, item: Any, plugin: str) -> str:
    """Insert ``plugin`` into a block or flow sequence just before ``item`` (above the comment lines that lead to it)."""
    if seq.flow_style:
        return text[: item.start_mark.index] + plugin + ", " + text[item.start_mark.index :]
    start = text.rfind("\n", 0, item.start_mark.index) + 1
    while start > 0:
        above = text.rfind("\n", 0, start - 1) + 1
        if not text[above : start - 1].lstrip().startswith("#"):
            break
        start = above
    dash = seq.start_mark.column
    gap = max(1, seq.value[0].start_mark.column - dash - 1)
    return text[:start] + " " * dash + "-" + " " * gap + plugin + "\n" + text[start:]


def add_plugin(text: str, root: Any, plugin: str, where: Path, before: tuple[str, ...] = ()) -> str | None:
    """serverless.yml's text with ``plugin`` added to its plugins (ahead of the first of ``before`` that is listed, else
    last); None when it is listed already."""
    edited = _add(text, root, plugin, where, before)
    if edited is not None and not _listed(edited, plugin):
        raise _refused(where, "plugins", f"written in a layout where adding {plugin} by text insertion changes what else it says")
    return edited


def _add(text: str, root: Any, plugin: str, where: Path, before: tuple[str, ...] = ()) -> str | None:
    key, plugins = entry(root, "plugins")
    if key is None:
        sep = "" if text.endswith("\n") or not text else "\n"
        return f"{text}{sep}\nplugins:\n  - {plugin}\n"
    if is_null(plugins):
        return fill_empty(text, key, plugins, [f"- {plugin}"])
    name = "plugins"
    if isinstance(plugins, yaml.MappingNode):
        mkey, modules = entry(plugins, "modules")
        if mkey is None:
            first = plugins.value[0][0] if plugins.value else None
            if plugins.flow_style or first is None:
                raise _refused(where, "plugins.modules", "absent")
            at = line_end(text, plugins.value[-1][1].end_mark.index - 1)
            indent = " " * first.start_mark.column
            return text[:at] + f"\n{indent}modules:\n{indent}  - {plugin}" + text[at:]
        key, plugins, name = mkey, modules, "plugins.modules"
        if is_null(modules):
            return fill_empty(text, key, modules, [f"- {plugin}"])
    if not isinstance(plugins, yaml.SequenceNode):
        raise _refused(where, name, describe(plugins))
    if any(getattr(item, "value", None) in (plugin, plugin.removeprefix("./")) for item in plugins.value):
        return None
    if not plugins.value and not plugins.flow_style:
        raise _refused(where, name, "an empty list that is not written as []")
    ahead = next((item for item in plugins.value if getattr(item, "value", None) in before), None)
    return _into_sequence(text, plugins, plugin) if ahead is None else _before_item(text, plugins, ahead, plugin)
