"""The gradual rollout, packaged: with rollout=canary (the default) every HTTP function, one added later with
`slsguard add` too, has its `live` alias shifted by a CodeDeploy deployment group that rolls back on the function's
own errors and duration alarms, and API Gateway invokes that alias; `npm run scan` exits 0 and a rehearsal reaches
CREATE_COMPLETE. rollout=all-at-once adds none of it and publishes no versions.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from generator import cli
from generator import new_project as new
from generator.answers.parse import complete
from tests.support.projects import clean_env, run_npm_script
from tests.support.toolchain import MotoServer, compiled_templates, deployed_resources, moto, package_each, scanner_path  # noqa: F401

pytestmark = pytest.mark.slow
SETS = {"canary": {}, "all-at-once": {"rollout": "all-at-once"}}


@pytest.fixture(scope="module")
def packaged(moto: MotoServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:  # noqa: F811
    root = tmp_path_factory.mktemp("rollout")
    cache = tmp_path_factory.mktemp("rollout-cache")
    projects = {}
    for i, (name, answers) in enumerate(SETS.items()):
        project = new(complete({"project_name": f"Roll {i}", **answers}), root)
        assert cli.main(["add", "pages", "--trigger", "http", "--project", str(project)]) == 0
        projects[name] = project
    package_each(projects, moto, cache)
    return projects


def test_every_http_function_shifts_through_codedeploy_and_rolls_back_on_its_alarms(packaged: dict[str, Path]) -> None:
    resources = deployed_resources(compiled_templates(packaged["canary"] / ".serverless"))
    for prefix in ("Api", "Pages"):
        group = resources[f"{prefix}DeploymentGroup"]["Properties"]
        assert group["DeploymentConfigName"] == "CodeDeployDefault.LambdaCanary10Percent5Minutes"
        names = json.dumps(group["AlarmConfiguration"]["Alarms"])
        assert f"{prefix}ErrorsAlarm" in names and f"{prefix}DurationAlarm" in names  # by Ref, or the nested stack's output
        assert {f"{prefix}ErrorsAlarm", f"{prefix}DurationAlarm"} <= set(resources)
        alias = resources[f"{prefix}LiveAlias"]
        assert alias["UpdatePolicy"]["CodeDeployLambdaAliasUpdate"]["DeploymentGroupName"] == {"Ref": f"{prefix}DeploymentGroup"}
        assert resources[alias["Properties"]["FunctionVersion"]["Fn::GetAtt"][0]]["Type"] == "AWS::Lambda::Version"
    methods = [r for r in resources.values() if r["Type"] == "AWS::ApiGateway::Method" and r["Properties"].get("Integration")]
    uris = [json.dumps(m["Properties"]["Integration"]["Uri"]) for m in methods]
    assert uris and all("LiveAlias" in uri for uri in uris if "lambda:path" in uri)
    assert "WorkerDeploymentGroup" not in resources  # an SQS consumer has no traffic to shift


def test_all_at_once_adds_nothing_and_publishes_no_versions(packaged: dict[str, Path]) -> None:
    types = {r["Type"] for r in deployed_resources(compiled_templates(packaged["all-at-once"] / ".serverless")).values()}
    assert not {"AWS::CodeDeploy::DeploymentGroup", "AWS::Lambda::Alias", "AWS::Lambda::Version"} & types


@pytest.mark.parametrize("name", list(SETS))
def test_the_projects_own_scan_exits_0(packaged: dict[str, Path], name: str) -> None:
    result = run_npm_script(packaged[name], "scan", path=scanner_path())
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def test_a_rehearsal_reaches_create_complete(packaged: dict[str, Path], tmp_path: Path) -> None:
    env = {k: v for k, v in clean_env().items() if not k.startswith("AWS_")}
    env.update({"PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', os.defpath)}", "HOME": str(tmp_path)})
    result = subprocess.run(
        ["npm", "run", "--silent", "rehearse"], cwd=packaged["canary"], env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "UPDATE_COMPLETE  roll-0-dev (update)" in result.stdout.splitlines()
    assert "AWS::Lambda::Alias" not in result.stdout  # created (through the shim), not only recorded
