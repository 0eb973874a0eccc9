"""The database family's rule (TLS that verifies the server); the check is in generator/audit/database.py."""

from __future__ import annotations

from .. import database
from ..model import ERROR
from ..rule import Fix, Rule

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
    check=database.database_tls,
)
RULES = (DATABASE_TLS,)
