"""The rules every answer set must pass, written once for the wizard, ``--set``,
the cookiecutter pre-generation hook and the tests.

Standard library only: ``hooks/pre_gen_project.py`` imports this module under plain cookiecutter.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import limits
from .questions import BY_NAME, QUESTIONS, Answers, Question
from .text import FREE_TEXT_MAX, free_text_problem, shown

# Matched with fullmatch, never match: "$" also matches before a trailing newline.
SLUG_RE = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")
PACKAGE_RE = re.compile(r"[a-z_][a-z0-9_]*")
# Standard partition only: the Powertools layer account differs in GovCloud and China.
REGION_RE = re.compile(
    r"(af|ap|ca|eu|il|me|mx|sa|us)-"
    r"(central|north|south|east|west|northeast|northwest|southeast|southwest)-[1-9]"
)
TRUE_WORDS = frozenset({"true", "yes", "y", "1", "on"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "off"})
VPC_ACCESS = frozenset({"rds-proxy", "direct"})
WARMER_FUNCTION = "warmup-plugin-default"  # serverless-plugin-warmup's function name suffix
WARMER_RESERVED_CONCURRENCY = 1
# serverless.yml's migrate function (deploy-time migrations, Custom::Migrations): one copy at a time.
MIGRATE_FUNCTION = "migrate"
MIGRATE_RESERVED_CONCURRENCY = 1
WARMER_CONCURRENCY = 1
PROVISIONED_CONCURRENCY = 1


@dataclass(frozen=True)
class Problem:
    """One broken rule, printed as a single line naming keys, values, what is allowed and the fix."""

    keys: tuple[str, ...]
    message: str
    fix: str

    def __str__(self) -> str:
        return f"{self.message} Fix: {self.fix}"


class BadValue(ValueError):
    """One answer that is not of its type or range; ``str()`` is the one-line message with its fix."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def allowed_text(q: Question) -> str:
    """What a question accepts, in words."""
    if q.kind == "choice":
        return "one of " + ", ".join(q.choices)
    if q.kind == "bool":
        return "true or false"
    if q.name == "log_retention_days":
        return "one of " + ", ".join(str(d) for d in limits.LOG_RETENTION_DAYS)
    if q.kind == "int":
        low = q.minimum if q.minimum is not None else "-inf"
        high = q.maximum if q.maximum is not None else "any"
        return f"a whole number from {low} to {high}" if q.maximum else f"a whole number >= {low}"
    if q.name == "jwt_issuer":
        return "with auth=jwt: the issuer's https URL"
    if q.name == "jwt_audience":
        return "with auth=jwt: the audience tokens carry (letters, digits, . _ ~ : / @ + -)"
    if q.name in FREE_TEXT_MAX:
        return f"one line of text, at most {FREE_TEXT_MAX[q.name]} characters, no template syntax ({{{{ {{% {{# ${{)"
    return "text"


def coerce(name: str, raw: Any) -> Any:
    """Turn a raw answer (string from a flag or cookiecutter, or a typed value) into its type.

    Raises BadValue (a ValueError) naming key, value, what is allowed and the fix.
    """
    q = BY_NAME[name]
    example = q.default if not q.derived else "..."
    example = str(example).lower() if isinstance(example, bool) else example
    bad = BadValue(Problem((name,), f"{name}={shown(raw)} is not allowed: {name} must be {allowed_text(q)}.", f"--set {name}={example}"))
    if q.kind == "bool":
        if isinstance(raw, bool):
            return raw
        word = str(raw).strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise bad
    if q.kind == "int":
        if isinstance(raw, bool):
            raise bad
        try:
            value = int(str(raw).strip())
        except ValueError:
            raise bad from None
        if q.minimum is not None and value < q.minimum:
            raise bad
        if q.maximum is not None and value > q.maximum:
            raise bad
        return value
    if isinstance(raw, dict | list | tuple | set) or raw is None:
        raise bad
    value = str(raw)
    if q.kind == "choice" and value not in q.choices:
        raise bad
    why = free_text_problem(name, value) if name in FREE_TEXT_MAX else None
    if why:
        raise BadValue(Problem((name,), f"{name}={shown(value)} is not allowed: {why}.", f"--set {name}={example!r}"))
    return value


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


# auth=jwt: the issuer is an https URL (API Gateway fetches its keys over TLS; a plain-http issuer lets anyone on
# the path swap the keys), the audience an identifier; both in characters YAML and CloudFormation take as they are.
JWT_ISSUER_RE = re.compile(r"https://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~%/-]*)?")
JWT_AUDIENCE_RE = re.compile(r"[A-Za-z0-9._~:/@+-]+")
JWT_EXAMPLE = {"jwt_issuer": "https://login.example.com/", "jwt_audience": "https://api.example.com"}


def _jwt_problem(name: str, value: str) -> Problem | None:
    """What is wrong with a non-empty jwt_issuer / jwt_audience, or None."""
    fix = f"--set {name}={JWT_EXAMPLE[name]}"
    if name == "jwt_issuer" and value.lower().startswith("http://"):
        return Problem((name,), f"jwt_issuer={shown(value)} is plain http: tokens and signing keys must come over https.", fix)
    pattern = JWT_ISSUER_RE if name == "jwt_issuer" else JWT_AUDIENCE_RE
    if pattern.fullmatch(value):
        return None
    allowed = "an https URL (letters, digits, . - _ ~ % /)" if name == "jwt_issuer" else "letters, digits and . _ ~ : / @ + -"
    return Problem((name,), f"{name}={shown(value)} is not allowed: use {allowed}.", fix)


# Answers limited to a character set that needs no escaping anywhere the template writes them: key -> (pattern,
# what is allowed, the fix).
PATTERNS = {
    "project_slug": (SLUG_RE, "use lowercase letters, digits and single hyphens, starting with a letter", "--set project_slug=my-service"),
    "package_name": (PACKAGE_RE, "use a lowercase Python identifier (letters, digits, underscores)", "--set package_name=my_service"),
    "aws_region": (REGION_RE, "use a standard AWS region name (like us-east-1 or eu-west-2)", "--set aws_region=us-east-1"),
}


def _pattern_problem(name: str, value: str) -> Problem | None:
    pattern, allowed, fix = PATTERNS[name]
    if pattern.fullmatch(value) and not (name == "package_name" and keyword.iskeyword(value)):
        return None
    return Problem((name,), f"{name}={shown(value)} is not allowed: {allowed}.", fix)


def value_problem(name: str, value: Any) -> Problem | None:
    """What is wrong with ``value`` as the answer ``name`` on its own (type, range, characters), or None.

    Recorded answers (a cloned project's ``.slsguard/answers.json``) pass through this before any use.
    """
    try:
        typed = coerce(name, value)
    except BadValue as err:
        return err.problem
    if name in JWT_EXAMPLE and typed:
        return _jwt_problem(name, typed)
    return _pattern_problem(name, typed) if name in PATTERNS else None


def _text_problems(a: Answers) -> list[Problem]:
    problems = [p for p in (_pattern_problem(name, a[name]) for name in PATTERNS) if p is not None]
    problems += [p for p in (_jwt_problem(n, a[n]) for n in JWT_EXAMPLE if a[n]) if p is not None]
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
