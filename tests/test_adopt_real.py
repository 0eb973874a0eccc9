"""Adoption with the real toolchain: a hand-written service slsguard did not generate
(tests/fixtures/adopt/orders-service: an HTTP function, a scheduled one, no reserved concurrency, a
provider-level environment variable) is packaged with osls, adopted with `slsguard init`, packages
again with today's findings in the baseline, and fails on a new literal secret naming only it.
Fingerprints are compared across two packagings of the same service in two folders.

Run alone with ``pytest -m slow tests/test_adopt_real.py`` (four packagings, about a minute).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from generator.audit import audit_with_templates, baseline
from generator.cli import main
from tests.support.sarif_schema import validate
from tests.support.toolchain import MotoServer, moto, run_osls  # noqa: F401  (moto: session fixture)

pytestmark = pytest.mark.slow

SERVICE = Path(__file__).resolve().parent / "fixtures" / "adopt" / "orders-service"
SECRET = "      REPORT_API_KEY: 4f9c2a7e51b84d0c9e3f6a1b2c7d8e90\n"


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("osls-cache")


def packaged(folder: Path, server: MotoServer, cache: Path) -> Path:
    """A copy of the fixture service in ``folder``, packaged by osls before any adoption."""
    shutil.copytree(SERVICE, folder)
    result = run_osls(folder, server, cache, "package", "--stage", "dev")
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    return folder


def fingerprints(build: Path) -> list[str]:
    findings, templates = audit_with_templates([build])
    return sorted(baseline.fingerprints(findings, templates))


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, moto: MotoServer, cache: Path) -> Path:  # noqa: F811
    return packaged(tmp_path_factory.mktemp("first") / "orders-service", moto, cache)


def test_fingerprints_survive_repackaging_in_another_folder(
    service: Path,
    tmp_path: Path,
    moto: MotoServer,  # noqa: F811
    cache: Path,
) -> None:
    again = packaged(tmp_path / "elsewhere" / "orders-service", moto, cache)
    first = (service / ".serverless" / "cloudformation-template-update-stack.json").read_text()
    second = (again / ".serverless" / "cloudformation-template-update-stack.json").read_text()
    assert first != second, "the two packages should differ (artifact timestamps): the comparison would prove nothing"
    assert fingerprints(again / ".serverless") == fingerprints(service / ".serverless") != []


def test_init_then_package_passes_and_a_new_secret_fails_naming_only_it(
    service: Path,
    capsys: pytest.CaptureFixture[str],
    moto: MotoServer,  # noqa: F811
    cache: Path,
) -> None:
    assert main(["init", str(service)]) == 0
    recorded = int(re.search(r"Recorded (\d+) findings", capsys.readouterr().out).group(1))  # type: ignore[union-attr]
    assert recorded >= 7  # 2 x (timeout, reserved concurrency, log retention, tracing) + API throttling, at least

    result = run_osls(service, moto, cache, "package", "--stage", "dev")
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    assert f"slsguard audit: 0 errors, 0 warnings, 0 exempted, {recorded} in the baseline in 1 stack." in result.stdout

    sls = service / "serverless.yml"
    sls.write_text(
        sls.read_text().replace("    handler: handler.nightly_report\n", "    handler: handler.nightly_report\n    environment:\n" + SECRET)
    )
    result = run_osls(service, moto, cache, "package", "--stage", "dev")
    output = f"{result.stdout}\n{result.stderr}"
    assert result.returncode != 0, output
    assert f"slsguard audit: 1 error, 0 warnings, 0 exempted, {recorded} in the baseline in 1 stack: package stopped." in output
    new = [line for line in result.stdout.splitlines() if re.match(r"^  (ERROR|WARNING) ", line) and "(baseline)" not in line]
    assert new == ["  ERROR   plain-secret  Resources.NightlyReportLambdaFunction.Properties.Environment.Variables.REPORT_API_KEY"]

    assert (
        main(["audit", str(service / ".serverless"), "--baseline", str(service / ".slsguard" / "baseline.json"), "--format", "json"]) == 1
    )
    doc = json.loads(capsys.readouterr().out)
    assert [(f["rule"], f["logical_id"]) for f in doc["findings"] if not f.get("baseline")] == [
        ("plain-secret", "NightlyReportLambdaFunction")
    ]
    # The same package as SARIF: valid, and the new finding points at the line the secret was written on.
    assert (
        main(["audit", str(service / ".serverless"), "--baseline", str(service / ".slsguard" / "baseline.json"), "--format", "sarif"]) == 1
    )
    sarif = json.loads(capsys.readouterr().out)
    validate(sarif)
    new = [r for r in sarif["runs"][0]["results"] if r["baselineState"] == "new"]
    assert [r["ruleId"] for r in new] == ["plain-secret"]
    where = new[0]["locations"][0]["physicalLocation"]
    assert Path(where["artifactLocation"]["uri"]).name == "serverless.yml"
    assert sls.read_text().splitlines()[where["region"]["startLine"] - 1] == SECRET.rstrip("\n")
