"""One setting, one finding: findings that share a cause (a ``provider.environment`` secret on every function, one
VPC config, tracing off provider-wide) are merged into one that lists the resources, so a report of 24
copies becomes one line to fix.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from .model import Finding

# The verb after a grouped subject agrees with the plural ("Function x has" -> "3 functions (x, y, z) have").
PLURAL_VERBS = {
    " has": " have",
    " sets": " set",
    " runs": " run",
    " writes": " write",
    " is": " are",
    " requires": " require",
    " keeps": " keep",
}
NOUNS = ("Log group ", "Function ", "method ")  # how a subject starts: the kind of resource it names
SHOWN = 10  # members named in the message; the rest are counted (the JSON ``resources`` field lists all)


def _plural(subject: str, members: list[str], noun: str) -> str:
    named = ", ".join(members[:SHOWN]) + (f", and {len(members) - SHOWN} more" if len(members) > SHOWN else "")
    for singular, plural in PLURAL_VERBS.items():
        if subject.endswith(singular):
            return f"{len(members)} {noun}s ({named}){plural}"
    return f"{len(members)} {noun}s ({named})"


def _split(subject: str) -> tuple[str, str]:
    """(noun, name) of a subject: "Function a-dev-x (XLambdaFunction) has" -> ("function", "a-dev-x (XLambdaFunction)")."""
    noun = next((n for n in NOUNS if subject.startswith(n)), "")
    name = subject[len(noun) :]
    for singular in PLURAL_VERBS:
        if name.endswith(singular):
            return noun.strip().lower() or "resource", name[: -len(singular)]
    return noun.strip().lower() or "resource", name


def group(findings: Iterable[Finding]) -> list[Finding]:
    """Merge findings with the same rule, stack, severity, exemption and cause; the first keeps its place."""
    buckets: dict[tuple[str, str, str, str | None, str], list[Finding]] = {}
    out: list[Finding | tuple[str, str, str, str | None, str]] = []
    for f in findings:
        if f.group is None or not f.subject or f.subject not in f.message:
            out.append(f)
            continue
        key = (f.rule, f.stack, f.severity, f.exempt, f.group)
        if key not in buckets:
            buckets[key] = []
            out.append(key)
        buckets[key].append(f)
    merged: list[Finding] = []
    for item in out:
        if isinstance(item, Finding):
            merged.append(item)
            continue
        members = buckets[item]
        first = members[0]
        if len(members) == 1:
            merged.append(first)
            continue
        noun = _split(first.subject)[0]
        subject = _plural(first.subject, [_split(m.subject)[1] for m in members], noun)
        ids = tuple(m.logical_id for m in members if m.logical_id)
        merged.append(replace(first, message=first.message.replace(first.subject, subject, 1), resources=ids))
    return merged
