"""The audit of real third-party services (tests/fixtures/corpus, sources in its SOURCES.md): findings per rule.

The counts are after grouping: one `provider.environment` secret or provider-wide setting is one finding.
None of these services alarms on its functions' errors (errors-alarm, one per function); the cron example's
scheduled functions also drop a failed run after Lambda's retries (async-failure-destination). Each of the six
REST APIs (five edge-optimized `http` events, SAM's implicit `ServerlessRestApi`) is public and has no web ACL
(rest-api-waf, a warning: none recorded a choice of no WAF). No table, bucket, database or secret of theirs says
DeletionPolicy/UpdateReplacePolicy (stateful-retention, a warning).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.audit import audit
from generator.audit.report import summary
from generator.audit.rules import RULES
from tests.support.paths import FIXTURES

CORPUS = FIXTURES / "corpus"
EXPECTED = {
    "auth0-cognito": {
        "errors-alarm": 3,
        "reserved-concurrency": 3,
        "api-throttling": 1,
        "log-retention": 1,
        "rest-unauthenticated": 1,
        "tracing": 1,
        "rest-api-waf": 1,
    },
    "env-variables": {"errors-alarm": 2, "reserved-concurrency": 2, "log-retention": 1, "plain-secret": 1, "tracing": 1},
    "github-webhook": {
        "errors-alarm": 1,
        **{"api-throttling": 1, "log-retention": 1, "plain-secret": 1, "reserved-concurrency": 1, "rest-unauthenticated": 1, "tracing": 1},
        "rest-api-waf": 1,
    },
    "graphql-rds": {
        "errors-alarm": 2,
        **{"db-password": 3, "rds-public": 3, "reserved-concurrency": 2, "api-throttling": 1, "log-retention": 1},
        **{"plain-secret": 1, "rest-unauthenticated": 1, "security-group-open": 1, "tracing": 1},
        "rest-api-waf": 1,
        "stateful-retention": 4,
    },
    "py-cron": {"errors-alarm": 2, "async-failure-destination": 2, "reserved-concurrency": 2, "log-retention": 1, "tracing": 1},
    "py-http-dynamodb": {
        **{"errors-alarm": 5, "reserved-concurrency": 5, "api-throttling": 1, "log-retention": 1, "tracing": 1},
        "stateful-retention": 1,
        "http-api-unauthenticated": 1,
    },
    "py-rest-dynamodb": {
        "errors-alarm": 5,
        "reserved-concurrency": 5,
        "api-throttling": 1,
        "log-retention": 1,
        "rest-unauthenticated": 1,
        "tracing": 1,
        "rest-api-waf": 1,
        "stateful-retention": 1,
    },
    "sam-apigw-lambda-dynamodb": {
        "errors-alarm": 1,
        **{"api-throttling": 1, "function-timeout": 1, "log-retention": 1, "reserved-concurrency": 1, "rest-unauthenticated": 1},
        "tracing": 1,
        "rest-api-waf": 1,
        "stateful-retention": 1,
    },
    "sam-docdb-lambda": {
        "errors-alarm": 1,
        **{"security-group-open": 2, "function-timeout": 1, "log-retention": 1, "reserved-concurrency": 1, "tracing": 1},
        "vpc-without-need": 1,
        "stateful-retention": 2,
    },
    "sam-lambda-function-url": {"errors-alarm": 1, "log-retention": 1, "reserved-concurrency": 1, "tracing": 1},
    "spa": {"s3-public": 1, "stateful-retention": 1},
    "stripe": {
        "errors-alarm": 1,
        "api-throttling": 1,
        "log-retention": 1,
        "reserved-concurrency": 1,
        "rest-unauthenticated": 1,
        "tracing": 1,
        "rest-api-waf": 1,
    },
    "ws-authorizers": {"errors-alarm": 3, "reserved-concurrency": 3, "log-retention": 1, "tracing": 1, "websocket-throttling": 1},
}


def target(name: str) -> Path:
    folder = CORPUS / name
    return folder / "template.yaml" if (folder / "template.yaml").is_file() else folder


def test_the_corpus_holds_only_compiled_templates_and_its_sources() -> None:
    files = sorted(p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*") if p.is_file())
    allowed = ("cloudformation-template-update-stack.json", "template.yaml")
    assert all(f == "SOURCES.md" or f.endswith(allowed) for f in files), files
    sources = (CORPUS / "SOURCES.md").read_text()
    assert sorted(EXPECTED) == sorted(p.name for p in CORPUS.iterdir() if p.is_dir())
    assert all(f"`{name}`" in sources for name in EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_service_findings_by_rule(name: str) -> None:
    assert summary(audit([target(name)]))["by_rule"] == EXPECTED[name]


def test_the_worst_problems_of_the_corpus_are_reported() -> None:
    spa = audit([target("spa")])
    # the single-page app no longer passes; its bucket is also deleted with the stack (a warning)
    assert [(f.severity, f.rule) for f in spa] == [("error", "s3-public"), ("warning", "stateful-retention")]
    rds = {f.rule for f in audit([target("graphql-rds")]) if f.severity == "error"}
    assert {"rds-public", "security-group-open", "db-password"} <= rds
    assert any("all ports" in f.message for f in audit([target("graphql-rds")]) if f.rule == "security-group-open")


def test_sam_resources_are_audited_after_the_transform() -> None:
    """The DocumentDB pattern opens port 27017 to the internet; SAM's own security groups are plain CloudFormation."""
    found = [f for f in audit([target("sam-docdb-lambda")]) if f.rule == "security-group-open"]
    assert [f.logical_id for f in found] == ["DocDBSecurityGroup", "LambdaSecurityGroup"]
    assert all("port 27017 (tcp) from 0.0.0.0/0" in f.message for f in found)


def test_scheduled_functions_are_warnings_with_the_reason() -> None:
    found = [f for f in audit([target("py-cron")]) if f.rule == "reserved-concurrency"]
    assert {f.severity for f in found} == {"warning"} and all("only schedules invoke it" in f.message for f in found)


def test_a_provider_environment_secret_is_one_finding_listing_the_functions() -> None:
    [secret] = [f for f in audit([target("env-variables")]) if f.rule == "plain-secret"]
    assert len(secret.resources) == 2 and secret.message.startswith("2 functions (")


def test_no_finding_is_more_severe_than_its_rule_declares() -> None:
    """A rule's severity in the table is its SARIF default level: dashboards sort alerts by it."""
    rank = {"info": 0, "warning": 1, "error": 2}
    declared = {rule.id: rule.severity for rule in RULES}
    found = [f for name in sorted(EXPECTED) for f in audit([target(name)]) if f.rule in declared]
    assert {f.severity for f in found} >= {"error", "warning"}
    assert [(f.rule, f.severity) for f in found if rank[f.severity] > rank[declared[f.rule]]] == []
