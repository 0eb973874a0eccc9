"""The rules every answer set must pass, written once for the wizard, ``--set``,
the cookiecutter pre-generation hook and the tests.

Standard library only: ``hooks/pre_gen_project.py`` imports this module under plain cookiecutter.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import limits
from .questions import BY_NAME, QUESTIONS, Answers
from .text import shown
from .values import JWT_EXAMPLE, PATTERNS, BadValue, Problem, allowed_text, coerce, jwt_problem, pattern_problem

VPC_ACCESS = frozenset({"rds-proxy", "direct"})
WARMER_FUNCTION = "warmup-plugin-default"  # serverless-plugin-warmup's function name suffix
WARMER_RESERVED_CONCURRENCY = 1
# serverless.yml's migrate function (deploy-time migrations, Custom::Migrations): one copy at a time.
MIGRATE_FUNCTION = "migrate"
MIGRATE_RESERVED_CONCURRENCY = 1
WARMER_CONCURRENCY = 1
PROVISIONED_CONCURRENCY = 1


def uses_vpc(answers: Mapping[str, Any]) -> bool:
    """``vpc=auto`` resolves to a VPC only when the database access needs one."""
    if answers["vpc"] == "yes":
        return True
    if answers["vpc"] == "no":
        return False
    return answers["database"] != "none" and answers["database_access"] in VPC_ACCESS


def cold_start(answers: Mapping[str, Any]) -> str:
    """The effective cold-start strategy: only HTTP functions are latency-sensitive."""
    return answers["cold_start"] if answers["api"] != "none" else "none"


def generated_functions(answers: Mapping[str, Any]) -> list[str]:
    """The application functions: each gets the answered timeout and reserved concurrency (without the warmer)."""
    return (["api"] if answers["api"] != "none" else []) + ["worker"]


def all_functions(answers: Mapping[str, Any]) -> list[str]:
    """Every function serverless.yml declares: with a database, also the deploy-time migrate function."""
    return generated_functions(answers) + ([MIGRATE_FUNCTION] if answers["database"] != "none" else [])


def reserved_total(answers: Mapping[str, Any]) -> int:
    """Concurrency the generated service reserves across all its functions."""
    total = int(answers["reserved_concurrency"]) * len(generated_functions(answers))
    if cold_start(answers) == "warmer":
        total += WARMER_RESERVED_CONCURRENCY
    if answers["database"] != "none":
        total += MIGRATE_RESERVED_CONCURRENCY
    return total


def max_slug_length(answers: Mapping[str, Any]) -> int:
    """The longest slug whose function and IAM role names still fit in 64 characters."""
    stage = limits.LONGEST_STAGE
    suffixes = [f"-{stage}-{fn}" for fn in all_functions(answers)]
    if cold_start(answers) == "warmer":
        suffixes.append(f"-{stage}-{WARMER_FUNCTION}")
    suffixes.append(f"-{stage}-{answers['aws_region']}-lambdaRole")
    return limits.LAMBDA_FUNCTION_NAME_MAX - max(len(s) for s in suffixes)


def _typed(answers: Mapping[str, Any]) -> tuple[Answers, list[Problem]]:
    """Every answer coerced to its type, and a problem for each missing or malformed one."""
    typed, problems = dict(answers), []
    for q in QUESTIONS:
        if q.name not in answers:
            problems.append(Problem((q.name,), f"{q.name} is missing.", f"--set {q.name}=<{allowed_text(q)}>"))
            continue
        try:
            typed[q.name] = coerce(q.name, answers[q.name])
        except BadValue as err:
            problems.append(err.problem)
    return typed, problems


def _text_problems(a: Answers) -> list[Problem]:
    problems = [p for p in (pattern_problem(name, a[name]) for name in PATTERNS) if p is not None]
    problems += [p for p in (jwt_problem(n, a[n]) for n in JWT_EXAMPLE if a[n]) if p is not None]
    slug = a["project_slug"]
    if not problems and len(slug) > max_slug_length(a):
        problems.append(
            Problem(
                ("project_slug",),
                f"project_slug={shown(slug)} is {len(slug)} characters: at most {max_slug_length(a)} keep "
                f"'{slug}-{limits.LONGEST_STAGE}-...' function and role names within 64 characters.",
                "choose a shorter --set project_slug=...",
            )
        )
    return problems


def _combination_problems(a: Answers) -> list[Problem]:
    problems = []
    db, access = a["database"], a["database_access"]
    if db != "none" and access in VPC_ACCESS and a["vpc"] == "no":
        problems.append(
            Problem(
                ("vpc", "database_access"),
                f"vpc=no conflicts with database_access={access}: RDS Proxy and direct connections reach the database only inside its VPC.",
                "set vpc=auto, or database_access=data-api (Aurora, no VPC).",
            )
        )
    if db == "none" and access != BY_NAME["database_access"].default:
        problems.append(
            Problem(
                ("database", "database_access"),
                f"database_access={access} needs a database, but database=none.",
                "set database=postgres or database=mysql, or drop database_access.",
            )
        )
    limit = {"rest": limits.REST_API_MAX_INTEGRATION_TIMEOUT_S, "http": limits.HTTP_API_MAX_INTEGRATION_TIMEOUT_S}.get(a["api"])
    if limit is not None and a["function_timeout"] > limit:
        problems.append(
            Problem(
                ("function_timeout", "api"),
                f"function_timeout={a['function_timeout']} exceeds the {limit} s integration limit of api={a['api']}: API Gateway would answer 504 while the function keeps running (and billing).",
                f"set function_timeout to {limit} or less, or api=none for long-running work.",
            )
        )
    if a["waf"] != "none" and a["api"] != "rest":
        problems.append(
            Problem(
                ("waf", "api"),
                f"waf={a['waf']} needs api=rest, but api={a['api']}: AWS WAF attaches to REST API stages, not to HTTP APIs"
                + (" (and there is no API to protect)." if a["api"] == "none" else "."),
                "set waf=none (for an HTTP API, put CloudFront with a web ACL in front of it), or api=rest.",
            )
        )
    problems += _auth_problems(a)
    if a["log_retention_days"] not in limits.LOG_RETENTION_DAYS:
        problems.append(
            Problem(
                ("log_retention_days",),
                f"log_retention_days={a['log_retention_days']} is not a value CloudWatch Logs accepts "
                f"(one of {', '.join(map(str, limits.LOG_RETENTION_DAYS))}).",
                "--set log_retention_days=14",
            )
        )
    spare = a["account_concurrency"] - limits.LAMBDA_UNRESERVED_MINIMUM
    total = reserved_total(a)
    if total > spare:
        functions = len(generated_functions(a))
        problems.append(
            Problem(
                ("reserved_concurrency", "account_concurrency"),
                f"reserved_concurrency={a['reserved_concurrency']} x {functions} functions reserves {total} of "
                f"account_concurrency={a['account_concurrency']}, leaving fewer than the {limits.LAMBDA_UNRESERVED_MINIMUM} "
                "that AWS keeps unreserved.",
                f"set reserved_concurrency to at most {max(spare - (total - a['reserved_concurrency'] * functions), 0) // functions}, "
                "or account_concurrency to your real (raised) limit.",
            )
        )
    return problems


def _auth_problems(a: Answers) -> list[Problem]:
    """auth against api, and jwt's issuer and audience (one problem at most: the first that applies)."""
    auth, api = a["auth"], a["api"]
    if api == "none" and auth != "none":
        return [
            Problem(
                ("auth", "api"),
                f"auth={auth} needs an API, but api=none: there is no route to protect.",
                "set auth=none, or api=rest or api=http.",
            )
        ]
    if api == "http" and auth == "api-key":
        return [
            Problem(
                ("auth", "api"),
                "auth=api-key needs api=rest: AWS HTTP APIs have no API keys (and a key is metering, not authentication).",
                "set auth=cognito, jwt or iam, or api=rest.",
            )
        ]
    if api == "rest" and auth == "jwt":
        return [
            Problem(
                ("auth", "api"),
                "auth=jwt needs api=http: REST APIs have no JWT authorizer, and a Lambda token authorizer would add a "
                "function (its cold start, its bill under a flood, its JWT code) in front of every request.",
                "set api=http (native JWT authorizer), or auth=cognito (REST's Cognito user pools authorizer).",
            )
        ]
    if auth == "jwt":
        missing = [n for n in JWT_EXAMPLE if not a[n]]
        if missing:
            return [
                Problem(
                    tuple(missing),
                    f"auth=jwt needs {' and '.join(missing)}: the issuer URL and audience tokens must carry.",
                    " ".join(f"--set {n}={JWT_EXAMPLE[n]}" for n in missing),
                )
            ]
    else:
        given = [n for n in JWT_EXAMPLE if a[n]]
        if given:
            return [
                Problem(tuple(given), f"{given[0]} is set, but auth={auth}: only auth=jwt reads it.", f"set auth=jwt, or drop {given[0]}.")
            ]
    return []


def check(answers: Mapping[str, Any]) -> list[Problem]:
    """Every problem with a complete answer set; an empty list means it can be rendered."""
    a, problems = _typed(answers)
    if problems:
        return problems
    return _text_problems(a) + _combination_problems(a)
