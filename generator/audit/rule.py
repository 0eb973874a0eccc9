"""What declaring an audit rule takes: its id, severity, texts, fixes per source and check, written once.

A family module (``functions.py``, ``api.py``, ``quotas.py``, ``rails.py``, ... : ``rules.FAMILIES``) declares its rules
with ``Rule``, beside their checks; ``rules.py`` collects them into the registry that runs them, lists them
in ``--help`` and SARIF, looks up their fixes and writes the rules table of docs/audit.md (``docs.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from .model import ERROR, Context, Finding, Template, finding

EXEMPT = "or exempt it with a reason"  # fills {exempt} in every fix text


class Fix(NamedTuple):
    """The same fix said three ways: serverless.yml (osls / Serverless Framework), SAM template.yaml, plain CloudFormation."""

    serverless: str
    sam: str
    cloudformation: str


@dataclass(frozen=True)
class Rule:
    """One audit rule, declared in one place.

    ``fixes`` maps a variant to its fix: ``""`` is the rule's own (looked up as ``"<id>"``), any other key a variant
    (``"rest"`` of ``api-throttling`` is ``"api-throttling.rest"``). ``checks`` and ``levels`` are the rule's row in
    docs/audit.md (what it checks, which severities it reports); ``summary`` and ``help`` are what ``--help`` and SARIF show.
    """

    id: str
    challenge: str  # the seed article's challenge it answers: "1 cold start" ... "5 CloudFormation"
    severity: str  # the most a finding of this rule can be: its SARIF default level
    summary: str
    help: str  # why it matters and what to do (SARIF rule help)
    checks: str  # docs/audit.md "checks" column (Markdown)
    levels: str  # docs/audit.md "severity" column
    fixes: Mapping[str, Fix]
    check: Callable[[Context], Iterator[Finding]]

    def fix_keys(self) -> list[str]:
        """The keys fixes are looked up by: ``id`` and ``id.variant``."""
        return [self.id if not v else f"{self.id}.{v}" for v in self.fixes]

    def fix(self, tpl: Template, variant: str = "", **values: object) -> str:
        """This rule's fix (or its variant's) in the language of ``tpl``'s source, placeholders filled in."""
        from .fixes import fix  # one lookup for every rule: it knows the wording for a serverless.yml without the rails

        return fix(self.id if not variant else f"{self.id}.{variant}", tpl, **values)

    def finding(
        self,
        severity: str,
        tpl: Template,
        logical_id: str | None,
        where: str,
        message: str,
        *,
        variant: str = "",
        group: str | None = None,
        subject: str = "",
        **values: object,
    ) -> Finding:
        """A finding of this rule with its fix for ``tpl``'s source (``values`` fill the fix's placeholders)."""
        text = self.fix(tpl, variant, **values)
        return finding(self.id, severity, tpl, logical_id, where, message, text, group=group, subject=subject)

    def unsafe(self, tpl: Template, logical_id: str | None, where: str, message: str, *, unprovable: str = "") -> Finding:
        """An error of this rule: unsafe in some deploy (this rule's fix), or, given ``unprovable`` (what the deployer chooses),
        one that cannot be proven safe (the shared ``unprovable`` fix: a literal, or AllowedValues that are all safe)."""
        if not unprovable:
            return self.finding(ERROR, tpl, logical_id, where, message)
        from .fixes import fix

        return finding(self.id, ERROR, tpl, logical_id, where, message, fix("unprovable", tpl, what=unprovable))
