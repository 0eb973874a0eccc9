"""The ceiling is shown as a ceiling, next to what the same service costs at a modest, stated traffic
(generator/cost/typical.py): in the wizard's summary, `slsguard cost` (text and JSON) and the generated README."""

from __future__ import annotations

import json

import pytest

from generator.answers.parse import complete
from generator.cli import main
from generator.cost import ceiling_of_answers, cost, prices, typical
from generator.new.summary import summary_lines
from tests.support import paths

FIXTURES = paths.FIXTURES / "cost"


def test_a_worker_alone_costs_what_the_stated_traffic_implies() -> None:
    # GIVEN a service with only the SQS worker (1024 MB arm64, traced), priced in us-east-1
    answers = complete({"api": "none", "memory_size": 1024, "architecture": "arm64"})
    p = prices.load("us-east-1")
    # WHEN it is priced at the stated traffic
    lines = {i.service: i.usd_per_hour for i in typical.of_answers(answers).items}
    # THEN every line is the stated rate times the list price, worked out here by hand
    per_hour = 3600
    assert lines["Lambda compute"] == pytest.approx(1.0 * 0.1 * 1.0 * per_hour * p["lambda_gb_second_arm64"])
    assert lines["Lambda requests"] == pytest.approx(per_hour / 1e6 * p["lambda_requests"])
    assert lines["SQS"] == pytest.approx((3 + 0.25) * per_hour / 1e6 * p["sqs_requests"])
    assert lines["CloudWatch Logs"] == pytest.approx(2048 * per_hour / 1024**3 * p["logs_ingestion"])
    assert lines["X-Ray"] == pytest.approx(per_hour / 1e6 * p["xray_traces"])
    assert set(lines) == {"Lambda compute", "Lambda requests", "SQS", "CloudWatch Logs", "X-Ray"}


@pytest.mark.parametrize("given", [{}, {"api": "http"}, {"api": "none"}, {"cold_start": "provisioned"}, {"waf": "none"}])
def test_typical_is_far_below_the_ceiling_and_counts_fixed_fees(given: dict[str, str]) -> None:
    answers = complete(given)
    ceiling, usual = ceiling_of_answers(answers), typical.of_answers(answers)
    assert 0 < usual.usd_per_month < ceiling.usd_per_month / 5
    services = {i.service for i in usual.items}
    assert ("WAF" in services) == (answers["api"] == "rest" and answers["waf"] == "rate-limit")
    assert ("Lambda provisioned concurrency" in services) == (answers["cold_start"] == "provisioned" and answers["api"] != "none")


def test_the_summary_says_ceiling_not_bill_with_the_typical_number() -> None:
    answers = complete({})
    text = "\n".join(summary_lines(answers))
    month = typical.of_answers(answers).usd_per_month
    assert f"a ceiling, not a bill; at {typical.TRAFFIC}: about ${month:,.2f} per 30-day month" in text


def test_slsguard_cost_prints_both_numbers_in_text_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    template = FIXTURES / "rest-api.yaml"
    expected = cost([template], region="us-east-1").typical
    assert expected is not None and expected.usd_per_month > 0
    assert main(["cost", str(template), "--region", "us-east-1"]) == 0
    out = capsys.readouterr().out
    assert "A ceiling, not a bill: the most a flood could cost" in out
    assert f"Typical: ${expected.usd_per_hour:,.4f} per hour, ${expected.usd_per_month:,.2f} per 30-day month at {typical.TRAFFIC}." in out
    assert main(["cost", str(template), "--region", "us-east-1", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["typical"]["usd_per_month"] == round(expected.usd_per_month, 4) and doc["typical"]["traffic"] == typical.TRAFFIC
    assert doc["usd_per_month"] > doc["typical"]["usd_per_month"]
