"""The Data API path of the generated db module, two ways.

* Against data-api-local (npm, in tests/data_api_local), a Data API emulator in front of the real test
  PostgreSQL: SQL really runs, so placeholders, parameter types, result types and transactions are proven
  end to end. The emulator deviates from AWS in ways these tests avoid relying on: it reports
  numberOfRecordsUpdated for UPDATE only, sends timestamps as ISO 8601 with a Z and dates as a quoted
  JavaScript timestamp, and leaves the SQLState out of error messages.
* Against the rds-data client's documented request and response shapes (botocore Stubber) for what the
  emulator cannot show: AWS's error messages with SQLState, the MySQL flavour, a resuming cluster,
  and configuration errors.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from decimal import Decimal

import boto3
import pytest
from botocore.stub import Stubber

from tests.support.data_api import AWS_ENV, CLUSTER, SECRET
from tests.support.databases import load_db


@pytest.fixture
def api_db(render_db, monkeypatch: pytest.MonkeyPatch):
    """``make(engine)``: a fresh Data API db module (one container); the caller points it somewhere."""

    def _make(engine: str = "postgres", **env: str):
        for key, value in {**AWS_ENV, "DB_ENGINE": engine, "DB_ACCESS": "data-api", "DB_CLUSTER_ARN": CLUSTER,
                           "DB_SECRET_ARN": SECRET, "DB_NAME": "app", **env}.items():  # fmt: skip
            monkeypatch.setenv(key, value)
        for key in ("DB_HOST", "DB_USER", "DB_PASSWORD"):
            monkeypatch.delenv(key, raising=False)
        return load_db(render_db(engine, "data-api"), f"slsguard_data_api_{engine}_{uuid.uuid4().hex[:8]}")

    return _make


# -- end to end, through the emulator -------------------------------------------------------------------


def test_statements_parameters_and_types_round_trip(emulator, api_db):
    db = api_db(AWS_ENDPOINT_URL_RDS_DATA=emulator)
    db.execute("DROP TABLE IF EXISTS api_items")
    db.execute(
        "CREATE TABLE api_items (id int PRIMARY KEY, name text, price numeric(10,2), at timestamp, day date,"
        " doc jsonb, ref uuid, ok boolean, note text)"
    )
    ref = uuid.uuid4()
    db.execute(
        "INSERT INTO api_items VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
        [1, "pen", Decimal("9.50"), dt.datetime(2026, 1, 2, 3, 4, 5), dt.date(2026, 1, 2), {"tags": ["a"]}, ref, True, None],
    )
    db.execute("INSERT INTO api_items (id, name) VALUES (%(id)s, %(name)s)", {"id": 2, "name": "100% cotton"})
    sql = "SELECT id, name, price, day = %s AS same_day, doc, ref, ok, note FROM api_items WHERE id = %s"
    rows = db.query(sql, [dt.date(2026, 1, 2), 1])
    expected = {
        "id": 1,
        "name": "pen",
        "price": Decimal("9.50"),
        "same_day": True,
        "doc": {"tags": ["a"]},
        "ref": ref,
        "ok": True,
        "note": None,
    }
    assert rows == [expected]
    (at,) = db.query("SELECT at FROM api_items WHERE id = 1")
    assert at["at"].replace(tzinfo=None) == dt.datetime(2026, 1, 2, 3, 4, 5)
    assert db.query("SELECT name FROM api_items WHERE name LIKE '%%cotton'") == [{"name": "100% cotton"}]
    assert db.execute("UPDATE api_items SET ok = %s", [False]) == 2


def test_transactions_commit_roll_back_and_nest(emulator, api_db):
    db = api_db(AWS_ENDPOINT_URL_RDS_DATA=emulator)
    db.execute("DROP TABLE IF EXISTS api_tx")
    db.execute("CREATE TABLE api_tx (id int PRIMARY KEY)")
    with db.transaction():
        db.execute("INSERT INTO api_tx VALUES (%s)", [1])
        with pytest.raises(db.QueryError), db.transaction():
            db.execute("INSERT INTO api_tx VALUES (%s)", [2])
            db.execute("INSERT INTO api_tx VALUES (%s)", [1])  # duplicate: only the savepoint is undone
    with pytest.raises(RuntimeError), db.transaction():
        db.execute("INSERT INTO api_tx VALUES (%s)", [3])
        raise RuntimeError("handler failed")
    assert db.query("SELECT id FROM api_tx ORDER BY id") == [{"id": 1}]


def test_a_rejected_statement_is_a_query_error(emulator, api_db):
    db = api_db(AWS_ENDPOINT_URL_RDS_DATA=emulator)
    with pytest.raises(db.QueryError, match="syntax error"):
        db.query("SELEC 1")


# -- documented shapes, through botocore's Stubber ------------------------------------------------------


@pytest.fixture
def stubbed(api_db):
    """``make(engine)``: a db module whose rds-data client is stubbed; every queued response must be used."""
    made = []

    def _make(engine: str = "postgres"):
        db = api_db(engine)
        client = boto3.client("rds-data", region_name="us-east-1")
        stubber = Stubber(client)
        stubber.activate()
        db._get().client = client
        made.append(stubber)
        return db, stubber

    yield _make
    for stubber in made:
        stubber.assert_no_pending_responses()


def request(sql: str, **extra):
    return {"resourceArn": CLUSTER, "secretArn": SECRET, "database": "app", "sql": sql, "includeResultMetadata": True, **extra}


def test_every_python_type_becomes_the_documented_parameter(stubbed):
    db, stub = stubbed()
    when = dt.datetime(2026, 1, 2, 3, 4, 5, 600000, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    stub.add_response(
        "execute_statement",
        {"numberOfRecordsUpdated": 1},
        request(
            "INSERT INTO t VALUES (:p1, :p2, :p3, :p4, :p5, :p6, :p7, :p8, :p9)",
            parameters=[
                {"name": "p1", "value": {"longValue": 2**40}},
                {"name": "p2", "value": {"stringValue": str(2**70)}, "typeHint": "DECIMAL"},
                {"name": "p3", "value": {"doubleValue": 1.5}},
                {"name": "p4", "value": {"blobValue": b"\x00\x01"}},
                {"name": "p5", "value": {"stringValue": "2026-01-02 01:04:05.600000"}, "typeHint": "TIMESTAMP"},
                {"name": "p6", "value": {"stringValue": "2026-01-02"}, "typeHint": "DATE"},
                {"name": "p7", "value": {"stringValue": "03:04:05"}, "typeHint": "TIME"},
                {"name": "p8", "value": {"stringValue": "[1, 2]"}, "typeHint": "JSON"},
                {"name": "p9", "value": {"booleanValue": False}},
            ],
        ),
    )
    values = [2**40, 2**70, 1.5, b"\x00\x01", when, dt.date(2026, 1, 2), dt.time(3, 4, 5), [1, 2], False]
    assert db.execute("INSERT INTO t VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)", values) == 1


def test_placeholder_mistakes_are_named_before_any_call(stubbed):
    db, _ = stubbed()
    with pytest.raises(db.QueryError, match="2 parameters for 1"):
        db.query("SELECT %s", [1, 2])
    with pytest.raises(db.QueryError, match=r"%\(b\)s has no parameter"):
        db.query("SELECT %(a)s, %(b)s", {"a": 1})
    with pytest.raises(db.QueryError, match="parameter p1: set is not supported"):
        db.query("SELECT %s", [{1}])


@pytest.mark.parametrize(
    ("engine", "message", "code"),
    [
        (
            "postgres",
            'ERROR: duplicate key value violates unique constraint "t_pkey"\n  Detail: Key (id)=(1) already exists.; SQLState: 23505',
            "23505",
        ),
        ("mysql", "Duplicate entry '1' for key 'PRIMARY'; Error code: 1062; SQLState: 23000", "23000"),
    ],
    ids=["postgres", "mysql"],
)
def test_constraint_violations_are_integrity_errors_on_both_engines(stubbed, engine, message, code):
    db, stub = stubbed(engine)
    stub.add_client_error("execute_statement", service_error_code="DatabaseErrorException", service_message=message, http_status_code=400)
    with pytest.raises(db.IntegrityError) as info:
        db.execute("INSERT INTO t VALUES (1)")
    assert info.value.code == code


def test_a_paused_cluster_is_retried_within_the_budget(stubbed):
    db, stub = stubbed()
    stub.add_client_error(
        "execute_statement", service_error_code="DatabaseResumingException", service_message="resuming", http_status_code=400
    )
    stub.add_response("execute_statement", {"columnMetadata": [{"name": "one", "typeName": "int4"}], "records": [[{"longValue": 1}]]})
    db.set_deadline(5)
    assert db.query("SELECT 1 AS one") == [{"one": 1}]
    assert db.stats()["retries"] == 1


def test_a_cluster_that_stays_unavailable_gives_up_at_the_deadline(stubbed):
    db, stub = stubbed()
    for _ in range(200):
        stub.add_client_error(
            "execute_statement", service_error_code="DatabaseUnavailableException", service_message="down", http_status_code=504
        )
    db.set_deadline(0.5)
    with pytest.raises(db.Unavailable):
        db.query("SELECT 1")
    stub._queue.clear()  # the deadline, not the queue, ended the retries


@pytest.mark.parametrize(
    ("error", "expected", "hint"),
    [
        ("StatementTimeoutException", "QueryTimeout", "StatementTimeoutException"),
        ("AccessDeniedException", "ConfigurationError", "role"),
        ("HttpEndpointNotEnabledException", "ConfigurationError", "Data API"),
        ("DatabaseNotFoundException", "ConfigurationError", "DB_NAME"),
        ("TransactionNotFoundException", "Unavailable", "TransactionNotFoundException"),
    ],
)
def test_service_errors_map_to_the_db_errors(stubbed, error, expected, hint):
    db, stub = stubbed()
    stub.add_client_error("execute_statement", service_error_code=error, service_message="from the service", http_status_code=400)
    with pytest.raises(getattr(db, expected), match=hint):
        db.query("SELECT 1")


def test_end_rolls_back_a_transaction_the_handler_left_open(stubbed, caplog):
    db, stub = stubbed()
    ids = {"resourceArn": CLUSTER, "secretArn": SECRET}
    stub.add_response("begin_transaction", {"transactionId": "tx-9"}, {**ids, "database": "app"})
    stub.add_response("rollback_transaction", {"transactionStatus": "Rollback Complete"}, {**ids, "transactionId": "tx-9"})
    transaction = db.transaction()
    transaction.__enter__()  # the handler returned without leaving the block (a bug end() must contain)
    with caplog.at_level(logging.WARNING):
        db.end()
    stub.assert_no_pending_responses()  # the rollback was sent, for tx-9
    [warning] = [r for r in caplog.records if getattr(r, "db_event", None) == "rollback"]
    assert (warning.levelno, warning.reason) == (logging.WARNING, "the invocation ended inside a transaction")
    # the next invocation starts outside any transaction: its statement carries no transactionId
    stub.add_response(
        "execute_statement",
        {"columnMetadata": [{"name": "one", "typeName": "int4"}], "records": [[{"longValue": 1}]]},
        request("SELECT 1 AS one"),
    )
    assert db.query("SELECT 1 AS one") == [{"one": 1}]


def test_missing_cluster_arn_is_a_configuration_error(api_db, monkeypatch):
    db = api_db()
    monkeypatch.delenv("DB_CLUSTER_ARN")
    with pytest.raises(db.ConfigurationError, match="DB_CLUSTER_ARN"):
        db.query("SELECT 1")
