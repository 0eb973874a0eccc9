"""The wizard's question graph, driven in-process through prompt_toolkit's pipe input.

Each test types keys into the real questionary prompts; which questions were asked is read
from the help lines the wizard prints before each prompt (one per question, from questions.py).
"""

from __future__ import annotations

import io
import sys

import pytest

from generator.answers import rules
from generator.answers.parse import complete, validate
from generator.answers.questions import BY_NAME, QUESTIONS
from generator.errors import Interrupted, SlsguardError, UserError
from generator.new.wizard import Wizard, run_wizard
from tests.support.wizard import CTRL_C, DOWN, ENTER, NO, drive, typed

HELP_TO_NAME = {f"  {q.help}": q.name for q in QUESTIONS}
CORE_DEFAULT = ["project_name", "project_slug", "runtime", "database", "vpc"]
REST = [q.name for q in QUESTIONS if not q.core and q.name not in ("jwt_issuer", "jwt_audience")]  # those only with auth=jwt


def asked(lines: list[str]) -> list[str]:
    return [HELP_TO_NAME[line] for line in lines if line in HELP_TO_NAME]


def announced(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("! ")]


def test_enter_everywhere_asks_the_core_questions_and_gives_the_defaults(tmp_path):
    answers, lines = drive(tmp_path, ENTER * 5 + ENTER + ENTER)
    assert asked(lines) == CORE_DEFAULT
    assert answers == complete({})
    assert "database_access" not in asked(lines), "database=none makes the access question irrelevant"


def test_core_questions_come_in_question_order_then_the_recommended_offer(tmp_path):
    _, lines = drive(tmp_path, ENTER * 7)
    core = [q.name for q in QUESTIONS if q.core]
    assert core == ["project_name", "project_slug", "runtime", "database", "database_access", "vpc"]
    offer = next(i for i, line in enumerate(lines) if line.startswith("  Recommended:"))
    assert offer > max(lines.index(f"  {BY_NAME[n].help}") for n in CORE_DEFAULT)


@pytest.mark.parametrize(
    ("access_keys", "access"),
    [(ENTER, "rds-proxy"), (DOWN + ENTER, "direct")],
    ids=["access:rds-proxy", "access:direct"],
)
def test_when_the_database_access_needs_the_vpc_no_is_refused_and_auto_is_recorded(tmp_path, access_keys, access):
    # auto and yes differ once the service grows: auto puts only the functions that use the database in the VPC,
    # yes every function; so the wizard asks, as --set does not force either, and "no" is disabled
    keys = ENTER * 3 + DOWN + ENTER + access_keys + ENTER + ENTER + ENTER
    answers, lines = drive(tmp_path, keys)
    assert asked(lines) == ["project_name", "project_slug", "runtime", "database", "database_access", "vpc"]
    assert answers["database"] == "postgres" and answers["database_access"] == access and answers["vpc"] == "auto"
    assert announced(lines) == []
    assert validate(answers) == answers
    with pytest.raises(UserError, match="vpc=no conflicts with database_access="):
        validate({**answers, "vpc": "no"})


def test_data_api_leaves_the_vpc_question_open(tmp_path):
    keys = ENTER * 3 + DOWN + DOWN + ENTER + DOWN + DOWN + ENTER + DOWN + DOWN + ENTER + ENTER + ENTER
    answers, lines = drive(tmp_path, keys)
    assert asked(lines) == ["project_name", "project_slug", "runtime", "database", "database_access", "vpc"]
    assert (answers["database"], answers["database_access"], answers["vpc"]) == ("mysql", "data-api", "no")
    assert announced(lines) == []


def test_no_to_the_recommended_settings_walks_every_remaining_question(tmp_path):
    answers, lines = drive(tmp_path, ENTER * 5 + NO + ENTER * len(REST) + ENTER)
    assert asked(lines) == CORE_DEFAULT + REST
    assert answers == complete({})


def test_api_none_skips_cold_start_rollout_throttling_and_waf(tmp_path):
    rest_keys = ENTER * 4 + DOWN + DOWN + ENTER  # package, description, region, architecture; api=none
    answers, lines = drive(tmp_path, ENTER * 5 + NO + rest_keys + ENTER * 9 + ENTER)
    skipped = {"auth", "cold_start", "rollout", "throttle_rate", "throttle_burst", "waf", "waf_rate_limit"}
    assert asked(lines) == CORE_DEFAULT + [n for n in REST if n not in skipped]
    assert (answers["api"], answers["waf"]) == ("none", "none")
    assert validate(answers) == answers


def test_a_custom_walk_through_sets_every_kind_of_answer(tmp_path):
    keys = (
        typed("Billing API")
        + ENTER  # slug derived from the name
        + DOWN + DOWN + ENTER  # python3.14
        + DOWN + ENTER  # postgres
        + DOWN + DOWN + ENTER  # data-api
        + DOWN + ENTER  # vpc=yes
        + NO
        + ENTER + typed("Bills customers") + typed("eu-west-2")
        + DOWN + ENTER  # x86_64
        + DOWN + ENTER  # http
        + ENTER  # auth=cognito
        + DOWN + ENTER  # provisioned
        + ENTER  # rollout=canary
        + typed("30") + typed("512") + typed("2000") + typed("25") + typed("5") + typed("10")
        + typed("200")  # monthly_budget; waf is never asked for an HTTP API
        + NO  # tracing
        + typed("30")
        + NO  # split stacks
        + DOWN + DOWN + ENTER  # serverless (after osls and osls3)
        + ENTER
    )  # fmt: skip
    answers, _ = drive(tmp_path, keys)
    assert answers == validate(
        {
            "project_name": "Billing API",
            "project_slug": "billing-api",
            "package_name": "billing_api",
            "description": "Bills customers",
            "aws_region": "eu-west-2",
            "runtime": "python3.14",
            "architecture": "x86_64",
            "api": "http",
            "cold_start": "provisioned",
            "database": "postgres",
            "database_access": "data-api",
            "vpc": "yes",
            "function_timeout": 30,
            "memory_size": 512,
            "account_concurrency": 2000,
            "reserved_concurrency": 25,
            "throttle_rate": 5,
            "throttle_burst": 10,
            "waf": "none",
            "waf_rate_limit": 1000,
            "monthly_budget": 200,
            "tracing": False,
            "log_retention_days": 30,
            "split_stacks": False,
            "framework": "serverless",
        }
    )


def test_waf_is_asked_for_a_rest_api_and_its_rate_only_with_rate_limit(tmp_path):
    keys = ENTER * 5 + NO + ENTER * 4 + ENTER + ENTER + ENTER + ENTER * 7 + DOWN + ENTER + ENTER * 5 + ENTER  # api=rest, auth, waf=none
    answers, lines = drive(tmp_path, keys)
    assert (answers["api"], answers["waf"]) == ("rest", "none")
    assert "waf" in asked(lines) and "waf_rate_limit" not in asked(lines)
    assert asked(lines).index("waf") == asked(lines).index("throttle_burst") + 1, "asked right after the API it protects"
    summary = lines[lines.index(next(x for x in lines if x.startswith("slsguard will create"))) :]
    assert any(line.split()[:2] == ["waf", "none"] and "one client can use the whole stage throttle" in line for line in summary)


def test_waf_is_never_asked_for_an_http_api(tmp_path):
    keys = ENTER * 5 + NO + ENTER * 4 + DOWN + ENTER + ENTER + ENTER + ENTER * 7 + ENTER * 5 + ENTER  # api=http, auth
    answers, lines = drive(tmp_path, keys)
    assert (answers["api"], answers["waf"]) == ("http", "none")
    assert not {"waf", "waf_rate_limit"} & set(asked(lines))
    assert "monthly_budget" in asked(lines)
    assert announced(lines) == []


def test_a_given_waf_rate_limit_leaves_rest_as_the_only_api(tmp_path):
    answers, lines = drive(tmp_path, ENTER * 5 + NO + ENTER * 4 + ENTER + ENTER + ENTER * 7 + ENTER * 6 + ENTER, {"waf": "rate-limit"})
    assert (answers["api"], answers["waf"]) == ("rest", "rate-limit")
    assert "api" not in asked(lines) and "waf" not in asked(lines) and "waf_rate_limit" in asked(lines)
    (line,) = announced(lines)
    assert line.startswith("! HTTP API rest: waf=rate-limit needs api=rest, but api=http")


def test_given_keys_are_not_asked(tmp_path):
    given = {"project_name": "Orders", "runtime": "python3.12", "database": "mysql", "database_access": "data-api"}
    answers, lines = drive(tmp_path, ENTER * 4, given)
    assert asked(lines) == ["project_slug", "vpc"]
    assert answers["project_slug"] == "orders" and answers["runtime"] == "python3.12" and answers["database"] == "mysql"


def test_every_answer_given_asks_only_for_the_final_confirmation(tmp_path):
    given = complete({"project_name": "Full"})
    answers, lines = drive(tmp_path, ENTER, given)
    assert asked(lines) == []
    assert not any(line.startswith("  Recommended:") for line in lines)
    assert answers == complete(given)


def test_invalid_numbers_are_refused_at_the_prompt_and_asked_again(tmp_path):
    rest = ENTER * 7  # package .. cold_start, rollout
    keys = ENTER * 5 + NO + rest + typed("abc") + typed("0") + typed("30") + typed("29") + ENTER * 12 + ENTER
    answers, lines = drive(tmp_path, keys)
    assert answers["function_timeout"] == 29
    assert asked(lines).count("function_timeout") == 1, "a refused value re-asks the same prompt"


def test_the_prompt_refuses_with_the_same_line_as_set(tmp_path):
    wizard = Wizard({"api": "rest"}, output_dir=str(tmp_path))
    for raw in ("abc", "0", "901", "30"):
        with pytest.raises(UserError) as err:
            validate({"api": "rest", "function_timeout": raw})
        assert wizard.problem("function_timeout", raw) == str(err.value)
    assert wizard.problem("function_timeout", "29") is None
    assert Wizard({"api": "http"}, output_dir=str(tmp_path)).problem("function_timeout", "30") is None


def test_a_combination_is_judged_only_once_both_keys_are_decided(tmp_path):
    undecided = Wizard({}, output_dir=str(tmp_path))
    assert undecided.problem("function_timeout", "60") is None  # api is still open: it may become none
    decided = Wizard({"api": "rest"}, output_dir=str(tmp_path))
    assert "exceeds the 29 s integration limit" in decided.problem("function_timeout", "60")


def test_reservations_are_checked_against_the_account_limit_typed_before(tmp_path):
    keys = ENTER * 5 + NO + ENTER * 8 + ENTER * 2 + typed("200") + typed("50") + typed("40") + ENTER * 9 + ENTER
    answers, _ = drive(tmp_path, keys)
    assert (answers["account_concurrency"], answers["reserved_concurrency"]) == (200, 40)
    assert rules.reserved_total(answers) <= 200 - 100


def test_log_retention_accepts_only_cloudwatch_values(tmp_path):
    keys = ENTER * 5 + NO + ENTER * 18 + typed("10") + typed("90") + ENTER * 2 + ENTER
    answers, _ = drive(tmp_path, keys)
    assert answers["log_retention_days"] == 90


def test_a_choice_the_rules_refuse_is_disabled_and_the_pointer_starts_on_an_allowed_one(tmp_path):
    # the recommended settings cannot hold (rest + 30 s), so the rest is walked without the offer
    keys = ENTER * 5 + ENTER * 4 + ENTER + ENTER * 13 + ENTER  # api: the pointer starts on http
    answers, lines = drive(tmp_path, keys, {"function_timeout": "30"})
    assert answers["api"] == "http"
    assert "function_timeout" not in asked(lines)


def test_a_question_with_one_possible_answer_is_announced(tmp_path):
    answers, lines = drive(tmp_path, ENTER * 5 + ENTER * 4 + ENTER * 8 + ENTER, {"function_timeout": "60"})
    assert answers["api"] == "none"
    assert "api" not in asked(lines)
    assert any(line.startswith("! HTTP API none: function_timeout=60 exceeds") for line in announced(lines))


def test_vpc_no_leaves_the_data_api_as_the_only_database_access(tmp_path):
    answers, lines = drive(tmp_path, ENTER * 5, {"database": "postgres", "vpc": "no"})
    assert answers["database_access"] == "data-api"
    assert "database_access" not in asked(lines)
    assert announced(lines) == [
        "! How do the functions reach the database? data-api: vpc=no conflicts with database_access=rds-proxy: "
        "RDS Proxy and direct connections reach the database only inside its VPC."
    ]


def test_recommended_settings_that_contradict_a_given_answer_are_not_offered(tmp_path):
    # reserved_concurrency=450 fits only a raised account limit: the walk asks for it, and 1000 is refused
    keys = ENTER * 5 + ENTER * 7 + ENTER * 2 + ENTER + typed("2000") + ENTER * 9 + ENTER
    answers, lines = drive(tmp_path, keys, {"reserved_concurrency": "450"})
    assert any("do not fit your answers" in line for line in lines)
    assert answers["account_concurrency"] == 2000


def test_an_existing_project_folder_is_refused_at_the_slug_prompt(tmp_path):
    (tmp_path / "my-service").mkdir()
    answers, _ = drive(tmp_path, ENTER + ENTER + typed("other-service") + ENTER * 5)
    assert answers["project_slug"] == "other-service"
    forced, _ = drive(tmp_path, ENTER * 7, force=True)
    assert forced["project_slug"] == "my-service"


def test_an_existing_project_folder_given_by_flag_fails_before_any_question(tmp_path):
    (tmp_path / "orders").mkdir()
    with pytest.raises(UserError, match=r"orders already exists.*Fix: pass --force"):
        drive(tmp_path, "", {"project_slug": "orders"})
    with pytest.raises(UserError, match=r"orders already exists"):
        drive(tmp_path, "", {"project_name": "Orders", "project_slug": "orders"})


@pytest.mark.parametrize(
    ("given", "keys"),
    [
        ({"database": "postgres", "database_access": "direct", "vpc": "no"}, ("vpc", "database_access")),
        ({"database": "none", "database_access": "data-api"}, ("database_access", "database")),
        ({"api": "rest", "function_timeout": "60"}, ("function_timeout", "api")),
    ],
    ids=["database:postgres-database_access:direct-vpc:no", "database:none-database_access:data-api", "api:rest-function_timeout:60"],
)
def test_contradictory_flags_fail_before_any_question(tmp_path, given, keys):
    with pytest.raises(UserError) as err:
        drive(tmp_path, "", given)
    assert all(key in str(err.value) for key in keys)
    assert "Fix:" in str(err.value)


@pytest.mark.parametrize(
    ("given", "message"),
    [({"colour": "blue"}, "unknown key 'colour'"), ({"api": "graphql"}, "api=graphql is not allowed")],
    ids=["unknown-key", "bad-value"],
)
def test_bad_flags_fail_before_any_question(tmp_path, given, message):
    with pytest.raises(UserError, match=message):
        drive(tmp_path, "", given)


@pytest.mark.parametrize(
    "keys", [ENTER * 3 + CTRL_C, ENTER * 5 + NO + ENTER * 3 + CTRL_C, ENTER * 6 + CTRL_C], ids=["core", "rest", "summary"]
)
def test_ctrl_c_at_any_prompt_is_an_interruption(tmp_path, keys):
    with pytest.raises(Interrupted) as err:
        drive(tmp_path, keys)
    assert err.value.exit_code == 130
    assert list(tmp_path.iterdir()) == []


def test_end_of_input_is_an_interruption(tmp_path):
    with pytest.raises(Interrupted):
        drive(tmp_path, ENTER * 2)


def test_declining_the_summary_writes_nothing(tmp_path):
    with pytest.raises(SlsguardError, match="nothing was written") as err:
        drive(tmp_path, ENTER * 6 + NO)
    assert err.value.exit_code == 130  # stopped by the user, like Ctrl-C: not a finding (1), not bad input (2)
    assert list(tmp_path.iterdir()) == []


def test_the_summary_names_what_each_choice_costs_or_risks(tmp_path):
    keys = ENTER * 3 + DOWN + ENTER + ENTER + ENTER + NO + ENTER * 6 + DOWN + ENTER + ENTER * 14 + ENTER
    answers, lines = drive(tmp_path, keys)
    assert answers["cold_start"] == "provisioned"
    summary = "\n".join(lines[lines.index(next(x for x in lines if x.startswith("slsguard will create"))) :])
    assert "billed every hour while configured" in summary
    assert "RDS Proxy is billed per vCPU" in summary
    assert "NAT gateway" in summary  # vpc=auto resolves to a VPC for rds-proxy
    assert (answers["waf"], answers["waf_rate_limit"]) == ("rate-limit", 1000)
    (waf,) = [line for line in summary.splitlines() if line.split()[:2] == ["waf", "rate-limit"]]
    assert "AWS WAF: about $8 a month" in waf and "per million requests" in waf
    (auth,) = [line for line in summary.splitlines() if line.split()[:2] == ["auth", "cognito"]]
    assert "10,000 monthly active users free" in auth


def test_without_a_terminal_the_wizard_refuses_and_points_at_no_input(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "stdin", io.StringIO())
    with pytest.raises(UserError, match=r"no terminal.*Fix: pass --no-input"):
        run_wizard({}, output_dir=str(tmp_path))
