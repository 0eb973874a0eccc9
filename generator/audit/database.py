"""Rules about how functions connect to their database (seed challenge 3).

A database connection that does not verify the server's certificate can be read and altered by anything on the
path: PostgreSQL's default ``prefer`` (and ``require``) encrypts without checking who answers, and a flag that
turns certificate checks off does the same for MySQL drivers. The generated db module verifies by default
(DB_TLS=verify-full); this rule catches a function environment that switches it, or a driver, back off.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ..cfn.values import Unknown, why
from .env_secrets import env_values
from .model import ERROR, FUNCTION, Context, Finding, fn_label
from .rule import Fix, Rule

# Variables whose value is a TLS mode: slsguard's DB_TLS, libpq's PGSSLMODE, DATABASE_SSLMODE, MYSQL_SSL_MODE, ...
DB_PREFIX = r"(?:DB|DATABASE|RDS|AURORA|PG|POSTGRES|POSTGRESQL|MYSQL|MARIADB|SQL)"
MODE_NAME = re.compile(rf"^(?:{DB_PREFIX}(?:_?[A-Z0-9]+)*?_?(?:TLS|SSL)|SSL)_?(?:MODE)?$", re.I)
# Variables that switch one check on or off (the value says which): ssl_verify_cert, DB_SSL_VERIFY_IDENTITY, ...
CHECK_NAME = re.compile(r"(?:SSL|TLS)_?(?:VERIFY|VERIFY_?CERT|VERIFY_?IDENTITY|VERIFY_?SERVER_?CERT|REJECT_?UNAUTHORI[SZ]ED)$", re.I)
# Modes that encrypt without verifying, or do not encrypt: libpq's sslmode, MySQL's ssl-mode, slsguard's DB_TLS.
WEAK_MODES = frozenset(
    {"disable", "disabled", "allow", "prefer", "preferred", "require", "required", "off", "false", "no", "0", "none", "skip-verify"}
)
OFF = frozenset({"false", "0", "no", "off", "none"})
# A value that is a database connection string: a URL with a database scheme, or libpq's keyword form.
DSN_LIKE = re.compile(r"^\s*(?:jdbc:)?(?:postgres(?:ql)?|mysql|mariadb)(?:\+\w+)?://|(?:^|\s)(?:host|hostaddr|dbname)=", re.I)
# Inside a DSN or URL value: key=value pairs of a TLS mode or a check, in keyword ("sslmode=prefer") or query style.
DSN_SETTING = re.compile(
    r"(?:^|[?&;\s])(?P<key>sslmode|ssl[-_]mode|tls|ssl|use_?ssl|ssl[-_]verify[-_](?:cert|identity|server[-_]cert)|"
    r"verify_?server_?certificate|reject_?unauthori[sz]ed|sslaccept)=(?P<value>[^&;\s'\"]*)",
    re.I,
)
DSN_WEAK = {
    "sslmode": WEAK_MODES,
    "ssl-mode": WEAK_MODES,
    "ssl_mode": WEAK_MODES,
    "tls": OFF | {"skip-verify", "preferred"},
    "ssl": OFF,
    "usessl": OFF,
    "use_ssl": OFF,
    "sslaccept": frozenset({"accept_invalid_certs"}),
}


def _weak(name: str, value: Any) -> str | None:
    """Why this variable disables verification, or None."""
    if isinstance(value, str | bool | int):
        text = str(value).strip().lower()
        if MODE_NAME.search(name) and text in WEAK_MODES:
            return f"{name}={value} connects without verifying the server's certificate"
        if CHECK_NAME.search(name) and text in OFF:
            return f"{name}={value} turns the certificate check off"
    text = value.detail if isinstance(value, Unknown) else value if isinstance(value, str) else ""  # known parts of a built string
    if DSN_LIKE.search(text):
        for match in DSN_SETTING.finditer(text):
            key, setting = match["key"].lower(), match["value"].lower()
            weak = DSN_WEAK.get(key, OFF)
            if setting in weak:
                return f"{name} holds a connection string with {match['key']}={match['value']}, which does not verify the server"
    return None


def database_tls(ctx: Context) -> Iterator[Finding]:
    """Challenge 3: a database connection that skips certificate verification can be intercepted; verification stays on."""
    for tpl, lid, fn in ctx.index.of_type(FUNCTION):
        reported: set[str] = set()
        for name, _raw, p in env_values(tpl, fn):
            reason = None if name in reported else _weak(name, p.value)
            if reason:
                reported.add(name)
                reason += why(p.because)
                yield DATABASE_TLS.finding(
                    ERROR,
                    tpl,
                    lid,
                    f"Properties.Environment.Variables.{name}",
                    f"Function {fn_label(fn, lid)}: {reason}; anything on the network path can read or alter its queries.",
                )


DATABASE_TLS = Rule(
    id="database-tls",
    challenge="3 SQL databases",
    severity=ERROR,
    summary="no database TLS mode or driver flag in a function's environment that skips certificate verification (error)",
    help="sslmode prefer/require (PostgreSQL) or PREFERRED/REQUIRED (MySQL) encrypt but accept any certificate, so anything on the path can read the queries and the password. Keep DB_TLS=verify-full (the default) and set DB_CA_BUNDLE if the CA differs.",
    checks="no function environment variable skips the database's certificate check: `DB_TLS=disable` (or another database TLS-mode variable such as `PGSSLMODE`, `DATABASE_SSLMODE`, `MYSQL_SSL_MODE`) set to disable/allow/prefer/require; a connection string (`postgresql://`, `mysql://`, libpq `host=... dbname=...`, also inside `Fn::Sub`/`Fn::Join`) with `sslmode`/`ssl-mode` disable, allow, prefer or require, or `ssl=false`; a flag such as `DB_SSL_VERIFY_CERT=false` (see [below](#database-tls))",
    levels="error",
    fixes={
        "": Fix(
            "Remove the setting from `environment:` in serverless.yml: the generated db module verifies by default (DB_TLS=verify-full); for a driver of your own use sslmode=verify-full or a CA with host name verification, and set DB_CA_BUNDLE when the server's CA is not in the shipped bundle.",
            "Remove the setting from the function's `Environment` (or `Globals: Function:`) in template.yaml: keep DB_TLS=verify-full, use sslmode=verify-full or a CA with host name verification, and set DB_CA_BUNDLE for another CA.",
            "Remove the setting from the AWS::Lambda::Function's Environment: keep DB_TLS=verify-full, use sslmode=verify-full or a CA with host name verification, and set DB_CA_BUNDLE for another CA.",
        )
    },
    check=database_tls,
)
RULES = (DATABASE_TLS,)
