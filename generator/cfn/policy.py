"""Policy documents as a deploy sees them: mappings or JSON strings, statements behind ``Fn::If`` included.

A document given as a JSON string (``PolicyDocument: '{"Statement": ...}'``, common in hand-written templates) is
parsed and read like a mapping; one that does not parse is an ``Unknown("unresolved")``: a rule that must prove a
policy safe then reports it as unprovable instead of passing it (fail closed).
"""

from __future__ import annotations

import json
from typing import Any

from .template import Template
from .values import ABSENT, UNRESOLVED, Possible, Unknown, evaluator, merge

MAX_POLICY_TEXT = 1_000_000  # characters: IAM's own limits are far below this


def _parsed(text: str, tpl: Template) -> Any:
    ev = evaluator(tpl)
    if text not in ev.parsed:
        try:
            ev.parsed[text] = json.loads(text) if len(text) <= MAX_POLICY_TEXT else None
        except (ValueError, RecursionError):
            ev.parsed[text] = None
        if not isinstance(ev.parsed[text], dict):
            ev.parsed[text] = Unknown(UNRESOLVED, "a policy document string that is not a JSON object")
    return ev.parsed[text]


def documents(value: Any, tpl: Template) -> list[Possible]:
    """Every document a policy property can be: a mapping with raw children, or an Unknown."""
    out: list[Possible] = []
    for p in evaluator(tpl).shallow(value):
        doc = p.value
        if isinstance(doc, str):
            doc = _parsed(doc, tpl)
        elif isinstance(doc, Unknown) and doc.detail.lstrip().startswith("{"):
            # JSON text built by Fn::Sub / Fn::Join around unknown parts: read it, each unknown part kept unknown
            parsed = _parsed(doc.detail, tpl)
            try:
                doc = _marked(parsed, doc.kind) if isinstance(parsed, dict) else doc
            except RecursionError:  # a hostile nesting inside the text: unreadable, so unprovable
                doc = Unknown(UNRESOLVED, "a policy document string nested too deep to read")
        out.append(Possible(doc, p.because))
    return out


def statements(value: Any, tpl: Template) -> list[tuple[int, Possible]]:
    """Every statement a policy property can hold, with its position and why; a statement may be an Unknown
    (a document or statement list that cannot be read), never silently dropped."""
    ev = evaluator(tpl)
    out: list[tuple[int, Possible]] = []
    for doc in documents(value, tpl):
        if not isinstance(doc.value, dict):
            if doc.value is not None and not _absent(doc.value):
                out.append((0, Possible(_unknown(doc.value, "a policy document"), doc.because)))
            continue
        for listed in ev.shallow(doc.value.get("Statement")):
            reasons = merge(doc.because, listed.because)
            if reasons is None or _absent(listed.value):
                continue
            elements = listed.value if isinstance(listed.value, list) else [listed.value]
            for i, element in enumerate(elements):
                for st in ev.shallow(element):
                    why = merge(reasons, st.because)
                    if why is None or _absent(st.value):
                        continue
                    value_ = st.value if isinstance(st.value, dict) else _unknown(st.value, "a policy statement")
                    out.append((i, Possible(value_, why)))
    return out


def field(statement: Any, name: str, tpl: Template) -> list[Possible]:
    """Every value one field of a statement can take (``Effect``, ``Principal``, ``Action``, ``Condition``, ...)."""
    return evaluator(tpl).eval(statement.get(name) if isinstance(statement, dict) else None)


def _marked(value: Any, kind: str) -> Any:
    """A parsed JSON text with every string that held an unknown part (``${...}``) made Unknown again."""
    if isinstance(value, str) and "${" in value:
        return Unknown(kind, value)
    if isinstance(value, list):
        return [_marked(v, kind) for v in value]
    if isinstance(value, dict):
        return {k: _marked(v, kind) for k, v in value.items()}
    return value


def _absent(value: Any) -> bool:
    return value is ABSENT


def _unknown(value: Any, what: str) -> Unknown:
    return value if isinstance(value, Unknown) else Unknown(UNRESOLVED, f"{what} that is not a mapping")
