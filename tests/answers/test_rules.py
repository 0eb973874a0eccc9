"""The answer rules: each rule has a passing and a failing case, and every message names its keys."""

from __future__ import annotations

import pytest

from generator.answers import rules, values
from generator.answers.parse import complete, render_default, validate
from generator.answers.questions import BY_NAME, QUESTIONS
from generator.errors import UserError


def answers(**given):
    return complete(given)


def test_defaults_pass_every_rule():
    assert rules.check(answers()) == []


@pytest.mark.parametrize(
    ("given", "keys", "words"),
    [
        ({"project_slug": "My_Service", "package_name": "svc"}, ("project_slug",), "lowercase"),
        ({"project_slug": "9lives", "package_name": "svc"}, ("project_slug",), "starting with a letter"),
        ({"project_slug": "a" * 40}, ("project_slug",), "64 characters"),
        ({"package_name": "class"}, ("package_name",), "Python identifier"),
        ({"aws_region": "moon-base-1"}, ("aws_region",), "region"),
        ({"aws_region": "us-gov-west-1"}, ("aws_region",), "region"),
        ({"database": "postgres", "vpc": "no"}, ("vpc", "database_access"), "VPC"),
        ({"database": "mysql", "database_access": "direct", "vpc": "no"}, ("vpc", "database_access"), "VPC"),
        ({"database_access": "data-api"}, ("database", "database_access"), "needs a database"),
        ({"api": "rest", "function_timeout": 30}, ("function_timeout", "api"), "29 s"),
        ({"api": "http", "function_timeout": 31}, ("function_timeout", "api"), "30 s"),
        ({"log_retention_days": 15}, ("log_retention_days",), "CloudWatch Logs accepts"),
        ({"reserved_concurrency": 450}, ("reserved_concurrency", "account_concurrency"), "unreserved"),
        ({"account_concurrency": 110, "reserved_concurrency": 10}, ("reserved_concurrency", "account_concurrency"), "unreserved"),
        ({"api": "http", "waf": "rate-limit"}, ("waf", "api"), "HTTP APIs"),
        ({"api": "none", "waf": "rate-limit"}, ("waf", "api"), "no API to protect"),
        ({"api": "none", "waf": "none", "auth": "cognito"}, ("auth", "api"), "no route to protect"),
        ({"api": "http", "auth": "api-key"}, ("auth", "api"), "HTTP APIs have no API keys"),
        (
            {"api": "rest", "auth": "jwt", "jwt_issuer": "https://id.example.com/", "jwt_audience": "api"},
            ("auth", "api"),
            "no JWT authorizer",
        ),
        ({"api": "http", "auth": "jwt"}, ("jwt_issuer", "jwt_audience"), "auth=jwt needs"),
        ({"api": "http", "auth": "jwt", "jwt_issuer": "http://id.example.com/", "jwt_audience": "api"}, ("jwt_issuer",), "plain http"),
        ({"api": "http", "auth": "jwt", "jwt_issuer": "https://id.example.com/ x", "jwt_audience": "api"}, ("jwt_issuer",), "https URL"),
        ({"api": "http", "auth": "jwt", "jwt_issuer": "https://id.example.com/", "jwt_audience": "a b"}, ("jwt_audience",), "letters"),
        ({"api": "http", "auth": "cognito", "jwt_issuer": "https://id.example.com/"}, ("jwt_issuer",), "only auth=jwt"),
    ],
    ids=lambda v: "-".join(f"{k}:{x}" for k, x in v.items()) if isinstance(v, dict) else None,
)
def test_broken_rule_names_its_keys(given, keys, words):
    problems = rules.check(answers(**given))
    assert [p.keys for p in problems] == [keys]
    text = str(problems[0])
    assert words in text
    assert "Fix:" in text
    assert "\n" not in text
    for key in keys:
        assert key in text


@pytest.mark.parametrize(
    "given",
    [
        {"api": "none", "function_timeout": 900},
        {"api": "http", "function_timeout": 30},
        {"api": "rest", "function_timeout": 29},
        {"database": "postgres", "database_access": "data-api", "vpc": "no"},
        {"database": "mysql", "database_access": "data-api", "vpc": "auto"},
        {"vpc": "yes"},
        {"reserved_concurrency": 449, "cold_start": "none"},
        {"reserved_concurrency": 449, "api": "none"},
        {"project_slug": "a" * 20},
        {"aws_region": "ap-southeast-2"},
        {"log_retention_days": 3653},
        {"api": "rest", "waf": "none"},
        {"api": "http"},  # waf follows the API: none without a REST API
        {"api": "none", "waf": "none", "monthly_budget": 0},
        {"waf_rate_limit": 10},
        {"waf_rate_limit": 2_000_000_000},
    ],
    ids=lambda v: "-".join(f"{k}:{x}" for k, x in v.items()),
)
def test_allowed_edges_pass(given):
    assert rules.check(answers(**given)) == []


def test_reserved_budget_counts_the_warmer():
    # 2 functions x 449 + 1 warmer = 899 reserved of 1000: 101 stay unreserved.
    assert rules.reserved_total(answers(reserved_concurrency=449)) == 899
    assert rules.check(answers(reserved_concurrency=450)) != []


def test_the_migrate_function_counts_one_reserved_and_its_name_bounds_the_slug():
    # With a database: 2 functions x 449 + 1 warmer + 1 migrate = 900 of 1000, still 100 unreserved; 450 is refused.
    db = {"database": "postgres", "database_access": "data-api"}
    assert rules.all_functions(answers(**db)) == ["api", "worker", "migrate"]
    assert rules.reserved_total(answers(reserved_concurrency=449, **db)) == 900
    assert rules.check(answers(reserved_concurrency=449, **db)) == []
    assert rules.check(answers(reserved_concurrency=450, **db)) != []
    # "<slug>-<stage>-migrate" must fit too; the "-<stage>-<region>-lambdaRole" suffix stays the longer bound.
    no_db = rules.max_slug_length(answers(aws_region="us-east-1", cold_start="none"))
    assert rules.max_slug_length(answers(aws_region="us-east-1", cold_start="none", **db)) == no_db


def test_slug_bound_follows_region_length():
    # The warmer's name is the longest in us-east-1; the IAM role's in ap-southeast-2.
    short = rules.max_slug_length(answers(aws_region="us-east-1"))
    long = rules.max_slug_length(answers(aws_region="ap-southeast-2"))
    assert short == 64 - len("-production-warmup-plugin-default")
    assert long == 64 - len("-production-ap-southeast-2-lambdaRole")
    slug = "s" * short
    assert rules.check(answers(project_slug=slug)) == []
    assert rules.check(answers(project_slug=slug + "s"))[0].keys == ("project_slug",)


@pytest.mark.parametrize(
    ("given", "vpc"),
    [
        ({}, False),
        ({"database": "postgres"}, True),
        ({"database": "mysql", "database_access": "direct"}, True),
        ({"database": "postgres", "database_access": "data-api"}, False),
        ({"vpc": "yes"}, True),
        ({"database": "postgres", "database_access": "data-api", "vpc": "yes"}, True),
    ],
)
def test_vpc_auto_resolves_from_database_access(given, vpc):
    assert rules.uses_vpc(answers(**given)) is vpc


@pytest.mark.parametrize(
    ("key", "raw", "value"),
    [("tracing", "false", False), ("tracing", "Yes", True), ("function_timeout", " 12 ", 12), ("api", "http", "http")],
)
def test_coerce_accepts_typed_strings(key, raw, value):
    assert values.coerce(key, raw) == value


@pytest.mark.parametrize(
    ("key", "raw", "allowed"),
    [
        ("tracing", "maybe", "true or false"),
        ("function_timeout", "abc", "whole number from 1 to 900"),
        ("function_timeout", "0", "whole number from 1 to 900"),
        ("memory_size", "20000", "from 128 to 10240"),
        ("api", "graphql", "one of rest, http, none"),
        ("runtime", "python3.10", "one of python3.13, python3.12, python3.14"),
    ],
)
def test_bad_values_say_key_value_allowed_and_fix(key, raw, allowed):
    with pytest.raises(UserError) as info:
        validate({key: raw})
    text = str(info.value)
    assert f"{key}={raw}" in text
    assert allowed in text
    assert f"--set {key}=" in text


def test_derived_defaults_follow_project_name():
    a = answers(project_name="Billing API")
    assert (a["project_slug"], a["package_name"]) == ("billing-api", "billing_api")


def test_every_question_has_a_one_line_trade_off():
    for q in QUESTIONS:
        assert q.help and "\n" not in q.help, q.name
        if q.kind == "choice" and q.derived:  # a default derived from earlier answers is a choice for each of them
            for api in BY_NAME["api"].choices:
                assert render_default(q.name, {**answers(api=api), q.name: None}) in q.choices, (q.name, api)
        elif q.kind == "choice":
            assert q.default in q.choices, q.name


def test_waf_defaults_to_rate_limit_on_a_rest_api_only():
    assert [answers(api=api)["waf"] for api in ("rest", "http", "none")] == ["rate-limit", "none", "none"]
    assert (answers()["waf_rate_limit"], answers()["monthly_budget"]) == (1000, 50)


@pytest.mark.parametrize(
    ("key", "raw"), [("waf_rate_limit", 9), ("waf_rate_limit", 2_000_000_001), ("monthly_budget", -1), ("waf", "block")]
)
def test_new_answers_out_of_range_are_refused_in_one_line(key, raw):
    with pytest.raises(UserError) as err:
        validate({key: raw})
    text = str(err.value)
    assert f"{key}={raw} is not allowed" in text and "Fix:" in text and "\n" not in text


@pytest.mark.parametrize(
    ("api", "auths"),
    [("rest", {"cognito", "iam", "api-key", "none"}), ("http", {"cognito", "jwt", "iam", "none"}), ("none", {"none"})],
)
def test_auth_combinations_the_rules_allow(api, auths):
    jwt = {"jwt_issuer": "https://id.example.com/", "jwt_audience": "https://api.example.com"}
    allowed = {auth for auth in BY_NAME["auth"].choices if not rules.check(answers(api=api, auth=auth, **(jwt if auth == "jwt" else {})))}
    assert allowed == auths


def test_auth_defaults_to_cognito_with_an_api_and_none_without():
    assert answers()["auth"] == "cognito"
    assert answers(api="http")["auth"] == "cognito"
    assert answers(api="none", waf="none")["auth"] == "none"


def test_a_templated_jwt_issuer_is_refused_as_text():
    problem = values.value_problem("jwt_issuer", "https://${env:HOME}/")
    assert problem is not None and "never a template" in problem.message
