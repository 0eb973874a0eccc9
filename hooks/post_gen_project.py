"""Finish a rendered project: drop files the answers do not use, then record the generation.

Named functions behind ``__main__`` so tests can import them; standard library only,
because plain cookiecutter runs this without slsguard installed.
"""

import json
import shutil
import sys
from pathlib import Path

# The answers arrive as one JSON document (jsonify escapes every quote and backslash, so no value can end the
# raw string); nothing else in this file is rendered: no answer is ever written into its code.
ANSWERS = json.loads(r"""{{ cookiecutter | jsonify }}""")
REPO_DIR = Path(ANSWERS["_repo_dir"]).resolve()  # where generator/ lives (a checkout or the wheel)
PACKAGE = ANSWERS["package_name"]

# (reason, predicate over the answers, paths relative to the project root)
UNUSED = (
    (
        "no database",
        lambda a: a["database"] == "none",
        [
            f"{PACKAGE}/db",
            f"{PACKAGE}/migrate.py",
            f"{PACKAGE}/migrate_resource.py",
            f"{PACKAGE}/sqlsplit.py",
            "migrations",
            ".env.example",
            "tests/test_db.py",
            "tests/test_migrate.py",
        ],
    ),
    (
        "Data API: no connection to manage, no driver, no CA bundle (HTTPS, verified by botocore)",
        lambda a: a["database"] != "none" and a["database_access"] == "data-api",
        [
            *(f"{PACKAGE}/db/{name}.py" for name in ("_direct", "_mysql", "_postgres", "_tls")),
            f"{PACKAGE}/db/certs",
        ],
    ),
    (
        "a driver connection: no Data API client",
        lambda a: a["database"] != "none" and a["database_access"] != "data-api",
        [f"{PACKAGE}/db/_data_api.py"],
    ),
    (
        "PostgreSQL: no MySQL driver code or migrations",
        lambda a: a["database"] == "postgres",
        [f"{PACKAGE}/db/_mysql.py", "migrations/mysql"],
    ),
    (
        "MySQL: no PostgreSQL driver code or migrations",
        lambda a: a["database"] == "mysql",
        [f"{PACKAGE}/db/_postgres.py", "migrations/postgres"],
    ),
    (
        "no HTTP API: the worker is the only function",
        lambda a: a["api"] == "none",
        [
            f"{PACKAGE}/api.py",
            "tests/test_api.py",
            "tests/test_identity.py",
            *(f"tests/events/{api}_{name}.json" for api in ("rest", "http") for name in ("get_items", "post_item", "post_malformed")),
        ],
    ),
)


def remove_unused(root: Path, answers: dict) -> list[str]:
    """Delete the files whose feature the answers switched off; returns what was removed."""
    removed = []
    for _reason, unused, paths in UNUSED:
        if not unused(answers):
            continue
        for rel in paths:
            path = root / rel
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()
            else:
                continue
            removed.append(rel)
    return removed


COST_MARK = "<!-- slsguard:cost-ceiling -->"


def state_cost_ceiling(root: Path, answers: dict) -> None:
    """Put the answers' cost ceiling into the README. Here, not in Jinja: the number comes from generator.cost
    (the model and prices behind `slsguard cost`), which this hook can import under plain cookiecutter too."""
    readme = root / "README.md"
    if not readme.is_file():
        return
    sys.path.insert(0, str(REPO_DIR))
    from generator.cost import readme_bullet

    text = readme.read_text(encoding="utf-8")
    readme.write_text(text.replace(COST_MARK, readme_bullet(answers)), encoding="utf-8")


def state_first_steps(root: Path, answers: dict) -> None:
    """Put the first steps into the README: the same table as `slsguard new`'s "Next:" lines (generator.new.first_steps)."""
    readme = root / "README.md"
    if not readme.is_file():
        return
    sys.path.insert(0, str(REPO_DIR))
    from generator.new import first_steps

    text = readme.read_text(encoding="utf-8")
    readme.write_text(text.replace(first_steps.README_MARK, first_steps.readme_block(answers)), encoding="utf-8")


def pin_slsguard(root: Path) -> None:
    """Make requirements-dev.txt's slsguard line resolve where no index serves this version yet (generator.answers.pins)."""
    path = root / "requirements-dev.txt"
    if not path.is_file():
        return
    sys.path.insert(0, str(REPO_DIR))
    from generator.answers import pins

    path.write_bytes(pins.resolve(path.read_bytes().decode("utf-8"), REPO_DIR).encode("utf-8"))


def record(root: Path, answers: dict) -> None:
    """Keep the answers, slsguard's version and this pristine render: the next upgrade's merge base."""
    sys.path.insert(0, str(REPO_DIR))
    from generator import __version__
    from generator.project import snapshot

    snapshot.record(root, answers, __version__, template_root=REPO_DIR)


def main() -> int:
    root = Path.cwd()
    remove_unused(root, ANSWERS)
    state_cost_ceiling(root, ANSWERS)
    state_first_steps(root, ANSWERS)
    pin_slsguard(root)
    record(root, ANSWERS)  # last: the recording must see the finished project
    return 0


if __name__ == "__main__":
    sys.exit(main())
