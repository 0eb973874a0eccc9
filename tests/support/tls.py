"""A throwaway certificate authority for the TLS tests: a CA and server certificates for chosen names.

Made with the ``cryptography`` package in the test's own temporary folder; nothing here is trusted anywhere
else. ``ServerTls`` is what the database starters need: the certificate chain and key files.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

LOCAL_NAMES = ("db.internal.test", "127.0.0.1")  # the names the test servers' certificates list (not "localhost")


@dataclass(frozen=True)
class ServerTls:
    """A server's certificate (PEM, leaf only) and private key (PEM, unencrypted), and the CA that signed it."""

    cert: Path
    key: Path
    ca: Path


class TestCA:
    """A CA made for one test session; ``issue`` signs a server certificate for the given DNS names and IPs."""

    __test__ = False  # not a test class, despite its name

    def __init__(self, folder: Path, name: str = "slsguard test CA") -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        now = dt.datetime.now(dt.UTC)
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
            )  # keyCertSign, cRLSign
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(self.key.public_key()), critical=False)
            .sign(self.key, hashes.SHA256())
        )
        self.path = folder / "ca.pem"
        self.path.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))

    def issue(self, label: str, names: tuple[str, ...] = LOCAL_NAMES) -> ServerTls:
        """A server certificate (serverAuth) for ``names``: IP addresses become IP SANs, the rest DNS SANs."""
        key = ec.generate_private_key(ec.SECP256R1())
        sans: list[x509.GeneralName] = []
        for name in names:
            try:
                sans.append(x509.IPAddress(ipaddress.ip_address(name)))
            except ValueError:
                sans.append(x509.DNSName(name))
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(sans), critical=False)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), critical=False)
            .sign(self.key, hashes.SHA256())
        )
        cert_path, key_path = self.folder / f"{label}.crt", self.folder / f"{label}.key"
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption())
        )
        key_path.chmod(0o600)
        return ServerTls(cert_path, key_path, self.path)


# --- servers with TLS, for the tests that take them (registered in tests/conftest.py) -------------------


@pytest.fixture(scope="session")
def test_ca(tmp_path_factory: pytest.TempPathFactory) -> TestCA:
    """One throwaway CA for the session: the only CA that trusts the TLS test servers' certificates."""
    return TestCA(tmp_path_factory.mktemp("test-ca"))


@pytest.fixture(scope="session")
def mariadb_tls_server(test_ca: TestCA) -> Iterator[Any]:
    """MariaDB speaking TLS with a certificate for db.internal.test and 127.0.0.1 from the test CA."""
    from .databases import running

    with running("mysql", tls=test_ca.issue("mariadb")) as server:
        yield server


@pytest.fixture(scope="session")
def postgres_tls_server(test_ca: TestCA) -> Iterator[Any]:
    """PostgreSQL speaking TLS with a certificate for db.internal.test and 127.0.0.1 from the test CA."""
    from .databases import running

    with running("postgres", tls=test_ca.issue("postgres")) as server:
        yield server


@pytest.fixture(params=["mysql", "postgres"])
def tls_server(request: pytest.FixtureRequest) -> Any:
    """Each test that takes it runs once per engine, against a TLS server with no app connection left over."""
    server = request.getfixturevalue("mariadb_tls_server" if request.param == "mysql" else "postgres_tls_server")
    server.reset()
    return server
