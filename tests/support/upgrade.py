"""Helpers for the upgrade tests: template copies, tree fingerprints, git projects."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import textwrap
from pathlib import Path

from .paths import REPO

PROJECT_DIR = "{{cookiecutter.project_slug}}"
SKIPPED = {
    ".git",
    ".cache",
    ".benchmarks",
    "tests",
    "benchmarks",
    "docs",
    ".pytest_cache",
    ".ruff_cache",
    "node_modules",
    "__pycache__",
    "dist",
    "build",
}


def copy_template(dest: Path) -> Path:
    """A private copy of the template repository (minus git, virtualenvs, tests and caches) to edit."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "node_modules")
    dest.mkdir(parents=True)
    for src in REPO.iterdir():
        if src.name in SKIPPED or src.name.startswith(".venv"):
            continue
        if src.is_dir():
            shutil.copytree(src, dest / src.name, ignore=ignore)
        else:
            shutil.copy2(src, dest / src.name)
    return dest


def set_version(template: Path, version: str) -> None:
    """Make the template copy claim another slsguard version (what the hook records)."""
    init = template / "generator" / "__init__.py"
    text = re.sub(r'__version__ = "[^"]*"', f'__version__ = "{version}"', init.read_text())
    init.write_text(text)


# A small template project whose every line the tests know; rendered by the real hooks.
MINI_FILES = {
    "README.md": """\
        # {{ cookiecutter.project_name }}

        {{ cookiecutter.description }}

        Deploy with `npx osls deploy`.
        """,
    "serverless.yml": """\
        service: {{ cookiecutter.project_slug }}
        frameworkVersion: "3"

        provider:
          name: aws
          runtime: {{ cookiecutter.runtime }}
          memorySize: {{ cookiecutter.memory_size }}
          timeout: {{ cookiecutter.function_timeout }}
        {%- if cookiecutter.database != "none" %}
          environment:
            DB_ENGINE: {{ cookiecutter.database }}
        {%- endif %}

        functions:
          api:
            handler: {{ cookiecutter.package_name }}/api.handler
            reservedConcurrency: {{ cookiecutter.reserved_concurrency }}
          worker:
            handler: {{ cookiecutter.package_name }}/worker.handler
            reservedConcurrency: {{ cookiecutter.reserved_concurrency }}

        plugins:
          - serverless-plugin-warmup

        custom:
          warmup:
            default:
              enabled: true
        """,
    "{{cookiecutter.package_name}}/__init__.py": "",
    "{{cookiecutter.package_name}}/api.py": '''\
        """HTTP handler."""


        def handler(event, context):
            name = event.get("name", "world")
            return {"statusCode": 200, "body": f"hello {name}"}
        ''',
    "{{cookiecutter.package_name}}/worker.py": '''\
        """SQS handler."""


        def handler(event, context):
            for record in event["Records"]:
                print(record["body"])
            return {"batchItemFailures": []}
        ''',
    "{{cookiecutter.package_name}}/db.py": '''\
        """Database access ({{ cookiecutter.database }})."""

        ENGINE = "{{ cookiecutter.database }}"
        ''',
    "{{cookiecutter.package_name}}/legacy.py": '''\
        """Kept for compatibility."""
        ''',
    "{{cookiecutter.package_name}}/compat.py": '''\
        """Shims."""
        ''',
    "docs/notes.md": """\
        Notes.
        """,
}


def write_files(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def mini_template(dest: Path) -> Path:
    """A template copy whose project folder holds only MINI_FILES (real cookiecutter.json, hooks, rules)."""
    copy_template(dest)
    shutil.rmtree(dest / PROJECT_DIR)
    write_files(dest / PROJECT_DIR, MINI_FILES)
    # the real hook prunes the real template's files; add the rule this small template needs
    hook = dest / "hooks" / "post_gen_project.py"
    text = hook.read_text()
    assert "\nUNUSED = (\n" in text, "hooks/post_gen_project.py no longer has its UNUSED table"
    rule = '    ("mini: no database", lambda a: a["database"] == "none", ["{{ cookiecutter.package_name }}/db.py"]),\n'
    hook.write_text(text.replace("\nUNUSED = (\n", "\nUNUSED = (\n" + rule, 1))
    return dest


def fingerprint(root: Path) -> dict[str, tuple[str, int]]:
    """sha256 and mode of every file and folder under ``root`` (the .git folder excepted)."""
    out: dict[str, tuple[str, int]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        for name in dirnames + filenames:
            path = Path(dirpath, name)
            rel = path.relative_to(root).as_posix()
            digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
            out[rel] = (digest, path.stat().st_mode)
    return out


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True).stdout


def git_init(root: Path) -> None:
    git(root, "init", "-q", "-b", "main")
    commit_all(root, "generated")


def commit_all(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "--allow-empty", "-m", message)


def git_changed(root: Path) -> list[str]:
    """Paths git sees as changed or new (porcelain status, sorted)."""
    return sorted(line[3:] for line in git(root, "status", "--porcelain", "--untracked-files=all").splitlines())


def quiet_index(base: str, theirs: str, prefer: str | None = None, margin: int = 2) -> int:
    """A line index of ``base`` where an inserted line cannot touch the base->theirs changes.

    With ``prefer``, the index right after the first line equal to it, when that spot is quiet.
    Lets the tests edit the real template's files without knowing their content.
    """
    import difflib

    a, b = base.splitlines(), theirs.splitlines()
    quiet: list[int] = []
    for tag, i1, i2, _j1, _j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            quiet.extend(range(i1 + margin, i2 - margin + 1))
    if prefer is not None and prefer in a and a.index(prefer) + 1 in quiet:
        return a.index(prefer) + 1
    if not quiet:
        raise AssertionError("every line of the file changes: no quiet spot for a user edit")
    return quiet[len(quiet) // 2]


def insert_lines(path: Path, index: int, lines: str) -> str:
    """Insert ``lines`` before line ``index`` of ``path``; returns the new text."""
    text = path.read_text().splitlines(keepends=True)
    text[index:index] = [lines]
    path.write_text("".join(text))
    return "".join(text)


def untouched(prints: dict[str, tuple[str, int]], touched: set[str]) -> dict[str, tuple[str, int]]:
    """A fingerprint without the touched files and the folders holding them (created or emptied by the upgrade)."""
    holders = {str(Path(p).parents[i].as_posix()) for p in touched for i in range(len(Path(p).parts) - 1)}
    return {k: v for k, v in prints.items() if k not in touched and k not in holders}
