{% if cookiecutter.database_access == "data-api" -%}
"""The db module against the RDS Data API's documented request and response shapes (botocore Stubber: no AWS call)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import boto3
import pytest
from botocore.stub import Stubber

from {{ cookiecutter.package_name }} import db
from {{ cookiecutter.package_name }}.db import _data_api

CLUSTER = "arn:aws:rds:{{ cookiecutter.aws_region }}:123456789012:cluster:app"
SECRET = "arn:aws:secretsmanager:{{ cookiecutter.aws_region }}:123456789012:secret:app-AbCdEf"
BASE = {"resourceArn": CLUSTER, "secretArn": SECRET, "database": "app"}


@pytest.fixture
def stub(monkeypatch):
    """A stubbed rds-data client in place of the real one; every expected call must happen."""
    monkeypatch.setenv("DB_ACCESS", "data-api")
    monkeypatch.setenv("DB_CLUSTER_ARN", CLUSTER)
    monkeypatch.setenv("DB_SECRET_ARN", SECRET)
    monkeypatch.setenv("DB_NAME", "app")
    monkeypatch.setattr(db, "_client", None)
    client = boto3.client("rds-data", region_name="{{ cookiecutter.aws_region }}", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stubber:
        db._get().client = client  # the module makes its boto3 client on first use: hand it the stubbed one
        yield stubber
        stubber.assert_no_pending_responses()
    db.end()


def test_query_converts_placeholders_parameters_and_columns(stub):
    stub.add_response(
        "execute_statement",
        {
            "columnMetadata": [
                {"name": "id", "typeName": "int4"},
                {"name": "price", "typeName": "numeric"},
                {"name": "at", "typeName": "timestamp"},
            ],
            "records": [[{"longValue": 7}, {"stringValue": "9.50"}, {"stringValue": "2026-01-02 03:04:05.678"}]],
        },
        {
            **BASE,
            "sql": "SELECT id, price, at FROM items WHERE name = :p1 AND price > :p2",
            "includeResultMetadata": True,
            "parameters": [
                {"name": "p1", "value": {"stringValue": "pen"}},
                {"name": "p2", "value": {"stringValue": "1.5"}, "typeHint": "DECIMAL"},
            ],
        },
    )
    rows = db.query("SELECT id, price, at FROM items WHERE name = %s AND price > %s", ["pen", Decimal("1.5")])
    assert rows == [{"id": 7, "price": Decimal("9.50"), "at": dt.datetime(2026, 1, 2, 3, 4, 5, 678000)}]


def test_execute_returns_the_updated_count_inside_a_transaction(stub):
    stub.add_response("begin_transaction", {"transactionId": "tx-1"}, {"resourceArn": CLUSTER, "secretArn": SECRET, "database": "app"})
    stub.add_response(
        "execute_statement",
        {"numberOfRecordsUpdated": 2},
        {**BASE, "sql": "UPDATE items SET name = :name", "includeResultMetadata": True, "transactionId": "tx-1",
         "parameters": [{"name": "name", "value": {"isNull": True}}]},
    )  # fmt: skip
    stub.add_response(
        "commit_transaction",
        {"transactionStatus": "Transaction Committed"},
        {"resourceArn": CLUSTER, "secretArn": SECRET, "transactionId": "tx-1"},
    )
    with db.transaction():
        assert db.execute("UPDATE items SET name = %(name)s", {"name": None}) == 2


def test_database_errors_map_to_the_db_error_classes(stub):
    stub.add_client_error(
        "execute_statement",
        service_error_code="DatabaseErrorException",
        service_message='ERROR: duplicate key value violates unique constraint "items_pkey"; SQLState: 23505',
        http_status_code=400,
    )
    stub.add_client_error(
        "execute_statement", service_error_code="StatementTimeoutException", service_message="timed out", http_status_code=400
    )
    with pytest.raises(db.IntegrityError) as info:
        db.execute("INSERT INTO items (id) VALUES (1)")
    assert info.value.code == "23505"
    with pytest.raises(db.QueryTimeout):
        db.query("SELECT pg_sleep(60)")


@pytest.mark.parametrize("value", ["a\x00b", "a\ud800b", ["ok", "a\x00b"], {"n": "\udfff"}], ids=["nul", "surrogate", "in-list", "in-dict"])
def test_nul_and_lone_surrogates_are_refused_before_anything_is_sent(value):
    with pytest.raises(db.InvalidValue) as info:  # no stub response: nothing may reach the Data API
        db.query("SELECT %(n)s" if isinstance(value, dict) else "SELECT %s", value if isinstance(value, (list, dict)) else [value])
    assert info.value.http_status == 422


def test_unsupported_parameter_types_are_named():
    with pytest.raises(db.QueryError, match="parameter p1: object"):
        _data_api.to_sql("SELECT %s", [object()])
{% else -%}
"""The db module against a real {{ "PostgreSQL" if cookiecutter.database == "postgres" else "MySQL/MariaDB" }} server.

Point it at one with DB_HOST (and DB_PORT, DB_NAME, DB_USER, DB_PASSWORD); without DB_HOST those tests skip.
TLS is verified by default: give DB_CA_BUNDLE (the CA of the server's certificate), or DB_TLS=disable for a
local server without TLS. A throwaway server without TLS:
    docker run --rm -p {{ "5432:5432 -e POSTGRES_PASSWORD=pw postgres:16" if cookiecutter.database == "postgres" else "3306:3306 -e MARIADB_ROOT_PASSWORD=pw mariadb:11" }}
"""

from __future__ import annotations

import os
import ssl

import pytest

from {{ cookiecutter.package_name }} import db
from {{ cookiecutter.package_name }}.db import _config, _tls

needs_server = pytest.mark.skipif(
    not os.environ.get("DB_HOST"), reason="set DB_HOST (and DB_USER, DB_PASSWORD, DB_NAME) to test against a database"
)
TABLE = "slsguard_db_check"


class Context:
    """What db reads from Lambda's context: the time left."""

    def get_remaining_time_in_millis(self) -> int:
        return 5000


@pytest.fixture(autouse=True)
def fresh_connection():
    db.close()
    yield
    db.end()
    db.close()


def test_tls_is_verified_by_default_against_the_shipped_bundle():
    settings = _config.Settings.from_env({})
    assert settings.tls == "verify-full"
    bundle = _tls.bundle(settings)  # shipped inside the package, so inside the deployment zip
    assert ssl.create_default_context(cafile=bundle).cert_store_stats()["x509_ca"] > 0


@pytest.mark.parametrize("value", ["a\x00b", "a\ud800b", ["ok", "a\x00b"], {"n": "\udfff"}], ids=["nul", "surrogate", "in-list", "in-dict"])
def test_nul_and_lone_surrogates_are_refused_before_anything_is_sent(value):
    before = db.stats()
    with pytest.raises(db.InvalidValue) as info:
        db.query("SELECT %(n)s" if isinstance(value, dict) else "SELECT %s", value if isinstance(value, (list, dict)) else [value])
    assert info.value.http_status == 422
    assert db.stats() == before  # refused before a connection was even opened


@needs_server
def test_the_session_is_encrypted_unless_tls_is_disabled():
{%- if cookiecutter.database == "postgres" %}
    [row] = db.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
    encrypted = bool(row["ssl"])
{%- else %}
    [row] = db.query("SHOW SESSION STATUS LIKE 'Ssl_cipher'")
    encrypted = bool(row["Value"])
{%- endif %}
    assert encrypted == (os.environ.get("DB_TLS", "verify-full") != "disable")


@needs_server
def test_round_trip_and_transactions():
    db.execute(f"DROP TABLE IF EXISTS {TABLE}")
    db.execute(f"CREATE TABLE {TABLE} (id INT PRIMARY KEY, name VARCHAR(50))")
    try:
        assert db.execute(f"INSERT INTO {TABLE} (id, name) VALUES (%s, %s), (%s, %s)", [1, "a", 2, "b"]) == 2
        with pytest.raises(RuntimeError), db.transaction():
            db.execute(f"INSERT INTO {TABLE} VALUES (%s, %s)", [3, "c"])
            raise RuntimeError("rolled back")
        with pytest.raises(db.IntegrityError):
            db.execute(f"INSERT INTO {TABLE} VALUES (%s, %s)", [1, "again"])
        assert db.query(f"SELECT id, name FROM {TABLE} ORDER BY id") == [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]
    finally:
        db.execute(f"DROP TABLE {TABLE}")


@needs_server
def test_warm_invocations_reuse_one_connection():
    before = db.stats()
    for _ in range(3):
        db.set_deadline(Context())
        assert db.query("SELECT 1 AS one") == [{"one": 1}]
        db.end()
    after = db.stats()
    assert after["connects"] - before.get("connects", 0) == 1
    assert after["reuses"] - before.get("reuses", 0) == 2
{% endif %}