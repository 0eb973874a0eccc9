"""The bounds every file slsguard reads is held to (one table: messages are built from it), and the one-line
refusal a parser hook raises when a file goes past one."""

from __future__ import annotations

from typing import NamedTuple

from ..errors import UserError
from ..printable import printable


class Limit(NamedTuple):
    """One bound on what a file may make slsguard do; messages are built from it."""

    what: str  # how a message names the measured quantity
    value: int
    unit: str
    fix: str


# The limits, each with why its number. They hold for every file any command reads; a caller may lower SIZE.
SIZE = Limit(
    "file size",
    4 * 1024 * 1024,  # 4 MiB: CloudFormation accepts at most 1 MB per template (from S3); the rest is room for comments
    "bytes",
    "give the file you meant; no template, answers file or serverless.yml slsguard reads is this large",
)
DEPTH = Limit(
    "nesting depth",
    200,  # real templates nest ~20 levels (a policy inside Fn::If inside Properties); 200 stays far below Python's 1,000-frame recursion limit every walker shares
    "levels",
    "flatten the nesting; no CloudFormation template or answers file needs it",
)
ALIAS_NODES = Limit(
    "nodes built through YAML aliases",
    100_000,  # a serverless.yml reusing an anchored block dozens of times builds a few thousand; a billion-laughs file builds 10^9
    "nodes",
    "write the repeated blocks out, or use fewer aliases of large anchored blocks",
)
INT_DIGITS = Limit(
    "number length",
    100,  # no AWS property takes a number beyond 64 bits (20 digits); Python refuses more than 4,300 digits with a traceback
    "characters",
    "quote the value if it is text; no CloudFormation property takes a number this long",
)
LIMITS = (SIZE, DEPTH, ALIAS_NODES, INT_DIGITS)

READ_FIX = "Fix: check the path and that the file is readable."
SYNTAX_FIX = "Fix: correct the file where the message says, or give the file you meant."
DUPLICATE_FIX = "Fix: keep one of them; CloudFormation would silently use only one (cfn-lint reports it as E0000)."


class Refused(Exception):
    """Raised inside a parser hook; turned into a UserError naming the file."""

    def __init__(self, problem: str, hint: str, line: int | None = None, key: str | None = None) -> None:
        super().__init__(problem)
        self.problem, self.hint, self.line, self.key = problem, hint, line, key


def over(limit: Limit, found: str = "", line: int | None = None) -> Refused:
    found = f" ({found})" if found else ""
    return Refused(f"{limit.what} over the limit of {limit.value:,} {limit.unit}{found}", f"Fix: {limit.fix}.", line)


def error(source: object, refused: Refused) -> UserError:
    where = f" line {refused.line}:" if refused.line else ""
    return UserError(f"{printable(source)}:{where} {printable(refused.problem)}.", refused.hint)
