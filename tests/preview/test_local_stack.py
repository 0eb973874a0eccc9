"""`slsguard preview` against a local CloudFormation (moto in this process, started by the generated project's own
`scripts/rehearse.py`): the packaged stacks are created there (root and nested), the project is changed and packaged
again, and preview reads the deployed templates back with GetTemplate. A harmless change (a queue's retention, the
duration alarms' threshold in a nested stack) exits 0; a create-only change of a stateful queue (QueueName) is shown
as a replacement and exits 1 until accepted. Unusable input exits 2 with one line.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from generator import new_project as new
from generator.answers.parse import complete
from tests.support.toolchain import MotoServer, moto, package  # noqa: F401

pytestmark = pytest.mark.slow
SLSGUARD = Path(sys.executable).with_name("slsguard")


def _rehearse_module(project: Path) -> Any:
    """scripts/rehearse.py as a module, with its folder on the path as when it runs (it imports scripts/packaged.py)."""
    scripts = project / "scripts"
    spec = importlib.util.spec_from_file_location("rehearse_under_test", scripts / "rehearse.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    sys.path.insert(0, str(scripts))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(scripts))
    return module


def _deploy(module: Any, build: Path, endpoint: str) -> None:
    """Create the packaged stacks in the local CloudFormation as a deploy does (create-stack, artifacts, update) and keep them."""
    r = module.Rehearsal(build, endpoint)
    r.put_ssm_parameters()
    r.cfn.create_stack(StackName=r.stack_name, TemplateBody=module.json.dumps(r.create), Capabilities=module.CAPABILITIES)
    assert r.settle("create")
    r.upload(r.bucket())
    r.cfn.update_stack(StackName=r.stack_name, TemplateBody=module.json.dumps(r.update), Capabilities=module.CAPABILITIES)
    assert r.settle("update")


def _preview(project: Path, endpoint: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID="preview", AWS_SECRET_ACCESS_KEY="preview", AWS_ENDPOINT_URL=endpoint, HOME=str(project))
    return subprocess.run([str(SLSGUARD), "preview", *args], cwd=project, env=env, capture_output=True, text=True, timeout=300)


def _edit(project: Path, old: str, new_text: str) -> None:
    path = project / "serverless.yml"
    text = path.read_text()
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new_text))


@pytest.fixture(scope="module")
def deployed(moto: MotoServer, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, Path]:  # noqa: F811
    root = tmp_path_factory.mktemp("preview")
    cache = tmp_path_factory.mktemp("preview-cache")
    project = new(complete({"project_name": "Preview 0"}), root)
    build = package(project, moto, cache)
    module = _rehearse_module(project)
    endpoint, server = module.start_moto()
    try:
        _deploy(module, build, endpoint)
        yield project, endpoint, cache
    finally:
        server.stop()


def test_nothing_changed_but_the_artifacts_exits_0(deployed: tuple[Path, str, Path]) -> None:
    project, endpoint, _ = deployed
    result = _preview(project, endpoint)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Stack preview-0-dev: " in result.stdout
    assert "[STATEFUL" not in result.stdout
    assert result.stdout.splitlines()[-1].startswith("preview: ") and "no stateful resource lost" in result.stdout


def test_a_harmless_change_in_root_and_nested_stack_exits_0(deployed: tuple[Path, str, Path], moto: MotoServer) -> None:  # noqa: F811
    project, endpoint, cache = deployed
    _edit(project, "MessageRetentionPeriod: 345600", "MessageRetentionPeriod: 345601")
    _edit(project, "durationAlarmPercent: 80", "durationAlarmPercent: 90")
    package(project, moto, cache)
    result = _preview(project, endpoint)
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "  ~ WorkQueue (AWS::SQS::Queue): MessageRetentionPeriod" in out
    # a new package uploads to a new folder: one line per artifact kind, the code's versions say it did not change
    code = "  ~ ApiLambdaFunction, WarmUpPluginDefaultLambdaFunction, WorkerLambdaFunction (3): only the upload folder of this package's"
    assert f"{code} function code (code: 3 same, by the published versions' CodeSha256)" in out.splitlines()
    assert "  ~ ApiLambdaFunction (" not in out and "TemplateURL" not in out
    nested = out.split("Nested stack AlarmsNestedStack: ", 1)[1]
    assert "  ~ ApiDurationAlarm (AWS::CloudWatch::Alarm): AlarmDescription, Threshold" in nested


def test_a_create_only_change_of_a_queue_is_a_replacement_and_exits_1(deployed: tuple[Path, str, Path], moto: MotoServer) -> None:  # noqa: F811
    project, endpoint, cache = deployed
    _edit(project, "MessageRetentionPeriod: 345601", "MessageRetentionPeriod: 345601\n        QueueName: preview-0-dev-work")
    package(project, moto, cache)
    result = _preview(project, endpoint)
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    assert "  ! WorkQueue (AWS::SQS::Queue) replaced: QueueName cannot change in place (create-only); also MessageRetentionPeriod" in out
    assert "[STATEFUL: the current one is kept by its policy, detached from the stack; the service moves to a new, empty one]" in out
    assert "--accept WorkQueue" in out.splitlines()[-1]
    # the worker's event source mapping holds the queue's ARN in a create-only property: replaced with it
    mapping = "  ! WorkerEventSourceMappingSQSWorkQueue (AWS::Lambda::EventSourceMapping) replaced: EventSourceArn cannot change"
    assert f"{mapping} in place (create-only) (in cascade: WorkQueue is replaced)" in out.splitlines()
    accepted = _preview(project, endpoint, "--accept", "WorkQueue")
    assert accepted.returncode == 0, accepted.stdout
    assert "(accepted)" in accepted.stdout


def test_a_stack_not_deployed_is_a_first_deploy(deployed: tuple[Path, str, Path]) -> None:
    project, endpoint, _ = deployed
    result = _preview(project, endpoint, "--stack", "preview-0-production")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("Stack preview-0-production is not deployed yet")
    assert "  + WorkQueue (AWS::SQS::Queue)" in result.stdout


def test_unusable_input_is_one_line_and_exit_2(deployed: tuple[Path, str, Path], tmp_path: Path) -> None:
    project, endpoint, _ = deployed
    missing = _preview(project, endpoint, str(tmp_path / "nothing"))
    assert missing.returncode == 2 and "run `npm run package` first" in missing.stderr and "Traceback" not in missing.stderr
    unreachable = _preview(project, "http://127.0.0.1:9")
    assert unreachable.returncode == 2 and "cannot be reached" in unreachable.stderr and len(unreachable.stderr.splitlines()) == 1
