"""TLS to the database, verified by default: which CA bundle, the SSL context (once per container), why a server was refused.

DB_TLS=verify-full (the default) encrypts and checks both the certificate chain, against DB_CA_BUNDLE, and the
host name, against DB_HOST. The default bundle depends on the access path, because the two present different
certificates:
  direct     RDS/Aurora server certificates chain to the RDS CAs of their region: certs/rds-global-bundle.pem,
             narrowed on first use to the three roots of AWS_REGION (set by Lambda) and written once per
             container to a private file in /tmp, because libpq reads the whole file on every connect (87 certificates: about
             13 ms of CPU each time). A database in another region: set DB_CA_BUNDLE to the global bundle.
  rds-proxy  RDS Proxy presents an ACM certificate, chained to the Amazon Trust Services roots:
             certs/amazon-trust-services.pem
Each file says where it comes from in its header. A server without TLS, or with a certificate that fails either
check, is refused with one error naming the host and the cause; there is no fallback to plain text.
DB_TLS=disable is for a local server only (refused inside Lambda unless DB_HOST is a loopback address, as in a
local emulation) and its weakness is logged once per container.
The Data API path needs none of this: it is HTTPS to the rds-data endpoint, verified by botocore.

Nothing here runs at import time: the context is built on the first connect (init is billed), then reused.
"""

from __future__ import annotations

import atexit
import contextlib
import ipaddress
import logging
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from ._config import Settings, event
from .errors import ConfigurationError

CERTS = Path(__file__).resolve().parent / "certs"
DEFAULT_BUNDLES = {"direct": "rds-global-bundle.pem", "rds-proxy": "amazon-trust-services.pem"}

# Why a TLS connection was refused, recognised in the driver's message (OpenSSL through Python for PyMySQL,
# libpq for psycopg); the first match wins, so the specific causes come first: (fragment, cause, fix).
REFUSALS = (
    (
        "does not match host name",
        "its certificate is for another host name",
        "set DB_HOST to a name the certificate lists (the RDS or proxy endpoint, not an IP address or a CNAME)",
    ),
    (
        "mismatch, certificate is not valid for",
        "its certificate is for another host name",
        "set DB_HOST to a name the certificate lists (the RDS or proxy endpoint, not an IP address or a CNAME)",
    ),
    ("certificate has expired", "its certificate has expired", "renew the server's certificate (RDS: rotate the instance's CA)"),
    (
        "certificate verify failed",
        "its certificate is not signed by a CA in the bundle",
        "point DB_CA_BUNDLE at the CA that signed the server's certificate (RDS Proxy uses the Amazon Trust Services roots)",
    ),
    (
        "server does not support SSL",
        "the server does not offer TLS",
        "turn TLS on at the server; DB_TLS=disable is only for a local server",
    ),
    (
        "SSL is required but the server doesn't support it",
        "the server does not offer TLS",
        "turn TLS on at the server; DB_TLS=disable is only for a local server",
    ),
    ("SSL error", "the TLS handshake failed", "check that the server speaks TLS 1.2 or later on DB_PORT"),
    ("[SSL", "the TLS handshake failed", "check that the server speaks TLS 1.2 or later on DB_PORT"),
)

# A certificate of the global bundle and the comment naming it: "# Amazon RDS eu-west-1 Root CA RSA2048 G1 (expires ...)"
RDS_ROOT = re.compile(
    r"^# Amazon RDS (?P<region>[a-z]{2}(?:-[a-z]+)+-\d) Root CA [^\n]*\n"
    r"(?P<pem>-----BEGIN CERTIFICATE-----\n.*?-----END CERTIFICATE-----\n)",
    re.M | re.S,
)

_contexts: dict[str, Any] = {}  # bundle path -> ssl.SSLContext, one per container
_bundles: dict[tuple[str, str, str], str] = {}  # (access, DB_CA_BUNDLE, region) -> the file to verify against
_warned = False


def enabled(settings: Settings) -> bool:
    """True unless DB_TLS=disable (a local server, weakness logged once)."""
    if settings.tls == "disable":
        _warn_disabled(settings)
        return False
    return True


def bundle(settings: Settings) -> str:
    """The CA bundle to verify against: DB_CA_BUNDLE, else the one shipped for this access path (worked out once)."""
    region = os.environ.get("AWS_REGION", "")
    key = (settings.access, settings.ca_bundle, region)
    if key not in _bundles:
        shipped = CERTS / DEFAULT_BUNDLES.get(settings.access, DEFAULT_BUNDLES["direct"])
        path = Path(settings.ca_bundle) if settings.ca_bundle else shipped
        if not path.is_file():
            raise ConfigurationError(
                f"DB_CA_BUNDLE={str(path)!r} is not a readable file: set it to a PEM file of CA certificates "
                f"(default: the bundle shipped in {CERTS})"
            )
        narrowed = _region_bundle(path, region) if not settings.ca_bundle and settings.access == "direct" else None
        _bundles[key] = str(narrowed or path)
    return _bundles[key]


def _region_bundle(path: Path, region: str) -> Path | None:
    """The RDS roots of ``region`` out of the global bundle, in a private temporary file; None when it has none."""
    pems = [m["pem"] for m in RDS_ROOT.finditer(path.read_text()) if m["region"] == region]
    if not region or not pems:
        return None
    # mkstemp: a new file only this process's user can read or replace (a shared name in /tmp could be planted)
    fd, name = tempfile.mkstemp(prefix=f"slsguard-rds-{region}-", suffix=".pem")
    with os.fdopen(fd, "w") as out:
        out.write(f"# The {region} roots of {path} (slsguard db module)\n" + "".join(pems))
    atexit.register(_remove, name)
    return Path(name)


def _remove(name: str) -> None:
    with contextlib.suppress(OSError):
        os.remove(name)


def context(settings: Settings) -> Any:
    """An SSLContext verifying chain and host name against the bundle; built on first use, then reused."""
    path = bundle(settings)
    ctx = _contexts.get(path)
    if ctx is None:
        import ssl  # lazy: PyMySQL imports it anyway, but only when the driver loads

        try:
            ctx = ssl.create_default_context(cafile=path)
        except (OSError, ssl.SSLError) as err:
            raise ConfigurationError(f"DB_CA_BUNDLE={path!r} holds no usable PEM certificates: {err}") from err
        ctx.check_hostname = True
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        # Python 3.13 turns on strict X.509 checks that libpq does not make; keep both drivers judging alike.
        ctx.verify_flags &= ~getattr(ssl, "VERIFY_X509_STRICT", 0)
        _contexts[path] = ctx
    return ctx


def refusal(err: BaseException) -> tuple[str, str] | None:
    """(cause, fix) when ``err`` says the TLS checks refused the server, else None."""
    seen: set[int] = set()
    texts = []
    while err is not None and id(err) not in seen:  # PyMySQL wraps the ssl error: read the whole chain
        seen.add(id(err))
        texts.append(str(err))
        err = err.__cause__ or err.__context__  # type: ignore[assignment]
    text = " ".join(texts)
    for fragment, cause, fix in REFUSALS:
        if fragment in text:
            return cause, fix
    return None


def _warn_disabled(settings: Settings) -> None:
    global _warned
    if not _warned:
        _warned = True
        event(
            "tls disabled",
            logging.WARNING,
            host=settings.host,
            reason="DB_TLS=disable: the connection is neither encrypted nor authenticated; use it for a local server only",
        )


def check_mode(settings: Settings, environ: Any = None) -> None:
    """DB_TLS=disable is refused where it can only be a mistake: inside Lambda, towards a database that is not local."""
    env = os.environ if environ is None else environ
    in_lambda = bool(env.get("AWS_LAMBDA_FUNCTION_NAME"))
    if settings.tls == "disable" and settings.access != "data-api" and in_lambda and not _loopback(settings.host):
        raise ConfigurationError(
            f"DB_TLS='disable' is not allowed in Lambda for DB_HOST={settings.host!r}: connections to the database are verified "
            "there. Remove DB_TLS (the default is verify-full) and set DB_CA_BUNDLE if the server's CA is not in the shipped bundle"
        )


def _loopback(host: str) -> bool:
    """A server on this machine (a local emulation of Lambda, a test): nothing on a network to intercept."""
    if host in ("localhost", ""):
        return host == "localhost"
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
