"""serverless.yml read as text and PyYAML nodes: the one parse, the one key lookup, the one refusal wording.

Every command that reads the file for its text (``add`` and ``init`` edit it, the audit points SARIF results at its
lines) goes through here. The file is composed, never constructed and re-dumped: tags such as ``!Ref`` stay tags,
and the node marks say where each key and value is written, so an edit (``serverless_yml_edit``) keeps the
user's comments, quoting and order byte for byte. Reading is bounded by ``generator/safe_load.py`` (size, strict
UTF-8, depth, alias expansion, long numbers, duplicate keys).

The parser is libyaml's (``CSafeLoader``, about 10x faster) when PyYAML was built with it, else the pure-Python
one: both give the same marks, counted in characters, so an edit slices the text where the parser says.

A file whose shape slsguard cannot work with is refused by ``refusal``, one line: the file, the key, what is
written there, what is allowed, and the fix; the command exits 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .. import safe_load
from ..errors import UserError
from ..printable import printable

NAMES = ("serverless.yml", "serverless.yaml")
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def find(project: Path) -> Path | None:
    """The project's serverless.yml (or .yaml), None when it has neither."""
    return next((project / name for name in NAMES if (project / name).is_file()), None)


def refusal(path: Path | str, key: str, found: str, allowed: str, fix: str) -> UserError:
    """The one wording of a refused serverless.yml: ``<file>: <key> is <found>; <allowed>. Fix: <fix>``."""
    return UserError(f"{printable(path)}: {key} is {found}; {allowed}.", f"Fix: {fix}")


def compose(path: Path, command: str) -> tuple[str, yaml.MappingNode]:
    """The file's text and its node tree, within safe_load's bounds; a file that is no mapping is refused."""
    text = safe_load.read_text(path)
    fix = f"Fix: correct the YAML where the message says, then run `{command}` again."
    root = safe_load.compose_yaml(text, path, LOADER, fix)
    if not isinstance(root, yaml.MappingNode):
        raise refusal(
            path,
            "the top level",
            describe(root),
            "a Serverless Framework configuration is a mapping (service:, provider:, functions:, ...)",
            f"run `{command}` in the folder of a Serverless Framework service, or name it.",
        )
    return text, root


def entry(node: Any, key: str) -> tuple[Any, Any]:
    """(key node, value node) of a mapping's entry ``key``; (None, None) when ``node`` is no mapping or lacks it."""
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return k, v
    return None, None


def child(node: Any, *keys: str) -> Any:
    """The value node at the end of ``keys`` (None when any step is missing)."""
    for key in keys:
        node = entry(node, key)[1]
    return node


def key_at(node: Any, *keys: str) -> Any:
    """The key node at the end of ``keys`` (its line is where that setting is written), or None."""
    found = None
    for key in keys:
        found, node = entry(node, key)
        if found is None:
            return None
    return found


def is_null(node: Any) -> bool:
    """An empty value: ``key:`` with nothing after it, ``~`` or ``null``."""
    return isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null")


def is_block_mapping(node: Any) -> bool:
    """A mapping written one key per line (new keys can go after its last one)."""
    return isinstance(node, yaml.MappingNode) and not node.flow_style


def describe(node: Any) -> str:
    """What is written at ``node``, for a refusal: ``a flow mapping {...}``, ``the text 'x'``, ``absent``, ..."""
    if node is None:
        return "absent"
    if is_null(node):
        return "empty"
    if isinstance(node, yaml.ScalarNode):
        shown = node.value if len(node.value) <= 40 else node.value[:37] + "..."
        return f"the value {shown!r}"
    kind = "mapping" if isinstance(node, yaml.MappingNode) else "list"
    if node.flow_style:
        return f"a flow {kind} ({'{...}' if kind == 'mapping' else '[...]'})"
    return f"an empty {kind}" if not node.value else f"a {kind}"


def plain(node: Any) -> Any:
    """A node as plain data, every tagged value as its tag's text (enough to compare names and routes)."""
    if isinstance(node, yaml.MappingNode):
        return {str(plain(k)): plain(v) for k, v in node.value}
    if isinstance(node, yaml.SequenceNode):
        return [plain(v) for v in node.value]
    if isinstance(node, yaml.ScalarNode):
        return node.value
    return None


def tree(text: str) -> Any:
    """The node tree of a text slsguard has read through ``compose`` and edited (within the bounds already)."""
    return yaml.compose(text, Loader=LOADER)


def parse_back(text: str) -> Any:
    """An edited text as plain data (None when it no longer parses): every edit is checked this way before it is kept."""
    try:
        return plain(tree(text))
    except yaml.YAMLError:
        return None


def line_end(text: str, index: int) -> int:
    """The offset of the newline ending the line that holds ``index`` (the text's end when it has none)."""
    end = text.find("\n", index)
    return len(text) if end < 0 else end


def last_leaf(node: Any) -> Any:
    """The node written last inside ``node``: where its text ends (a block collection's own end mark runs on over the
    blank lines and comments before the next key)."""
    while isinstance(node, yaml.MappingNode | yaml.SequenceNode) and node.value and not node.flow_style:
        last = node.value[-1]
        node = last[1] if isinstance(node, yaml.MappingNode) else last
    return node
