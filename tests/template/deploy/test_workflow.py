"""The generated deploy workflow (.github/workflows/deploy.yml): valid against the GitHub workflow schema
check-jsonschema ships (actionlint has no build that installs without downloading its binary), least privilege
(`id-token: write` and `contents: read`, nothing else), every action pinned to a full commit as ci.yml pins them,
dev on every push to main and production only through the protected `production` environment, each stage serialised
and never cancelled, and per stage: package, the bootstrap's coverage check, preview, then the deploy of that package.
"""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator import new_project as new
from generator.answers.parse import complete

ANSWERS = {
    "defaults": {},
    "framework:serverless": {"framework": "serverless"},
    "region:eu-central-1-api:none": {"aws_region": "eu-central-1", "api": "none"},
}
PIN = re.compile(r"^\s*(?:- )?uses: (?P<action>[\w.-]+/[\w.-]+)@(?P<sha>[0-9a-f]{40}) # v\d+\.\d+\.\d+$", re.MULTILINE)
USES = re.compile(r"^\s*(?:- )?uses: ", re.MULTILINE)
STEPS = ["Package", "deploy-policy -- --check", "npm run preview", "-- --package .serverless"]


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("deploy-workflow")
    return {name: new(complete({"project_name": f"Flow {i}", **given}), root) for i, (name, given) in enumerate(ANSWERS.items())}


def workflow(project: Path) -> dict[str, Any]:
    body = yaml.safe_load((project / ".github" / "workflows" / "deploy.yml").read_text())
    body["on"] = body.pop(True)  # YAML 1.1 reads the key `on` as true
    return body


def check_jsonschema(*paths: Path) -> subprocess.CompletedProcess[str]:
    binary = Path(sys.executable).with_name("check-jsonschema")
    command = [str(binary), "--builtin-schema", "vendor.github-workflows", *map(str, paths)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("name", list(ANSWERS))
def test_the_workflows_are_valid_github_workflows(projects: dict[str, Path], name: str, tmp_path: Path) -> None:
    folder = projects[name] / ".github" / "workflows"
    result = check_jsonschema(folder / "deploy.yml", folder / "ci.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    # the check can fail: a permission GitHub does not know
    broken = tmp_path / "broken.yml"
    broken.write_text((folder / "deploy.yml").read_text().replace("id-token: write", "id-token: writ"))
    assert check_jsonschema(broken).returncode == 1


@pytest.mark.parametrize("name", list(ANSWERS))
def test_every_action_is_pinned_to_a_commit_as_ci_pins_it(projects: dict[str, Path], name: str) -> None:
    folder = projects[name] / ".github" / "workflows"
    text, ci = (folder / "deploy.yml").read_text(), (folder / "ci.yml").read_text()
    pins = [m.groupdict() for m in PIN.finditer(text)]
    assert len(pins) == len(USES.findall(text)) == 8, text  # every `uses:` line is a pin with its release
    ci_pins = {m["action"]: m["sha"] for m in PIN.finditer(ci)}
    for pin in pins:
        assert ci_pins.get(pin["action"], pin["sha"]) == pin["sha"], pin
    assert {p["action"] for p in pins} == {
        "actions/checkout",
        "actions/setup-python",
        "actions/setup-node",
        "aws-actions/configure-aws-credentials",
    }


@pytest.mark.parametrize("name", list(ANSWERS))
def test_least_privilege_and_no_stored_aws_key(projects: dict[str, Path], name: str) -> None:
    body = workflow(projects[name])
    text = (projects[name] / ".github" / "workflows" / "deploy.yml").read_text()
    assert body["permissions"] == {"id-token": "write", "contents": "read"}
    assert all("permissions" not in job for job in body["jobs"].values())
    assert body["on"]["push"] == {"branches": ["main"]} and set(body["on"]) == {"push", "workflow_dispatch"}
    # the manual run's only input reaches the preview through the environment, never pasted into a script
    assert set(body["on"]["workflow_dispatch"]["inputs"]) == {"accept"}
    for job in body["jobs"].values():
        assert not any("inputs." in step.get("run", "") for step in job["steps"])
        (preview,) = [s for s in job["steps"] if "npm run preview" in s.get("run", "")]
        assert preview["env"] == {"ACCEPT": "${{ github.event.inputs.accept }}"}
    assert not re.search(r"aws-access-key-id|aws-secret-access-key|AWS_SECRET|AWS_ACCESS_KEY", text)
    secrets = set(re.findall(r"secrets\.(\w+)", text))
    assert secrets == ({"SERVERLESS_ACCESS_KEY"} if name == "framework:serverless" else set())
    for job in body["jobs"].values():
        (credentials,) = [s for s in job["steps"] if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@")]
        assert credentials["with"]["role-to-assume"] == "${{ vars.AWS_DEPLOY_ROLE_ARN }}"
        assert set(credentials["with"]) == {"role-to-assume", "aws-region"}
        checkout = job["steps"][0]
        assert checkout["uses"].startswith("actions/checkout@") and checkout["with"]["persist-credentials"] is False


@pytest.mark.parametrize("name", list(ANSWERS))
def test_dev_on_push_then_production_through_its_environment(projects: dict[str, Path], name: str) -> None:
    jobs = workflow(projects[name])["jobs"]
    assert list(jobs) == ["dev", "production"]
    assert "environment" not in jobs["dev"]  # its token's subject is the branch: repo:<owner>/<repo>:ref:refs/heads/main
    # a repository without the bootstrap yet skips the deploy (production needs dev, so it is skipped too)
    assert jobs["dev"]["if"] == "${{ vars.AWS_DEPLOY_ROLE_ARN != '' && github.ref == 'refs/heads/main' }}"
    assert "if" not in jobs["production"]
    assert jobs["production"]["environment"] == "production" and jobs["production"]["needs"] == "dev"
    for stage, job in jobs.items():
        assert job["concurrency"] == {"group": f"deploy-{stage}", "cancel-in-progress": False}
        runs = [s.get("run", "") + s.get("name", "") for s in job["steps"]]
        order = [next(i for i, r in enumerate(runs) if step in r) for step in STEPS]
        assert order == sorted(order), runs
        suffix = "" if stage == "dev" else ":production"
        assert f"npm run package{suffix}" in runs[order[0]] and f"npm run deploy{suffix} -- --package .serverless" in runs[order[-1]]


@pytest.mark.parametrize("name", list(ANSWERS))
def test_the_workflow_names_what_the_bootstrap_makes(projects: dict[str, Path], name: str) -> None:
    project = projects[name]
    slug, region = project.name, complete({"project_name": "x", **ANSWERS[name]})["aws_region"]
    text = (project / ".github" / "workflows" / "deploy.yml").read_text()
    bootstrap = yaml.safe_load((project / "deploy" / "bootstrap.yml").read_text())["Resources"]
    bucket = bootstrap["DeploymentBucket"]["Properties"]["BucketName"]["Fn::Sub"]
    assert bucket == f"{slug}-${{AWS::AccountId}}-${{AWS::Region}}"
    assert f"SLSGUARD_DEPLOYMENT_BUCKET={slug}-${{ACCOUNT}}-{region}" in text
    assert f"SLSGUARD_EXECUTION_ROLE=arn:aws:iam::${{ACCOUNT}}:role/{bootstrap['ExecutionRole']['Properties']['RoleName']}" in text
    assert f"aws-region: {region}" in text
    serverless = (project / "serverless.yml").read_text()
    assert "name: ${env:SLSGUARD_DEPLOYMENT_BUCKET, null}" in serverless
    assert "deploymentRole: ${env:SLSGUARD_EXECUTION_ROLE, null}" in serverless
    # the roles' boundary: the name deploy-policy gives RoleBoundary (scripts/role_boundary.py), the bootstrap's output
    assert "permissionsBoundary: ${env:SLSGUARD_ROLE_BOUNDARY, null}" in serverless
    output = yaml.safe_load((project / "deploy" / "bootstrap.yml").read_text())["Outputs"]["RoleBoundaryArn"]["Value"]["Fn::Sub"]
    assert output == f"arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:policy/{slug}-role-boundary"
    assert f"SLSGUARD_ROLE_BOUNDARY=arn:aws:iam::${{ACCOUNT}}:policy/{slug}-role-boundary" in text
    sys.path.insert(0, str(project / "scripts"))
    try:
        assert importlib.import_module("role_boundary").name(slug) == f"{slug}-role-boundary"
    finally:
        sys.path.remove(str(project / "scripts"))
        sys.modules.pop("role_boundary", None)
