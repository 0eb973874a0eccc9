"""Every resource of the loaded templates by type, and views computed once per run: what the audit's rules, the
cost model and the shared walks (``invokers``, the warmers) query instead of rescanning the templates.

Kept out of ``generator.audit`` so that ``slsguard cost`` reads templates without importing the audit's rules.
"""

from __future__ import annotations

from typing import Any

from .template import Template, props, rtype

FUNCTION = "AWS::Lambda::Function"


class Index:
    """Every resource of every loaded template, by type, so rules never rescan the templates."""

    def __init__(self, roots: list[Template]) -> None:
        self.roots = roots
        self.templates = [tpl for root in roots for tpl in root.walk()]
        self.by_type: dict[str, list[tuple[Template, str, dict[str, Any]]]] = {}
        for tpl in self.templates:
            for logical_id, resource in tpl.resources.items():
                if isinstance(resource, dict):
                    self.by_type.setdefault(rtype(resource), []).append((tpl, logical_id, resource))
        self._names: dict[str, tuple[Template, str, dict[str, Any]]] | None = None
        self.derived: dict[str, Any] = {}  # views several rules need, computed once per audit (e.g. the warmers)

    def of_type(self, *types: str) -> list[tuple[Template, str, dict[str, Any]]]:
        """Resources of the given types across all stacks, in template order."""
        out: list[tuple[Template, str, dict[str, Any]]] = []
        for t in types:
            out.extend(self.by_type.get(t, ()))
        return out

    def function_by_name(self, name: str) -> tuple[Template, str, dict[str, Any]] | None:
        """The Lambda function whose literal FunctionName is ``name``, in any stack."""
        if self._names is None:
            self._names = {}
            for entry in self.of_type(FUNCTION):
                fn_name = props(entry[2]).get("FunctionName")
                if isinstance(fn_name, str):
                    self._names[fn_name] = entry
        return self._names.get(name)
