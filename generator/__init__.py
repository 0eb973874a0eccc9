"""slsguard: start and keep an AWS serverless service safe from day one.

The public API is what ``__all__`` names. Heavy modules load on first use, so the
cookiecutter hooks can import ``generator.rules`` without slsguard's dependencies.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

__all__ = ["__version__", "audit", "new", "render", "upgrade"]

_LAZY = {"new": "generator.render", "render": "generator.render", "upgrade": "generator.upgrade", "audit": "generator.audit"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'generator' has no attribute {name!r}")
