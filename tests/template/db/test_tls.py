"""TLS to real MariaDB and PostgreSQL: verified by default, refused with one clear error, never plain text.

The TLS servers hold certificates for db.internal.test and 127.0.0.1 from a CA made for this session
(support.tls); the plain session servers offer no TLS at all.
"""

from __future__ import annotations

import importlib
import logging
import sys
from pathlib import Path

import pytest

from tests.support.databases import Server


def encrypted(db, server: Server) -> bool:
    """Whether the server itself says this session is encrypted."""
    if server.engine == "mysql":
        [row] = db.query("SHOW SESSION STATUS LIKE 'Ssl_cipher'")
        return bool(row["Value"])
    [row] = db.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
    return bool(row["ssl"])


def test_the_right_ca_connects_and_the_session_is_encrypted(tls_server, containers):
    db = containers(tls_server)  # DB_TLS=verify-full, DB_CA_BUNDLE=the test CA
    assert encrypted(db, tls_server)
    assert db.query("SELECT 1 AS one") == [{"one": 1}]
    assert db.stats()["connects"] == 1 and "refused" not in db.stats()


@pytest.mark.parametrize("access", ["direct", "rds-proxy"])
def test_the_shipped_bundle_refuses_a_certificate_from_another_ca(tls_server, containers, access):
    db = containers(tls_server, access, DB_CA_BUNDLE="", AWS_REGION="us-east-1")  # the default bundle for the path
    with pytest.raises(db.TlsRefused) as refused:
        db.query("SELECT 1")
    message = str(refused.value)
    assert f"refused 127.0.0.1:{tls_server.port}" in message
    assert "its certificate is not signed by a CA in the bundle" in message
    assert "\n" not in message and refused.value.__cause__ is not None
    used = Path(db._tls.bundle(db._settings))
    if access == "rds-proxy":
        assert used.parts[-3:] == ("db", "certs", "amazon-trust-services.pem")
    else:  # the region's three roots, in a file of this container's own
        assert used.name.startswith("slsguard-rds-us-east-1-") and used.read_text().count("BEGIN CERTIFICATE") == 3
    stats = db.stats()
    assert (stats["refused"], stats.get("retries", 0), stats.get("connects", 0)) == (1, 0, 0)  # no retry, no fallback
    assert tls_server.connections() == 0


def test_a_certificate_for_another_host_name_is_refused(tls_server, containers):
    db = containers(tls_server, DB_HOST="localhost")  # the certificate names db.internal.test and 127.0.0.1 only
    with pytest.raises(db.TlsRefused) as refused:
        db.query("SELECT 1")
    assert f"refused localhost:{tls_server.port}: its certificate is for another host name" in str(refused.value)
    assert "DB_HOST" in str(refused.value)  # the fix names the setting to change


def test_a_server_without_tls_is_refused_unless_tls_is_disabled(db_server, containers, test_ca, caplog):
    db = containers(db_server, DB_TLS="verify-full", DB_CA_BUNDLE=str(test_ca.path))
    with pytest.raises(db.TlsRefused, match=f"refused 127.0.0.1:{db_server.port}: the server does not offer TLS"):
        db.query("SELECT 1")
    assert db.stats()["refused"] == 1
    assert db_server.connections() == 0

    caplog.set_level(logging.WARNING)
    plain = containers(db_server)  # Server.env() of a plain server: DB_TLS=disable, the explicit local choice
    assert not encrypted(plain, db_server)
    plain.close()
    assert plain.query("SELECT 1 AS one") == [{"one": 1}]  # a second connect in the same container
    warnings = [r for r in caplog.records if r.getMessage() == "db tls disabled"]
    assert len(warnings) == 1  # the weakness is logged once per container


def test_tls_disable_is_refused_inside_lambda_and_unknown_modes_are_named(db_server, containers, monkeypatch):
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "demo-dev-api")
    db = containers(db_server, DB_HOST="db.internal.test")  # DB_TLS=disable towards a host on a network
    with pytest.raises(db.ConfigurationError, match=r"DB_TLS='disable' is not allowed in Lambda for DB_HOST='db\.internal\.test'"):
        db.query("SELECT 1")
    db = containers(db_server)  # a loopback server (a local emulation of Lambda, as the migration tests run): allowed
    assert db.query("SELECT 1 AS one") == [{"one": 1}]
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME")
    db = containers(db_server, DB_TLS="prefer")
    with pytest.raises(db.ConfigurationError, match=r"DB_TLS='prefer' is not supported: use verify-full \(the default\) or disable"):
        db.query("SELECT 1")
    db = containers(db_server, DB_TLS="verify-full", DB_CA_BUNDLE="/nonexistent/ca.pem")
    with pytest.raises(db.ConfigurationError, match=r"DB_CA_BUNDLE='/nonexistent/ca\.pem' is not a readable file"):
        db.query("SELECT 1")


def test_tls_is_set_up_on_the_first_connect_and_once_per_container(tls_server, containers):
    db = containers(tls_server)
    assert f"{db.__name__}._tls" not in sys.modules  # importing db does no TLS work (init is billed)
    db.query("SELECT 1")
    tls = sys.modules[f"{db.__name__}._tls"]
    contexts = dict(tls._contexts)
    tls_server.kill_connections()  # the next statement reconnects
    db.query("SELECT 1")
    assert db.stats()["reconnects"] == 1
    assert tls._contexts == contexts  # the same SSLContext objects: built once per container
    assert len(contexts) == (1 if tls_server.engine == "mysql" else 0)  # libpq reads the bundle itself


def test_the_default_rds_bundle_is_narrowed_to_the_functions_region(render_db, monkeypatch):
    """libpq reads the CA file on every connect: 3 roots of the region instead of 87 (a database elsewhere: DB_CA_BUNDLE)."""
    from cryptography import x509

    from tests.support.databases import load_db

    db = load_db(render_db("postgres", "direct"), "slsguard_db_bundles")
    tls, config = importlib.import_module("slsguard_db_bundles._tls"), importlib.import_module("slsguard_db_bundles._config")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    narrowed = tls.bundle(config.Settings.from_env({}))
    names = sorted(
        c.subject.rfc4514_string().split("CN=")[1].split(",")[0] for c in x509.load_pem_x509_certificates(Path(narrowed).read_bytes())
    )
    assert names == [f"Amazon RDS eu-west-1 Root CA {kind} G1" for kind in ("ECC384", "RSA2048", "RSA4096")]
    monkeypatch.setenv("AWS_REGION", "xx-nowhere-1")  # a region the bundle does not know: the whole bundle
    assert tls.bundle(config.Settings.from_env({})).endswith("/db/certs/rds-global-bundle.pem")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    assert tls.bundle(config.Settings.from_env({"DB_ACCESS": "rds-proxy"})).endswith("/db/certs/amazon-trust-services.pem")
    assert tls.bundle(config.Settings.from_env({"DB_CA_BUNDLE": str(tls.CERTS / "rds-global-bundle.pem")})).endswith(
        "rds-global-bundle.pem"
    )
    assert db.stats() == {}  # choosing a bundle opens no connection
