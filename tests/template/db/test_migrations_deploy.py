"""Deploy-time migrations wired into generated projects: the rails plugin's MigrationsHash equals what
``python -m <package>.migrate --hash`` prints, and real ``osls package`` runs compile the migrate function, its
Custom::Migrations resource and the api/worker waiting for it, with the audit and ``npm run scan`` clean.
"""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest

from generator import new_project as new
from tests.support.migrations import runner
from tests.support.projects import clean_env, run_npm_script
from tests.support.toolchain import MotoServer, moto, package, scanner_path  # noqa: F401  (moto: session fixture)

DATA_API = {
    "postgres": {"database": "postgres", "database_access": "data-api"},
    "mysql": {"database": "mysql", "database_access": "data-api"},
}
HASH_JS = "process.stdout.write(require('./.serverless_plugins/rails/rails/migrations').migrationsHash(process.argv[1]))"


def python_hash(project: Path, folder: Path | None = None) -> str:
    """The hash the runner prints: the value a deploy must carry."""
    args = ("--hash", "--dir", str(folder)) if folder else ("--hash",)
    result = subprocess.run(runner(project, *args), cwd=project, env=clean_env(), capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def node_hash(project: Path, folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["node", "-e", HASH_JS, str(folder)], cwd=project, capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def postgres_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return new({**DATA_API["postgres"], "project_name": "Hash pg"}, tmp_path_factory.mktemp("hash"))


@pytest.mark.parametrize(
    "files",
    [
        {},
        {"0001_create_items.sql": "CREATE TABLE items (id int);\n"},
        {"0002_b.sql": "SELECT 'é';\r\n", "0001_a.sql": "SELECT 1;", "0010_c.sql": "", "notes.txt": "ignored", "x.SQL": "ignored"},
        {"0001_a.sql": b"\x00\xff binary \xfe".decode("latin-1")},
    ],
    ids=["empty", "one", "several-unordered", "odd-bytes"],
)
def test_the_plugin_hash_equals_the_runner_hash(postgres_project: Path, tmp_path: Path, files: dict[str, str]) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_bytes(text.encode("latin-1" if "binary" in text else "utf-8"))
    result = node_hash(postgres_project, folder)
    assert result.returncode == 0, result.stderr
    assert result.stdout == python_hash(postgres_project, folder)


@pytest.mark.parametrize(("name", "said"), [("1_a.sql", "NNNN_what.sql"), ("0001_b.sql", "share the number 0001")])
def test_the_plugin_refuses_what_the_runner_refuses(postgres_project: Path, tmp_path: Path, name: str, said: str) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "0001_a.sql").write_text("SELECT 1;")
    (folder / name).write_text("SELECT 2;")
    result = node_hash(postgres_project, folder)
    assert result.returncode != 0 and said in result.stderr
    refused = subprocess.run(
        runner(postgres_project, "--hash", "--dir", str(folder)), cwd=postgres_project, env=clean_env(), capture_output=True, text=True
    )
    assert refused.returncode == 2 and said in refused.stderr


# ---- real `osls package` (slow) ----------------------------------------------------------------------------------


def _resources(project: Path) -> dict[str, Any]:
    template = json.loads((project / ".serverless" / "cloudformation-template-update-stack.json").read_text())
    return template["Resources"]


@pytest.fixture(scope="module")
def packaged(moto: MotoServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:  # noqa: F811
    root = tmp_path_factory.mktemp("migrations-deploy")
    projects = {}
    for engine, answers in DATA_API.items():
        project = new({**answers, "project_name": f"Deploy {engine}"}, root / engine)
        package(project, moto, root / "cache")  # the package-time audit runs inside: a finding fails here
        projects[engine] = project
    return projects


@pytest.mark.slow
@pytest.mark.parametrize("engine", list(DATA_API))
def test_the_compiled_template_runs_the_migrations_before_the_code(packaged: dict[str, Path], engine: str) -> None:
    project = packaged[engine]
    r = _resources(project)
    migrations = r["Migrations"]
    assert migrations["Type"] == "Custom::Migrations"
    assert migrations["Properties"]["MigrationsHash"] == python_hash(project)
    assert migrations["Properties"]["ServiceToken"] == {"Fn::GetAtt": ["MigrateLambdaFunction", "Arn"]}
    assert migrations["Properties"]["ServiceTimeout"] > r["MigrateLambdaFunction"]["Properties"]["Timeout"]
    fn = r["MigrateLambdaFunction"]["Properties"]
    assert fn["Handler"].endswith("/migrate_resource.handler") and fn["ReservedConcurrentExecutions"] == 1
    assert fn["Role"] == {"Fn::GetAtt": ["MigrateIamRole", "Arn"]}
    actions = {a for s in r["MigrateIamRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"] for a in s["Action"]}
    assert {"secretsmanager:GetSecretValue", "rds-data:ExecuteStatement", "rds-data:BeginTransaction"} <= actions
    for name in ("ApiLambdaFunction", "WorkerLambdaFunction"):
        assert "Migrations" in r[name]["DependsOn"], name
    assert "Migrations" not in r["MigrateLambdaFunction"].get("DependsOn", [])
    artifact = next(p for p in (project / ".serverless").glob("*.zip") if not p.name.startswith("warmUp"))
    assert f"migrations/{engine}/0001_create_items.sql" in zipfile.ZipFile(artifact).namelist()


@pytest.mark.slow
@pytest.mark.parametrize("engine", list(DATA_API))
def test_npm_run_scan_is_clean(packaged: dict[str, Path], engine: str) -> None:
    result = run_npm_script(packaged[engine], "scan", path=scanner_path())
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


@pytest.mark.slow
def test_a_changed_migration_changes_the_hash_in_the_next_package(
    packaged: dict[str, Path],
    moto: MotoServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    project = packaged["postgres"]
    before = _resources(project)["Migrations"]["Properties"]["MigrationsHash"]
    sql = project / "migrations" / "postgres" / "0002_add_price.sql"
    sql.write_text("ALTER TABLE items ADD COLUMN price numeric(10, 2);\n")
    try:
        package(project, moto, tmp_path / "cache")
        after = _resources(project)["Migrations"]["Properties"]["MigrationsHash"]
        expected = python_hash(project)
    finally:
        sql.unlink()
    assert after != before
    assert after == expected
