"""``slsguard upgrade``: re-render a project with this slsguard and its (changed) answers, merge three ways.

The merge base is the pristine render recorded in the project (``generator.snapshot``), never a
re-render of an old version; the new render happens in a temporary folder; the project is written
only at the end, all or nothing (``generator.transaction``).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import snapshot
from .answers import complete, parse_set, reject_unknown, validate
from .errors import Interrupted, UpgradeConflict, UserError
from .merge import CONFLICT, RECORDED, Change, Labels, plan
from .questions import BY_NAME, QUESTIONS, Question
from .render import render

Ask = Callable[[Question, Any], Any]  # (question, default) -> raw answer


@dataclass
class Upgrade:
    """What an upgrade found and did: the report and the diff are views of it."""

    project: Path
    from_version: str
    to_version: str
    changed: list[tuple[str, Any, Any]] = field(default_factory=list)  # (key, old, new)
    new: list[tuple[str, Any, bool]] = field(default_factory=list)  # (key, value, asked)
    dropped: list[tuple[str, Any]] = field(default_factory=list)  # answers to questions that no longer exist
    changes: list[Change] = field(default_factory=list)
    generated_changed: int = 0  # generated files whose pristine render differs from last time
    dry_run: bool = False

    @property
    def conflicts(self) -> list[str]:
        return [c.path for c in self.changes if c.action == CONFLICT]

    @property
    def file_changes(self) -> list[Change]:
        return [c for c in self.changes if c.action != RECORDED]

    @property
    def behind(self) -> bool:
        """Whether the project differs from what this slsguard would generate with these answers."""
        return bool(self.from_version != self.to_version or self.changed or self.new or self.dropped or self.generated_changed)


def version_key(version: str) -> tuple[int, ...]:
    """``0.10.1`` > ``0.9``; pre-release suffixes are ignored."""
    return tuple(int(part) for part in re.findall(r"\d+", version.split("+")[0])[:3])


def git_dirty(root: Path) -> list[str] | None:
    """``git status`` lines under ``root``; None when it is not inside a git work tree (or git is absent)."""
    git = shutil.which("git")
    if git is None:
        return None
    inside = subprocess.run([git, "-C", str(root), "rev-parse", "--is-inside-work-tree"], capture_output=True, text=True, check=False)
    if inside.returncode != 0 or inside.stdout.strip() != "true":
        return None
    status = subprocess.run(
        [git, "-C", str(root), "status", "--porcelain", "--untracked-files=normal", "--", "."], capture_output=True, text=True, check=False
    )
    if status.returncode != 0:
        raise UserError(f"git status failed in {root}: {status.stderr.strip()}.", "Fix: repair the repository, or pass --allow-dirty.")
    return [line for line in status.stdout.splitlines() if line.strip()]


def _refuse_dirty(root: Path) -> None:
    dirty = git_dirty(root)
    if dirty:
        sample = ", ".join(line[3:] for line in dirty[:3]) + (", ..." if len(dirty) > 3 else "")
        raise UserError(
            f"{root} has uncommitted changes ({len(dirty)}: {sample}): an upgrade rewrites files, and a clean tree lets you "
            "review exactly what it changed with 'git diff' and undo it with 'git checkout'.",
            "Fix: commit or stash your changes first, or pass --allow-dirty.",
        )


def _ask_questionary(question: Question, default: Any) -> Any:
    """Ask one question in the terminal (a question new in this slsguard)."""
    import questionary

    from .rules import coerce

    title = f"{question.prompt} (new in this slsguard: {question.help})"
    if question.kind == "choice":
        choices = [
            questionary.Choice(f"{c}: {question.choice_help[c]}" if c in question.choice_help else c, value=c) for c in question.choices
        ]
        return questionary.select(title, choices=choices, default=next(c for c in choices if c.value == default)).unsafe_ask()
    if question.kind == "bool":
        return questionary.confirm(title, default=bool(default)).unsafe_ask()

    def valid(text: str) -> bool | str:
        try:
            coerce(question.name, text)
        except ValueError as err:
            return str(err).partition(" Fix: ")[0]
        return True

    return questionary.text(title, default=str(default), validate=valid).unsafe_ask()


def resolve_answers(recorded: Mapping[str, Any], changes: Mapping[str, Any], ask: Ask | None) -> tuple[dict[str, Any], list, list, list]:
    """The new answer set: recorded ones, ``changes`` on top, new questions asked (or defaulted).

    Returns (answers, changed, new, dropped) for the report.
    """
    reject_unknown(changes)
    dropped = [(k, v) for k, v in recorded.items() if k not in BY_NAME]
    given: dict[str, Any] = {k: v for k, v in recorded.items() if k in BY_NAME}
    given.update(changes)
    asked: set[str] = set()
    if ask is not None:
        for q in QUESTIONS:
            if q.name in given:
                continue
            current = complete(given)
            if not q.applies(current) or q.forced(current) is not None:
                continue
            try:
                given[q.name] = ask(q, current[q.name])
            except KeyboardInterrupt as err:
                raise Interrupted("interrupted; nothing was written.") from err
            asked.add(q.name)
    answers = validate(given)
    changed = [(k, _typed(k, recorded[k]), v) for k, v in answers.items() if k in recorded and _typed(k, recorded[k]) != v]
    new = [(k, v, k in asked) for k, v in answers.items() if k not in recorded]
    return answers, changed, new, dropped


def _typed(key: str, value: Any) -> Any:
    from .rules import coerce

    try:
        return coerce(key, value)
    except ValueError:
        return value


def upgrade(
    project_dir: str | Path = ".",
    changes: Mapping[str, Any] | None = None,
    *,
    no_input: bool = True,
    dry_run: bool = False,
    allow_dirty: bool = False,
    template: Path | None = None,
    ask: Ask | None = None,
) -> Upgrade:
    """Upgrade the project in ``project_dir``; returns what happened (conflicts are in the result, not raised).

    ``no_input=False`` asks the questions new in this slsguard with ``ask`` (the terminal when it is one).
    With ``dry_run`` nothing is written. Raises UserError before touching anything when it cannot go on.
    """
    root = Path(project_dir).resolve()
    record = snapshot.read(root)
    if not dry_run and not allow_dirty:
        _refuse_dirty(root)
    if not no_input and ask is None and sys.stdin.isatty() and sys.stdout.isatty():
        ask = _ask_questionary
    answers, changed, new, dropped = resolve_answers(record.answers, dict(changes or {}), None if no_input else ask)
    with tempfile.TemporaryDirectory(prefix="slsguard-upgrade-") as tmp:
        rendered = render(answers, Path(tmp), template=template)
        fresh = snapshot.read(rendered)
        if version_key(fresh.version) < version_key(record.version):
            raise UserError(
                f"{root} was last generated by slsguard {record.version}, newer than this slsguard {fresh.version}: "
                "a downgrade would undo what the newer version generated.",
                f"Fix: install slsguard {record.version} or later.",
            )
        labels = Labels("your project", f"slsguard {record.version} (last generation)", f"slsguard {fresh.version} (this upgrade)")
        result = Upgrade(root, record.version, fresh.version, changed, new, dropped, dry_run=dry_run)
        result.changes = plan(root, record.base, fresh.base, labels)
        result.generated_changed = sum(record.base.get(p) != fresh.base.get(p) for p in set(record.base) | set(fresh.base))
        for rel in (snapshot.ANSWERS_FILE, snapshot.BASE_FILE):
            data = (rendered / rel).read_bytes()
            current = root / rel
            if rel == snapshot.BASE_FILE and not result.generated_changed:
                continue  # same files: keep the archive's bytes even if another zlib would compress them differently
            if not current.is_file() or current.read_bytes() != data:
                result.changes.append(Change(rel, RECORDED, snapshot.Entry(data)))
    if not dry_run:
        from .transaction import apply

        apply(root, result.changes)
    return result


def check(project_dir: str | Path = ".", changes: Mapping[str, Any] | None = None, *, template: Path | None = None) -> Upgrade:
    """Whether ``project_dir`` is behind this slsguard or the given answers (``result.behind``); writes nothing."""
    return upgrade(project_dir, changes, no_input=True, dry_run=True, template=template)


def run_cli(args: Any) -> int:
    """``slsguard upgrade`` as argparse parsed it; returns the exit code."""
    from .upgrade_report import check_report, diff, summary

    changes = parse_set(args.set)
    if args.check:
        result = check(args.project_dir, changes)
        print(check_report(result))
        return 1 if result.behind else 0
    result = upgrade(args.project_dir, changes, no_input=args.no_input, dry_run=args.dry_run, allow_dirty=args.allow_dirty)
    if args.dry_run:
        text = diff(result)
        if text:
            print(text, end="" if text.endswith("\n") else "\n")
    print(summary(result))
    if result.conflicts and not args.dry_run:
        files = ", ".join(result.conflicts)
        raise UpgradeConflict(
            f"{len(result.conflicts)} file(s) have conflict markers: {files}. "
            "Fix: edit each to keep the right lines, remove the <<<<<<< ||||||| ======= >>>>>>> markers, then run your tests."
        )
    return 0
