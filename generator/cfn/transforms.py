"""What a template's ``Transform`` asks CloudFormation to do before deploying, done here before any rule runs.

Two transforms are expanded offline: ``AWS::LanguageExtensions`` (``language_extensions``) and
``AWS::Serverless-2016-10-31`` (``sam``, with the optional SAM translator), language extensions first (a SAM
template lists them first: SAM's own docs ask for that order).
Every other transform is a macro: code in someone's account writes the template that deploys, so the audit cannot
judge it. ``AWS::Include`` and ``Fn::Transform`` pull in text the audit cannot see either. They are refused (exit 2)
with how to audit the processed template instead; a silent pass over what a macro produces would be a false "safe".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import UserError
from ..printable import printable
from . import language_extensions, sam

EXPANDED = (language_extensions.TRANSFORM, sam.TRANSFORM)  # what is expanded, in the order CloudFormation applies them
PROCESSED = (
    "Fix: audit the processed template instead: create a change set, then "
    "`aws cloudformation get-template --stack-name STACK --change-set-name SET --template-stage Processed` "
    "(or audit what `sam build`/`sam package` writes when the macro is SAM's)."
)


def _names(body: dict[str, Any]) -> list[Any]:
    transform = body.get("Transform")
    if transform is None:
        return []
    return transform if isinstance(transform, list) else [transform]


def _macro_call(node: Any) -> bool:
    """Whether ``Fn::Transform`` appears anywhere (an iterative walk: the depth is bounded, the width is not)."""
    stack = [node]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            if "Fn::Transform" in value:
                return True
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return False


def check(body: dict[str, Any], raw: bytes, path: Path) -> None:
    """Refuse every transform the audit cannot expand; ``raw`` lets a template without the words skip the walks."""
    for name in _names(body):
        if name not in EXPANDED:
            shown = name if isinstance(name, str) else "with parameters"
            raise UserError(
                f"{printable(path)}: Transform {printable(shown)}: the audit cannot see the template this macro produces.", PROCESSED
            )
    if (b"Transform" in raw) and _macro_call({k: v for k, v in body.items() if k != "Transform"}):
        raise UserError(f"{printable(path)}: Fn::Transform (AWS::Include or a macro) inserts content the audit cannot see.", PROCESSED)
    if b"Fn::ForEach::" in raw and not language_extensions.uses(body) and _loops(body):
        raise UserError(
            f"{printable(path)}: Fn::ForEach needs Transform: {language_extensions.TRANSFORM}; CloudFormation refuses this template.",
            f"Fix: add `Transform: {language_extensions.TRANSFORM}` at the top of the template.",
        )


def _loops(body: dict[str, Any]) -> bool:
    stack: list[Any] = [body.get(s) for s in language_extensions.SECTIONS]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            if any(isinstance(k, str) and k.startswith(language_extensions.LOOP) for k in value):
                return True
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return False


def apply(body: dict[str, Any], raw: bytes, path: Path) -> tuple[dict[str, Any], bool]:
    """The template CloudFormation deploys for ``body``, and whether the SAM transform made it."""
    check(body, raw, path)
    if language_extensions.uses(body):
        body = language_extensions.expand(body, path)
    if sam.is_sam(body):
        return sam.transform(body, path), True
    return body, False
