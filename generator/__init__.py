"""slsguard: start and keep an AWS serverless service safe from day one.

The public API is what ``__all__`` names. Heavy modules load on first use, so the
cookiecutter hooks can import ``generator.answers.rules`` without slsguard's dependencies.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

__all__ = ["__version__", "add_function", "audit_paths", "cost_ceiling", "new_project", "upgrade_project"]

# Public name -> (module, function). The names differ from the submodules (generator.new, generator.upgrade,
# generator.audit) on purpose: importing a submodule binds it on the package under its own name.
_LAZY = {
    "new_project": ("generator.new.render", "new"),
    "upgrade_project": ("generator.upgrade.regenerate", "upgrade"),
    "audit_paths": ("generator.audit", "audit"),
    "add_function": ("generator.add", "add"),
    "cost_ceiling": ("generator.cost", "cost"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, function = _LAZY[name]
        return getattr(importlib.import_module(module), function)
    raise AttributeError(f"module 'generator' has no attribute {name!r}")
