"""Render the template through the real cookiecutter, atomically.

A project appears at its final path only when rendering succeeded: cookiecutter writes into a
hidden staging folder beside the target, which is renamed into place at the end.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ..answers.parse import validate
from ..errors import UserError
from ..project.snapshot import drop_caches
from ..signals import held

PACKAGED_TEMPLATE = Path(__file__).parents[1] / "_template"  # generator/_template in the wheel


def template_dir() -> Path:
    """The template: this checkout's root when run from source, else the copy inside the wheel."""
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "cookiecutter.json").is_file():
        return checkout
    return PACKAGED_TEMPLATE


def _context(answers: Mapping[str, Any]) -> dict[str, Any]:
    """Answers as cookiecutter's command line would give them (it stringifies everything but booleans)."""
    return {k: v if isinstance(v, bool) else str(v) for k, v in answers.items()}


@contextlib.contextmanager
def _temporary_files_in(staging: Path) -> Iterator[None]:
    """cookiecutter writes each rendered hook to a temporary file it never deletes: keep them in the staging folder,
    which goes away with the render, instead of leaving two files in the system's temporary folder per render."""
    hooks = staging / ".hooks"
    hooks.mkdir()
    saved, tempfile.tempdir = tempfile.tempdir, str(hooks)
    try:
        yield
    finally:
        tempfile.tempdir = saved


def render(answers: Mapping[str, Any], output_dir: Path, *, template: Path | None = None) -> Path:
    """Render ``answers`` (already complete and valid) into a fresh folder under ``output_dir``.

    Returns the rendered project path inside a staging folder the caller moves or deletes.
    """
    from cookiecutter.exceptions import CookiecutterException, FailedHookException
    from cookiecutter.main import cookiecutter

    output_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".slsguard-render-", dir=output_dir))
    try:
        with held(), _temporary_files_in(staging):  # a signal waits for cookiecutter's hooks, then cleans up
            project = cookiecutter(
                str(template or template_dir()),
                no_input=True,
                extra_context=_context(answers),
                output_dir=str(staging),
                default_config=True,
            )
    except FailedHookException as err:
        shutil.rmtree(staging, ignore_errors=True)
        raise UserError(f"the template refused these answers: {err}.", "Fix: see the message above.") from err
    except (CookiecutterException, OSError) as err:
        shutil.rmtree(staging, ignore_errors=True)
        raise UserError(f"rendering failed: {err}.", "Fix: check the answers and the output folder.") from err
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    drop_caches(Path(project))  # pip compiled the installed template's .py files: bytecode is never part of a project
    return Path(project)


def _overlay(source: Path, target: Path) -> None:
    """Write every rendered file over ``target``, all or nothing and never through a symbolic link (the
    upgrade's transaction: a ``README.md`` linked to a file outside the project is refused, not followed);
    files only the user has are left alone."""
    from ..project.change import ADDED, Change
    from ..project.snapshot import Entry
    from ..project.transaction import apply

    changes = []
    for path in sorted(source.rglob("*")):
        if path.is_file() and not path.is_symlink():
            entry = Entry(path.read_bytes(), bool(path.stat().st_mode & 0o111))
            changes.append(Change(path.relative_to(source).as_posix(), ADDED, entry))
    apply(target, changes, command="new --force")


def target_dir(output_dir: str | os.PathLike[str], slug: str, *, force: bool = False) -> Path:
    """Where the project goes; an existing folder is refused unless ``force`` (the wizard asks this before any question)."""
    target = Path(output_dir).resolve() / slug
    if target.is_symlink():
        raise UserError(
            f"{target} is a symbolic link: slsguard never writes a project through a link (it could change files elsewhere).",
            "Fix: replace the link with a real folder, or choose another output folder.",
        )
    if target.exists() and not force:
        raise UserError(
            f"{target} already exists: slsguard never overwrites a project without being asked.",
            "Fix: pass --force to render over it, or choose another output folder.",
        )
    return target


def new(answers: Mapping[str, Any], output_dir: str | os.PathLike[str] = ".", *, force: bool = False, template: Path | None = None) -> Path:
    """Validate ``answers`` (missing keys take their defaults) and create the project.

    The project lands at ``output_dir/<project_slug>``; an existing folder is refused unless
    ``force``, and then only the generated files are written over it.
    """
    full = validate(answers)
    target = target_dir(output_dir, full["project_slug"], force=force)
    out = target.parent
    created = not out.exists()
    try:
        project = render(full, out, template=template)
    except BaseException:
        if created:
            with contextlib.suppress(OSError):
                out.rmdir()  # the output folder this call made, now empty again: a failure leaves nothing
        raise
    staging = project.parent
    placed = False
    try:
        with held():  # the last step runs whole; a signal that came meanwhile undoes it below
            if target.exists():
                _overlay(project, target)
            else:
                os.replace(project, target)
                placed = True
    except BaseException:
        shutil.rmtree(target if placed else staging, ignore_errors=True)
        shutil.rmtree(staging, ignore_errors=True)
        if created:
            with contextlib.suppress(OSError):
                out.rmdir()
        raise
    shutil.rmtree(staging, ignore_errors=True)
    return target
