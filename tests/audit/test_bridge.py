"""The plugin bridge with the real toolchain: a generated project packages with osls and the audit passes;
unsafe edits (a dropped timeout, reserved concurrency past the account's budget, 70 more functions that
split-stacks spreads over nested stacks) make `osls package` fail with the expected findings.

Run alone with ``pytest -m slow tests/audit/test_bridge.py`` (about a minute: five packagings).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from generator import new_project as new
from generator.audit import audit
from generator.audit.model import ERROR, WARNING
from generator.cost import cost
from tests.support.toolchain import MotoServer, moto, run_osls  # noqa: F401  (moto: session fixture)

pytestmark = pytest.mark.slow

STACK_TRACE = re.compile(r"^\s+at .+:\d+:\d+\)?$", re.M)  # a JavaScript stack frame


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("osls-cache")


@pytest.fixture(scope="module")
def default_project(tmp_path_factory: pytest.TempPathFactory, moto: MotoServer, cache: Path) -> Path:  # noqa: F811
    """A default project, packaged once: the variants below start from a copy of it."""
    project = new({}, tmp_path_factory.mktemp("default"))
    result = run_osls(project, moto, cache, "package", "--stage", "dev")
    assert result.returncode == 0, output(result)
    return project


def output(result: object) -> str:
    return f"{getattr(result, 'stdout', '')}\n{getattr(result, 'stderr', '')}"


def variant(default_project: Path, tmp_path: Path, edit: object) -> Path:
    """A copy of the default project (without its package) with serverless.yml edited."""
    project = tmp_path / default_project.name
    shutil.copytree(default_project, project, symlinks=True, ignore=shutil.ignore_patterns(".serverless"))
    sls = project / "serverless.yml"
    sls.write_text(edit(sls.read_text()))  # type: ignore[operator]
    return project


def function_block(text: str, name: str) -> tuple[int, int]:
    """Start and end offsets of one function's block under `functions:`."""
    start = text.index(f"\n  {name}:\n") + 1
    end = re.compile(r"^  \S", re.M).search(text, start + 1)
    return start, end.start() if end else len(text)


def drop_timeout(text: str) -> str:
    start, end = function_block(text, "worker")
    block = re.sub(r"^    timeout: \d+\n", "", text[start:end], count=1, flags=re.M)
    assert block != text[start:end]
    return text[:start] + block + text[end:]


def test_default_project_packages_and_the_bridge_reports_no_errors(default_project: Path, moto: MotoServer, cache: Path) -> None:  # noqa: F811
    build = default_project / ".serverless"
    stacks = sorted(p.name for p in build.glob("cloudformation-template-*-nested-stack.json"))
    assert stacks, "split-stacks wrote no nested stack: the audit would not be tested across stacks"
    found = audit([build])
    assert [f for f in found if f.blocking] == []
    # waf=rate-limit by default: split-stacks moves the REST API into a nested stack and rewires the rails plugin's
    # association to its output; rest-api-waf follows it.
    assert "AWS::ApiGateway::RestApi" not in (build / "cloudformation-template-update-stack.json").read_text()
    assert [(f.rule, f.severity) for f in found if f.rule == "rest-api-waf"] == []
    # The same check on demand: `serverless slsguard audit`.
    result = run_osls(default_project, moto, cache, "slsguard", "audit")
    assert result.returncode == 0, output(result)
    assert re.search(r"slsguard audit: 0 errors, \d+ warnings?, 0 exempted in \d+ stacks\.", result.stdout)


def test_max_hourly_below_the_ceiling_stops_package_after_printing_it(
    default_project: Path,
    tmp_path: Path,
    moto: MotoServer,  # noqa: F811
    cache: Path,
) -> None:
    """custom.slsguard.maxHourly makes the ceiling (printed after the audit) a gate; $2.77/hour is above 1."""
    project = variant(
        default_project, tmp_path, lambda text: text.replace("    warnOnly: false", "    warnOnly: false\n    maxHourly: 1", 1)
    )
    result = run_osls(project, moto, cache, "package", "--stage", "dev")
    assert result.returncode != 0
    text = output(result)
    ceiling = cost([project / ".serverless"]).usd_per_hour
    assert f"slsguard cost: ${ceiling:,.2f} per hour" in result.stdout
    typical = cost([project / ".serverless"]).typical
    assert (
        f"  a ceiling, not a bill; typical: ${typical.usd_per_hour:,.4f} per hour, ${typical.usd_per_month:,.2f} per 30-day month"
        in result.stdout
    )
    assert f"the ceiling ${ceiling:,.2f}/hour is above --max-hourly 1: package stopped." in text and not STACK_TRACE.search(text)


def test_a_function_without_its_own_timeout_fails_package_until_exempted(
    default_project: Path,
    tmp_path: Path,
    moto: MotoServer,  # noqa: F811
    cache: Path,
) -> None:
    project = variant(default_project, tmp_path, drop_timeout)
    result = run_osls(project, moto, cache, "package", "--stage", "dev")
    assert result.returncode != 0
    text = output(result)
    assert "ERROR   function-timeout  Resources.WorkerLambdaFunction.Properties.Timeout" in text
    assert "package stopped" in text and not STACK_TRACE.search(text)
    found = [(f.rule, f.severity, f.logical_id) for f in audit([project / ".serverless"]) if f.blocking]
    assert found == [("function-timeout", ERROR, "WorkerLambdaFunction")]

    # An exemption in custom.slsguard, with its reason, lets the package through and stays visible.
    sls = project / "serverless.yml"
    sls.write_text(
        sls.read_text().replace(
            "    exempt: {}\n", '    exempt:\n      worker:\n        function-timeout: "6 s from provider.timeout is right"\n'
        )
    )
    result = run_osls(project, moto, cache, "package", "--stage", "dev")
    assert result.returncode == 0, output(result)
    assert "EXEMPT  function-timeout" in result.stdout and "6 s from provider.timeout is right" in result.stdout


def test_a_declined_web_acl_is_reported_as_info_and_package_passes(
    default_project: Path,
    tmp_path: Path,
    moto: MotoServer,  # noqa: F811
    cache: Path,
) -> None:
    """custom.rails.waf: none (the answer waf=none): the rails plugin stamps the REST API, the audit says so as info."""
    project = variant(
        default_project, tmp_path, lambda t: re.sub(r"^    waf:\n      rateLimit: \d+\n", "    waf: none\n", t, count=1, flags=re.M)
    )
    result = run_osls(project, moto, cache, "package", "--stage", "dev")
    assert result.returncode == 0, output(result)
    assert "INFO    rest-api-waf  Resources.ApiGatewayRestApi" in result.stdout
    assert re.search(r"slsguard audit: 0 errors, \d+ warnings?, 1 info, 0 exempted in \d+ stacks\.", result.stdout)
    [found] = [f for f in audit([project / ".serverless"]) if f.rule == "rest-api-waf"]
    assert (found.severity, found.stack) == ("info", "APINestedStack") and "(waf=none chosen in custom.rails)" in found.message


def test_reserved_concurrency_past_the_account_budget_fails_package(
    default_project: Path,
    tmp_path: Path,
    moto: MotoServer,  # noqa: F811
    cache: Path,
) -> None:
    def raise_api(text: str) -> str:
        start, end = function_block(text, "api")
        block = re.sub(r"^    reservedConcurrency: \d+$", "    reservedConcurrency: 900", text[start:end], count=1, flags=re.M)
        return text[:start] + block + text[end:]

    project = variant(default_project, tmp_path, raise_api)
    result = run_osls(project, moto, cache, "package", "--stage", "dev")
    assert result.returncode != 0
    text = output(result)
    assert "ERROR   concurrency-budget" in text and not STACK_TRACE.search(text)
    [budget] = [f for f in audit([project / ".serverless"]) if f.blocking]
    assert budget.rule == "concurrency-budget"
    # 900 (api) + 10 (worker) + 1 (warmer) of the recorded account_concurrency=1000 leaves 89 < 100.
    assert "reserve 911 of the account's 1000" in budget.message


def test_three_hundred_routes_fail_package_on_the_nested_stack_split_stacks_wrote(
    default_project: Path,
    tmp_path: Path,
    moto: MotoServer,  # noqa: F811
    cache: Path,
) -> None:
    """Fifteen routes each: split-stacks moves the REST resources into APINestedStack; the methods stay in the root
    with the default Cognito authorizer and read each resource from an output, so the outputs pass 200."""

    routes = (
        15  # 20 functions: 300 methods (outputs past 200); root 20 x (function, log group, role, version) + 300 methods: past 80 % of 500
    )

    def add_functions(text: str) -> str:
        extra = "".join(
            f"  extra{i}:\n    handler: my_service/api.handler\n    timeout: 6\n    reservedConcurrency: 10\n"
            f'    slsguard: {{skip: {{rollout: "the quota test counts the API stack outputs"}}}}\n    events:\n'
            + "".join(f'      - http: {{path: "/extra{i}/r{j}", method: get}}\n' for j in range(routes))
            for i in range(20)
        )
        return text.replace("\nplugins:\n", f"\n{extra}\nplugins:\n", 1)

    project = variant(default_project, tmp_path, add_functions)
    result = run_osls(project, moto, cache, "package", "--stage", "dev")
    assert result.returncode != 0
    assert "ERROR   cfn-outputs  Outputs" in output(result)
    findings = audit([project / ".serverless"])
    assert [(f.rule, f.severity, f.stack) for f in findings if f.blocking] == [("cfn-outputs", ERROR, "APINestedStack")]
    assert ("cfn-resources", WARNING, "root") in [(f.rule, f.severity, f.stack) for f in findings]  # 80% of 500


def test_a_missing_slsguard_is_one_line_with_the_install_command(
    default_project: Path,
    tmp_path: Path,
    moto: MotoServer,  # noqa: F811
    cache: Path,
) -> None:
    project = variant(default_project, tmp_path, lambda t: t.replace("    command: slsguard ", "    command: slsguard-not-installed "))
    result = run_osls(project, moto, cache, "slsguard", "audit")
    assert result.returncode != 0
    text = output(result)
    assert "slsguard was not found (no `slsguard-not-installed` on PATH): install it with `pip install -r requirements-dev.txt`" in text
    assert not STACK_TRACE.search(text)
