"""Deployed functions read credentials from Secrets Manager (a moto server here), cached, and re-read after a rotation."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator

import boto3
import pytest

from tests.support.databases import APP_PASSWORD, Server
from tests.support.toolchain import moto_server

REGION = "us-east-1"


@pytest.fixture(scope="module")
def secrets_endpoint() -> Iterator[str]:
    with moto_server() as server:
        yield server.endpoint


@pytest.fixture
def secretsmanager(secrets_endpoint: str, monkeypatch: pytest.MonkeyPatch):
    for key, value in {
        "AWS_ENDPOINT_URL_SECRETS_MANAGER": secrets_endpoint,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }.items():
        monkeypatch.setenv(key, value)
    return boto3.client("secretsmanager", region_name=REGION)


def set_password(server: Server, password: str) -> None:
    if server.engine == "mysql":
        server.admin_query(f"ALTER USER '{server.user}'@'%%' IDENTIFIED BY %s", (password,))
    else:
        server.admin_query(f"ALTER ROLE {server.user} PASSWORD '{password}'")


def invoke(db, sql: str) -> list:
    db.set_deadline(5)
    try:
        return db.query(sql)
    finally:
        db.end()


def test_credentials_come_from_the_secret_and_a_rotation_is_picked_up(db_server, containers, secretsmanager):
    arn = secretsmanager.create_secret(
        Name=f"db-{secrets.token_hex(4)}", SecretString=json.dumps({"username": db_server.user, "password": db_server.password})
    )["ARN"]
    db = containers(db_server, DB_SECRET_ARN=arn, DB_USER="", DB_PASSWORD="")
    assert invoke(db, "SELECT 1 AS one") == [{"one": 1}]
    # WHEN the password is rotated (database and secret) and the connection dropped
    rotated = secrets.token_hex(8)
    set_password(db_server, rotated)
    try:
        secretsmanager.put_secret_value(SecretId=arn, SecretString=json.dumps({"username": db_server.user, "password": rotated}))
        db_server.kill_connections()
        # THEN the cached secret is refused once, re-read, and the invocation succeeds
        assert invoke(db, "SELECT 2 AS two") == [{"two": 2}]
        assert db.stats()["reconnects"] == 1
    finally:
        set_password(db_server, APP_PASSWORD)


def test_a_secret_without_credentials_is_a_clear_configuration_error(db_server, containers, secretsmanager):
    arn = secretsmanager.create_secret(Name=f"db-{secrets.token_hex(4)}", SecretString=json.dumps({"user": "x"}))["ARN"]
    db = containers(db_server, DB_SECRET_ARN=arn, DB_USER="", DB_PASSWORD="")
    with pytest.raises(db.ConfigurationError, match="username and password"):
        invoke(db, "SELECT 1")


def test_no_credentials_at_all_names_both_ways_to_give_them(db_server, containers):
    db = containers(db_server, DB_USER="", DB_PASSWORD="")
    with pytest.raises(db.ConfigurationError, match=r"DB_SECRET_ARN.*DB_USER"):
        invoke(db, "SELECT 1")


def test_a_malformed_setting_names_the_variable(db_server, containers):
    db = containers(db_server, DB_RETRY_CAP_MS="fast")
    with pytest.raises(db.ConfigurationError, match="DB_RETRY_CAP_MS='fast' is not a number"):
        invoke(db, "SELECT 1")


def test_secrets_manager_out_of_reach_is_unavailable_not_a_crash(db_server, containers, monkeypatch):
    """No answer from Secrets Manager (a VPC without its endpoint, an outage): Unavailable, which guard answers 503."""
    from aws_lambda_powertools.utilities.parameters import base

    from tests.support.databases import free_port

    monkeypatch.delitem(base.DEFAULT_PROVIDERS, "secrets", raising=False)  # a new container: no client for the moto endpoint

    for key, value in {
        "AWS_ENDPOINT_URL_SECRETS_MANAGER": f"http://127.0.0.1:{free_port()}",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_MAX_ATTEMPTS": "1",
    }.items():
        monkeypatch.setenv(key, value)
    db = containers(db_server, DB_SECRET_ARN=f"arn:aws:secretsmanager:{REGION}:123456789012:secret:db-AbCdEf", DB_USER="", DB_PASSWORD="")
    with pytest.raises(db.Unavailable, match="could not be read: EndpointConnectionError") as info:
        invoke(db, "SELECT 1")
    assert info.value.http_status == 503


def test_a_secret_that_does_not_exist_is_a_configuration_error(db_server, containers, secretsmanager):
    db = containers(db_server, DB_SECRET_ARN=f"arn:aws:secretsmanager:{REGION}:123456789012:secret:gone-AbCdEf", DB_USER="", DB_PASSWORD="")
    with pytest.raises(db.ConfigurationError, match=r"could not be read \(ResourceNotFoundException\)"):
        invoke(db, "SELECT 1")
