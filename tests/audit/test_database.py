"""The database-tls audit rule on fixture templates: verified connections pass, every way of skipping verification fails."""

from __future__ import annotations

from generator.audit import RULES, audit
from generator.audit.model import ERROR
from tests.support import paths

FIXTURES = paths.FIXTURES / "audit" / "database-tls"


def findings(name: str) -> list:
    return [f for f in audit([FIXTURES / name]) if f.rule == "database-tls"]


def test_verified_settings_and_non_database_switches_pass() -> None:
    assert findings("pass.yaml") == []


def test_each_setting_that_skips_verification_is_an_error_at_its_variable() -> None:
    found = findings("fail.yaml")
    assert sorted((f.severity, f.logical_id, f.path.rsplit(".", 1)[1]) for f in found) == sorted(
        [
            (ERROR, "ApiLambdaFunction", "DB_TLS"),
            (ERROR, "ApiLambdaFunction", "PGSSLMODE"),
            (ERROR, "WorkerLambdaFunction", "DATABASE_URL"),
            (ERROR, "WorkerLambdaFunction", "REPORTS_DSN"),
            (ERROR, "WorkerLambdaFunction", "LEGACY_URL"),
            (ERROR, "ReportLambdaFunction", "DB_SSL_VERIFY_CERT"),
        ]
    )
    by_variable = {f.path.rsplit(".", 1)[1]: f for f in found}
    assert by_variable["DB_TLS"].message.startswith("Function demo-dev-api (ApiLambdaFunction): DB_TLS=disable connects without verifying")
    assert "sslmode=require" in by_variable["DATABASE_URL"].message
    assert "ssl-mode=PREFERRED" in by_variable["LEGACY_URL"].message
    assert "turns the certificate check off" in by_variable["DB_SSL_VERIFY_CERT"].message
    assert all("DB_TLS=verify-full" in f.fix and "DB_CA_BUNDLE" in f.fix for f in found)


def test_the_rule_is_registered_for_the_sql_challenge() -> None:
    [rule] = [r for r in RULES if r.id == "database-tls"]
    assert rule.challenge == "3 SQL databases"
