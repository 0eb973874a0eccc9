"""The bridge plugin's own logic under node, without packaging: what it writes into the compiled template
and how it refuses a bad custom.slsguard (the slow end-to-end proof is tests/audit/test_bridge.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.bridge import PLUGIN, fake_command, plugin_copy, run_audit_hook, run_bridge, run_hook

# Two functions, one with its own timeout, as the framework compiles them before the bridge's package hooks.
TWO_FUNCTIONS = {
    "Resources": {
        "ApiLambdaFunction": {"Type": "AWS::Lambda::Function", "Properties": {"Timeout": 6}},
        "WorkerLambdaFunction": {"Type": "AWS::Lambda::Function", "Properties": {"Timeout": 6}},
    }
}


@pytest.fixture(scope="module")
def plugin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy outside the template folder, whose package.json is a Jinja template node cannot read."""
    return plugin_copy(tmp_path_factory.mktemp("bridge"))


def run_plugin(plugin: Path, slsguard: dict[str, Any], functions: dict[str, Any] | None = None) -> dict[str, Any]:
    """The package hooks on two functions and a queue: the compiled template and the queue after them, or the error."""
    functions = functions if functions is not None else {"api": {"timeout": 6}, "worker": {}}
    outcome, _ = run_bridge(
        plugin, "before:package:compileFunctions", "before:package:finalize",
        slsguard=slsguard, functions=functions, template=TWO_FUNCTIONS, resources={"WorkQueue": {"Type": "AWS::SQS::Queue"}},
    )  # fmt: skip
    if "error" in outcome:
        return {"error": outcome["error"], "serverlessError": outcome["serverlessError"]}
    return {"template": outcome["template"], "queue": outcome["resources"]["WorkQueue"]}


def test_the_plugin_has_no_template_syntax_cookiecutter_would_render() -> None:
    text = PLUGIN.read_text()
    assert "{{" not in text and "{%" not in text and "{#" not in text


def test_functions_without_their_own_timeout_are_marked(plugin: Path) -> None:
    out = run_plugin(plugin, {})
    resources = out["template"]["Resources"]
    assert "Metadata" not in resources["ApiLambdaFunction"]
    assert resources["WorkerLambdaFunction"]["Metadata"] == {"slsguard": {"implicit": ["Timeout"]}}


def test_exemptions_land_on_functions_resources_and_the_stack(plugin: Path) -> None:
    out = run_plugin(
        plugin,
        {
            "exempt": {
                "worker": {"vpc-without-need": "reaches the VPN"},
                "WorkQueue": {"iam-wildcard": "shared queue"},
                "stack": {"tracing": "batch only"},
            }
        },
    )
    template = out["template"]
    assert template["Metadata"] == {
        "slsguard": {"exempt": {"tracing": "batch only"}, "exemptFrom": {"tracing": "custom.slsguard.exempt.stack.tracing"}}
    }
    assert template["Resources"]["WorkerLambdaFunction"]["Metadata"]["slsguard"] == {
        "implicit": ["Timeout"],
        "exempt": {"vpc-without-need": "reaches the VPN"},
        "exemptFrom": {"vpc-without-need": "custom.slsguard.exempt.worker.vpc-without-need"},
    }
    assert out["queue"]["Metadata"]["slsguard"]["exempt"] == {"iam-wildcard": "shared queue"}


@pytest.mark.parametrize(
    ("exempt", "message"),
    [
        ({"worker": {"tracing": " "}}, "custom.slsguard.exempt.worker.tracing needs a reason: say why the rule does not apply here."),
        ({"worker": {"Not A Rule": "x"}}, "custom.slsguard.exempt.worker.Not A Rule is not a rule id (see `slsguard audit --help`)."),
        ({"worker": ["tracing"]}, 'custom.slsguard.exempt.worker must map rule ids to reasons, e.g. tracing: "why it is safe here".'),
        ({"nobody": {"tracing": "x"}}, "custom.slsguard.exempt.nobody names no function, API or resource of this service"),
    ],
    ids=["no-reason", "bad-rule-id", "not-a-mapping", "unknown-target"],
)
def test_a_bad_exemption_stops_with_one_serverless_error(plugin: Path, exempt: dict[str, Any], message: str) -> None:
    out = run_plugin(plugin, {"exempt": exempt})
    assert out["serverlessError"] is True
    assert out["error"].startswith(message)


def test_errors_stop_package_with_the_audit_summary(plugin: Path, tmp_path: Path) -> None:
    outcome, argv = run_audit_hook(plugin, tmp_path, "errors")
    assert argv == ["errors", "audit", str(tmp_path / ".serverless")]
    assert outcome["serverlessError"] is True
    assert outcome["error"].startswith("slsguard audit: 1 error, 0 warnings, 0 exempted in 3 stacks: package stopped.")


def test_warn_only_passes_the_flag_and_lets_package_go_on(plugin: Path, tmp_path: Path) -> None:
    outcome, argv = run_audit_hook(plugin, tmp_path, "errors", warnOnly=True)
    assert argv[-1] == "--warn-only" and outcome == {"ok": True}


def test_unusable_input_is_reported_as_slsguard_said_it(plugin: Path, tmp_path: Path) -> None:
    outcome, _ = run_audit_hook(plugin, tmp_path, "unusable")
    assert outcome["error"] == "slsguard: .serverless: no compiled templates. Fix: run package first."


def test_a_crash_is_one_line_not_a_traceback(plugin: Path, tmp_path: Path) -> None:
    outcome, _ = run_audit_hook(plugin, tmp_path, "crash")
    assert outcome["error"] == "slsguard audit failed: RuntimeError: boom"


def test_the_ceiling_is_printed_after_a_passing_audit(plugin: Path, tmp_path: Path) -> None:
    output: list[str] = []
    outcome, _ = run_audit_hook(plugin, tmp_path, "clean", output)
    assert outcome == {"ok": True}
    assert json.loads((tmp_path / "cost-argv.json").read_text()) == ["clean", "cost", str(tmp_path / ".serverless")]
    audit_at, cost_at = (
        output[0].index("slsguard audit: 0 errors"),
        output[0].index("slsguard cost: $2.77 per hour, $1,994.40 per 30-day month (`slsguard cost .serverless` shows the table"),
    )
    assert audit_at < cost_at
    typical = "\n  a ceiling, not a bill; typical: $0.0845 per hour, $60.86 per 30-day month at 1 request/s per API and 1 message/s"
    assert output[0].index(typical) > cost_at


def test_no_ceiling_when_the_audit_stops_package(plugin: Path, tmp_path: Path) -> None:
    outcome, _ = run_audit_hook(plugin, tmp_path, "errors")
    assert "package stopped" in outcome["error"] and not (tmp_path / "cost-argv.json").exists()


@pytest.mark.parametrize(("max_hourly", "stops"), [(1, True), (5, False), (0, True)], ids=["below", "above", "zero"])
def test_max_hourly_makes_the_ceiling_a_gate(plugin: Path, tmp_path: Path, max_hourly: float, stops: bool) -> None:
    outcome, _ = run_audit_hook(plugin, tmp_path, "clean", maxHourly=max_hourly)
    assert json.loads((tmp_path / "cost-argv.json").read_text())[-2:] == ["--max-hourly", str(max_hourly)]
    if stops:
        assert outcome["serverlessError"] is True
        assert outcome["error"].startswith(f"slsguard cost: the ceiling $2.77/hour is above --max-hourly {max_hourly}: package stopped.")
    else:
        assert outcome == {"ok": True}


def test_a_ceiling_that_cannot_be_computed_stops_package_only_when_max_hourly_is_set(plugin: Path, tmp_path: Path) -> None:
    output: list[str] = []
    outcome, _ = run_audit_hook(plugin, tmp_path, "unpriced", output)
    assert outcome == {"ok": True} and "slsguard cost: no ceiling computed (slsguard: region='eu-west-2' has no price table" in output[0]
    outcome, _ = run_audit_hook(plugin, tmp_path, "unpriced", maxHourly=5)
    assert outcome["serverlessError"] is True and outcome["error"].startswith("slsguard: region='eu-west-2' has no price table")


def test_max_hourly_is_declared_in_the_config_schema(plugin: Path) -> None:
    """So `configValidationMode: error` accepts maxHourly and refuses a typo or a negative number."""
    outcome, _ = run_bridge(plugin)
    props = outcome["schema"]["properties"]["slsguard"]
    assert props["properties"]["maxHourly"] == {"type": "number", "minimum": 0}
    assert props["additionalProperties"] is False


def test_upgrade_command_forwards_its_options(plugin: Path, tmp_path: Path) -> None:
    """`serverless slsguard upgrade --no-input` reaches plugins as input=false: it must become --no-input again."""
    seen = tmp_path / "argv.json"
    fake = tmp_path / "fake.py"
    fake.write_text("import json, sys\nopen(sys.argv[1], 'w').write(json.dumps(sys.argv[2:]))\n")
    options = {"set": ["memory_size=512", "tracing=false"], "dry-run": True, "input": False}
    command = [sys.executable, str(fake), str(seen)]
    outcome, _ = run_bridge(plugin, "slsguard:upgrade:run", slsguard={"command": command}, serviceDir=str(tmp_path), options=options)
    assert outcome["ok"] is True
    assert json.loads(seen.read_text()) == [
        "upgrade",
        str(tmp_path),
        "--set",
        "memory_size=512",
        "--set",
        "tracing=false",
        "--dry-run",
        "--no-input",
    ]


def test_a_recorded_baseline_is_passed_to_the_audit(plugin: Path, tmp_path: Path) -> None:
    (tmp_path / ".slsguard").mkdir()
    (tmp_path / ".slsguard" / "baseline.json").write_text('{"schema": "slsguard-baseline/1", "findings": []}')
    command, seen = fake_command(tmp_path, "errors")
    outcome, _ = run_hook(plugin, tmp_path, "after:package:finalize", command)
    assert json.loads(seen.read_text()) == ["errors", "audit", str(tmp_path / ".serverless"), "--baseline", ".slsguard/baseline.json"]
    assert outcome["error"].startswith("slsguard audit: 1 error")  # what the baseline does not cover still stops package


def test_an_adopted_service_without_a_baseline_reports_and_says_how_to_record_one(plugin: Path, tmp_path: Path) -> None:
    (tmp_path / ".slsguard").mkdir()
    (tmp_path / ".slsguard" / "adopted.json").write_text('{"slsguard": "0.1.0"}')
    command, seen = fake_command(tmp_path, "errors")
    outcome, printed = run_hook(plugin, tmp_path, "after:package:finalize", command)
    assert json.loads(seen.read_text())[-1] == "--warn-only"
    assert outcome["ok"] is True
    assert (
        "slsguard: no baseline yet, so nothing fails; record today's findings with "
        "`slsguard audit .serverless --write-baseline .slsguard/baseline.json`."
    ) in printed.splitlines()


def test_an_adopted_service_is_not_offered_upgrade(plugin: Path, tmp_path: Path) -> None:
    generated, _ = run_hook(plugin, tmp_path, "before:package:cleanup", [sys.executable, "-c", "pass"])
    (tmp_path / ".slsguard").mkdir()
    (tmp_path / ".slsguard" / "adopted.json").write_text('{"slsguard": "0.1.0"}')
    adopted, _ = run_hook(plugin, tmp_path, "before:package:cleanup", [sys.executable, "-c", "pass"])
    assert generated["commands"] == ["audit", "upgrade"] and "slsguard:upgrade:run" in generated["hooks"]
    assert adopted["commands"] == ["audit"] and "slsguard:upgrade:run" not in adopted["hooks"]


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (["slsguard-not-installed-here"], "slsguard was not found (no `slsguard-not-installed-here` on PATH): install it with"),
        (
            [sys.executable, "-c", "raise SystemExit(3)"],
            f"`{sys.executable} -c raise SystemExit(3) --version` exited with 3: install it with",
        ),
    ],
    ids=["missing", "broken"],
)
def test_the_tool_is_checked_before_packaging_starts(plugin: Path, tmp_path: Path, command: list[str], message: str) -> None:
    outcome, _ = run_hook(plugin, tmp_path, "before:package:cleanup", command)
    assert outcome["serverlessError"] is True
    assert outcome["error"].startswith(message)


def test_an_installed_tool_is_asked_for_its_version_only(plugin: Path, tmp_path: Path) -> None:
    seen = tmp_path / "argv.json"
    command = [sys.executable, "-c", f"import json, sys; open({str(seen)!r}, 'w').write(json.dumps(sys.argv[1:]))"]
    outcome, _ = run_hook(plugin, tmp_path, "before:package:cleanup", command)
    assert outcome["ok"] is True and json.loads(seen.read_text()) == ["--version"]
