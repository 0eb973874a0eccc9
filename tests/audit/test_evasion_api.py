"""API Gateway throttling judged on every live stage and every value a deploy can give (tests/fixtures/evasion/api/).

Each shape has a failing template and a safe twin that must stay quiet. The failing one gives exactly one
api-throttling finding on the API, whose message names the stage and, where a value decides it, the branch or parameter.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from generator.audit import audit
from generator.audit.model import ERROR, WARNING
from generator.cfn.yaml_tags import CfnLoader
from tests.support.paths import FIXTURES

SHAPES = FIXTURES / "evasion" / "api"

# (shape, API logical id, words the message must carry)
CASES = [
    ("decoy-stage", "Api", ["stage prod", "Deployment Deployment", "no stage-wide throttle"]),
    ("quick-create", "Http", ["stage $default of Http's quick create", "no stage-wide throttle"]),
    ("one-method", "Api", ["stage prod", "no stage-wide throttle"]),
    ("one-route", "Http", ["stage $default of Stage HttpStage: no stage-wide throttle"]),
    ("rate-if", "Api", ["stage live", "ThrottlingRateLimit 0", "when IsProd is false"]),
    ("rate-absent", "Http", ["stage $default", "no stage-wide throttle", "when IsProd is false"]),
    ("rate-parameter", "Api", ["cannot be proven", "parameter Rate"]),
    ("rate-infinite", "Api", ["ThrottlingRateLimit inf", "ThrottlingBurstLimit NaN"]),
    ("allowed-zero", "Api", ["ThrottlingBurstLimit 0", "parameter Burst = 0"]),
    ("protocol-sub", "Http", ["HTTP API Http", "stage $default", "no stage-wide throttle"]),
    ("protocol-if", "Http", ["stage live", "when IsHttp is true"]),
    (
        "usage-plan",
        "Api",
        ["stage Prod of Stage ProdStage: no stage-wide throttle; usage plan Partners lets its keys call it with no throttle"],
    ),
    ("conditional-overrides", "Http", ["stage $default of Http's quick create: no stage-wide throttle (when IsProd is false)"]),
]


def throttling(path: Path) -> list:
    return [f for f in audit([path]) if f.rule in ("api-throttling", "websocket-throttling")]


@pytest.mark.parametrize(("shape", "api", "words"), CASES, ids=[c[0] for c in CASES])
def test_each_shape_fails_and_names_why(shape: str, api: str, words: list[str]) -> None:
    [finding] = throttling(SHAPES / shape / "fail.yaml")
    assert (finding.rule, finding.severity, finding.logical_id) == ("api-throttling", ERROR, api)
    for word in words:
        assert word in finding.message, (word, finding.message)
    assert finding.fix


@pytest.mark.parametrize("shape", [c[0] for c in CASES])
def test_each_safe_twin_stays_quiet(shape: str) -> None:
    assert throttling(SHAPES / shape / "pass.yaml") == []


def test_an_unprovable_value_gets_the_fix_that_bounds_it() -> None:
    [finding] = throttling(SHAPES / "rate-parameter" / "fail.yaml")
    assert "AllowedValues" in finding.fix and "MinValue" in finding.fix


def test_the_websocket_branch_alone_is_the_websocket_rule(tmp_path: Path) -> None:
    text = (SHAPES / "protocol-if" / "fail.yaml").read_text().replace("!If [IsHttp, HTTP, WEBSOCKET]", "!Sub WEBSOCKET")
    (tmp_path / "socket.yaml").write_text(text)
    [finding] = throttling(tmp_path / "socket.yaml")
    assert (finding.rule, finding.logical_id) == ("websocket-throttling", "Http")
    assert "stage live" in finding.message


# (shape, rule, logical id, severity, words the message must carry): the function's timeout and the method's auth
OTHER = [
    ("timeout-if", "api-timeout", "Fn", ERROR, ["may run 60 s (when Long is true)", "gives up after 29 s"]),
    ("timeout-parameter", "api-timeout", "Fn", ERROR, ["cannot be proven", "parameter Seconds", "30 s"]),
    ("auth-if", "rest-unauthenticated", "Get", WARNING, ["method GET Get (when IsProd is false) requires neither"]),
]


@pytest.mark.parametrize(("shape", "rule", "lid", "severity", "words"), OTHER, ids=[c[0] for c in OTHER])
def test_timeouts_and_auth_are_judged_on_every_branch(shape: str, rule: str, lid: str, severity: str, words: list[str]) -> None:
    [finding] = [f for f in audit([SHAPES / shape / "fail.yaml"]) if f.rule == rule]
    assert (finding.severity, finding.logical_id) == (severity, lid)
    for word in words:
        assert word in finding.message, (word, finding.message)
    assert [f for f in audit([SHAPES / shape / "pass.yaml"]) if f.rule == rule] == []


RULES_HERE = {
    "api-throttling",
    "websocket-throttling",
    "api-timeout",
    "rest-unauthenticated",
    "reserved-concurrency",
    "async-failure-destination",
}
AUDIT = FIXTURES / "audit"


def _wrapped(path: Path, out: Path) -> Path:
    """The template with every resource property behind an Fn::If whose branches are equal (a condition nobody can decide)."""
    body = yaml.load(path.read_text(), Loader=CfnLoader)
    body["Parameters"] = {**(body.get("Parameters") or {}), "Flip": {"Type": "String", "AllowedValues": ["a", "b"]}}
    body["Conditions"] = {**(body.get("Conditions") or {}), "Either": {"Fn::Equals": [{"Ref": "Flip"}, "a"]}}
    for resource in body["Resources"].values():
        props = resource.get("Properties") or {}
        for name, value in list(props.items()):
            props[name] = {"Fn::If": ["Either", value, value]}
    out.write_text(json.dumps(body))
    return out


@pytest.mark.parametrize(
    "fixture",
    [
        "api-throttling/fail.yaml",
        "api-throttling/pass.yaml",
        "api-timeout/fail.yaml",
        "rest-unauthenticated/fail.yaml",
        "websocket-throttling/fail.yaml",
        "reserved-concurrency/fail.yaml",
        "async-failure-destination/fail.yaml",
    ],
)
def test_properties_behind_an_undecided_condition_give_the_same_findings(tmp_path: Path, fixture: str) -> None:
    def found(path: Path) -> list[tuple[str, str, str | None]]:
        return sorted((f.rule, f.severity, f.logical_id) for f in audit([path]) if f.rule in RULES_HERE)

    plain = found(AUDIT / fixture)
    assert plain or fixture.endswith("pass.yaml")
    assert found(_wrapped(AUDIT / fixture, tmp_path / "wrapped.json")) == plain
