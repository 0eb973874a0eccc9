"""``slsguard new``: create a hardened service at OUTPUT_DIR/<project_slug>."""

from __future__ import annotations

import argparse
from pathlib import Path

from .. import __version__


def _answers_help() -> str:
    """Every KEY that --set and --answers accept, listed from the questions themselves."""
    from ..answers.questions import QUESTIONS
    from ..answers.values import allowed_text

    lines = ["answers (KEY for --set KEY=VALUE and --answers FILE; the wizard asks the same):"]
    for q in QUESTIONS:
        default = "derived from the answers above" if q.derived else str(q.default).lower() if isinstance(q.default, bool) else q.default
        lines.append(f"  {q.name:<21} {allowed_text(q)} (default: {default if default != '' else 'empty'})")
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = "Create a hardened service at OUTPUT_DIR/<project_slug>: asks the questions that matter, or none with --no-input."
    parser.epilog = _answers_help  # built only when help is shown
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("--version", action="version", version=f"slsguard {__version__}")
    parser.add_argument("output_dir", nargs="?", default=".", metavar="OUTPUT_DIR", help="where the project folder is created (default: .)")
    parser.add_argument("--no-input", action="store_true", help="ask nothing: defaults plus --set/--answers")
    parser.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="give an answer (repeatable); a given key is not asked"
    )
    parser.add_argument("--answers", type=Path, metavar="FILE", help="answers from a YAML or JSON file with the same keys")
    parser.add_argument(
        "--force", action="store_true", help="render over an existing project folder (keeps files slsguard does not generate)"
    )


def run(args: argparse.Namespace) -> int:
    from ..answers.parse import complete, load_file, parse_set
    from ..new.render import new
    from ..new.summary import next_commands, requirement_note

    given = load_file(args.answers) if args.answers else {}
    given.update(parse_set(args.set))
    if not args.no_input:
        from ..new.wizard import run_wizard  # questionary loads only when there is something to ask

        given = run_wizard(given, output_dir=args.output_dir, force=args.force)
    project = new(given, args.output_dir, force=args.force)
    print(f"Created {project}\nNext:")
    for command in next_commands(complete(given), project):
        print(f"  {command}")
    for line in requirement_note(project):
        print(line)
    return 0
