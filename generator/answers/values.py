"""One answer's value on its own: its type (``coerce``), its characters and what it accepts in words. The rules that
combine answers are in rules.py.

Standard library only: ``hooks/pre_gen_project.py`` imports it (through rules.py) under plain cookiecutter.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass
from typing import Any

from . import limits
from .questions import BY_NAME, Question
from .text import FREE_TEXT_MAX, free_text_problem, shown

# Matched with fullmatch, never match: "$" also matches before a trailing newline.
SLUG_RE = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")
PACKAGE_RE = re.compile(r"[a-z_][a-z0-9_]*")
# Standard partition only: the Powertools layer account differs in GovCloud and China.
REGION_RE = re.compile(
    r"(af|ap|ca|eu|il|me|mx|sa|us)-"
    r"(central|north|south|east|west|northeast|northwest|southeast|southwest)-[1-9]"
)
TRUE_WORDS = frozenset({"true", "yes", "y", "1", "on"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "off"})


@dataclass(frozen=True)
class Problem:
    """One broken rule, printed as a single line naming keys, values, what is allowed and the fix."""

    keys: tuple[str, ...]
    message: str
    fix: str

    def __str__(self) -> str:
        return f"{self.message} Fix: {self.fix}"


class BadValue(ValueError):
    """One answer that is not of its type or range; ``str()`` is the one-line message with its fix."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def allowed_text(q: Question) -> str:
    """What a question accepts, in words."""
    if q.kind == "choice":
        return "one of " + ", ".join(q.choices)
    if q.kind == "bool":
        return "true or false"
    if q.name == "log_retention_days":
        return "one of " + ", ".join(str(d) for d in limits.LOG_RETENTION_DAYS)
    if q.kind == "int":
        low = q.minimum if q.minimum is not None else "-inf"
        high = q.maximum if q.maximum is not None else "any"
        return f"a whole number from {low} to {high}" if q.maximum else f"a whole number >= {low}"
    if q.name == "jwt_issuer":
        return "with auth=jwt: the issuer's https URL"
    if q.name == "jwt_audience":
        return "with auth=jwt: the audience tokens carry (letters, digits, . _ ~ : / @ + -)"
    if q.name in FREE_TEXT_MAX:
        return f"one line of text, at most {FREE_TEXT_MAX[q.name]} characters, no template syntax ({{{{ {{% {{# ${{)"
    return "text"


def coerce(name: str, raw: Any) -> Any:
    """Turn a raw answer (string from a flag or cookiecutter, or a typed value) into its type.

    Raises BadValue (a ValueError) naming key, value, what is allowed and the fix.
    """
    q = BY_NAME[name]
    example = q.default if not q.derived else "..."
    example = str(example).lower() if isinstance(example, bool) else example
    bad = BadValue(Problem((name,), f"{name}={shown(raw)} is not allowed: {name} must be {allowed_text(q)}.", f"--set {name}={example}"))
    if q.kind == "bool":
        if isinstance(raw, bool):
            return raw
        word = str(raw).strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise bad
    if q.kind == "int":
        if isinstance(raw, bool):
            raise bad
        try:
            value = int(str(raw).strip())
        except ValueError:
            raise bad from None
        if q.minimum is not None and value < q.minimum:
            raise bad
        if q.maximum is not None and value > q.maximum:
            raise bad
        return value
    if isinstance(raw, dict | list | tuple | set) or raw is None:
        raise bad
    value = str(raw)
    if q.kind == "choice" and value not in q.choices:
        raise bad
    why = free_text_problem(name, value) if name in FREE_TEXT_MAX else None
    if why:
        raise BadValue(Problem((name,), f"{name}={shown(value)} is not allowed: {why}.", f"--set {name}={example!r}"))
    return value


# auth=jwt: the issuer is an https URL (API Gateway fetches its keys over TLS; a plain-http issuer lets anyone on
# the path swap the keys), the audience an identifier; both in characters YAML and CloudFormation take as they are.
JWT_ISSUER_RE = re.compile(r"https://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~%/-]*)?")
JWT_AUDIENCE_RE = re.compile(r"[A-Za-z0-9._~:/@+-]+")
JWT_EXAMPLE = {"jwt_issuer": "https://login.example.com/", "jwt_audience": "https://api.example.com"}


def jwt_problem(name: str, value: str) -> Problem | None:
    """What is wrong with a non-empty jwt_issuer / jwt_audience, or None."""
    fix = f"--set {name}={JWT_EXAMPLE[name]}"
    if name == "jwt_issuer" and value.lower().startswith("http://"):
        return Problem((name,), f"jwt_issuer={shown(value)} is plain http: tokens and signing keys must come over https.", fix)
    pattern = JWT_ISSUER_RE if name == "jwt_issuer" else JWT_AUDIENCE_RE
    if pattern.fullmatch(value):
        return None
    allowed = "an https URL (letters, digits, . - _ ~ % /)" if name == "jwt_issuer" else "letters, digits and . _ ~ : / @ + -"
    return Problem((name,), f"{name}={shown(value)} is not allowed: use {allowed}.", fix)


# Answers limited to a character set that needs no escaping anywhere the template writes them: key -> (pattern,
# what is allowed, the fix).
PATTERNS = {
    "project_slug": (SLUG_RE, "use lowercase letters, digits and single hyphens, starting with a letter", "--set project_slug=my-service"),
    "package_name": (PACKAGE_RE, "use a lowercase Python identifier (letters, digits, underscores)", "--set package_name=my_service"),
    "aws_region": (REGION_RE, "use a standard AWS region name (like us-east-1 or eu-west-2)", "--set aws_region=us-east-1"),
}


def pattern_problem(name: str, value: str) -> Problem | None:
    pattern, allowed, fix = PATTERNS[name]
    if pattern.fullmatch(value) and not (name == "package_name" and keyword.iskeyword(value)):
        return None
    return Problem((name,), f"{name}={shown(value)} is not allowed: {allowed}.", fix)


def value_problem(name: str, value: Any) -> Problem | None:
    """What is wrong with ``value`` as the answer ``name`` on its own (type, range, characters), or None.

    Recorded answers (a cloned project's ``.slsguard/answers.json``) pass through this before any use.
    """
    try:
        typed = coerce(name, value)
    except BadValue as err:
        return err.problem
    if name in JWT_EXAMPLE and typed:
        return jwt_problem(name, typed)
    return pattern_problem(name, typed) if name in PATTERNS else None
