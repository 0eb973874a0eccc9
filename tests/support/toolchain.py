"""The real toolchain a generated project is proven with: a moto CloudFormation endpoint, osls from
``tests/node``, cfn-lint, checkov (its own venv) and an import check of the packaged zip as Lambda runs it.

Nothing here needs an AWS account: ``osls package`` talks only to the local moto server, which
serverless-plugin-split-stacks reaches through ``AWS_ENDPOINT_URL_CLOUDFORMATION``.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pytest

from .paths import REPO

NODE_DIR = REPO / "tests" / "node"  # framework=osls: the osls 4 line
# The node toolchain of each framework line a generated project can pin (npm ci once each, shared by the tests).
NODE_DIRS = {"osls": NODE_DIR, "osls3": REPO / "tests" / "node-osls3"}
NPM_TEMPLATES = REPO / "templates" / "npm"
CHECKOV_DEFAULT = REPO / ".venv-checkov" / "bin" / "checkov"
PACKAGE_TIMEOUT_S = 300
SCAN_TIMEOUT_S = 300
MOTO_START_TIMEOUT_S = 60
SLUG_PLACEHOLDER = "{{ cookiecutter.project_slug | jsonify }}"
PROJECT_VERSION = "0.1.0"  # the version a generated package.json starts at

# What the Lambda Python runtime ships (boto3 and its dependencies) and what the Powertools layer adds.
LAMBDA_RUNTIME_MODULES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six", "urllib3")
POWERTOOLS_LAYER_MODULES = ("aws_lambda_powertools", "typing_extensions")
ELF_MACHINE = {"x86_64": 62, "arm64": 183}  # e_machine of the shared objects Lambda can load


class ToolchainError(RuntimeError):
    """A tool of the toolchain is missing or failed; the message says which and how to fix it."""


@dataclass(frozen=True)
class MotoServer:
    """A moto server on 127.0.0.1 standing in for CloudFormation (and any other AWS API)."""

    endpoint: str

    def env(self) -> dict[str, str]:
        """Environment that points AWS SDKs at this server with dummy credentials."""
        return {
            "AWS_ENDPOINT_URL_CLOUDFORMATION": self.endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
        }


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def moto_server() -> Iterator[MotoServer]:
    """Run ``python -m moto.server`` on a free port until the block ends."""
    port = free_port()
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_for_port(process, port, log)
            yield MotoServer(f"http://127.0.0.1:{port}")
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_for_port(process: subprocess.Popen[bytes], port: int, log: IO[bytes]) -> None:
    deadline = time.monotonic() + MOTO_START_TIMEOUT_S
    while True:
        if process.poll() is not None:
            log.seek(0)
            raise ToolchainError(f"moto server exited with {process.returncode}: {log.read().decode(errors='replace')[-2000:]}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        if time.monotonic() > deadline:
            raise ToolchainError(f"moto server did not listen on 127.0.0.1:{port} within {MOTO_START_TIMEOUT_S} s")
        time.sleep(0.2)


@pytest.fixture(scope="session")
def moto() -> Iterator[MotoServer]:
    """One moto server per test session, exported as AWS_ENDPOINT_URL_CLOUDFORMATION with dummy credentials."""
    with moto_server() as server, pytest.MonkeyPatch.context() as patch:
        for key, value in server.env().items():
            patch.setenv(key, value)
        yield server


def node_modules(line: str = "osls") -> Path:
    """``tests/node/node_modules`` (osls 4) or ``tests/node-osls3/node_modules``: osls and the plugins of one
    framework line, installed once by ``npm ci --prefix <folder>``."""
    folder = NODE_DIRS[line]
    modules = folder / "node_modules"
    if not (modules / ".bin" / "osls").exists():
        raise ToolchainError(f"{modules} has no osls: run `npm ci --prefix {folder.relative_to(REPO)}` first.")
    return modules


def framework_line(project: Path) -> str:
    """Which toolchain a project pins: ``osls`` when its package.json pins osls 4, else ``osls3`` (osls 3.x pinned,
    or a service slsguard did not generate, such as the adopted ones: written for Serverless v3)."""
    manifest = project / "package.json"
    package = json.loads(manifest.read_text()) if manifest.is_file() else {}
    version = str(package.get("devDependencies", {}).get("osls", ""))
    return "osls" if version.startswith("4.") else "osls3"


def link_node_modules(project: Path) -> None:
    """Give a generated project the shared node_modules of its line (a symlink: no npm install per project)."""
    link = project / "node_modules"
    if link.is_symlink() or link.exists():
        return
    link.symlink_to(node_modules(framework_line(project)), target_is_directory=True)


def package_env(server: MotoServer, cache: Path, home: Path) -> dict[str, str]:
    """The environment ``osls package`` runs in: moto for CloudFormation, its own HOME, a shared pip cache."""
    home.mkdir(parents=True, exist_ok=True)
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SLS_", "SERVERLESS_"))}
    return {
        **keep,
        **server.env(),
        # The generated project's slsguard bridge runs `slsguard audit`: the one installed next to this interpreter.
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{keep.get('PATH', os.defpath)}",
        "HOME": str(home),
        "XDG_CACHE_HOME": str(cache / "xdg"),
        "SLS_TELEMETRY_DISABLED": "1",
        "SLS_NOTIFICATIONS_MODE": "off",
        "SLS_DEPRECATION_DISABLE": "*",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "NODE_NO_WARNINGS": "1",
        "CI": "true",
    }


def run_osls(
    project: Path, server: MotoServer, cache: Path, *args: str, timeout: float = PACKAGE_TIMEOUT_S
) -> subprocess.CompletedProcess[str]:
    """Run the project's osls with ``args`` in the packaging environment; the caller judges the exit code."""
    link_node_modules(project)
    cli = project / "node_modules" / ".bin" / "osls"
    try:
        return subprocess.run(
            [str(cli), *args],
            cwd=project,
            env=package_env(server, cache, cache / f"home-{project.name}"),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as err:
        raise ToolchainError(f"osls {' '.join(args)} in {project.name} took more than {timeout} s") from err


def package(project: Path, server: MotoServer, cache: Path, *, stage: str = "dev", timeout: float = PACKAGE_TIMEOUT_S) -> Path:
    """Run ``osls package --stage <stage>`` in ``project``; returns its ``.serverless`` folder."""
    result = run_osls(project, server, cache, "package", "--stage", stage, timeout=timeout)
    if result.returncode != 0:
        raise ToolchainError(
            f"osls package of {project.name} failed ({result.returncode}):\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        )
    return project / ".serverless"


def compiled_templates(serverless_dir: Path) -> list[Path]:
    """Every CloudFormation template osls wrote: create-stack, update-stack (root) and the nested stacks."""
    return sorted(serverless_dir.glob("cloudformation-template-*.json"))


def deployed_resources(templates: list[Path]) -> dict[str, dict[str, Any]]:
    """Resources of the root and every nested update template, by logical id (create-stack only bootstraps the bucket)."""
    found: dict[str, dict[str, Any]] = {}
    for path in templates:
        if "create-stack" not in path.name:
            found.update(json.loads(path.read_text())["Resources"])
    return found


def package_each(projects: Mapping[str, Path], server: MotoServer, cache: Path) -> dict[str, Path]:
    """``osls package`` every project, two at a time (the machine's cores); each one's ``.serverless`` folder by name."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(projects, pool.map(lambda project: package(project, server, cache), projects.values()), strict=True))


@dataclass(frozen=True)
class LintFinding:
    """One cfn-lint match, printable on one line."""

    rule: str
    severity: str  # error | warning | informational
    file: str
    line: int
    message: str
    path: str = ""  # the template's full path, to tell projects apart when one run lints several

    def __str__(self) -> str:
        return f"{self.file}:{self.line} {self.rule} {self.message}"


def cfn_lint_binary() -> Path:
    """The cfn-lint command installed beside this Python (the project's dev dependency)."""
    beside = Path(sys.executable).with_name("cfn-lint")
    found = beside if beside.exists() else shutil.which("cfn-lint")
    if not found:
        raise ToolchainError("cfn-lint not found: install the dev dependencies (pip install -e '.[dev]').")
    return Path(found)


def cfn_lint(paths: list[Path], regions: tuple[str, ...] = ("us-east-1",), *, timeout: float = SCAN_TIMEOUT_S) -> list[LintFinding]:
    """Run the cfn-lint CLI over every template; all findings (errors, warnings, informational)."""
    command = [str(cfn_lint_binary()), "--format", "json", "--regions", *regions, "--", *map(str, paths)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    try:
        matches = json.loads(result.stdout or "[]")
    except ValueError as err:
        raise ToolchainError(
            f"cfn-lint printed no JSON (exit {result.returncode}): {result.stdout[-2000:]} {result.stderr[-2000:]}"
        ) from err
    return [
        LintFinding(
            m["Rule"]["Id"], m["Level"].lower(), Path(m["Filename"]).name, m["Location"]["Start"]["LineNumber"], m["Message"], m["Filename"]
        )
        for m in matches
    ]


def checkov_binary() -> Path:
    """checkov from env SLSGUARD_CHECKOV, else the repository's isolated ``.venv-checkov``."""
    configured = os.environ.get("SLSGUARD_CHECKOV")
    binary = Path(configured) if configured else CHECKOV_DEFAULT
    if not binary.exists():
        raise ToolchainError(
            f"checkov not found at {binary}: create it with `python3 -m venv .venv-checkov && .venv-checkov/bin/pip install checkov==3.3.30`."
        )
    return binary


@dataclass
class CheckovReport:
    """What checkov said about a set of templates."""

    passed: int = 0
    failed: list[str] = field(default_factory=list)  # "CKV_AWS_x Resource (file): name"
    skipped: list[tuple[str, str, str]] = field(default_factory=list)  # (check id, resource, reason)
    parsing_errors: list[str] = field(default_factory=list)


def checkov(paths: list[Path], *, timeout: float = SCAN_TIMEOUT_S) -> CheckovReport:
    """Scan templates with checkov offline (no download, no mapping fetch); skips come from template Metadata."""
    report = CheckovReport()
    for part in checkov_per_file(paths, timeout=timeout).values():
        report.passed += part.passed
        report.failed += part.failed
        report.skipped += part.skipped
        report.parsing_errors += part.parsing_errors
    return report


def checkov_per_file(paths: list[Path], *, timeout: float = SCAN_TIMEOUT_S) -> dict[Path, CheckovReport]:
    """One checkov process for many templates (its start-up costs more than the scan); a report per file."""
    command = [str(checkov_binary()), "--skip-download", "--framework", "cloudformation", "--output", "json"]
    for path in paths:
        command += ["--file", str(path)]
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "LOG_LEVEL": "ERROR"}
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env)
    try:
        data = json.loads(result.stdout)
    except ValueError as err:
        output = f"{result.stdout[-2000:]} {result.stderr[-2000:]}"
        raise ToolchainError(f"checkov printed no JSON (exit {result.returncode}): {output}") from err
    reports = {Path(path).resolve(): CheckovReport() for path in paths}
    for run in data if isinstance(data, list) else [data]:
        results = run.get("results", {})
        for check in results.get("passed_checks", []):
            reports[Path(check["file_abs_path"]).resolve()].passed += 1
        for check in results.get("failed_checks", []):
            file = Path(check["file_abs_path"]).resolve()
            reports[file].failed.append(f"{check['check_id']} {check['resource']} ({file.name}): {check['check_name']}")
        for check in results.get("skipped_checks", []):
            reason = (check.get("check_result") or {}).get("suppress_comment", "")
            reports[Path(check["file_abs_path"]).resolve()].skipped.append((check["check_id"], check["resource"], reason))
        for error in results.get("parsing_errors", []):
            reports.setdefault(Path(error).resolve(), CheckovReport()).parsing_errors.append(error)
    return reports


def lock_as_template(lock_text: str) -> str:
    """A package-lock.json as the template ships it: the project's own name in place of the toolchain's."""
    lock = json.loads(lock_text)
    lock["name"] = lock["packages"][""]["name"] = "__SLUG__"
    lock["version"] = lock["packages"][""]["version"] = PROJECT_VERSION
    return json.dumps(lock, indent=2).replace('"__SLUG__"', SLUG_PLACEHOLDER) + "\n"


def runtime_python(runtime: str) -> Path:
    """The interpreter of a Lambda runtime (``python3.13`` -> a local CPython 3.13), from pyenv or PATH."""
    version = runtime.removeprefix("python")
    candidates: list[Path] = []
    for root in filter(None, [os.environ.get("PYENV_ROOT", ""), os.path.join(pwd.getpwuid(os.getuid()).pw_dir, ".pyenv")]):
        candidates += sorted(Path(root, "versions").glob(f"{version}*/bin/python{version}"), reverse=True)
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        if directory and "shims" not in Path(directory).parts:  # a pyenv shim may point at no installed version
            candidates.append(Path(directory) / f"python{version}")
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise ToolchainError(f"no CPython {version} found (pyenv or PATH): the zip must be imported by the runtime's own Python version.")


def stand_in_site(target: Path) -> Path:
    """A folder with only what Lambda adds to the path: the runtime's boto3 and the Powertools layer."""
    target.mkdir(parents=True, exist_ok=True)
    for name in LAMBDA_RUNTIME_MODULES + POWERTOOLS_LAYER_MODULES:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            raise ToolchainError(f"{name} is not installed here: it stands in for the Lambda runtime or the Powertools layer.")
        source = Path(spec.origin).parent if spec.submodule_search_locations else Path(spec.origin)
        link = target / source.name
        if not link.exists():
            link.symlink_to(source, target_is_directory=source.is_dir())
    return target


IMPORT_SCRIPT = """
import importlib, json, sys
root, site, modules = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
sys.path[:0] = [root, site]  # what Lambda puts first: the code root (/var/task), then the layers (/opt/python)
loaded = {}
for name in modules:
    module_name, _, attribute = name.partition(":")
    module = importlib.import_module(module_name)
    if attribute and not callable(getattr(module, attribute, None)):
        raise SystemExit(f"{module_name}.{attribute} is not callable")
    loaded[name] = getattr(module, "__file__", "")
print(json.dumps(loaded))
"""


def import_from_zip(
    artifact: Path, unpack_to: Path, modules: list[str], runtime: str, env: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Import ``module[:callable]`` names from an unzipped artifact with the runtime's Python, isolated.

    ``-I -S``: no PYTHONPATH, no user or system site-packages, no current directory; only the zip root
    and the stand-in for the runtime's boto3 and the Powertools layer. Returns each module's file.
    """
    unpack_to.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(artifact) as archive:
        archive.extractall(unpack_to)
    site = stand_in_site(unpack_to.parent / f"{unpack_to.name}-site")
    python = runtime_python(runtime)
    result = subprocess.run(
        [str(python), "-I", "-S", "-c", IMPORT_SCRIPT, str(unpack_to), str(site), json.dumps(modules)],
        cwd=unpack_to,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "LAMBDA_TASK_ROOT": str(unpack_to), **(env or {})},
    )
    if result.returncode != 0:
        raise ToolchainError(f"importing {modules} from {artifact.name} with {python} failed:\n{result.stderr[-4000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def shared_objects(artifact: Path) -> dict[str, int]:
    """ELF machine code of every shared object in a zip (62 = x86_64, 183 = aarch64)."""
    machines = {}
    with zipfile.ZipFile(artifact) as archive:
        for info in archive.infolist():
            if ".so" not in Path(info.filename).name:
                continue
            header = archive.open(info).read(20)
            if header[:4] == b"\x7fELF":
                machines[info.filename] = int.from_bytes(header[18:20], "little")
    return machines


def host_architecture() -> str:
    """This machine's CPU in Lambda's words (x86_64 or arm64)."""
    return {"aarch64": "arm64", "arm64": "arm64"}.get(os.uname().machine, os.uname().machine)


def scanner_path() -> list[Path]:
    """The folders holding cfn-lint and checkov: what a generated project's ``npm run scan`` needs on PATH."""
    return [cfn_lint_binary().parent, checkov_binary().parent]
