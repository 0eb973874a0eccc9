"""``slsguard cost`` on small hand-written templates: each formula checked against a sum written out here.

Prices come from the data file (the table is input, not code under test); every formula is recomputed
by hand in the test from the fixture's numbers, so a wrong formula or a wrong bound fails.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator.cli import main
from generator.cost import assumptions as A
from generator.cost import cost
from tests.support import paths
from tests.support.paths import REPO

FIXTURES = paths.FIXTURES / "cost"
AUDIT_NESTED = paths.FIXTURES / "audit" / "nested"
TABLE = json.loads((REPO / "generator" / "cost" / "prices" / "us-east-1.json").read_text())
P = {name: entry["usd"] for name, entry in TABLE["prices"].items()}
H = 3600
M = 1_000_000


def lines(path: str, **kw: object) -> dict[tuple[str, str], float]:
    """(service, logical id) -> USD per hour, summed, for one fixture priced in us-east-1."""
    out: dict[tuple[str, str], float] = {}
    for item in cost([FIXTURES / path], region="us-east-1", **kw).items:  # type: ignore[arg-type]
        out[(item.service, item.logical_id)] = out.get((item.service, item.logical_id), 0.0) + item.usd_per_hour
    return out


def near(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def test_reserved_concurrency_times_memory_hour_and_x86_price() -> None:
    got = lines("reserved.yaml")
    assert near(got[("Lambda compute", "Fn")], 5 * 2 * H * P["lambda_gb_second_x86_64"])
    # No trigger, reserved 5, 10 s each: 0.5 invocations/s.
    assert near(got[("Lambda requests", "Fn")], 0.5 * H / M * P["lambda_requests"])
    assert near(got[("CloudWatch Logs", "Fn")], 0.5 * A.LOG_BYTES_PER_INVOCATION * H / 2**30 * P["logs_ingestion"])


def test_rest_api_throttle_bounds_unreserved_functions_and_prices_waf_and_traces() -> None:
    ceiling = cost([FIXTURES / "rest-api.yaml"], region="us-east-1")
    got = lines("rest-api.yaml")
    for fn in ("Reader", "Writer"):  # 20 requests/s x 5 s = 100 copies each, 0.5 GB arm64
        assert near(got[("Lambda compute", fn)], 100 * 0.5 * H * P["lambda_gb_second_arm64"])
        assert near(got[("Lambda requests", fn)], 10 * H / M * P["lambda_requests"])  # half the API's 20/s
    assert near(got[("API Gateway REST", "Api")], 20 * H / M * P["apigateway_rest_requests"])
    assert near(got[("WAF", "Api")], 20 * H / M * P["waf_requests"])
    assert near(got[("WAF", "Acl")], (P["waf_web_acl"] + 2 * P["waf_rule"]) / 720)
    assert near(got[("X-Ray", "Api")], 20 * H / M * P["xray_traces"])
    assert ("X-Ray", "Reader") not in got  # its requests are already traced at the API
    assert ceiling.limited_by_account == []


def test_usage_plan_throttles_per_key_when_no_stage_does() -> None:
    ceiling = cost([FIXTURES / "usage-plan.yaml"], region="us-east-1")
    got = lines("usage-plan.yaml")
    assert near(got[("API Gateway REST", "Api")], 50 * H / M * P["apigateway_rest_requests"])
    assert ceiling.limited_by_account == []


def test_http_api_stages_add_up_and_access_logs_are_priced() -> None:
    got = lines("http-api.yaml")
    assert near(got[("API Gateway HTTP", "Http")], 40 * H / M * P["apigateway_http_requests"])
    assert near(got[("CloudWatch Logs", "Http")], 40 * A.ACCESS_LOG_BYTES_PER_REQUEST * H / 2**30 * P["logs_ingestion"])
    assert near(got[("Lambda compute", "Handler")], 3 * 1 * H * P["lambda_gb_second_x86_64"])
    assert near(got[("Lambda requests", "Handler")], 40 * H / M * P["lambda_requests"])


def test_queue_consumer_bounded_by_maximum_concurrency_with_sqs_requests_per_batch() -> None:
    got = lines("queue.yaml")
    assert near(got[("Lambda compute", "Consumer")], 4 * 0.25 * H * P["lambda_gb_second_arm64"])
    batches = 4 / 20  # 4 copies, each batch runs 20 s
    assert near(got[("Lambda requests", "Consumer")], batches * H / M * P["lambda_requests"])
    assert near(got[("SQS", "Consumer")], batches * (5 + 1 + 1) * H / M * P["sqs_requests"])


def test_schedule_rate_times_timeout_bounds_an_unreserved_function() -> None:
    got = lines("schedule.yaml")
    assert near(got[("Lambda compute", "Job")], (1 / 60 * 30) * 1 * H * P["lambda_gb_second_x86_64"])
    assert near(got[("Lambda requests", "Job")], 1 / 60 * H / M * P["lambda_requests"])


def test_function_without_reservation_or_capped_trigger_is_priced_at_unreserved_pool_and_flagged() -> None:
    ceiling = cost([FIXTURES / "unbounded.yaml"], region="us-east-1", account_concurrency=1000)
    got = lines("unbounded.yaml", account_concurrency=1000)
    assert near(got[("Lambda compute", "Uploads")], 800 * 1 * H * P["lambda_gb_second_x86_64"])
    assert near(got[("API Gateway REST", "Open")], 10_000 * H / M * P["apigateway_rest_requests"])
    flagged = {f["logical_id"]: f["reason"] for f in ceiling.limited_by_account}
    assert set(flagged) == {"Uploads", "Open"}
    assert "s3.amazonaws.com" in flagged["Uploads"] and "10,000" in flagged["Open"]
    smaller = lines("unbounded.yaml", account_concurrency=500)  # the pool follows the account's limit
    assert near(smaller[("Lambda compute", "Uploads")], 300 * 1 * H * P["lambda_gb_second_x86_64"])


def test_provisioned_concurrency_and_snapstart_are_priced_on_top() -> None:
    got = lines("provisioned.yaml")
    assert near(got[("Lambda provisioned concurrency", "Warm")], 2 * 2 * H * P["lambda_provisioned_gb_second_arm64"])
    snap = 2 * H * P["lambda_snapstart_cache_gb_second"] + 4 * 2 * P["lambda_snapstart_restore_gb"]
    assert near(got[("Lambda SnapStart", "Snap")], snap)
    assert near(got[("Lambda compute", "Warm")], got[("Lambda compute", "Snap")])


def test_nested_stacks_are_read_as_the_audit_reads_them() -> None:
    """The REST API lives in a nested stack and reaches the root's function through a parameter."""
    ceiling = cost([AUDIT_NESTED], region="us-east-1")
    api = next(i for i in ceiling.items if i.service == "API Gateway REST")
    assert api.stack == "APINestedStack"
    requests = next(i for i in ceiling.items if i.service == "Lambda requests" and i.logical_id == "ApiLambdaFunction")
    assert requests.inputs["invocations_per_s"] == api.inputs["requests_per_s"] > 0


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["cost", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_schema_and_totals(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, str(FIXTURES / "rest-api.yaml"), "--format", "json", "--region", "us-east-1")
    doc = json.loads(out)
    assert code == 0 and doc["schema"] == "slsguard-cost/1"
    assert set(doc) >= {"items", "usd_per_hour", "usd_per_month", "limited_by_account", "prices", "assumptions"}
    assert math.isclose(doc["usd_per_hour"], sum(i["usd_per_hour"] for i in doc["items"]), abs_tol=1e-5)
    assert math.isclose(doc["usd_per_month"], doc["usd_per_hour"] * 720, rel_tol=1e-6)
    assert doc["prices"]["region"] == "us-east-1" and doc["prices"]["date"] == TABLE["read"]
    assert {"service", "stack", "logical_id", "usd_per_hour", "inputs"} == set(doc["items"][0])


def test_max_hourly_gate(capsys: pytest.CaptureFixture[str]) -> None:
    total = cost([FIXTURES / "reserved.yaml"], region="us-east-1").usd_per_hour
    assert run(capsys, str(FIXTURES / "reserved.yaml"), "--max-hourly", f"{total + 0.01}")[0] == 0
    code, _, err = run(capsys, str(FIXTURES / "reserved.yaml"), "--max-hourly", f"{total - 0.01}")
    assert code == 1 and "above --max-hourly" in err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--region", "mars-north-1"], "tables exist for eu-central-1, eu-west-1, us-east-1, us-east-2, us-west-2"),
        (["--account-concurrency", "0"], "--account-concurrency=0"),
        (["--max-hourly", "-1"], "--max-hourly=-1"),
    ],
    ids=["region-without-table", "account-concurrency-0", "negative-max-hourly"],
)
def test_unusable_input_exits_2_with_one_line(capsys: pytest.CaptureFixture[str], argv: list[str], expected: str) -> None:
    code, out, err = run(capsys, str(FIXTURES / "reserved.yaml"), *argv)
    assert code == 2 and out == "" and expected in err and err.count("\n") == 1


def test_not_a_template_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "x.json"
    bad.write_text("{}")
    code, out, err = run(capsys, str(bad))
    assert (code, out) == (2, "")  # nothing printed but the one line
    assert err == (
        f"slsguard: {bad}: not a CloudFormation template (it has no Resources section)."
        " Fix: give a .serverless/ folder, a project folder, or CloudFormation template files (JSON or YAML).\n"
    )


def test_region_and_concurrency_come_from_the_recorded_answers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = tmp_path / "svc"
    (project / ".slsguard").mkdir(parents=True)
    (project / ".serverless").mkdir()
    shutil.copy(FIXTURES / "unbounded.yaml", project / ".serverless" / "template.yaml")
    answers = {"answers": {"aws_region": "eu-west-1", "account_concurrency": 400}}
    (project / ".slsguard" / "answers.json").write_text(json.dumps(answers))
    ceiling = cost([project / ".serverless" / "template.yaml"])
    assert ceiling.prices.region == "eu-west-1" and ceiling.account_concurrency == 400
    compute = next(i for i in ceiling.items if i.service == "Lambda compute" and i.logical_id == "Uploads")
    assert compute.inputs["concurrency"] == 200  # 400 - 200 reserved


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ("{", "answers.json: not valid JSON"),
        (json.dumps({"answers": {"aws_region": 7, "account_concurrency": 400}}), "aws_region=7 is not allowed"),
        (json.dumps({"answers": {"aws_region": "eu-west-1", "account_concurrency": "many"}}), "account_concurrency=many is not allowed"),
    ],
    ids=["damaged", "region-not-a-name", "concurrency-not-a-number"],
)
def test_unusable_recorded_answers_exit_2_as_in_the_audit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], answers: str, expected: str
) -> None:
    """The ceiling rests on the recorded region and concurrency: a damaged record is named, never skipped."""
    project = tmp_path / "svc"
    (project / ".slsguard").mkdir(parents=True)
    (project / ".serverless").mkdir()
    shutil.copy(FIXTURES / "unbounded.yaml", project / ".serverless" / "template.yaml")
    (project / ".slsguard" / "answers.json").write_text(answers)
    code, out, err = run(capsys, str(project / ".serverless" / "template.yaml"))
    assert code == 2 and out == "" and expected in err and "Fix: restore the file, or pass --" in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_text_view_as_a_process() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "generator", "cost", str(FIXTURES / "unbounded.yaml"), "--region", "us-east-1"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Limited only by the account" in result.stdout and "Uploads" in result.stdout
    assert "per 30-day month" in result.stdout


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"api": "http", "memory_size": 512}, None),
        ({"aws_region": "ap-south-1"}, "not computed: region='ap-south-1' has no price table: tables exist for eu-central-1"),
    ],
    ids=["priced", "region-without-table"],
)
def test_generated_readme_states_the_ceiling_of_its_answers(generate, given: dict[str, object], expected: str | None) -> None:
    """The post-generation hook writes the number (README.md) from the recorded answers through the same model."""
    from generator.cost import ceiling_of_answers

    project = generate(**given)
    readme = (project / "README.md").read_text()
    assert "<!-- slsguard:cost-ceiling -->" not in readme
    if expected is None:
        answers = json.loads((project / ".slsguard" / "answers.json").read_text())["answers"]
        ceiling = ceiling_of_answers(answers)
        assert f"at most ${ceiling.usd_per_hour:,.2f} per hour (${ceiling.usd_per_month:,.2f} per 30-day month" in readme
        assert "slsguard cost .serverless" in readme
    else:
        assert expected in readme


def test_public_api_name() -> None:
    import generator

    assert "cost_ceiling" in generator.__all__
    assert generator.cost_ceiling([FIXTURES / "reserved.yaml"], region="us-east-1").usd_per_hour > 0


@pytest.mark.parametrize("region", ["../us-east-1", "/etc/passwd", "us-east-1/../eu-west-1"])
def test_a_region_is_a_name_never_a_path(capsys: pytest.CaptureFixture[str], region: str) -> None:
    code, _out, err = run(capsys, str(FIXTURES / "rest-api.yaml"), "--region", region)
    assert code == 2 and err.count("\n") == 1 and "has no price table" in err


# --- values through conditions and parameters (the evaluation layer) ------------------------------


def test_conditions_and_parameters_are_priced_at_their_largest_value_and_named() -> None:
    ceiling = cost([FIXTURES / "conditions.yaml"], region="us-east-1")
    got = lines("conditions.yaml")
    # Reserved 20 (IsProd), 3008 MB (Big): not the 5 x 512 MB of the other branches.
    assert near(got[("Lambda compute", "Fn")], 20 * 3008 / 1024 * H * P["lambda_gb_second_x86_64"])
    assert near(got[("API Gateway REST", "Api")], 100 * H / M * P["apigateway_rest_requests"])  # 100/s when IsProd
    [compute] = [i for i in ceiling.items if i.service == "Lambda compute"]
    assert compute.inputs["timeout_s"] == 30  # the larger allowed value of parameter Seconds
    assert compute.inputs["chosen"] == [
        "MemorySize 3008: when Big is true",
        "Timeout 30: parameter Seconds = 30",
        "ReservedConcurrentExecutions 20: when IsProd is true",
    ]
    [api] = [i for i in ceiling.items if i.service == "API Gateway REST"]
    assert api.inputs["chosen"] == ["stage live 100/s: when IsProd is true"]
    assert ceiling.unbounded == () and ceiling.limited_by_account == []


def test_a_value_only_the_deployer_bounds_is_priced_at_the_aws_maximum_and_flagged(capsys: pytest.CaptureFixture[str]) -> None:
    ceiling = cost([FIXTURES / "deployer.yaml"], region="us-east-1")
    [compute] = [i for i in ceiling.items if i.service == "Lambda compute"]
    assert compute.inputs["memory_mb"] == 10240  # parameter Mem: no AllowedValues, no MaxValue
    assert compute.inputs["timeout_s"] == 60  # parameter Seconds: MaxValue 60 bounds it, no flag
    assert compute.inputs["concurrency"] == 1000  # no reservation when IsProd is false: the account's pool
    assert "ReservedConcurrentExecutions none: when IsProd is false" in compute.inputs["chosen"]
    [http] = [i for i in ceiling.items if i.service == "API Gateway HTTP"]
    assert http.inputs["requests_per_s"] == 10_000
    flagged = {f["logical_id"]: f["reason"] for f in ceiling.unbounded}
    assert flagged["Fn"].startswith("MemorySize is parameter Mem") and "10,240" in flagged["Fn"]
    assert flagged["Http"].startswith("stage $default ThrottlingRateLimit is parameter Rate")
    code, out, _ = run(capsys, str(FIXTURES / "deployer.yaml"), "--region", "us-east-1")
    assert code == 0 and "Priced at AWS's maximum" in out and "Fn: MemorySize is parameter Mem" in out
    code, out, _ = run(capsys, str(FIXTURES / "deployer.yaml"), "--region", "us-east-1", "--format", "json")
    assert {f["logical_id"] for f in json.loads(out)["unbounded"]} == {"Fn", "Http"}


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("negative.yaml", "Fn MemorySize=-128 (when IsProd is false) is not allowed: it must be a number >= 0."),
        ("not-a-number.yaml", "Fn Timeout='ten' is not allowed: it must be a number >= 0."),
        ("infinite.yaml", "Fn MemorySize=inf is not allowed: it must be a number >= 0."),
    ],
)
def test_negative_or_non_numeric_values_exit_2_with_one_line(capsys: pytest.CaptureFixture[str], fixture: str, expected: str) -> None:
    code, out, err = run(capsys, str(FIXTURES / fixture), "--region", "us-east-1")
    assert code == 2 and out == "" and expected in err and err.count("\n") == 1 and "Traceback" not in err


def test_every_live_stage_is_priced_as_the_audit_sees_it() -> None:
    """The audit's evasion shapes: a throttled decoy beside an open stage, one throttled method, a quick-created stage."""
    shapes = paths.FIXTURES / "evasion" / "api"
    open_apis = {
        shape: {f["logical_id"] for f in cost([shapes / shape / "fail.yaml"], region="us-east-1").limited_by_account}
        for shape in ("decoy-stage", "one-method", "quick-create", "rate-absent", "usage-plan")
    }
    assert open_apis == {
        "decoy-stage": {"Api"},
        "one-method": {"Api"},
        "quick-create": {"Http", "Fn"},
        "rate-absent": {"Http"},
        "usage-plan": {"Api"},  # a second plan without a throttle: its keys call at any rate
    }
    [rest] = [i for i in cost([shapes / "decoy-stage" / "pass.yaml"], region="us-east-1").items if i.service == "API Gateway REST"]
    assert rest.inputs["requests_per_s"] == 50 + 10  # the deployment's stage and the other stage, each at its throttle
    [http] = [i for i in cost([shapes / "rate-absent" / "pass.yaml"], region="us-east-1").items if i.service == "API Gateway HTTP"]
    assert http.inputs["requests_per_s"] == 50 and http.inputs["chosen"] == ["stage $default 50/s: when IsProd is true"]


def _wrapped(path: Path, out: Path) -> Path:
    """The template with every resource property behind an Fn::If whose branches are equal (a condition nobody can decide)."""
    import yaml

    from generator.cfn.yaml_tags import CfnLoader

    body = yaml.load(path.read_text(), Loader=CfnLoader)
    body["Parameters"] = {**body.get("Parameters", {}), "Flip": {"Type": "String", "AllowedValues": ["a", "b"]}}
    body["Conditions"] = {**body.get("Conditions", {}), "Either": {"Fn::Equals": [{"Ref": "Flip"}, "a"]}}
    for resource in body["Resources"].values():
        props = resource.get("Properties", {})
        for name, value in list(props.items()):
            props[name] = {"Fn::If": ["Either", value, value]}
    out.write_text(json.dumps(body))
    return out


@pytest.mark.parametrize(
    "fixture", ["rest-api.yaml", "http-api.yaml", "queue.yaml", "schedule.yaml", "provisioned.yaml", "usage-plan.yaml"]
)
def test_a_property_behind_an_undecided_condition_prices_as_the_plain_one(tmp_path: Path, fixture: str) -> None:
    plain = cost([FIXTURES / fixture], region="us-east-1")
    wrapped = cost([_wrapped(FIXTURES / fixture, tmp_path / "wrapped.json")], region="us-east-1")
    assert [(i.service, i.logical_id, round(i.usd_per_hour, 9)) for i in wrapped.items] == [
        (i.service, i.logical_id, round(i.usd_per_hour, 9)) for i in plain.items
    ]
    assert wrapped.limited_by_account == plain.limited_by_account


def test_a_lambda_authorizer_runs_on_every_request_of_the_flood() -> None:
    got = lines("lambda-authorizer.yaml")
    # the authorizer (256 MB, 3 s, no result cache) on all 20 requests/s: 60 copies; not a share of the API like a route
    assert near(got[("Lambda requests", "Auth")], 20 * H / M * P["lambda_requests"])
    assert near(got[("Lambda compute", "Auth")], 20 * 3 * 0.25 * H * P["lambda_gb_second_arm64"])
    assert near(got[("Lambda requests", "Reader")], 20 * H / M * P["lambda_requests"])  # the only route function
