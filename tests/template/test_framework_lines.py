"""The framework lines a generated project can pin (osls 4 by default, osls 3.x, Serverless v4) and what osls 4
changes around them: the upgrade between lines says what moved, no plugin the project loads on osls 4 reaches the
removed AWS SDK v2 surface, `npm run package` works without AWS credentials (and says how it packaged), a deploy
refuses a local endpoint override, and a zip without a runtime requirement stops `package`.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from generator.new.render import new
from generator.upgrade.regenerate import upgrade
from generator.upgrade.report import summary
from tests.support.toolchain import NODE_DIRS, MotoServer, link_node_modules, moto  # noqa: F401  (session fixture)

# The AWS SDK v2 plugin surface osls 4 removed (provider.request/sdk/getCredentials, cachedCredentials).
REMOVED_SURFACE = re.compile(r"provider\.request\(|provider\.sdk\b|\.getCredentials\(\)|cachedCredentials")
COMMENTS = re.compile(r"/\*.*?\*/|(?<![:'\"`\\])//[^\n]*", re.S)  # JS comments: words, not calls
# Each hit the pinned plugins still hold, and why osls 4 never reaches it; any other hit fails the grep test.
UNREACHABLE = {
    # split-stacks 1.15.0 takes getAwsSdkV3Config() when the framework has it; the SDK v2 branch is for 3.x.
    "serverless-plugin-split-stacks/lib/utils.js": "if (typeof this.provider.getAwsSdkV3Config === 'function') {",
    # serverless-plugin-warmup 8.4.1's only call is in invokeWarmer, which the rails replace on osls 4.
    "serverless-plugin-warmup/src/index.js": "async invokeWarmer(warmerName, warmerConfig) {",
}


def _package_env(home: Path, **extra: str) -> dict[str, str]:
    """This environment without any AWS setting, HOME at an empty folder, the test venv first on PATH."""
    home.mkdir(parents=True, exist_ok=True)
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SLS_", "SERVERLESS_"))}
    path = f"{Path(sys.executable).parent}{os.pathsep}{keep.get('PATH', os.defpath)}"
    return {**keep, "PATH": path, "HOME": str(home), "SLS_TELEMETRY_DISABLED": "1", "NODE_NO_WARNINGS": "1", **extra}


def _npm(project: Path, script: str, env: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["npm", "run", "--silent", script], cwd=project, env=env, capture_output=True, text=True, timeout=timeout)


def test_upgrade_between_lines_says_which_pins_moved(tmp_path: Path) -> None:
    project = new({"cold_start": "provisioned"}, tmp_path)
    down = upgrade(project, {"framework": "osls3"}, allow_dirty=True)
    text = summary(down)
    assert "  changed  framework: osls -> osls3" in text
    assert "  osls 4.3.1 -> 3.77.1" in text
    assert "  serverless-prune-plugin added 2.1.0 (osls 3.x and Serverless v4 prune versions with it: custom.prune)" in text
    assert "run `npm ci` afterwards" in text
    config = yaml.safe_load((project / "serverless.yml").read_text())
    assert "serverless-prune-plugin" in config["plugins"] and "pruneFunctionVersions" not in config["provider"]

    up = summary(upgrade(project, {"framework": "osls"}, allow_dirty=True))
    assert "  osls 3.77.1 -> 4.3.1 (osls 4 removed the AWS SDK v2 surface some plugins call;" in up
    assert "  serverless-prune-plugin 2.1.0 -> removed (osls 4 prunes versions itself: provider.pruneFunctionVersions)" in up
    config = yaml.safe_load((project / "serverless.yml").read_text())
    assert config["provider"]["pruneFunctionVersions"] == {"number": 3} and "serverless-prune-plugin" not in config["plugins"]


def test_an_upgrade_without_a_line_change_lists_no_pins(tmp_path: Path) -> None:
    project = new({}, tmp_path)
    assert "Node tools pinned" not in summary(upgrade(project, {"tracing": False}, allow_dirty=True))


@pytest.mark.parametrize("given", [{}, {"cold_start": "provisioned", "database": "postgres"}], ids=["defaults", "provisioned-postgres"])
def test_no_plugin_the_project_loads_on_osls_4_reaches_the_removed_sdk_v2_surface(tmp_path: Path, given: dict) -> None:
    project = new(given, tmp_path)
    link_node_modules(project)
    modules = project / "node_modules"
    assert modules.resolve() == (NODE_DIRS["osls"] / "node_modules").resolve()
    listed = yaml.safe_load((project / "serverless.yml").read_text())["plugins"]
    sources = [project / p.removeprefix("./") for p in listed if p.startswith("./")]
    sources += [modules / p for p in listed if not p.startswith("./")]
    assert all(path.exists() for path in sources), sources
    hits: dict[str, str] = {}
    for source in sources:
        files = [source] if source.is_file() else [f for f in source.rglob("*.js") if "node_modules" not in f.relative_to(source).parts]
        for file in files:
            text = COMMENTS.sub("", file.read_text(encoding="utf-8", errors="replace"))
            if REMOVED_SURFACE.search(text):
                hits[file.relative_to(modules if modules in file.parents else project).as_posix()] = text
    assert set(hits) <= set(UNREACHABLE), f"SDK v2 surface used by {sorted(set(hits) - set(UNREACHABLE))}"
    for rel, text in hits.items():
        guard = text.index(UNREACHABLE[rel])
        for match in REMOVED_SURFACE.finditer(text):
            # each use sits after the guard (the SDK v3 branch returned first, or inside the replaced method) ...
            assert match.start() > guard, f"{rel}: {match.group()} outside {UNREACHABLE[rel]!r}"
            # ... and before the next method begins
            assert not re.search(r"\n\t?\s{0,2}(async )?[a-zA-Z]+\([^)]*\) \{\n", text[guard + len(UNREACHABLE[rel]) : match.start()]), rel
    if "serverless-plugin-warmup" in listed:
        assert "serverless-plugin-warmup/src/index.js" in hits
        rails = (project / ".serverless_plugins" / "rails" / "index.js").read_text()
        assert "warmup.invokeWarmer = async" in rails and "framework.sdkV3Offered(provider)" in rails


def _script_choice(project: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """scripts/package.py deciding for a child that prints the CloudFormation endpoint and key it was given."""
    child = "import os; print('child', os.environ.get('AWS_ENDPOINT_URL_CLOUDFORMATION'), os.environ.get('AWS_ACCESS_KEY_ID'))"
    return subprocess.run(
        [sys.executable, "scripts/package.py", sys.executable, "-c", child],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_package_script_uses_credentials_when_found_and_a_local_cloudformation_when_not(tmp_path: Path) -> None:
    project = new({}, tmp_path / "out")
    bare = _package_env(tmp_path / "empty-home", AWS_EC2_METADATA_DISABLED="true")
    result = _script_choice(project, bare)
    assert result.returncode == 0, result.stderr
    first, child = result.stdout.splitlines()[:2]
    assert first.startswith("package: no AWS credentials: split-stacks asks a local CloudFormation (http://127.0.0.1:")
    assert re.fullmatch(r"child http://127\.0\.0\.1:\d+ local-package", child)

    home = tmp_path / "home-with-keys"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws" / "credentials").write_text("[default]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = secret\n")
    result = _script_choice(project, _package_env(home, AWS_EC2_METADATA_DISABLED="true"))
    assert result.stdout.splitlines()[:2] == [
        "package: AWS credentials found (shared-credentials-file): split-stacks reads the deployed stack, if any, from your account",
        "child None None",
    ]

    set_by_user = _package_env(tmp_path / "empty-home", AWS_ENDPOINT_URL_CLOUDFORMATION="http://127.0.0.1:5999")
    assert _script_choice(project, set_by_user).stdout.splitlines()[1] == "child http://127.0.0.1:5999 None"

    broken = _package_env(tmp_path / "empty-home", AWS_PROFILE="nope")
    result = _script_choice(project, broken)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("package: your AWS credentials setup fails (") and "unset AWS_PROFILE" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_npm_run_package_works_with_no_aws_credentials_and_says_so(tmp_path: Path) -> None:
    """The generated README's `npm run package`, with HOME at an empty folder and no AWS_* variable."""
    project = new({}, tmp_path / "out")
    link_node_modules(project)
    result = _npm(project, "package", _package_env(tmp_path / "empty-home"))
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert "package: no AWS credentials: split-stacks asks a local CloudFormation" in output
    assert "CredentialsProviderError" not in output and "credentials not found" not in output
    assert sorted(p.name for p in (project / ".serverless").glob("cloudformation-template-*-nested-stack.json")), "split-stacks ran"


@pytest.mark.slow
def test_removing_the_packaging_plugin_stops_package_naming_the_missing_module(tmp_path: Path) -> None:
    project = new({"database": "postgres"}, tmp_path / "out")
    link_node_modules(project)
    config = project / "serverless.yml"
    text = config.read_text()
    assert "\n  - serverless-python-requirements\n" in text
    text = text.replace("\n  - serverless-python-requirements\n", "\n", 1)
    config.write_text(re.sub(r"\n  pythonRequirements:\n(    .*\n|      .*\n)+", "\n", text, count=1))
    result = _npm(project, "package", _package_env(tmp_path / "empty-home"))
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-3000:]
    assert re.search(
        r"rails \(requirements\): \.serverless/\S+\.zip lacks a runtime requirement: psycopg \(requirements\.txt: psycopg\[binary\]==",
        output,
    )


@pytest.mark.slow
def test_deploy_refuses_an_endpoint_override_on_loopback_naming_it(tmp_path: Path) -> None:
    project = new({}, tmp_path / "out")
    link_node_modules(project)
    env = _package_env(
        tmp_path / "home", AWS_ENDPOINT_URL_CLOUDFORMATION="http://127.0.0.1:5000", AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x"
    )
    result = _npm(project, "deploy", env, timeout=300)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "rails (endpoints): deploy refused: AWS_ENDPOINT_URL_CLOUDFORMATION=http://127.0.0.1:5000 points at a loopback address" in output
    assert "Packaging" not in output, "refused before anything is packaged"
    assert not (project / ".serverless").exists()
