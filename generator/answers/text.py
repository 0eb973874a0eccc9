"""Answers are data, never code: what a free-text answer may hold, and how any value is shown in a message.

The generator hands every answer to cookiecutter, which renders each value as a Jinja template before any
hook runs; the template then writes the values into Python, YAML, JSON, TOML and Markdown. A free-text
answer (``project_name``, ``description``) is therefore held to one line of printable text without template
or variable syntax:

- no Jinja delimiters (``{{ }} {% %} {# #}``): a value without them is plain data to Jinja's lexer, so
  cookiecutter's rendering gives it back unchanged and nothing in it is evaluated;
- no ``${``: the Serverless Framework resolves ``${...}`` in every string of serverless.yml, quoted or not
  (``${file(...)}`` reads files, ``${env:...}`` the environment);
- no control, format, surrogate or line/paragraph-separator characters (Unicode categories Cc, Cf, Cs, Zl,
  Zp): no newline can start a YAML key or end a Python string, no escape sequence reaches a terminal, no
  bidirectional override hides what a line says;
- a bounded length (CloudFormation's stack description holds at most 1,024 bytes).

Quotes, backslashes, ``#``, ``:`` and Markdown punctuation are allowed: the template escapes them where it
writes them. Standard library only: the cookiecutter hooks import this through ``generator.answers.rules``.
"""

from __future__ import annotations

import re
import unicodedata

# The most characters each free-text answer may hold (256 four-byte characters still fit CloudFormation's
# 1,024-byte stack Description).
FREE_TEXT_MAX = {"project_name": 128, "description": 256, "jwt_issuer": 512, "jwt_audience": 256}
TEMPLATE_SYNTAX = ("{{", "}}", "{%", "%}", "{#", "#}", "${")
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
SHOWN_MAX = 80  # characters of a value quoted in a message
ANSWERS_MAX_BYTES = 1 << 20  # an answers file (--answers, .slsguard/answers.json) is about 1 KB; anything near this is not one
_PLAIN = re.compile(r"[A-Za-z0-9._:/@+-]*")


def shown(value: object, limit: int = SHOWN_MAX) -> str:
    """A value as a message may quote it: a plain word as it is, anything else escaped by ``repr`` (no newline,
    escape sequence or control character reaches the terminal or a CI log), cut to ``limit`` characters."""
    text = value if isinstance(value, str) and _PLAIN.fullmatch(value) else repr(value)
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


def free_text_problem(name: str, value: str) -> str | None:
    """Why ``value`` cannot be the free-text answer ``name`` (the 'what is allowed' part of a message), or None."""
    limit = FREE_TEXT_MAX[name]
    for i, ch in enumerate(value):
        if unicodedata.category(ch) in REFUSED_CATEGORIES:
            what = "a line break" if ch in "\r\n\x0b\x0c\x85\u2028\u2029" else f"the control character U+{ord(ch):04X}"
            return f"{name} must be one line of printable text: it holds {what} at character {i + 1}"
    for syntax in TEMPLATE_SYNTAX:
        at = value.find(syntax)
        if at >= 0:
            kind = "Serverless Framework variable" if syntax == "${" else "Jinja template"
            return (
                f"{name} is text, never a template: it holds {syntax!r} ({kind} syntax) at character {at + 1}, "
                "which slsguard refuses so that no answer is ever evaluated"
            )
    if len(value) > limit:
        return f"{name} holds {len(value)} characters, at most {limit} are allowed"
    return None
