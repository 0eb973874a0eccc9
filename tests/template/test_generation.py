"""The option matrix: every supported combination renders cleanly and passes its own tests;
every unsupported one is refused, by slsguard and by plain cookiecutter, naming the keys."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator import new_project as new
from generator.answers.cookiecutter_json import cookiecutter_json
from generator.answers.parse import complete
from generator.answers.questions import QUESTIONS
from generator.errors import UserError
from tests.support.plain import REPO, run_plain
from tests.support.projects import run_project_tests

LEFTOVER = re.compile(r"(?<!\$)\{\{|\{%|%\}|\{#")  # GitHub Actions' ${{ }} is not ours

SUPPORTED = [
    {},
    {"api": "http"},
    {"api": "none"},
    {"api": "http", "cold_start": "provisioned", "runtime": "python3.12"},
    {"cold_start": "snapstart", "runtime": "python3.14", "architecture": "x86_64"},
    {"cold_start": "none", "tracing": "false", "vpc": "no"},
    {"database": "postgres"},
    {"database": "postgres", "database_access": "direct", "api": "http"},
    {"database": "mysql", "database_access": "data-api"},
    {"database": "mysql", "database_access": "rds-proxy", "cold_start": "provisioned"},
    {"database": "postgres", "database_access": "data-api", "vpc": "yes", "api": "none"},
    {"vpc": "yes", "split_stacks": "false", "rollout": "all-at-once"},
    {"framework": "serverless", "log_retention_days": "30"},
    {"framework": "osls3", "cold_start": "provisioned"},
    {"project_name": "Billing API", "aws_region": "eu-west-2", "function_timeout": "29", "memory_size": "512"},
    {"reserved_concurrency": "449", "throttle_rate": "5", "throttle_burst": "10"},
    {"auth": "api-key"},
    {"auth": "iam", "api": "http"},
    {"api": "http", "auth": "jwt", "jwt_issuer": "https://login.example.com/", "jwt_audience": "https://api.example.com"},
    {"api": "http", "auth": "none"},
]

UNSUPPORTED = [
    ({"database": "postgres", "vpc": "no"}, ("vpc", "database_access")),
    ({"database_access": "data-api"}, ("database_access", "database")),
    ({"function_timeout": "60"}, ("function_timeout", "api")),
    ({"api": "http", "function_timeout": "31"}, ("function_timeout", "api")),
    ({"reserved_concurrency": "500"}, ("reserved_concurrency", "account_concurrency")),
    ({"log_retention_days": "10"}, ("log_retention_days",)),
    ({"aws_region": "mars-1"}, ("aws_region",)),
    ({"project_slug": "Bad Slug", "package_name": "ok"}, ("project_slug",)),
    ({"throttle_rate": "0"}, ("throttle_rate",)),
    ({"function_timeout": "901", "api": "none"}, ("function_timeout",)),
]
WAF_WITHOUT_REST = [
    ({"api": "http", "waf": "rate-limit"}, ("waf", "api")),
    ({"api": "none", "waf": "rate-limit"}, ("waf", "api")),
]
UNSUPPORTED += WAF_WITHOUT_REST
UNSUPPORTED += [
    ({"api": "http", "auth": "api-key"}, ("auth", "api")),
    ({"auth": "jwt", "jwt_issuer": "https://login.example.com/", "jwt_audience": "api"}, ("auth", "api")),
    ({"api": "http", "auth": "jwt", "jwt_issuer": "http://login.example.com/", "jwt_audience": "api"}, ("jwt_issuer",)),
]
PLAIN_REFUSED = UNSUPPORTED[:4] + WAF_WITHOUT_REST


def ident(given: dict) -> str:
    return "-".join(f"{k}:{v}" for k, v in given.items()) or "defaults"


def generated_files(project: Path) -> list[Path]:
    return sorted(p for p in project.rglob("*") if p.is_file() and "node_modules" not in p.parts)


def test_cookiecutter_json_is_generated_from_the_questions():
    assert (REPO / "cookiecutter.json").read_text(encoding="utf-8") == cookiecutter_json()


def test_every_choice_value_is_covered_by_the_matrix():
    seen = {(k, str(v)) for given in SUPPORTED for k, v in complete(given).items()}
    for q in QUESTIONS:
        for choice in q.choices:
            assert (q.name, choice) in seen, f"{q.name}={choice} is never rendered"


@pytest.mark.parametrize("given", SUPPORTED, ids=[ident(g) for g in SUPPORTED])
def test_supported_combination_renders_and_passes_its_own_tests(given, tmp_path):
    project = new(given, tmp_path)
    files = generated_files(project)
    assert (project / "serverless.yml") in files
    for path in files:
        if path.relative_to(project).as_posix() == ".slsguard/base.tar.gz":
            continue  # upgrade's merge base: compressed copies of the files scanned here (random bytes may look like {{)
        text = path.read_bytes().decode("utf-8", errors="replace")
        match = LEFTOVER.search(text)
        assert match is None, f"{path.relative_to(project)} keeps template syntax near {text[match.start() - 40 : match.end() + 40]!r}"
    answers = complete(given)
    has_db = (project / answers["package_name"] / "db" / "__init__.py").exists()
    assert has_db is (answers["database"] != "none")
    result = run_project_tests(project)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " passed" in result.stdout


@pytest.mark.parametrize(("given", "keys"), UNSUPPORTED, ids=[ident(g) for g, _ in UNSUPPORTED])
def test_unsupported_combination_is_refused_by_slsguard(given, keys, tmp_path):
    with pytest.raises(UserError) as info:
        new(given, tmp_path)
    message = str(info.value)
    for key in keys:
        assert key in message
    assert "Fix:" in message
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("given", "keys"), PLAIN_REFUSED, ids=[ident(g) for g, _ in PLAIN_REFUSED])
def test_unsupported_combination_is_refused_by_plain_cookiecutter(given, keys, tmp_path):
    out = tmp_path / "out"
    result = run_plain(out, *(f"{k}={v}" for k, v in given.items()))
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.startswith("slsguard: ")]
    assert len(lines) == 1, result.stderr
    for key in keys:
        assert key in lines[0]
    assert list(out.iterdir()) == []


def test_plain_cookiecutter_renders_without_slsguard_installed(tmp_path):
    out = tmp_path / "out"
    result = run_plain(out, "database=postgres")
    assert result.returncode == 0, result.stderr
    assert (out / "my-service" / "my_service" / "db" / "__init__.py").is_file()


def test_failed_render_leaves_no_output_folder_behind(tmp_path, monkeypatch):
    # GIVEN an output folder that does not exist yet, and a render that fails midway
    import generator.new.render as render_module

    def broken_cookiecutter(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("cookiecutter.main.cookiecutter", broken_cookiecutter)
    out = tmp_path / "not-yet"
    # WHEN generating into it
    with pytest.raises(UserError) as info:
        render_module.new({}, out)
    # THEN the error says what failed and nothing is left, not even the output folder
    assert "No space left on device" in str(info.value)
    assert not out.exists()
