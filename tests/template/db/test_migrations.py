"""The generated migration runner against real MariaDB and PostgreSQL, and through the Data API emulator.

Each test starts from a fresh, empty database (a first deploy). The runner runs as a user runs it: its own
command line in the project folder, one process per run, so "two at once" is two real processes.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.data_api import AWS_ENV, CLUSTER, SECRET
from tests.support.migrations import SLEEP, applied_by, fresh_database, migrate, migrations_copy, recorded, rows, runner, tables
from tests.support.projects import clean_env

ITEMS_INSERT = "INSERT INTO items (name) VALUES ('first')"


def project_of(render_db, engine: str, access: str = "direct") -> Path:
    return render_db(engine, access).parent.parent


def direct_env(server, database: str) -> dict[str, str]:
    return {**server.env(), "DB_NAME": database}


def data_api_env(endpoint: str, database: str) -> dict[str, str]:
    return {**AWS_ENV, "DB_ENGINE": "postgres", "DB_ACCESS": "data-api", "DB_CLUSTER_ARN": CLUSTER, "DB_SECRET_ARN": SECRET,
            "DB_NAME": database, "AWS_ENDPOINT_URL_RDS_DATA": endpoint}  # fmt: skip


@pytest.fixture(params=[("mysql", "direct"), ("postgres", "direct"), ("postgres", "data-api")], ids=lambda p: f"{p[0]}-{p[1]}")
def target(request, render_db):
    """(server, project, env, database) for one engine and access path, on a fresh database.

    The Data API path runs on PostgreSQL: data-api-local emulates only that flavour (MySQL: docs/migrations.md).
    """
    engine, access = request.param
    server = request.getfixturevalue("mariadb_server" if engine == "mysql" else "postgres_server")
    database = fresh_database(server)
    env = data_api_env(request.getfixturevalue("emulator"), database) if access == "data-api" else direct_env(server, database)
    return server, project_of(render_db, engine, access), env, database


def test_twice_in_a_row_the_second_run_is_a_no_op(target):
    server, project, env, database = target
    first = migrate(project, env)
    assert first.returncode == 0, first.stderr
    assert applied_by(first.stdout) == {"0001_create_items.sql"}
    assert {"items", "schema_migrations"} <= tables(server, database)
    rows(server, database, ITEMS_INSERT)  # the table the generated handlers use, as they use it
    listed = migrate(project, env, "--status")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.startswith("0001_create_items.sql  20")  # applied_at, not "pending"
    before = rows(server, database, "SELECT name, applied_at FROM schema_migrations")

    second = migrate(project, env)
    assert second.returncode == 0, second.stderr
    assert applied_by(second.stdout) == set()
    assert "0 applied (none), 1 already applied" in second.stdout
    assert rows(server, database, "SELECT name, applied_at FROM schema_migrations") == before
    assert rows(server, database, "SELECT name FROM items") == [("first",)]


# One Lambda environment: the generated handlers with their own sample events, on the migrated database.
HANDLERS = """
import json, sys, time
from pathlib import Path

class Context:
    function_name = "shop-dev-api"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:shop-dev-api"
    aws_request_id = "request-1"
    def get_remaining_time_in_millis(self):
        return 10_000

api = __import__(sys.argv[1] + ".api", fromlist=["handler"])
worker = __import__(sys.argv[1] + ".worker", fromlist=["handler"])
event = lambda name: json.loads(Path("tests/events", name + ".json").read_text())
created = api.handler(event("http_post_item"), Context())
failures = worker.handler(event("sqs_batch"), Context())["batchItemFailures"]
listed = api.handler(event("http_get_items"), Context())
print(json.dumps([created["statusCode"], len(failures), listed["statusCode"], json.loads(listed["body"])["items"]]))
"""


def test_the_first_migration_creates_what_the_generated_handlers_use(target):
    _server, project, env, _database = target
    assert migrate(project, env).returncode == 0
    package = project.name.replace("-", "_")
    result = subprocess.run([sys.executable, "-c", HANDLERS, package], cwd=project, env=clean_env(**env),
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    created, failed, listed, items = json.loads(result.stdout.strip().splitlines()[-1])
    assert (created, failed, listed) == (201, 1, 200)  # one malformed message in the sample batch
    assert sorted(item["name"] for item in items) == ["another", "from the queue", "second item"]


def test_two_runs_at_once_on_a_fresh_database_apply_each_file_once(target, tmp_path):
    server, project, env, database = target
    engine = server.engine
    folder = migrations_copy(project, engine, tmp_path / "migrations", {
        "0002_runs.sql": f"CREATE TABLE runs (n int);\nINSERT INTO runs VALUES (1);\n{SLEEP[engine]};\n",
        "0003_more_runs.sql": "INSERT INTO runs VALUES (2);\n",
    })  # fmt: skip
    command = runner(project, "--dir", str(folder))
    both = [subprocess.Popen(command, cwd=project, env=clean_env(**env), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)]  # fmt: skip
    outputs = [process.communicate(timeout=120) for process in both]
    for process, (_out, err) in zip(both, outputs, strict=True):
        assert process.returncode == 0, err
    first, second = (applied_by(out) for out, _err in outputs)
    assert first | second == {"0001_create_items.sql", "0002_runs.sql", "0003_more_runs.sql"}
    assert not first & second  # each file applied by exactly one of the runs
    assert rows(server, database, "SELECT n FROM runs ORDER BY n") == [(1,), (2,)]
    assert [name for name, _ in recorded(server, database)] == ["0001_create_items.sql", "0002_runs.sql", "0003_more_runs.sql"]


def test_a_failing_file_stops_the_run_and_the_table_says_what_was_applied(target, tmp_path):
    server, project, env, database = target
    folder = migrations_copy(project, server.engine, tmp_path / "migrations", {
        "0002_broken.sql": "CREATE TABLE half (id int);\n\nINSERT INTO no_such_table VALUES (1);\n",
        "0003_after.sql": "CREATE TABLE after_broken (id int);\n",
    })  # fmt: skip
    result = migrate(project, env, "--dir", str(folder))
    assert result.returncode == 1
    assert "0002_broken.sql: statement 2 (line 3) failed" in result.stderr
    assert "Traceback" not in result.stderr
    assert [name for name, _ in recorded(server, database)] == ["0001_create_items.sql"]
    present = tables(server, database)
    assert "after_broken" not in present  # the run stopped at the failing file
    # PostgreSQL undid the whole file; MySQL had committed its CREATE TABLE implicitly (README: how to recover).
    assert ("half" in present) == (server.engine == "mysql")

    (folder / "0002_broken.sql").write_text("CREATE TABLE IF NOT EXISTS half (id int);\n")  # fixed, as the README says
    again = migrate(project, env, "--dir", str(folder))
    assert again.returncode == 0, again.stderr
    assert applied_by(again.stdout) == {"0002_broken.sql", "0003_after.sql"}


def test_a_changed_applied_file_is_an_error_naming_it(db_server, render_db, tmp_path):
    database = fresh_database(db_server)
    env = direct_env(db_server, database)
    project = project_of(render_db, db_server.engine)
    folder = migrations_copy(project, db_server.engine, tmp_path / "migrations", {"0002_more.sql": "CREATE TABLE more (id int);\n"})
    assert migrate(project, env, "--dir", str(folder)).returncode == 0
    (folder / "0001_create_items.sql").write_text((folder / "0001_create_items.sql").read_text() + "\n-- edited\n")
    (folder / "0003_new.sql").write_text("CREATE TABLE newer (id int);\n")
    result = migrate(project, env, "--dir", str(folder))
    assert result.returncode == 1
    assert "0001_create_items.sql changed after it was applied" in result.stderr
    assert "newer" not in tables(db_server, database)  # nothing ran


def test_npm_run_migrate_reads_the_env_file(db_server, render_db, tmp_path):
    """The README's command: `npm run migrate` with DB_* in .env (python3 on PATH is the project's venv)."""
    database = fresh_database(db_server)
    project = project_of(render_db, db_server.engine)
    example = (project / ".env.example").read_text()
    assert f"DB_ENGINE={db_server.engine}" in example
    env_file = "\n".join(f"{key}={value}" for key, value in direct_env(db_server, database).items())
    (project / ".env").write_text(f"# local\n{env_file}\n")
    try:
        path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
        result = subprocess.run(["npm", "run", "--silent", "migrate"], cwd=project, env=clean_env(PATH=path),
                                capture_output=True, text=True, timeout=120)  # fmt: skip
    finally:
        (project / ".env").unlink()
    assert result.returncode == 0, result.stderr
    assert applied_by(result.stdout) == {"0001_create_items.sql"}
    assert "items" in tables(db_server, database)


def test_bad_setup_is_one_line_and_exit_2(db_server, render_db, tmp_path):
    project = project_of(render_db, db_server.engine)
    (tmp_path / "1_first.sql").write_text("SELECT 1;\n")
    result = migrate(project, direct_env(db_server, "unused"), "--dir", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"migrate: 1_first.sql in {tmp_path}: name migrations NNNN_what.sql (4 digits, lower case, underscores)"
    ]


@pytest.mark.parametrize("engine", ["postgres", "mysql"])
def test_files_split_into_statements_with_their_line(engine, render_db, monkeypatch):
    """One statement per call on every path: ';' inside quotes, comments, $$ bodies or DELIMITER blocks stays."""
    project = project_of(render_db, engine)
    monkeypatch.syspath_prepend(str(project))
    split = importlib.import_module(f"{project.name.replace('-', '_')}.sqlsplit").split
    common = "-- header; not a statement\nCREATE TABLE t (a text DEFAULT 'x;''y');\n/* ; */\n\nINSERT INTO t VALUES ('1');\n"
    assert split(common, engine) == [(2, "CREATE TABLE t (a text DEFAULT 'x;''y')"), (5, "INSERT INTO t VALUES ('1')")]
    if engine == "postgres":
        body = 'CREATE FUNCTION f() RETURNS int AS $fn$ SELECT 1; $fn$ LANGUAGE sql;\nSELECT "a;b" FROM t;'
        assert split(body, engine) == [
            (1, "CREATE FUNCTION f() RETURNS int AS $fn$ SELECT 1; $fn$ LANGUAGE sql"),
            (2, 'SELECT "a;b" FROM t'),
        ]
    else:
        body = "DELIMITER //\nCREATE PROCEDURE p() BEGIN SELECT 1; SELECT 'a\\';'; END //\nDELIMITER ;\nSELECT `a;b` FROM t;"
        assert split(body, engine) == [(2, "CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 'a\\';'; END"), (4, "SELECT `a;b` FROM t")]


@pytest.mark.parametrize("database", ["none", "postgres", "mysql"])
def test_the_hook_keeps_migrations_only_for_the_chosen_engine(database, generate):
    project = generate(project_name=f"hook {database}", database=database)
    package = project / project.name.replace("-", "_")
    kept = sorted(str(p.relative_to(project)) for p in (project / "migrations").rglob("*")) if database != "none" else []
    assert kept == ([] if database == "none" else [f"migrations/{database}", f"migrations/{database}/0001_create_items.sql"])
    for path in (package / "migrate.py", package / "migrate_resource.py", package / "sqlsplit.py", project / ".env.example"):
        assert path.exists() == (database != "none"), path
    assert ('"migrate":' in (project / "package.json").read_text()) == (database != "none")
    assert not (project / "migrations").exists() or database != "none"


def test_mysql_through_the_data_api_keeps_each_file_and_its_lock_in_one_transaction(render_db, monkeypatch, tmp_path):
    """data-api-local speaks PostgreSQL only: check the calls against rds-data's documented shapes (botocore Stubber).

    Every statement of a file, the GET_LOCK before it and the RELEASE_LOCK after it carry the file's
    transactionId: the only way the Data API keeps one session (and so one named lock) across calls.
    """
    import boto3
    from botocore.stub import Stubber

    project = project_of(render_db, "mysql", "data-api")
    for key, value in {**data_api_env("", "app"), "DB_ENGINE": "mysql"}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL_RDS_DATA")
    monkeypatch.syspath_prepend(str(project))
    package = project.name.replace("-", "_")
    migrate_module = importlib.import_module(f"{package}.migrate")
    db = importlib.import_module(f"{package}.db")
    client = boto3.client("rds-data", region_name="us-east-1")
    db._get().client = client
    folder = migrations_copy(project, "mysql", tmp_path / "migrations")
    first = migrate_module.load(folder)[0]
    lock = "SELECT GET_LOCK(CONCAT(:p1, DATABASE()), 1) AS got"
    release = "SELECT RELEASE_LOCK(CONCAT(:p1, DATABASE())) AS released"
    prefix = [{"name": "p1", "value": {"stringValue": "slsguard_migrations."}}]

    def call(sql: str, tx: str, records: list | None = None, label: str = "x", parameters: list | None = None):
        response = {"records": records or [], "columnMetadata": [{"label": label, "typeName": "BIGINT"}] if records else []}
        params = {"resourceArn": CLUSTER, "secretArn": SECRET, "database": "app", "sql": sql, "includeResultMetadata": True,
                  "transactionId": tx, **({"parameters": parameters} if parameters else {})}  # fmt: skip
        stubber.add_response("execute_statement", response, params)

    def locked(tx: str, body: list) -> None:
        stubber.add_response("begin_transaction", {"transactionId": tx}, {"resourceArn": CLUSTER, "secretArn": SECRET, "database": "app"})
        call(lock, tx, [[{"longValue": 1}]], "got", prefix)
        for args in body:
            call(*args)
        call(release, tx, [[{"longValue": 1}]], "released", prefix)
        stubber.add_response("commit_transaction", {"transactionStatus": "Transaction Committed"},
                             {"resourceArn": CLUSTER, "secretArn": SECRET, "transactionId": tx})  # fmt: skip

    with Stubber(client) as stubber:
        locked("tx-table", [(migrate_module.CREATE_TABLE["mysql"], "tx-table")])
        stubber.add_response("execute_statement", {"records": [], "columnMetadata": []})  # what is recorded: nothing yet
        statement = migrate_module.split(first.path.read_text(), "mysql")[0][1]
        check = "SELECT checksum FROM schema_migrations WHERE name = :p1 FOR UPDATE"
        mine = "SELECT IS_USED_LOCK(CONCAT(:p1, DATABASE())) = CONNECTION_ID() AS mine"
        insert = "INSERT INTO schema_migrations (name, checksum) VALUES (:p1, :p2)"
        name = [{"name": "p1", "value": {"stringValue": first.name}}]
        locked("tx-0001", [
            (check, "tx-0001", None, "x", name),
            (statement, "tx-0001"),
            (mine, "tx-0001", [[{"longValue": 1}]], "mine", prefix),
            (insert, "tx-0001", None, "x", [*name, {"name": "p2", "value": {"stringValue": first.checksum}}]),
        ])  # fmt: skip
        result = migrate_module.run(folder, timeout_s=30)
        stubber.assert_no_pending_responses()
    assert result.applied == [first.name]
