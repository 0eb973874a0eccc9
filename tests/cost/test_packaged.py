"""``slsguard cost`` on generated projects compiled by osls: the ceiling equals a sum written out here from
the answers, within a cent; it scales exactly with reserved concurrency, memory and the throttle rate; and a
function with neither reserved concurrency nor a capped trigger is priced at the account's unreserved pool and flagged.

Two projects are rendered and packaged (two at a time: this machine has 2 cores). Run alone with
``pytest -m slow tests/cost/test_packaged.py``.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from generator import new_project as new
from generator.answers.parse import complete
from generator.cost import ceiling_of_answers, cost
from tests.support.paths import REPO
from tests.support.toolchain import MotoServer, moto, package  # noqa: F401  (moto: session fixture)

pytestmark = pytest.mark.slow

TABLE = json.loads((REPO / "generator" / "cost" / "prices" / "us-east-1.json").read_text())
P = {name: entry["usd"] for name, entry in TABLE["prices"].items()}
SCALED = {"reserved_concurrency": 20, "memory_size": 2048, "throttle_rate": 100}  # each doubled from the defaults
EXTRA = "  extra:  # no reservedConcurrency, no event: only the account limits it\n    handler: {pkg}/worker.handler\n    timeout: 6\n"


def hand_ceiling(a: dict[str, Any]) -> float:
    """The generated REST project's ceiling, written out from the answers (docs/cost.md, worked example)."""
    h, million, gib = 3600, 1_000_000, 2**30
    gb_s = P[f"lambda_gb_second_{a['architecture']}"]
    gb, reserved, timeout, rate = a["memory_size"] / 1024, a["reserved_concurrency"], a["function_timeout"], a["throttle_rate"]
    per_million = lambda per_s, price: per_s * h / million * price  # noqa: E731
    log = lambda per_s: per_s * 2048 * h / gib * P["logs_ingestion"]  # noqa: E731  (2 KB logged per invocation)
    api_fn = reserved * gb * h * gb_s + per_million(rate, P["lambda_requests"]) + log(rate)  # traced at the API, not again
    batches = reserved / timeout  # the worker: `reserved` copies, each batch running the whole timeout
    worker = (
        reserved * gb * h * gb_s
        + per_million(batches, P["lambda_requests"])
        + per_million(batches * 12, P["sqs_requests"])  # 10 sends + 1 receive + 1 delete per batch
        + log(batches)
        + per_million(batches, P["xray_traces"])
    )
    pings = 1 / 300  # the warmer: reserved 1, 128 MB, every 5 minutes
    warmer = 1 * 0.125 * h * gb_s + per_million(pings, P["lambda_requests"]) + log(pings) + per_million(pings, P["xray_traces"])
    api = per_million(rate, P["apigateway_rest_requests"]) + per_million(rate, P["xray_traces"])
    # waf=rate-limit: every request the stage admits is inspected, plus the web ACL and its 3 rules' monthly fees.
    waf = per_million(rate, P["waf_requests"]) + (P["waf_web_acl"] + 3 * P["waf_rule"]) / 720 if a["waf"] == "rate-limit" else 0.0
    return api_fn + worker + warmer + api + waf


@pytest.fixture(scope="module")
def projects(moto: MotoServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[dict[str, Any], Path]]:  # noqa: F811
    root, cache = tmp_path_factory.mktemp("cost"), tmp_path_factory.mktemp("cost-cache")
    made = {}
    for name, given in {"defaults": {}, "scaled": SCALED}.items():
        answers = complete({"project_name": f"Cost {name}", **given})
        made[name] = (answers, new(answers, root))
    # The user's own copy (not the template) gains a function with no cap; warnOnly lets the audit report it.
    answers, scaled = made["scaled"]
    config = scaled / "serverless.yml"
    text = config.read_text().replace("\nfunctions:\n", "\nfunctions:\n" + EXTRA.format(pkg=answers["package_name"]), 1)
    config.write_text(text.replace("warnOnly: false", "warnOnly: true", 1))
    with ThreadPoolExecutor(max_workers=2) as pool:
        dirs = list(pool.map(lambda item: package(item[1], moto, cache), made.values()))
    return {name: (answers, d) for (name, (answers, _)), d in zip(made.items(), dirs, strict=True)}


def by_key(ceiling: Any) -> dict[tuple[str, str], float]:
    return {(i.service, i.logical_id): i.usd_per_hour for i in ceiling.items}


def test_default_project_ceiling_equals_the_hand_computed_sum(projects: dict[str, tuple[dict[str, Any], Path]]) -> None:
    answers, serverless_dir = projects["defaults"]
    ceiling = cost([serverless_dir])
    assert ceiling.prices.region == "us-east-1" and ceiling.account_concurrency == answers["account_concurrency"]
    assert abs(ceiling.usd_per_hour - hand_ceiling(answers)) < 0.01, (ceiling.usd_per_hour, hand_ceiling(answers))
    assert abs(ceiling.usd_per_hour - ceiling_of_answers(answers).usd_per_hour) < 0.01  # the wizard's summary agrees
    assert ceiling.limited_by_account == []


def test_ceiling_scales_exactly_with_reserved_concurrency_memory_and_throttle(projects: dict[str, tuple[dict[str, Any], Path]]) -> None:
    (base_answers, base_dir), (answers, scaled_dir) = projects["defaults"], projects["scaled"]
    base, scaled = by_key(cost([base_dir])), by_key(cost([scaled_dir]))
    for fn in ("ApiLambdaFunction", "WorkerLambdaFunction"):  # reserved x2 and memory x2
        assert scaled[("Lambda compute", fn)] == pytest.approx(4 * base[("Lambda compute", fn)], rel=1e-12)
    assert scaled[("API Gateway REST", "ApiGatewayRestApi")] == pytest.approx(
        2 * base[("API Gateway REST", "ApiGatewayRestApi")], rel=1e-12
    )
    assert scaled[("Lambda requests", "ApiLambdaFunction")] == pytest.approx(2 * base[("Lambda requests", "ApiLambdaFunction")], rel=1e-12)
    assert scaled[("SQS", "WorkerLambdaFunction")] == pytest.approx(2 * base[("SQS", "WorkerLambdaFunction")], rel=1e-12)
    without_extra = sum(v for (_, lid), v in scaled.items() if lid != "ExtraLambdaFunction")
    assert abs(without_extra - hand_ceiling(answers)) < 0.01
    assert base_answers["reserved_concurrency"] * 2 == answers["reserved_concurrency"]


def test_function_without_reservation_or_capped_trigger_is_priced_at_the_unreserved_pool(
    projects: dict[str, tuple[dict[str, Any], Path]],
) -> None:
    answers, serverless_dir = projects["scaled"]
    ceiling = cost([serverless_dir])
    pool = answers["account_concurrency"] - (20 + 20 + 1)  # api, worker, warmer reserve
    extra = next(i for i in ceiling.items if i.service == "Lambda compute" and i.logical_id == "ExtraLambdaFunction")
    assert extra.inputs["concurrency"] == pool
    assert extra.usd_per_hour == pytest.approx(pool * 2.0 * 3600 * P["lambda_gb_second_arm64"], rel=1e-12)  # provider memorySize 2048 MB
    flagged = {f["logical_id"]: f["reason"] for f in ceiling.limited_by_account}
    assert "no reserved concurrency and no trigger" in flagged["ExtraLambdaFunction"]
