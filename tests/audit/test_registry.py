"""Each audit rule is declared once: the registry, the ids the checks use, the fixes per source and the docs table agree."""

from __future__ import annotations

import ast
import importlib
import string
from pathlib import Path

from generator.audit import docs
from generator.audit.exemptions import RULE as EXEMPTION_RULE
from generator.audit.rules import BY_ID, FIXES, RULES
from tests.support.paths import REPO

AUDIT = REPO / "generator" / "audit"


def _calls(name: str) -> list[tuple[str, str]]:
    """(file, first argument) of every call ``name("literal", ...)`` in the audit package."""
    out = []
    for path in sorted(AUDIT.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == name and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    out.append((path.name, first.value))
    return out


def test_the_docs_table_is_the_registry() -> None:
    assert docs.main(["--check"]) == 0
    text = docs.DOCS.read_text(encoding="utf-8")
    for rule in RULES:
        assert f"| `{rule.id}` | {rule.challenge.split()[0]} | {rule.checks} | {rule.levels} |" in text, rule.id


def test_an_edited_docs_row_is_caught(tmp_path: Path) -> None:
    copy = tmp_path / "audit.md"
    text = docs.DOCS.read_text(encoding="utf-8")
    copy.write_text(text.replace("| `api-throttling` | 4 |", "| `api-throttling` | 3 |"), encoding="utf-8")
    assert docs.main(["--check", str(copy)]) == 1
    assert docs.main([str(copy)]) == 0  # rewrites it
    assert copy.read_text(encoding="utf-8") == text
    (tmp_path / "bare.md").write_text("# no markers\n", encoding="utf-8")
    assert docs.main(["--check", str(tmp_path / "bare.md")]) == 2


def _rule_findings() -> list[tuple[str, str]]:
    """(module, name) of every ``NAME.finding(...)`` / ``NAME.unsafe(...)`` call in the audit package: a declared rule's own."""
    out = []
    for path in sorted(AUDIT.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            func = node.func if isinstance(node, ast.Call) else None
            named = isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id.isupper()
            if named and func.attr in ("finding", "unsafe"):  # a declared constant (a parameter such as quotas' `rule` is not)
                out.append((path.stem, func.value.id))
    return out


def test_every_id_a_check_names_is_declared() -> None:
    used = _calls("finding")
    assert used  # the scan sees the checks that still name their rule by id (where the fix is worded per finding)
    for file, rule_id in used:
        assert rule_id in BY_ID or rule_id == EXEMPTION_RULE, (file, rule_id)
    for file, key in _calls("fix"):
        assert key in FIXES, (file, key)
    through_rules = _rule_findings()
    assert len(through_rules) > 20  # most checks report through their rule's declaration
    registered = {id(rule) for rule in RULES}
    for module, name in through_rules:
        rule = getattr(importlib.import_module(f"generator.audit.{module}"), name)
        assert id(rule) in registered, (module, name)


def test_every_rule_has_fixes_for_all_three_sources() -> None:
    for rule in RULES:
        assert rule.fixes, rule.id
        for variant, entry in rule.fixes.items():
            texts = [entry.serverless, entry.sam, entry.cloudformation]
            fields = {f for t in texts for _, f, _, _ in string.Formatter().parse(t) if f}
            filled = [t.format(**dict.fromkeys(fields, "X")) for t in texts]
            assert all(t.strip().endswith(".") for t in filled), (rule.id, variant)
            assert len(set(filled)) >= 2, (rule.id, variant)  # at least one source is told something of its own


def test_ids_are_unique_and_every_rule_carries_its_texts() -> None:
    assert len({r.id for r in RULES}) == len(RULES)
    for rule in RULES:
        assert rule.summary and rule.help and rule.checks and rule.levels, rule.id
        assert rule.severity in ("error", "warning"), rule.id
