"""The evasion corpus: unsafe templates written with everyday CloudFormation features, each beside a safe twin.

Every file in tests/fixtures/evasion/ is one shape (its first line says which). A failing fixture must raise
exactly the rules listed, and the message must name what makes it unsafe (the branch, the parameter, the map row);
a safe twin (``*-safe.yaml``) must raise none of the judged rules.
"""

from __future__ import annotations

import pytest

from generator.audit import audit
from tests.support.paths import FIXTURES

EVASION = FIXTURES / "evasion"
# The rules this corpus judges; other rules (alarms, tracing, ...) fire on these minimal templates and are ignored.
JUDGED = frozenset(
    {
        *("s3-public", "security-group-open", "lambda-permission-public", "function-url-public", "function-timeout"),
        *("reserved-concurrency", "rds-public", "db-password", "plain-secret", "iam-wildcard"),
    }
)
S3, SG, PERM, URL = "s3-public", "security-group-open", "lambda-permission-public", "function-url-public"
UNPROVABLE = "cannot be proven"
# file -> (rules expected, words every finding's message must hold)
FAILING: dict[str, tuple[set[str], str]] = {
    "s3-notprincipal-allow": ({S3}, "NotPrincipal with Allow"),
    "s3-principal-sub": ({S3}, 'Principal "*"'),
    "s3-principal-if": ({S3}, "when IsProd is false"),
    "s3-statement-if": ({S3}, "when IsProd is false"),
    "s3-policy-json-string": ({S3}, 'Principal "*"'),
    "s3-policy-json-sub": ({S3}, 'Principal "*"'),
    "s3-policy-json-broken": ({S3}, f"{UNPROVABLE} private: it allows a statement that cannot be read"),
    "s3-accesspoint-public": ({S3}, "Access point Point"),
    "s3-accesspoint-json-string": ({S3}, "refuses it today"),
    "s3-acl-if": ({S3}, "PublicRead (when IsProd is false)"),
    "s3-acl-param-default": ({S3}, "parameter Acl = 'PublicReadWrite'"),
    "s3-sourceip-everything": ({S3}, "no restricting condition"),
    "s3-sourceip-v6-everything": ({S3}, "no restricting condition"),
    "s3-sourceip-halves": ({S3}, "no restricting condition"),
    "s3-principalarn-star": ({S3}, "no restricting condition"),
    "s3-sourcevpce-wildcard": ({S3}, "no restricting condition"),
    "s3-condition-ifexists": ({S3}, "no restricting condition"),
    "s3-condition-if": ({S3}, "when IsProd is false"),
    "s3-principal-list-star": ({S3}, 'Principal "*"'),
    "s3-principal-param-default": ({S3}, "parameter Reader's default '*'"),
    "s3-principal-param": ({S3}, f"{UNPROVABLE} private: it allows Principal parameter Reader"),
    "s3-principal-findinmap": ({S3}, "map Access[us-east-1][Reader]"),
    "s3-principal-join": ({S3}, 'Principal "*"'),
    "s3-resource-condition": ({S3}, "(when IsProd is true)"),
    "sg-cidr-sub": ({SG}, "port 5432 (tcp) from 0.0.0.0/0"),
    "sg-cidr-sub-parts": ({SG}, "from 0.0.0.0/0"),
    "sg-cidr-if": ({SG}, "from 0.0.0.0/0 (when IsProd is false)"),
    "sg-cidr-param-default": ({SG}, "parameter Cidr's default '0.0.0.0/0'"),
    "sg-cidr-param": ({SG}, f"parameter Cidr (no AllowedValues): it {UNPROVABLE} closed"),
    "sg-cidr-join": ({SG}, "from 0.0.0.0/0"),
    "sg-cidr-findinmap": ({SG}, "map Net[us-east-1][Cidr]"),
    "sg-two-halves": ({SG}, "0.0.0.0/1, 128.0.0.0/1 (together 0.0.0.0/0)"),
    "sg-ipv6-long": ({SG}, "from ::/0"),
    "sg-ipv6-short-zero": ({SG}, "from ::/0"),
    "sg-ipv6-halves": ({SG}, "(together ::/0)"),
    "sg-protocol-minus1-int": ({SG}, "all ports (all protocols)"),
    "sg-protocol-minus1-str": ({SG}, "all ports (all protocols)"),
    "sg-protocol-6": ({SG}, "port 22 (tcp)"),
    "sg-protocol-17": ({SG}, "port 161 (udp)"),
    "sg-protocol-sctp": ({SG}, "all ports (protocol 132)"),
    "sg-protocol-upper": ({SG}, "port 22 (tcp)"),
    "sg-separate-ingress": ({SG}, "from 0.0.0.0/0"),
    "sg-separate-halves": ({SG}, "(together 0.0.0.0/0)"),
    "sg-port-param": ({SG}, "the port from parameter Port"),
    "sg-ingress-list-if": ({SG}, "when IsProd is false"),
    "sg-resource-condition": ({SG}, "from 0.0.0.0/0 (when IsProd is true)"),
    "lambda-permission-star": ({PERM}, 'Principal "*"'),
    "lambda-permission-sub": ({PERM}, 'Principal "*"'),
    "lambda-permission-if": ({PERM}, "when IsProd is false"),
    "lambda-permission-sourcearn-novalue": ({PERM}, "when IsProd is false"),
    "lambda-permission-param": (
        {PERM},
        f"takes its Principal from parameter Caller (no AllowedValues): it {UNPROVABLE}",
    ),
    "lambda-permission-sourceaccount-param": (
        {PERM},
        f'lets Principal "*" in, narrowed only by parameter Caller (no AllowedValues): it {UNPROVABLE}',
    ),
    "lambda-url-if": ({URL}, "AuthType NONE (when IsProd is false)"),
    "lambda-url-sub": ({URL}, "AuthType NONE"),
    "lambda-url-param": ({URL}, UNPROVABLE),
    "lambda-url-permission": ({URL}, "FunctionUrlAuthType NONE"),
    "lambda-timeout-novalue": ({"function-timeout"}, "no Timeout (when IsProd is false)"),
    "lambda-timeout-null": ({"function-timeout"}, "no Timeout"),
    "lambda-reserved-novalue": ({"reserved-concurrency"}, "no reserved concurrency (when IsProd is true)"),
    "lambda-reserved-null": ({"reserved-concurrency"}, "no reserved concurrency"),
    "rds-public-if": ({"rds-public"}, "PubliclyAccessible (when IsProd is false)"),
    "rds-public-param": ({"rds-public"}, f"parameter Public (no AllowedValues): it {UNPROVABLE}"),
    "rds-public-param-allowed": ({"rds-public"}, "parameter Public = 'true'"),
    "rds-public-cluster-sub": ({"rds-public"}, "is PubliclyAccessible"),
    "rds-default-vpc": ({"rds-public"}, "default VPC"),
    "rds-subnet-novalue": ({"rds-public"}, "default VPC"),
    "db-password-sub": ({"db-password"}, "assembled from literal parts"),
    "db-password-join": ({"db-password"}, "assembled from literal parts"),
    "db-password-findinmap": ({"db-password"}, "map Passwords"),
    "db-password-noecho-default": ({"db-password"}, "parameter DbPassword's default)"),
    "db-password-if": ({"db-password"}, "when IsProd is false"),
    "db-password-pseudo": ({"db-password"}, "pseudo parameters"),
    "env-secret-sub": ({"plain-secret"}, "API_TOKEN holds a literal value"),
    "env-secret-join": ({"plain-secret"}, "DB_PASSWORD holds a literal value"),
    "env-secret-if": ({"plain-secret"}, "when IsProd is false"),
    "env-mysql-pwd": ({"plain-secret"}, "MYSQL_PWD"),
    "env-db-pass": ({"plain-secret"}, "DB_PASS"),
    "env-resolved-secret-sub": ({"plain-secret"}, "resolves a secret into plain text"),
    "env-variables-if": (
        {"plain-secret"},
        "API_KEY holds a literal value that looks like a secret, in plain text in the template (when IsProd is false)",
    ),
    "env-secret-param": ({"plain-secret"}, "comes from parameter ApiKey"),
    "iam-admin": ({"iam-wildcard"}, "administrator access"),
    "iam-admin-json-string": ({"iam-wildcard"}, "administrator access"),
    "iam-admin-if": ({"iam-wildcard"}, "(when IsProd is false): administrator access"),
    "iam-admin-sub": ({"iam-wildcard"}, "administrator access"),
    "iam-admin-notaction": ({"iam-wildcard"}, "every action but those its NotAction lists on Resource"),
    "iam-role-policies-if": ({"iam-wildcard"}, "(when IsProd is false): administrator access"),
}
SAFE = sorted(p.stem for p in EVASION.glob("*-safe.yaml"))


def judged(name: str) -> list[tuple[str, str, str]]:
    return [(f.rule, f.severity, f.message) for f in audit([EVASION / f"{name}.yaml"]) if f.rule in JUDGED]


def test_every_fixture_is_in_the_table_and_every_shape_has_a_safe_twin() -> None:
    files = {p.stem for p in EVASION.glob("*.yaml")}
    assert files == set(FAILING) | set(SAFE)
    assert len(files) >= 60
    families = {name.split("-")[0] for name in FAILING}
    assert families == {name.split("-")[0] for name in SAFE}  # s3, sg, lambda, rds, db, env, iam: each with twins


@pytest.mark.parametrize("name", sorted(FAILING))
def test_unsafe_shape_is_caught_and_named(name: str) -> None:
    rules, words = FAILING[name]
    found = judged(name)
    assert {rule for rule, _, _ in found} == rules, found
    assert all(severity == "error" for _, severity, _ in found), found
    assert all(words in message for _, _, message in found), found


@pytest.mark.parametrize("name", SAFE)
def test_safe_twin_stays_quiet(name: str) -> None:
    assert judged(name) == []


def test_each_shape_is_one_finding() -> None:
    """Halves covering everything, a rule behind Fn::If and a map with many rows are one finding each, not one per part."""
    for name in ("sg-two-halves", "sg-separate-halves", "sg-ipv6-halves", "sg-cidr-findinmap", "s3-principal-findinmap"):
        assert len(judged(name)) == 1, name


def test_secrets_are_not_printed_in_the_messages() -> None:
    for name in ("db-password-noecho-default", "db-password-findinmap", "env-secret-if", "env-variables-if"):
        text = " ".join(message for _, _, message in judged(name))
        assert not any(secret in text for secret in ("S3cretDefault", "devpassword", "abc123def456", "Pr0dPassw0rd")), name


def test_a_nested_stack_is_judged_on_what_its_parent_passes() -> None:
    """The child's CIDR is a parameter; the parent passes 0.0.0.0/0 in one branch (the safe twin: private in both)."""
    [found] = [f for f in audit([EVASION / "nested" / "fail" / "root.yaml"]) if f.rule in JUDGED]
    assert (found.rule, found.stack, found.logical_id) == (SG, "Network", "DbGroup")
    assert "from 0.0.0.0/0 (parameter DbCidr as stack Network passes it, when IsProd is false)" in found.message
    assert [f for f in audit([EVASION / "nested" / "safe" / "root.yaml"]) if f.rule in JUDGED] == []
