"""The registry: every audit rule, collected from the family that declares it, run once per audit.

Seed challenges (``shared/seed``): 1 cold start, 2 observability, 3 SQL databases, 4 wallet attack (DDoS),
5 CloudFormation. Rules read the root template and every nested stack together, so a resource that
serverless-plugin-split-stacks moved into a nested stack is checked like one in the root, and budgets
(reserved concurrency, resources per operation) are summed over all of them.

A rule is declared once (``rule.Rule``: id, challenge, severity, texts, fixes per source, check) in its family module,
beside its check; a family's ``RULES`` are in the order of the report, and the order of ``FAMILIES`` is the order of the
report, ``--help``, SARIF and the rules table of docs/audit.md (written by ``docs.py``). One family lists a rule declared
beside its model in a helper module: ``exposure`` (security-group-open, network.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from . import (
    api,
    api_auth,
    api_throttling,
    database,
    env_secrets,
    exemptions,
    exposure,
    functions,
    lambda_access,
    observability,
    queues,
    quotas,
    rails,
    retention,
    security,
    waf,
)
from .fixes import SHARED
from .model import Context, Finding
from .rule import Fix, Rule

FAMILIES = (
    *(functions, observability, api, api_auth, api_throttling, env_secrets, security, database, quotas, exposure, lambda_access),
    *(waf, rails, queues, retention),
)
RULES: tuple[Rule, ...] = tuple(rule for family in FAMILIES for rule in family.RULES)
BY_ID = {rule.id: rule for rule in RULES}
KNOWN = frozenset(BY_ID)
FIXES: dict[str, Fix] = {key: fix for rule in RULES for key, fix in zip(rule.fix_keys(), rule.fixes.values(), strict=True)}
FIXES.update(SHARED)  # fixes several rules give ("unprovable")

if len(BY_ID) != len(RULES):  # pragma: no cover - a declaration mistake, caught by importing
    raise RuntimeError("two audit rules declare the same id")

__all__ = ["BY_ID", "FIXES", "KNOWN", "RULES", "Rule", "run"]


def run(ctx: Context) -> list[Finding]:
    """Run every rule once (rules sharing a check run it once) and the exemption check."""
    findings: list[Finding] = []
    done: set[Callable[[Context], Iterator[Finding]]] = set()
    for rule in RULES:
        if rule.check not in done:
            done.add(rule.check)
            findings.extend(rule.check(ctx))
    findings.extend(exemptions.check(ctx, KNOWN))
    return findings
