"""Where a finding's setting is written in the project's serverless.yml, found through PyYAML node marks.

Only SARIF output needs it (a code-scanning alert should point at the line a person edits), so it is
read lazily, once per project. A function's resources are matched by the framework's own naming
(``my-fn`` -> ``MyDashfnLambdaFunction``, ``MyDashfnLogGroup``, ...); a resource under
``resources.Resources`` by its logical id. Anything else has no serverless.yml line.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

from ..project.serverless_yml import entry, key_at
from .model import Finding, Template

BUILD_DIR = ".serverless"
# Resource name suffixes the framework puts after a function's normalised name.
FUNCTION_SUFFIXES = ("LambdaFunction", "LogGroup", "LambdaVersion", "LambdaPermission", "Lambda", "EventsRule", "Alias", "ProvConc")
# A compiled property -> the keys serverless.yml sets it with: in the function first, then under provider.
SETTING = {
    "Properties.Timeout": (("timeout",), ("provider", "timeout")),
    "Properties.ReservedConcurrentExecutions": (("reservedConcurrency",), ()),
    "Properties.TracingConfig": (("tracing",), ("provider", "tracing")),
    "Properties.VpcConfig": (("vpc",), ("provider", "vpc")),
    "Properties.RetentionInDays": (("logRetentionInDays",), ("provider", "logRetentionInDays")),
}
ENV = re.compile(r"^Properties\.Environment\.Variables\.(.+)$")
STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def normalized(name: str) -> str:
    """The framework's getNormalizedFunctionName: '-' -> Dash, '_' -> Underscore, first letter upper."""
    text = name.replace("-", "Dash").replace("_", "Underscore")
    return text[:1].upper() + text[1:]


@functools.lru_cache(maxsize=64)
def _project_of(root_path: Path) -> Path:
    folder = root_path.resolve().parent
    return folder.parent if folder.name == BUILD_DIR else folder


def project_of(tpl: Template) -> Path:
    """The folder a compiled template's serverless.yml lives in (the parent of .serverless/)."""
    return _project_of(tpl.root.path)


class ServerlessYml:
    """One project's serverless.yml as a node tree; ``line(finding)`` answers where a finding is written."""

    def __init__(self, path: Path, root: Any) -> None:
        self.path = path
        self.root = root
        self.functions: dict[str, tuple[Any, Any]] = {}
        _, functions = entry(root, "functions")
        items = functions.value if getattr(functions, "id", None) == "mapping" else []
        if getattr(functions, "id", None) == "sequence":  # the list form: [{name: {...}}, ...]
            items = [pair for item in functions.value if getattr(item, "id", None) == "mapping" for pair in item.value]
        for k, v in items:
            if isinstance(getattr(k, "value", None), str):
                self.functions[normalized(k.value)] = (k, v)
        _, resources = entry(root, "resources")
        self.resources = entry(resources, "Resources")[1]

    def _function(self, logical_id: str) -> tuple[Any, Any] | None:
        """The function whose normalised name, followed by one of the framework's suffixes, starts ``logical_id``."""
        for suffix in FUNCTION_SUFFIXES:
            at = logical_id.rfind(suffix)
            while at > 0:
                if logical_id[:at] in self.functions:
                    return self.functions[logical_id[:at]]
                at = logical_id.rfind(suffix, 0, at)
        return None

    def line(self, finding: Finding) -> int | None:
        """1-based line of the setting, the function or the resource the finding is about; None if not in this file."""
        if not finding.logical_id:
            return None
        where = finding.path.removeprefix(f"Resources.{finding.logical_id}.")
        key, node = entry(self.resources, finding.logical_id)
        if key is not None:
            return self._deepest(key, node, where)
        fn = self._function(finding.logical_id)
        if fn is None:
            return None
        key, node = fn
        env = ENV.match(where)
        own, provider = (("environment", env.group(1)), ("provider", "environment", env.group(1))) if env else SETTING.get(where, ((), ()))
        for base, keys in ((node, own), (self.root, provider)):
            found = key_at(base, *keys) if keys else None
            if found is not None:
                return found.start_mark.line + 1
        return key.start_mark.line + 1

    def _deepest(self, key: Any, node: Any, where: str) -> int:
        """The line of the deepest node of a ``resources.Resources`` entry that the property path reaches."""
        found = key
        for name, index in STEP.findall(where):
            if name:
                k, node = entry(node, name)
                if k is None:
                    break
                found = k
            elif getattr(node, "id", None) == "sequence" and int(index) < len(node.value):
                node = found = node.value[int(index)]
            else:
                break
        return found.start_mark.line + 1


def load(project: Path) -> ServerlessYml | None:
    """The project's serverless.yml as node marks, or None when there is none or it cannot be parsed (no line then)."""
    from ..errors import UserError
    from ..project import serverless_yml

    path = serverless_yml.find(project)
    if path is None:
        return None
    try:
        return ServerlessYml(path, serverless_yml.compose(path, "slsguard audit")[1])
    except UserError:
        return None  # the audit judges the compiled templates; without this file it only loses line numbers
