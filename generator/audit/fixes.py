"""Fix texts by key, in the language the user wrote the service in.

Each rule declares its fixes with itself (``rule.Rule.fixes``): serverless.yml (osls / Serverless Framework),
a SAM template.yaml (``Globals`` where one setting covers every function) or plain CloudFormation. Checks
that name their rule by id pick a fix here by key (``"<id>"`` or ``"<id>.<variant>"``) and fill in its
``{placeholders}``; no rule branches on the source itself. A serverless.yml without the rails plugin
(``origin.has_rails``) is a fourth source: ``plain_fixes.PLAIN`` replaces the texts that rely on it.
"""

from __future__ import annotations

from typing import Any

from .model import SERVERLESS, Template
from .origin import has_rails
from .plain_fixes import PLAIN
from .rule import EXEMPT, Fix

__all__ = ["EXEMPT", "SHARED", "Fix", "fix"]  # and FIXES, through __getattr__

# Fixes several rules give, looked up by their own key (no rule id): the registry adds them to FIXES.
SHARED: dict[str, Fix] = {
    "unprovable": Fix(
        "Write the value in `resources:` as a literal, or give the parameter `AllowedValues` that are all safe, {exempt}.",
        "Write the value in template.yaml as a literal, or give the parameter `AllowedValues` that are all safe, {exempt}.",
        "Write the value as a literal, or give the parameter `AllowedValues` that are all safe, {exempt}.",
    ),
}


def _registry() -> dict[str, Fix]:
    from .rules import FIXES  # the registry imports the family modules, which import this one

    return FIXES


def fix(key: str, tpl: Template, **values: object) -> str:
    """The fix for a rule (``key`` is its id, or ``id.variant``) in the language of ``tpl``'s source; a serverless.yml
    without the rails plugin gets the wording of ``plain_fixes`` where the rails one names what it does not have."""
    source = tpl.source
    text = PLAIN[key] if source == SERVERLESS and key in PLAIN and not has_rails(tpl) else getattr(_registry()[key], source)
    return str(text).format(exempt=EXEMPT, **values)


def __getattr__(name: str) -> Any:
    """``FIXES``: every declared fix by key, read from the registry when first asked for."""
    if name == "FIXES":
        return _registry()
    raise AttributeError(name)
