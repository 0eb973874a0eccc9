"""``slsguard new`` without questions: flags, answers files, every error path, and the promise that
``--no-input --set`` makes the very project plain cookiecutter makes."""

from __future__ import annotations

import difflib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from generator.answers.parse import validate
from generator.cli import main
from generator.new.summary import summary_lines
from tests.support import paths
from tests.support.plain import run_plain
from tests.support.snapshots import snapshot_check

SNAPSHOTS = paths.SNAPSHOTS / "new"


def tree(root: Path) -> dict[str, tuple[bytes, bool]]:
    """Every file's bytes and executable bit, by relative path."""
    return {str(p.relative_to(root)): (p.read_bytes(), os.access(p, os.X_OK)) for p in sorted(root.rglob("*")) if p.is_file()}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["new", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# (id, argv after "new OUT --no-input", files to create first {name: text}, words the one line must hold)
ERRORS = [
    ("unknown-key", ["--set", "colour=blue"], {}, ["unknown key 'colour'", "known: project_name", "Fix: check the spelling"]),
    ("not-key-value", ["--set", "database"], {}, ["--set 'database' is not KEY=VALUE", "Fix: write it as --set database=postgres"]),
    (
        "bad-choice",
        ["--set", "api=graphql"],
        {},
        ["api=graphql is not allowed: api must be one of rest, http, none", "Fix: --set api=rest"],
    ),
    ("wrong-type-int", ["--set", "memory_size=lots"], {}, ["memory_size=lots is not allowed", "whole number from 128 to 10240"]),
    ("out-of-range", ["--set", "function_timeout=901", "--set", "api=none"], {}, ["function_timeout=901", "from 1 to 900"]),
    (
        "wrong-type-bool",
        ["--set", "tracing=maybe"],
        {},
        ["tracing=maybe is not allowed: tracing must be true or false", "Fix: --set tracing=true"],
    ),
    (
        "combination-vpc",
        ["--set", "database=postgres", "--set", "vpc=no"],
        {},
        ["vpc=no conflicts with database_access=rds-proxy", "Fix: set vpc=auto"],
    ),
    (
        "combination-waf-http",
        ["--set", "api=http", "--set", "waf=rate-limit"],
        {},
        ["waf=rate-limit needs api=rest, but api=http", "Fix: set waf=none (for an HTTP API, put CloudFront"],
    ),
    (
        "combination-waf-no-api",
        ["--set", "api=none", "--set", "waf=rate-limit"],
        {},
        ["waf=rate-limit needs api=rest, but api=none", "no API to protect", "Fix: set waf=none"],
    ),
    ("bad-waf-rate", ["--set", "waf_rate_limit=5"], {}, ["waf_rate_limit=5 is not allowed", "from 10 to 2000000000"]),
    ("bad-budget", ["--set", "monthly_budget=-5"], {}, ["monthly_budget=-5 is not allowed", "Fix: --set monthly_budget=50"]),
    ("combination-timeout", ["--set", "function_timeout=60"], {}, ["function_timeout=60 exceeds the 29 s integration limit of api=rest"]),
    ("combination-reserved", ["--set", "reserved_concurrency=500"], {}, ["reserved_concurrency=500", "account_concurrency=1000"]),
    ("bad-slug", ["--set", "project_slug=Bad Slug"], {}, ["project_slug='Bad Slug' is not allowed", "Fix: --set project_slug=my-service"]),
    ("answers-missing", ["--answers", "{tmp}/nope.yml"], {}, ["answers file", "nope.yml: cannot be read", "Fix: pass an existing file"]),
    ("answers-bad-yaml", ["--answers", "{tmp}/a.yml"], {"a.yml": "database: [postgres\n"}, ["a.yml: not valid YAML", "Fix: check"]),
    ("answers-bad-json", ["--answers", "{tmp}/a.json"], {"a.json": '{"database": }'}, ["a.json: not valid JSON", "Fix: check"]),
    ("answers-not-mapping", ["--answers", "{tmp}/a.yml"], {"a.yml": "- database\n"}, ["must hold a mapping of KEY: VALUE, not list"]),
    ("answers-unknown-key", ["--answers", "{tmp}/a.yml"], {"a.yml": "databse: postgres\n"}, ["unknown key 'databse'"]),
    (
        "answers-wrong-type",
        ["--answers", "{tmp}/a.json"],
        {"a.json": '{"function_timeout": true}'},
        ["function_timeout=True is not allowed"],
    ),
    ("answers-list-value", ["--answers", "{tmp}/a.yml"], {"a.yml": "memory_size: [1]\n"}, ["memory_size=[1] is not allowed"]),
]


@pytest.mark.parametrize(("argv", "files", "words"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_bad_input_is_one_line_exit_2_and_nothing_written(capsys, tmp_path, argv, files, words):
    for name, text in files.items():
        write(tmp_path / name, text)
    out_dir = tmp_path / "out"
    code, out, err = run(capsys, str(out_dir), "--no-input", *(a.replace("{tmp}", str(tmp_path)) for a in argv))
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("slsguard: "), err
    for word in words:
        assert word in err
    assert not out_dir.exists() or list(out_dir.iterdir()) == []


def test_set_overrides_the_answers_file(capsys, tmp_path):
    answers = write(tmp_path / "a.yml", "database: postgres\nvpc: no\nproject_name: From File\n")
    code, out, err = run(capsys, str(tmp_path / "out"), "--no-input", "--answers", str(answers), "--set", "database_access=data-api")
    assert (code, err) == (0, "")
    assert (tmp_path / "out" / "from-file").is_dir()
    assert out.splitlines()[0] == f"Created {tmp_path / 'out' / 'from-file'}"


def test_json_answers_file_with_typed_values(capsys, tmp_path):
    answers = write(tmp_path / "a.json", '{"tracing": false, "memory_size": 512, "api": "http", "function_timeout": 30}')
    code, _, err = run(capsys, str(tmp_path / "out"), "--no-input", "--answers", str(answers))
    assert (code, err) == (0, "")


def test_an_existing_project_is_refused_without_force_and_kept(capsys, tmp_path):
    project = tmp_path / "my-service"
    project.mkdir()
    write(project / "notes.txt", "mine")
    code, out, err = run(capsys, str(tmp_path), "--no-input")
    assert code == 2 and out == ""
    assert (
        err
        == f"slsguard: {project} already exists: slsguard never overwrites a project without being asked. Fix: pass --force to render over it, or choose another output folder.\n"
    )
    assert tree(project) == {"notes.txt": (b"mine", False)}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["my-service"], "no staging folder left behind"


def test_force_renders_over_an_existing_project_and_keeps_the_users_files(capsys, tmp_path):
    project = tmp_path / "my-service"
    project.mkdir()
    write(project / "notes.txt", "mine")
    code, _, err = run(capsys, str(tmp_path), "--no-input", "--force")
    assert (code, err) == (0, "")
    assert (project / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert (project / "serverless.yml").is_file()


def test_the_wizard_without_a_terminal_says_to_use_no_input(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "generator", "new", str(tmp_path / "out")],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        "slsguard: no terminal to ask the questions on (standard input is not a TTY). "
        "Fix: pass --no-input (defaults plus --set KEY=VALUE or --answers FILE) to create the project without questions.\n"
    )
    assert not (tmp_path / "out").exists()


def test_a_real_process_prints_no_traceback_for_bad_input(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "generator", "new", "--no-input", "--set", "database=oracle", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert (
        result.stderr
        == "slsguard: database=oracle is not allowed: database must be one of none, postgres, mysql. Fix: --set database=none\n"
    )


def test_next_steps_are_the_generated_readmes_first_steps_in_order(capsys, tmp_path):
    code, out, _ = run(capsys, str(tmp_path), "--no-input", "--set", "framework=serverless")
    assert code == 0
    lines = out.splitlines()
    readme = (tmp_path / "my-service" / "README.md").read_text()
    block = readme.split("## First steps", 1)[1].split("```bash\n", 1)[1].split("```", 1)[0]
    from_readme = [line.split("  # ", 1)[0].rstrip() for line in block.splitlines()]
    assert lines[1:3] == ["Next:", f"  cd {tmp_path / 'my-service'}"]
    assert [line.strip() for line in lines[3 : 3 + len(from_readme)]] == from_readme
    assert from_readme[:5] == [
        "python3 -m venv .venv && . .venv/bin/activate",
        "pip install -r requirements-dev.txt",
        "npm ci",
        "python -m pytest",
        "npm run package",
    ]
    assert from_readme[5].startswith("slsguard add ") and from_readme[6] == "python -m pytest && npm run package"
    assert "# serverless and the plugins" in block  # the comments speak of the project's framework


def test_new_help_snapshot(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    with pytest.raises(SystemExit) as exit_:
        main(["new", "--help"])
    assert exit_.value.code == 0
    snapshot_check(SNAPSHOTS / "help.txt", capsys.readouterr().out)


def test_summary_snapshot():
    answers = validate({"database": "postgres", "cold_start": "provisioned", "architecture": "x86_64", "framework": "serverless"})
    snapshot_check(SNAPSHOTS / "summary.txt", "\n".join(summary_lines(answers)) + "\n")


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.startswith("slsguard ")


IDENTICAL = [
    [],
    ["database=postgres"],
    ["database=mysql", "database_access=data-api", "api=http", "function_timeout=30", "tracing=false"],
    ["project_name=Billing Svc", "api=none", "cold_start=none", "split_stacks=false", "framework=serverless", "aws_region=eu-west-2"],
]


@pytest.mark.parametrize("pairs", IDENTICAL, ids=["-".join(p) or "defaults" for p in IDENTICAL])
def test_no_input_matches_plain_cookiecutter_byte_for_byte(tmp_path, pairs):
    flags = [arg for pair in pairs for arg in ("--set", pair)]
    ours = subprocess.run(
        [sys.executable, "-m", "generator", "new", "--no-input", *flags, str(tmp_path / "ours")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ours.returncode == 0, ours.stderr
    theirs = run_plain(tmp_path / "theirs", *pairs)
    assert theirs.returncode == 0, theirs.stderr
    (a,) = (tmp_path / "ours").iterdir()
    (b,) = (tmp_path / "theirs").iterdir()
    assert a.name == b.name
    ours_tree, theirs_tree = tree(a), tree(b)
    assert sorted(ours_tree) == sorted(theirs_tree)
    for name in ours_tree:
        diff = difflib.unified_diff(*(t[name][0].decode(errors="replace").splitlines() for t in (theirs_tree, ours_tree)), lineterm="", n=0)
        assert ours_tree[name] == theirs_tree[name], f"{name} differs (cookiecutter -> slsguard):\n" + "\n".join(list(diff)[:12])


def test_no_input_never_loads_the_prompt_libraries(tmp_path):
    """Keeps ``--no-input`` fast (benchmarks/render.py): questionary and prompt_toolkit load only to ask."""
    code = (
        "import sys; from generator.cli import main; rc = main(['new', '--no-input', sys.argv[1]]); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'questionary', 'prompt_toolkit'})); sys.exit(rc)"
    )
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "[]"


@pytest.mark.parametrize(
    ("budget", "larger"), [(100, "the monthly ceiling"), (100_000, "the budget")], ids=["budget-below", "budget-above"]
)
def test_summary_compares_a_monthly_budget_with_the_ceiling(budget, larger):
    """A monthly_budget is compared with the monthly ceiling; 0 (no budget) is stated once, with nothing to compare."""

    def budget_lines(answers):
        return [line for line in summary_lines(answers) if line.lstrip().startswith("monthly_budget")]

    (no_budget,) = budget_lines(validate({"monthly_budget": 0}))
    assert no_budget.split()[:2] == ["monthly_budget", "0"] and "no spend alert" in no_budget
    question, verdict = budget_lines(validate({"monthly_budget": budget}))
    assert question.split()[:2] == ["monthly_budget", str(budget)]
    assert larger in verdict.split(":")[0] and f"${budget:,.2f}" in verdict


def test_summary_names_the_regions_with_prices_when_a_region_has_none():
    answers = validate({"aws_region": "ap-south-1"})
    line = summary_lines(answers)[-1]
    tables = ", ".join(sorted(p.stem for p in (paths.REPO / "generator" / "cost" / "prices").glob("*.json")))
    assert line == f"  {'cost ceiling':<38} not priced: region='ap-south-1' has no price table: tables exist for {tables}."
