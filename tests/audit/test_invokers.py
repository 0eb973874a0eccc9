"""What invokes each function is walked once per audit and shared by the rules and the cost model that ask it."""

from __future__ import annotations

import pytest

from generator.audit import audit
from generator.audit.model import Index
from generator.cfn import invokers
from generator.cfn.load import load
from generator.cost.from_templates import build
from tests.support import paths

FIXTURES = paths.FIXTURES / "audit"


@pytest.fixture
def walks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the walks over the templates (the real walk runs; only the count is added)."""
    count: list[int] = []
    real = invokers._walk

    def counted(index: invokers.Functions) -> dict:
        count.append(1)
        return real(index)

    monkeypatch.setattr(invokers, "_walk", counted)
    return count


def test_one_walk_serves_reserved_concurrency_the_queue_rules_and_async_failures(walks: list[int]) -> None:
    findings = audit([FIXTURES / "reserved-concurrency" / "fail.yaml"])
    assert {"reserved-concurrency", "async-failure-destination"} <= {f.rule for f in findings}
    assert len(walks) == 1
    findings = audit([FIXTURES / "queue-visibility" / "fail.yaml"], account_concurrency=1000)
    assert "queue-visibility" in {f.rule for f in findings}
    assert len(walks) == 2  # once per audit


def test_the_cost_model_reads_the_same_walk(walks: list[int]) -> None:
    index = Index(load([FIXTURES / "reserved-concurrency" / "fail.yaml"]).roots)
    found = invokers.invokers(index)
    service = build(index, 1000)
    assert len(walks) == 1 and index.derived["invokers"] is found
    triggered = {f.logical_id for f in service.functions if f.triggers}
    named = {lid for tpl in index.templates for lid in tpl.resources if invokers.key(tpl, lid) in found}
    assert triggered and triggered <= named
