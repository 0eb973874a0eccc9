"""The template's Jinja environment is a sandbox, under ``slsguard new`` and plain ``cookiecutter`` alike.

cookiecutter renders every value it is given (``cookiecutter <repo> key=value``, a config file's
``default_context``) as a Jinja template before any hook can look at it. slsguard refuses template syntax in
answers before cookiecutter sees them (``generator.answers.text``), but plain cookiecutter has no such step: this
extension, listed in cookiecutter.json's ``_extensions``, turns the environment cookiecutter builds into a
``jinja2.sandbox.SandboxedEnvironment`` as it is created. A value such as
``{{ cycler.__init__.__globals__.os.popen("id").read() }}`` then stops with a SecurityError (no attribute
starting with ``_`` is reachable, no unsafe callable runs) instead of running a command; the template itself
uses nothing the sandbox refuses, so the rendered bytes are the same.

Jinja only: cookiecutter imports this from the template's repository (it puts the repository on ``sys.path``
for local extensions), with or without slsguard installed.
"""

from __future__ import annotations

import functools
from typing import Any

from jinja2 import Environment
from jinja2.ext import Extension
from jinja2.sandbox import SandboxedEnvironment, safe_range


@functools.cache
def _sandboxed(cls: type[Environment]) -> type[Environment]:
    """``cls`` with the sandbox's checks on attribute access, calls and operators."""
    return type(f"Sandboxed{cls.__name__}", (cls, SandboxedEnvironment), {})


class AnswersAreData(Extension):
    """Make the environment it is loaded into a sandbox (cookiecutter loads extensions while building it)."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        if not environment.sandboxed:
            sandbox: Any = environment
            sandbox.__class__ = _sandboxed(type(environment))
            # What SandboxedEnvironment.__init__ sets on an instance.
            sandbox.globals["range"] = safe_range
            sandbox.binop_table = SandboxedEnvironment.default_binop_table.copy()
            sandbox.unop_table = SandboxedEnvironment.default_unop_table.copy()
