"""`npm run rehearse` in generated projects: the packaged stacks, root and nested, created in a local
CloudFormation (moto, started in process by the project's own script) and deleted again.

The command is the one the generated README gives; PATH holds this venv (moto and boto3, as the project's
requirements-dev.txt installs them) and no AWS_ENDPOINT_URL, so the script starts its own emulator.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from generator import new_project as new
from tests.support.projects import clean_env
from tests.support.toolchain import MotoServer, moto, package  # noqa: F401  (moto: session fixture)

pytestmark = pytest.mark.slow

CASES = {
    "defaults": {},
    "db:mysql-data-api": {"database": "mysql", "database_access": "data-api"},
    "split_stacks:false": {"split_stacks": False},
}


def rehearse(project: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in clean_env().items() if not k.startswith("AWS_")}
    env.update({"PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', os.defpath)}", "HOME": str(home)})
    home.mkdir(parents=True, exist_ok=True)
    return subprocess.run(["npm", "run", "--silent", "rehearse"], cwd=project, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def packaged(moto: MotoServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:  # noqa: F811
    root = tmp_path_factory.mktemp("rehearse")
    projects = {}
    for case, answers in CASES.items():
        project = new({**answers, "project_name": f"Rehearse {len(projects)}"}, root / case.replace(":", "-"))
        package(project, moto, root / "cache")
        projects[case] = project
    return projects


@pytest.mark.parametrize("case", list(CASES))
def test_every_stack_reaches_create_complete_and_is_deleted(packaged: dict[str, Path], case: str, tmp_path: Path) -> None:
    project = packaged[case]
    nested = sorted(project.glob(".serverless/cloudformation-template-*-nested-stack.json"))
    result = rehearse(project, tmp_path / "home")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    slug = json.loads((project / ".slsguard" / "answers.json").read_text())["answers"]["project_slug"]
    assert f"CREATE_COMPLETE  {slug}-dev (create)" in lines
    assert f"UPDATE_COMPLETE  {slug}-dev (update)" in lines
    assert sum("nested" in line and "CREATE_COMPLETE" in line for line in lines) == len(nested)
    assert (len(nested) > 0) == (case != "split_stacks:false")
    assert f"DELETE_COMPLETE  {slug}-dev (clean-up)" in lines
    recorded = next(line for line in lines if line.startswith("moto records but does not create: "))
    assert "AWS::CloudWatch::Alarm" in recorded, "the list names what moto only records"
    assert "AWS::Lambda::Function" not in recorded
    custom = [line for line in lines if line.startswith("moto does not wait for custom resources")]
    assert custom == (
        ["moto does not wait for custom resources (their functions did not run here): Custom::Migrations"] if case.startswith("db:") else []
    )


def test_a_failing_template_exits_1_naming_the_cause(packaged: dict[str, Path], tmp_path: Path) -> None:
    project = tmp_path / "broken"
    subprocess.run(["cp", "-a", str(packaged["split_stacks:false"]), str(project)], check=True)
    update = project / ".serverless" / "cloudformation-template-update-stack.json"
    template = json.loads(update.read_text())
    template["Resources"]["BrokenQueue"] = {
        "Type": "AWS::SQS::Queue",
        "Properties": {"RedrivePolicy": {"deadLetterTargetArn": {"Fn::GetAtt": ["NoSuchQueue", "Arn"]}, "maxReceiveCount": 5}},
    }
    update.write_text(json.dumps(template))
    result = rehearse(project, tmp_path / "home")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "NoSuchQueue" in result.stdout
    assert "a stack failed" in result.stdout


def test_without_a_package_it_says_what_to_run(tmp_path: Path) -> None:
    project = new({}, tmp_path / "out")
    result = rehearse(project, tmp_path / "home")
    assert result.returncode == 2
    assert result.stderr.strip().endswith("run `npm run package` first."), result.stderr
