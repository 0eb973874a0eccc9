"""Adoption with real services.

The 13 real services of tests/fixtures/corpus (their compiled templates) adopted with `slsguard init`: fix texts
speak of what each has (serverless.yml without the rails plugin, SAM, with the rails), and a new finding is reported
first with the accepted ones summed up in one line.

With the real toolchain (marked slow): a hand-written service slsguard did not generate
(tests/fixtures/adopt/orders-service: an HTTP function, a scheduled one, no reserved concurrency, a
provider-level environment variable) is packaged with osls, adopted with `slsguard init`, packages
again with today's findings in the baseline, and fails on a new literal secret naming only it.
Fingerprints are compared across two packagings of the same service in two folders.

Run the osls part alone with ``pytest -m slow tests/init/test_real_services.py`` (four packagings, about a minute).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from generator.audit import audit, audit_with_templates, baseline
from generator.cli import main
from tests.support.paths import FIXTURES
from tests.support.sarif_schema import validate
from tests.support.toolchain import MotoServer, moto, run_osls  # noqa: F401  (moto: session fixture)

SERVICE = FIXTURES / "adopt" / "orders-service"
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


@pytest.mark.slow
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


@pytest.mark.slow
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
    assert "(baseline)" not in result.stdout and f"accepted: {recorded} findings in the baseline (" in result.stdout

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
    # New findings first, the accepted ones in one line after them (not one line each around the new error).
    report = result.stdout.splitlines()
    accepted = [i for i, line in enumerate(report) if line.startswith("accepted: ")]
    assert len(accepted) == 1 and report[accepted[0]].startswith(f"accepted: {recorded} findings in the baseline (")
    assert report.index(new[0]) < accepted[0] and "(baseline)" not in result.stdout

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


@pytest.mark.slow
def test_init_rails_previews_without_writing_then_packages_with_the_rails(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    moto: MotoServer,  # noqa: F811
    cache: Path,
) -> None:
    folder = packaged(tmp_path / "orders-service", moto, cache)
    assert main(["init", str(folder)]) == 0
    out = capsys.readouterr().out
    recorded = int(re.search(r"Recorded (\d+) findings", out).group(1))  # type: ignore[union-attr]
    assert "`slsguard init --rails` shows what it would change" in out  # the rails are offered, not added
    sls = folder / "serverless.yml"
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file() and "node_modules" not in p.parts}

    # The preview: what it would add and serverless.yml's diff; nothing written without a terminal or --yes.
    assert main(["init", str(folder), "--rails"]) == 0
    preview = capsys.readouterr().out
    assert "  add   .serverless_plugins/rails/  (" in preview and "+  - ./.serverless_plugins/rails" in preview
    assert "+    alarmTopic: AlarmTopic" in preview and "+      Type: AWS::SNS::Topic" in preview
    assert preview.rstrip().endswith("Nothing written: run it again with --yes to write these changes.")
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file() and "node_modules" not in p.parts} == before

    assert main(["init", str(folder), "--rails", "--yes"]) == 0
    assert "Gave " in capsys.readouterr().out
    old, new = before[sls].decode().splitlines(), sls.read_text().splitlines()
    assert [line for line in old if line not in new] == [] and len(new) > len(old)  # only added lines: comments kept

    result = run_osls(folder, moto, cache, "package", "--stage", "dev")
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    resources = json.loads((folder / ".serverless" / "cloudformation-template-update-stack.json").read_text())["Resources"]
    for fn in ("GetOrder", "NightlyReport"):  # the rails ran: alarms and a role per function
        assert f"{fn}ErrorsAlarm" in resources and f"{fn}IamRole" in resources
    assert "NightlyReportFailureQueue" in resources  # the scheduled (asynchronous) function's failure queue
    # What the rails fix has left the report; the rest stays accepted and the package passes.
    findings = audit([folder / ".serverless"])
    assert not [f for f in findings if f.rule in ("errors-alarm", "async-failure-destination")]
    summary = re.search(
        r"slsguard audit: 0 errors, \d+ warnings?, (?:\d+ info, )?0 exempted, (\d+) in the baseline in \d+ stacks?\.", result.stdout
    )
    assert summary and int(summary.group(1)) < recorded, result.stdout
    assert "(baseline)" not in result.stdout


# --- the corpus, adopted -------------------------------------------------------------------------------------------

CORPUS = FIXTURES / "corpus"
ROOT = "cloudformation-template-update-stack.json"
SERVERLESS = sorted(p.parent.name for p in CORPUS.glob(f"*/{ROOT}"))
SAM = sorted(p.parent.name for p in CORPUS.glob("*/template.yaml"))
# What only a generated project (or one given the rails) has; an adopted service's fixes never point at it.
RAILS_ONLY = re.compile(r"custom\.rails|\.serverless_plugins|slsguard add|slsguard upgrade|requirements-dev|generated|Keep the rails")
OFFER = "`slsguard init --rails` offers the rails plugin"


def adopted(name: str, tmp_path: Path) -> Path:
    """A corpus service as its owner has it after `slsguard init`: serverless.yml, its last package, the bridge, a baseline."""
    folder = tmp_path / name
    (folder / ".serverless").mkdir(parents=True)
    shutil.copy(CORPUS / name / ROOT, folder / ".serverless" / ROOT)
    (folder / "serverless.yml").write_text(f"service: {name}\nprovider:\n  name: aws\n")
    assert main(["init", str(folder)]) == 0
    assert (folder / ".slsguard" / "adopted.json").is_file() and (folder / ".slsguard" / "baseline.json").is_file()
    return folder


def test_the_corpus_has_both_sources() -> None:
    assert len(SERVERLESS) == 10 and len(SAM) == 3


@pytest.mark.parametrize("name", SERVERLESS)
def test_an_adopted_service_s_fixes_speak_of_its_serverless_yml_not_the_rails(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = adopted(name, tmp_path)
    capsys.readouterr()
    findings = audit([folder / ".serverless"])
    assert findings
    for f in findings:
        assert not RAILS_ONLY.search(f.fix), f"{f.rule}: {f.fix}"
        assert "rails" not in f.fix.replace(OFFER, "").replace("--rails", ""), f"{f.rule}: {f.fix}"
        assert "template.yaml" not in f.fix and "Globals" not in f.fix, f"{f.rule}: {f.fix}"
    errors_alarm = [f for f in findings if f.rule == "errors-alarm"]
    assert all("under `resources:` in serverless.yml" in f.fix and OFFER in f.fix for f in errors_alarm)


@pytest.mark.parametrize("name", [n for n in SERVERLESS if n != "spa"])  # the single-page app has no function
def test_with_the_rails_plugin_the_same_service_is_told_the_rails_setting(name: str, tmp_path: Path) -> None:
    folder = adopted(name, tmp_path)
    without = {(f.rule, f.path): f.fix for f in audit([folder / ".serverless"])}
    rails = folder / ".serverless_plugins" / "rails" / "index.js"
    rails.parent.mkdir(parents=True)
    rails.write_text("module.exports = class Rails {};\n")
    with_rails = {(f.rule, f.path): f.fix for f in audit([folder / ".serverless"])}
    assert with_rails.keys() == without.keys()
    changed = {rule for (rule, _), fix in with_rails.items() if fix != without[(rule, _)]}
    assert "errors-alarm" in changed and changed <= {
        "errors-alarm",
        "rest-api-waf",
        "async-failure-destination",
        "warmer-permission",
        "api-throttling",
        "stateful-retention",
        "http-api-unauthenticated",
        "rest-unauthenticated",
    }
    assert all(".serverless_plugins/rails" in fix for (rule, _), fix in with_rails.items() if rule == "errors-alarm")


@pytest.mark.parametrize("name", SAM)
def test_a_sam_service_s_fixes_speak_of_template_yaml(name: str) -> None:
    findings = audit([CORPUS / name / "template.yaml"])
    assert findings
    for f in findings:
        assert "serverless.yml" not in f.fix and "rails" not in f.fix and not RAILS_ONLY.search(f.fix), f"{f.rule}: {f.fix}"
    assert any("template.yaml" in f.fix for f in findings)


@pytest.mark.parametrize("name", SERVERLESS)
def test_after_init_a_new_finding_comes_first_and_the_accepted_ones_are_one_line(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = adopted(name, tmp_path)
    recorded = int(re.search(r"Recorded (\d+) findings", capsys.readouterr().out).group(1))  # type: ignore[union-attr]
    build, accepted = folder / ".serverless", folder / ".slsguard" / "baseline.json"
    assert main(["audit", str(build), "--baseline", str(accepted)]) == 0
    quiet = capsys.readouterr().out.splitlines()
    # Nothing new: one line sums up what the baseline accepts, then the counts; no finding is listed.
    assert quiet[0].startswith(f"accepted: {recorded} finding{'s' if recorded != 1 else ''} in the baseline (") and len(quiet) == 3
    # A new literal secret on one function (or a new function for a service without one).
    body = json.loads((build / ROOT).read_text())
    functions = [lid for lid, r in body["Resources"].items() if r.get("Type") == "AWS::Lambda::Function"]
    target = functions[0] if functions else "AddedLambdaFunction"
    if not functions:
        body["Resources"][target] = {"Type": "AWS::Lambda::Function", "Properties": {"Timeout": 6, "ReservedConcurrentExecutions": 1}}
    variables = body["Resources"][target]["Properties"].setdefault("Environment", {}).setdefault("Variables", {})
    variables["STRIPE_SECRET_KEY"] = "sk_live_51HqLyjWDarjtT1zdp7dc"
    (build / ROOT).write_text(json.dumps(body))
    assert main(["audit", str(build), "--baseline", str(accepted)]) == 1
    lines = capsys.readouterr().out.splitlines()
    listed = [line for line in lines if re.match(r"^  (ERROR|WARNING|INFO|EXEMPT) ", line)]
    assert listed[0] == f"  ERROR   plain-secret  Resources.{target}.Properties.Environment.Variables.STRIPE_SECRET_KEY"
    assert lines[1] == listed[0] and "(baseline)" not in "\n".join(lines)
    [summary] = [i for i, line in enumerate(lines) if line.startswith("accepted: ")]
    assert lines[summary].startswith(f"accepted: {recorded} finding") and summary > lines.index(listed[-1])
    assert lines[-1].endswith(f", {recorded} in the baseline in 1 stack.")
    # --show-accepted lists them after the new ones; JSON keeps every finding, as before.
    assert main(["audit", str(build), "--baseline", str(accepted), "--show-accepted"]) == 1
    shown = capsys.readouterr().out.splitlines()
    assert shown[1] == listed[0] and sum(1 for line in shown if line.endswith("(baseline)")) >= 1
    assert main(["audit", str(build), "--baseline", str(accepted), "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert sum(1 for f in doc["findings"] if f.get("baseline")) == doc["summary"]["baseline"]


def test_every_plain_fix_has_a_rule_and_no_placeholder_the_rule_does_not_fill() -> None:
    """A plain wording is one per rule key; formatting it with what the rule gives its rails wording never fails."""
    import string

    from generator.audit.fixes import FIXES
    from generator.audit.plain_fixes import PLAIN

    def fields(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    assert PLAIN.keys() <= FIXES.keys()
    for key, text in PLAIN.items():
        assert fields(text) <= fields(FIXES[key].serverless) | {"exempt"}, key
        assert not RAILS_ONLY.search(text) and "serverless.yml" in text, key
