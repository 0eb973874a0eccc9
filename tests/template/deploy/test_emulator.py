"""`npm run deploy` on osls 4 against a local emulator: nothing breaks after the stack is updated.

A moto server on 127.0.0.1 stands in for every AWS API (osls 4 sends every call through ``AWS_ENDPOINT_URL``),
with Lambda in its no-Docker mode (``{"lambda": {"use_docker": false}}`` on ``/moto-api/config``: an invoke is
answered without running code, and the server's request log shows it). ``SLSGUARD_LOCAL_DEPLOY=1`` is the named
choice the deploy guard asks for. Three documented stand-ins for moto 5.2 gaps:

- split-stacks off: moto cannot update a stack that reads a nested stack's outputs (FACTS.md);
- rollout=all-at-once: moto creates no AWS::Lambda::Alias nor CodeDeploy resources, which the canary needs;
- the Powertools public layer lives in AWS's account, which moto does not have: the test publishes stand-in
  versions of a layer with the same name (moto looks layers up by name and version).

Proven here: prewarming runs after the deploy and invokes each warmed function (serverless-plugin-warmup's own
prewarm would stop at the removed ``provider.request``), and osls 4's ``provider.pruneFunctionVersions`` keeps 3
published versions across deploys; every deploy exits 0.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml

from generator.new.render import new
from tests.support.toolchain import free_port, link_node_modules

pytestmark = pytest.mark.slow

DEPLOY_TIMEOUT_S = 300
KEPT_VERSIONS = 3  # provider.pruneFunctionVersions.number in the template


@dataclass(frozen=True)
class Emulator:
    endpoint: str
    log: Path

    def requests(self) -> str:
        return self.log.read_text(errors="replace")

    def client(self, service: str) -> Any:  # a boto3 client
        return boto3.client(service, endpoint_url=self.endpoint, region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t")


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    port = free_port()
    log = tmp_path_factory.mktemp("moto") / "requests.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)], stdout=out, stderr=subprocess.STDOUT
        )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                request = urllib.request.Request(
                    f"{endpoint}/moto-api/config", data=json.dumps({"lambda": {"use_docker": False}}).encode(), method="POST"
                )
                with urllib.request.urlopen(request, timeout=2) as answer:
                    assert json.load(answer)["lambda"]["use_docker"] is False
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        yield Emulator(endpoint, log)
    finally:
        process.terminate()
        process.wait(timeout=10)


def _stand_in_layer(emulator: Emulator, project: Path) -> None:
    """Publish versions of a layer named like the pinned Powertools layer until its pinned version exists."""
    arn = yaml.safe_load((project / "serverless.yml").read_text())["provider"]["layers"][0]
    name, version = re.fullmatch(r".*:layer:([^:]+):(\d+)", arn).groups()
    lam = emulator.client("lambda")
    existing = lam.list_layer_versions(LayerName=name).get("LayerVersions", [])
    body = io.BytesIO()
    with zipfile.ZipFile(body, "w") as archive:
        archive.writestr("python/stand_in.py", "")
    for _ in range(int(version) - len(existing)):
        lam.publish_layer_version(LayerName=name, Content={"ZipFile": body.getvalue()})


def _deploy(project: Path, emulator: Emulator, home: Path) -> subprocess.CompletedProcess[str]:
    home.mkdir(parents=True, exist_ok=True)
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SLS_", "SERVERLESS_"))}
    env = {
        **keep,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{keep.get('PATH', os.defpath)}",
        "HOME": str(home),
        "AWS_ENDPOINT_URL": emulator.endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "SLSGUARD_LOCAL_DEPLOY": "1",
        "SLS_TELEMETRY_DISABLED": "1",
        "NODE_NO_WARNINGS": "1",
    }
    return subprocess.run(
        ["npm", "run", "--silent", "deploy"], cwd=project, env=env, capture_output=True, text=True, timeout=DEPLOY_TIMEOUT_S
    )


def _project(tmp_path: Path, emulator: Emulator, slug: str, **answers: object) -> Path:
    # rollout=all-at-once: moto's CloudFormation creates no AWS::Lambda::Alias nor CodeDeploy resources, which the canary
    # deploys through (tests/template/deploy/test_rollout.py rehearses it with the rehearsal's shims instead).
    answers = {"rollout": "all-at-once", **answers}
    project = new({"project_name": slug, "split_stacks": False, **answers}, tmp_path / "out")
    link_node_modules(project)
    _stand_in_layer(emulator, project)
    return project


def test_prewarm_after_deploy_invokes_each_warmed_function_on_osls_4(tmp_path: Path, emulator: Emulator) -> None:
    project = _project(tmp_path, emulator, "warmed-svc")  # cold_start=warmer: the API function is warmed
    result = _deploy(project, emulator, tmp_path / "home")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert "deploy goes to a local emulator (AWS_ENDPOINT_URL=http://127.0.0.1:" in output
    assert 'WarmUp: warmer "default" prewarmed 1 of 1 function (AWS SDK v3, from the rails)' in output
    assert "AWS_SDK_V2_SURFACE_REMOVED" not in output and "is no longer available" not in output
    invoked = re.findall(r'"POST /2015-03-31/functions/([^/]+)/invocations', emulator.requests())
    assert invoked.count("warmed-svc-dev-api") == 1, invoked  # concurrency 1
    assert "warmed-svc-dev-worker" not in invoked, "only the warmed (HTTP) functions are pinged"


def test_osls_4_prunes_function_versions_to_the_configured_number(tmp_path: Path, emulator: Emulator) -> None:
    """The template's pruning block (rendered for provisioned concurrency and SnapStart) in a project without an alias:
    moto's CloudFormation does not create AWS::Lambda::Alias, which both publish through, so the block is moved into
    a cold_start=none project as the template writes it."""
    versioned = (new({"cold_start": "provisioned"}, tmp_path / "versioned") / "serverless.yml").read_text()
    block = re.search(r"\n  versionFunctions: true\n  pruneFunctionVersions:\n    number: (\d+)\n", versioned)
    assert block is not None and int(block.group(1)) == KEPT_VERSIONS
    project = _project(tmp_path, emulator, "pruned-svc", cold_start="none")
    config = project / "serverless.yml"
    assert "\n  versionFunctions: false\n" in config.read_text()
    config.write_text(config.read_text().replace("\n  versionFunctions: false\n", block.group(0), 1))
    handler = next(project.glob("*/api.py"))
    deploys = KEPT_VERSIONS + 2
    pruned = []
    for deploy in range(deploys):
        handler.write_text(handler.read_text() + f"# deploy {deploy}\n")  # new code: a new published version
        result = _deploy(project, emulator, tmp_path / "home")
        output = result.stdout + result.stderr
        assert result.returncode == 0, f"deploy {deploy}: {output[-4000:]}"
        pruned += [int(n) for n in re.findall(r"Pruned (\d+) function versions?", output)]
    assert sum(pruned) >= 2, f"osls 4 pruned {pruned} after {deploys} deploys"
    lam = emulator.client("lambda")
    for function in ("pruned-svc-dev-api", "pruned-svc-dev-worker"):
        versions = [v["Version"] for v in lam.list_versions_by_function(FunctionName=function)["Versions"] if v["Version"] != "$LATEST"]
        assert len(versions) == KEPT_VERSIONS, (function, versions)
