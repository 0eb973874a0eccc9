"""``slsguard upgrade``: re-render a project with this slsguard and its (changed) answers, merge three ways.

The merge base is the pristine render recorded in the project (``generator.project.snapshot``), never a
re-render of an old version; the new render happens in a temporary folder; the project is written
only at the end, all or nothing (``generator.project.transaction``).
"""

from __future__ import annotations

import re
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..answers.parse import parse_set, reject_unknown, validate
from ..answers.questions import BY_NAME, QUESTIONS
from ..errors import Interrupted, UpgradeConflict, UserError
from ..new.render import render
from ..project import snapshot
from ..project.change import BINARY_CONFLICT, CONFLICT, RECORDED, Change
from . import conflicts
from .gitrepo import git_dirty, mark_unmerged, unmerged_paths
from .merge import plan
from .result import Upgrade
from .tool_pins import pin_changes

if TYPE_CHECKING:
    from prompt_toolkit.input import Input
    from prompt_toolkit.output import Output


def version_key(version: str) -> tuple[int, ...]:
    """``0.10.1`` > ``0.9``; pre-release suffixes are ignored."""
    return tuple(int(part) for part in re.findall(r"\d+", version.split("+")[0])[:3])


def _refuse_dirty(root: Path) -> None:
    dirty = git_dirty(root)
    if dirty:
        sample = ", ".join(line[3:] for line in dirty[:3]) + (", ..." if len(dirty) > 3 else "")
        raise UserError(
            f"{root} has uncommitted changes ({len(dirty)}: {sample}): an upgrade rewrites files, and a clean tree lets you "
            "review exactly what it changed with 'git diff' and undo it with 'git checkout'.",
            "Fix: commit or stash your changes first, or pass --allow-dirty.",
        )


def _ask_new(given: dict[str, Any], new: list[str], input: Input | None, output: Output | None) -> set[str]:
    """Ask the questions new in this slsguard with the wizard's rules; returns the names really asked."""
    from ..new.wizard import Wizard

    wizard = Wizard(given, input=input, output=output)
    asked: set[str] = set()
    print(f"slsguard upgrade: {len(new)} question(s) are new in this version. Ctrl-C quits without writing anything.")
    try:
        for q in QUESTIONS:
            if q.name not in new:
                continue
            current = wizard.tentative()
            if q.applies(current):
                asked.add(q.name)
            wizard.settle(q)
    except (KeyboardInterrupt, EOFError) as err:
        raise Interrupted("interrupted; nothing was written.") from err
    given.update({name: wizard.settled[name] for name in new})
    return asked


def resolve_answers(
    recorded: Mapping[str, Any],
    changes: Mapping[str, Any],
    *,
    interactive: bool = False,
    input: Input | None = None,
    output: Output | None = None,
) -> tuple[dict[str, Any], list, list, list]:
    """The new answer set: recorded ones, ``changes`` on top, new questions asked (or defaulted).

    Returns (answers, changed, new, dropped) for the report.
    """
    reject_unknown(changes)
    dropped = [(k, v) for k, v in recorded.items() if k not in BY_NAME]
    given: dict[str, Any] = {k: v for k, v in recorded.items() if k in BY_NAME}
    given.update(changes)
    kept = _kept_behaviour(given)
    unanswered = [q.name for q in QUESTIONS if q.name not in given]
    asked = _ask_new(given, unanswered, input, output) if interactive and unanswered else set()
    answers = validate(given)
    changed = [(k, _typed(k, recorded[k]), v) for k, v in answers.items() if k in recorded and _typed(k, recorded[k]) != v]
    new = [(k, v, kept.get(k, k in asked)) for k, v in answers.items() if k not in recorded]
    return answers, changed, new, dropped


def _kept_behaviour(given: dict[str, Any]) -> dict[str, str]:
    """Questions newer than the recorded set whose plain default would change what the project does (``auth``:
    cognito would lock out today's clients) get their ``upgrade_default`` instead; returns name -> why."""
    from jinja2.sandbox import SandboxedEnvironment  # the expression is ours; the answers it reads are data

    kept = {}
    for q in QUESTIONS:
        if q.name not in given and q.upgrade_default is not None:
            given[q.name] = SandboxedEnvironment().from_string(q.upgrade_default).render(cookiecutter=dict(given))
            kept[q.name] = q.upgrade_reason
    return kept


def _typed(key: str, value: Any) -> Any:
    from ..answers.values import coerce

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
    input: Input | None = None,
    output: Output | None = None,
) -> Upgrade:
    """Upgrade the project in ``project_dir``; returns what happened (conflicts are in the result, not raised).

    ``no_input=False`` asks the questions new in this slsguard when there is a terminal (or ``input``).
    With ``dry_run`` nothing is written. Raises UserError before touching anything when it cannot go on.
    """
    root = Path(project_dir).resolve()
    record = snapshot.read(root)
    unmerged = unmerged_paths(root)
    in_git = unmerged is not None
    unresolved = conflicts.unresolved(root, record.version, record.base, unmerged or ())
    if not dry_run:
        conflicts.refuse_unresolved(root, unresolved)
    if not dry_run and not allow_dirty:
        _refuse_dirty(root)
    interactive = not no_input and (input is not None or sys.stdin.isatty())
    answers, changed, new, dropped = resolve_answers(
        record.answers, dict(changes or {}), interactive=interactive, input=input, output=output
    )
    with tempfile.TemporaryDirectory(prefix="slsguard-upgrade-") as tmp:
        rendered = render(answers, Path(tmp), template=template)
        fresh = snapshot.read(rendered)
        if version_key(fresh.version) < version_key(record.version):
            raise UserError(
                f"{root} was last generated by slsguard {record.version}, newer than this slsguard {fresh.version}: "
                "a downgrade would undo what the newer version generated.",
                f"Fix: install slsguard {record.version} or later.",
            )
        labels = conflicts.labels(record.version, fresh.version)
        result = Upgrade(root, record.version, fresh.version, changed, new, dropped, dry_run=dry_run, in_git=in_git, unresolved=unresolved)
        result.changes = plan(root, record.base, fresh.base, labels)
        if not in_git:
            result.changes += conflicts.side_files(result.changes)
        result.tools = pin_changes(record.base, fresh.base)
        result.generated_changed = sum(record.base.get(p) != fresh.base.get(p) for p in set(record.base) | set(fresh.base))
        for rel in (snapshot.ANSWERS_FILE, snapshot.BASE_FILE):
            data = (rendered / rel).read_bytes()
            current = root / rel
            if rel == snapshot.BASE_FILE and not result.generated_changed:
                continue  # same files: keep the archive's bytes even if another zlib would compress them differently
            if not current.is_file() or current.read_bytes() != data:
                result.changes.append(Change(rel, RECORDED, snapshot.Entry(data)))
    if not dry_run:
        from ..project.transaction import apply

        apply(root, result.changes)
        result.marked_unmerged = mark_unmerged(root, [c for c in result.changes if c.action in (CONFLICT, BINARY_CONFLICT)])
        if in_git and not result.marked_unmerged:  # git could not take both versions: keep the new one beside yours
            sides = conflicts.side_files(result.changes)
            apply(root, sides)
            result.changes += sides
    return result


def check(project_dir: str | Path = ".", changes: Mapping[str, Any] | None = None, *, template: Path | None = None) -> Upgrade:
    """Whether ``project_dir`` is behind this slsguard or the given answers (``result.behind``); writes nothing."""
    return upgrade(project_dir, changes, no_input=True, dry_run=True, template=template)


def run_cli(args: Any) -> int:
    """``slsguard upgrade`` as argparse parsed it; returns the exit code."""
    from .report import check_report, conflict_message, diff, summary

    changes = parse_set(args.set)
    if args.check:
        result = check(args.project_dir, changes)
        print(check_report(result))
        return 1 if result.behind or result.unresolved else 0
    result = upgrade(args.project_dir, changes, no_input=args.no_input, dry_run=args.dry_run, allow_dirty=args.allow_dirty)
    if args.dry_run:
        text = diff(result)
        if text:
            print(text, end="" if text.endswith("\n") else "\n")
    print(summary(result))
    message = conflict_message(result)
    if message and not args.dry_run:
        raise UpgradeConflict(message)
    return 0
