"""Answers are data, never code: every hostile value through every entry point that takes answers.

Entry points: ``slsguard new --set`` (with and without the wizard), ``--answers`` (YAML and JSON), the wizard's
own prompt, a project's recorded ``.slsguard/answers.json`` as ``upgrade``, ``upgrade --check``, ``add``,
``audit`` and ``cost`` read it, and plain ``cookiecutter`` with the template's hooks. Each payload that would run
code if evaluated touches a marker file: it must never appear. Refused values give one line and exit 2 with
nothing written; accepted values must reach every generated file exactly, as data.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from markdown_it import MarkdownIt

from generator import new_project as new
from tests.support import paths
from tests.support.hostile import BROKEN_TEXT, ROUND_TRIP, code_payloads, one_line, slsguard, tree
from tests.support.plain import run_plain

FIXTURES = paths.FIXTURES
FREE_TEXT = ("project_name", "description")
REFUSED = {**code_payloads(Path("/tmp/never")), **BROKEN_TEXT}
IN_ARGV = sorted(set(REFUSED) - {"nul"})  # an argument cannot hold NUL: that one comes through answers files


class AnyTagLoader(yaml.SafeLoader):
    """serverless.yml and CloudFormation carry tags (!Ref, !Sub): read them as plain values."""


AnyTagLoader.add_multi_constructor(
    "!", lambda loader, suffix, node: loader.construct_scalar(node) if isinstance(node, yaml.ScalarNode) else None
)


def refused(key: str, value: str, marker: Path) -> str:
    """``value`` with the marker path of this test in place of the placeholder one."""
    return value.replace("/tmp/never", str(marker))


def assert_refused(proc: subprocess.CompletedProcess[str], key: str, marker: Path) -> None:
    line = one_line(proc.stderr)
    assert proc.returncode == 2, proc.stderr
    assert key in line and "Fix:" in line, line
    assert not marker.exists(), "the payload ran"


# -- slsguard new: --set, --answers, the wizard ------------------------------------------------------------------


@pytest.mark.parametrize("payload", IN_ARGV, ids=IN_ARGV)
@pytest.mark.parametrize("key", FREE_TEXT)
def test_new_set_refuses_template_syntax_and_control_characters(tmp_path: Path, key: str, payload: str) -> None:
    marker = tmp_path / "MARKER"
    value = refused(key, REFUSED[payload], marker)
    proc = slsguard("new", "--no-input", "--set", f"{key}={value}", "out", cwd=tmp_path)
    assert_refused(proc, key, marker)
    assert "\\n" in proc.stderr or "\n" not in value  # a line break is shown escaped, never printed
    assert list(tmp_path.iterdir()) == [], "nothing written"


def test_the_wizard_refuses_a_given_payload_before_asking_anything(tmp_path: Path) -> None:
    """``slsguard new --set`` without --no-input: the wizard checks what was given before its first question."""
    from generator.errors import UserError
    from tests.support.wizard import ENTER, drive

    marker = tmp_path / "MARKER"
    with pytest.raises(UserError) as info:
        drive(tmp_path, ENTER * 10, given={"description": code_payloads(marker)["jinja-expression"]})
    assert info.value.exit_code == 2 and "description" in str(info.value) and "\n" not in str(info.value)
    assert not marker.exists() and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("key", "value"),
    [("project_slug", "svc\n"), ("package_name", "svc\n"), ("aws_region", "us-east-1\n"), ("api", "rest\n"), ("package_name", "../evil")],
    ids=["slug-trailing-newline", "package-trailing-newline", "region-trailing-newline", "choice-trailing-newline", "package-path"],
)
def test_every_validator_matches_the_whole_value(tmp_path: Path, key: str, value: str) -> None:
    proc = slsguard("new", "--no-input", "--set", f"{key}={value}", "out", cwd=tmp_path)
    assert_refused(proc, key, tmp_path / "MARKER")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("kind", ["yml", "json"])
@pytest.mark.parametrize("payload", ["jinja-expression", "jinja-statement", "newline-yaml-injection", "escape-sequence", "nul"])
def test_answers_file_payloads_are_refused(tmp_path: Path, kind: str, payload: str) -> None:
    marker = tmp_path / "MARKER"
    value = refused("", REFUSED[payload], marker)
    data = {"project_name": "Fine", "description": value}
    answers = tmp_path / f"answers.{kind}"
    answers.write_text(json.dumps(data) if kind == "json" else yaml.safe_dump(data))
    proc = slsguard("new", "--no-input", "--answers", str(answers), "out", cwd=tmp_path)
    assert_refused(proc, "description", marker)
    assert sorted(p.name for p in tmp_path.iterdir()) == [answers.name]


def test_the_wizard_prompt_refuses_a_payload_and_keeps_asking(tmp_path: Path) -> None:
    """Typed into the real questionary prompt: refused by the same rule, then a good name is accepted."""
    from tests.support.wizard import ENTER, drive, typed

    marker = tmp_path / "MARKER"
    keys = typed(code_payloads(marker)["jinja-expression"]) + typed("Good Name") + ENTER * 4 + ENTER + ENTER
    answers, _ = drive(tmp_path, keys)
    assert answers["project_name"] == "Good Name" and answers["project_slug"] == "good-name"
    assert not marker.exists() and list(tmp_path.iterdir()) == []


# -- accepted values reach every file as data ----------------------------------------------------------------------


def _parse_every_file(project: Path) -> None:
    """Every Python file compiles; every YAML, JSON and TOML file parses."""
    for path in project.rglob("*"):
        if not path.is_file() or "node_modules" in path.parts:
            continue
        text = path.read_text(encoding="utf-8") if path.suffix in (".py", ".yml", ".yaml", ".json", ".toml") else None
        if path.suffix == ".py":
            compile(text, str(path), "exec")
        elif path.suffix in (".yml", ".yaml"):
            yaml.load(text, Loader=AnyTagLoader)
        elif path.suffix == ".json":
            json.loads(text)
        elif path.suffix == ".toml":
            tomllib.loads(text)


def _markdown_text(inline) -> str:
    assert {child.type for child in inline.children} <= {"text", "text_special", "softbreak"}, [c.type for c in inline.children]
    return "".join(child.content for child in inline.children)


@pytest.mark.parametrize("payload", sorted(ROUND_TRIP), ids=sorted(ROUND_TRIP))
def test_accepted_text_round_trips_into_every_file(tmp_path: Path, payload: str) -> None:
    marker = tmp_path / "MARKER"
    value = ROUND_TRIP[payload].replace("MARKER", str(marker))
    sets = ["--set", f"project_name={value}", "--set", f"description={value}", "--set", "project_slug=svc"]
    proc = slsguard("new", "--no-input", *sets, "out", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    project = tmp_path / "out" / "svc"
    _parse_every_file(project)

    init = (project / "svc" / "__init__.py").read_text(encoding="utf-8")
    assert ast.get_docstring(ast.parse(init), clean=False).startswith(f"{value}: Lambda handlers")
    config = yaml.load((project / "serverless.yml").read_text(encoding="utf-8"), Loader=AnyTagLoader)
    assert config["resources"]["Description"] == value
    assert json.loads((project / "package.json").read_text())["description"] == value
    recorded = json.loads((project / ".slsguard" / "answers.json").read_text())["answers"]
    assert recorded["project_name"] == value and recorded["description"] == value
    tokens = MarkdownIt("commonmark").parse((project / "README.md").read_text(encoding="utf-8"))
    heading = next(i for i, t in enumerate(tokens) if t.type == "heading_open")
    assert _markdown_text(tokens[heading + 1]) == value.strip()  # Markdown drops a heading's outer spaces
    paragraph = next(i for i, t in enumerate(tokens) if t.type == "paragraph_open" and i > heading)
    assert _markdown_text(tokens[paragraph + 1]) == value.strip()

    imported = subprocess.run([sys.executable, "-c", "import svc; print(svc.__doc__[:20])"], cwd=project, capture_output=True, text=True)
    assert imported.returncode == 0, imported.stderr
    assert not marker.exists(), "importing the generated package ran code from an answer"


def test_injected_lines_never_become_serverless_keys(tmp_path: Path) -> None:
    """The same top-level keys with and without hostile (accepted) text in every free-text answer."""
    plain = new({"project_slug": "svc"}, tmp_path / "plain")
    hostile = new(
        {"project_slug": "svc", "project_name": ROUND_TRIP["yaml-syntax"], "description": ROUND_TRIP["yaml-syntax"]}, tmp_path / "hostile"
    )
    load = lambda p: yaml.load((p / "serverless.yml").read_text(encoding="utf-8"), Loader=AnyTagLoader)  # noqa: E731
    assert list(load(plain)) == list(load(hostile))
    assert load(plain)["resources"].keys() == load(hostile)["resources"].keys()


def test_slsguard_and_plain_cookiecutter_write_the_same_bytes_for_hostile_but_valid_text(tmp_path: Path) -> None:
    pairs = [f"project_name={ROUND_TRIP['python-string-breakout']}", f"description={ROUND_TRIP['markdown-and-html']}", "project_slug=svc"]
    ours = slsguard("new", "--no-input", *(arg for pair in pairs for arg in ("--set", pair)), str(tmp_path / "ours"), cwd=tmp_path)
    assert ours.returncode == 0, ours.stderr
    theirs = run_plain(tmp_path / "theirs", *pairs)
    assert theirs.returncode == 0, theirs.stderr
    assert tree(tmp_path / "ours" / "svc") == tree(tmp_path / "theirs" / "svc")


# -- plain cookiecutter: the hooks refuse what slsguard refuses; the sandbox stops what the hooks come too late for --


@pytest.mark.parametrize(
    ("pair", "key"),
    [
        ("description=a\nprovider: evil", "description"),
        ("project_name=x\x1b[2Jy", "project_name"),
        ("description=${env:AWS_SECRET_ACCESS_KEY}", "description"),
        ("description={% raw %}{{ x }}{% endraw %}", "description"),  # renders to '{{ x }}': refused by the hook
        ("package_name=svc\n", "package_name"),
    ],
    ids=["newline", "escape-sequence", "serverless-variable", "template-left-after-render", "trailing-newline"],
)
def test_plain_cookiecutter_hooks_refuse_what_slsguard_refuses(tmp_path: Path, pair: str, key: str) -> None:
    out = tmp_path / "out"
    result = run_plain(out, pair)
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.startswith("slsguard: ")]
    assert len(lines) == 1 and key in lines[0], result.stderr
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("payload", ["jinja-expression", "jinja-statement"])
def test_plain_cookiecutter_never_runs_a_template_in_a_value(tmp_path: Path, payload: str) -> None:
    marker = tmp_path / "MARKER"
    out = tmp_path / "out"
    result = run_plain(out, f"project_name={code_payloads(marker)[payload]}")
    assert result.returncode != 0
    assert "SecurityError" in result.stderr, result.stderr  # the sandboxed environment refused the attribute
    assert not marker.exists(), "plain cookiecutter ran a value"
    assert list(out.iterdir()) == []


# -- recorded answers: a cloned project's .slsguard/answers.json -------------------------------------------------


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = new({}, tmp_path_factory.mktemp("gen"))
    shutil.copytree(FIXTURES / "audit" / "nested", project / ".serverless")  # compiled templates for audit and cost
    return project


RECORDED = {
    "jinja-in-project-name": ("project_name", "{{ cycler.__init__.__globals__.os.popen('touch MARKER').read() }}"),
    "jinja-in-description": ("description", "{% set x = cycler.__init__.__globals__.os.popen('touch MARKER') %}"),
    "newline-in-description": ("description", "x\nprovider:\n  name: evil"),
    "package-trailing-newline": ("package_name", "my_service\n"),
    "package-path": ("package_name", "../../MARKER"),
    "region-path": ("aws_region", "../../../etc"),
    "escape-in-dropped-answer": ("old_answer\x1b[2J", "x"),
}
COMMANDS = {
    "upgrade-check": ["upgrade", "--check", "."],
    "upgrade": ["upgrade", "--no-input", "--allow-dirty", "."],
    "add": ["add", "job", "--trigger", "sqs"],
    "audit": ["audit", "."],
    "cost": ["cost", "."],
}


@pytest.mark.parametrize("command", sorted(COMMANDS), ids=sorted(COMMANDS))
@pytest.mark.parametrize("case", sorted(RECORDED), ids=sorted(RECORDED))
def test_recorded_answers_are_checked_before_any_use(tmp_path: Path, generated: Path, command: str, case: str) -> None:
    project = tmp_path / "clone"
    shutil.copytree(generated, project)
    marker = tmp_path / "MARKER"
    key, value = RECORDED[case]
    doc = json.loads((project / ".slsguard" / "answers.json").read_text())
    doc["answers"][key] = value.replace("MARKER", str(marker))
    (project / ".slsguard" / "answers.json").write_text(json.dumps(doc))
    before = tree(project)
    proc = slsguard(*COMMANDS[command], cwd=project)
    line = one_line(proc.stderr)
    assert proc.returncode == 2 and "answers.json" in line and "Fix:" in line, proc.stderr
    assert key.split("\x1b")[0] in line and "\x1b" not in line and "\n" not in line.rstrip("\n")
    assert not marker.exists() and not (tmp_path / "MARKER").exists()
    assert tree(project) == before, "nothing written"
