"""Command line: parse arguments, call the library, map errors to exit codes. Nothing else."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .errors import INTERNAL_ERROR, STOPPED, SlsguardError, UserError


class _Parser(argparse.ArgumentParser):
    """An epilog may be a function, built only when help is shown: a command never imports what only its help lists."""

    def format_help(self) -> str:
        if callable(self.epilog):
            self.epilog = self.epilog()
        return super().format_help()


def _rules_help() -> str:
    """Every audit rule id (what an exemption names) and what it checks."""
    from .audit.rules import RULES

    lines = ["rules (ids for exemptions: Metadata slsguard.exempt, custom.slsguard.exempt; see docs/audit.md):"]
    lines += [f"  {rule.id:<24} {rule.summary}" for rule in RULES]
    lines.append("exit codes: 0 no errors, 1 errors (0 with --warn-only), 2 unusable input")
    return "\n".join(lines)


def _answers_help() -> str:
    """Every KEY that --set and --answers accept, listed from the questions themselves."""
    from .answers.questions import QUESTIONS
    from .answers.rules import allowed_text

    lines = ["answers (KEY for --set KEY=VALUE and --answers FILE; the wizard asks the same):"]
    for q in QUESTIONS:
        default = "derived from the answers above" if q.derived else str(q.default).lower() if isinstance(q.default, bool) else q.default
        lines.append(f"  {q.name:<21} {allowed_text(q)} (default: {default if default != '' else 'empty'})")
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="slsguard", description="Start and keep an AWS serverless service safe from day one.")
    parser.add_argument("--version", action="version", version=f"slsguard {__version__}")
    parser.add_argument("--debug", action="store_true", help=DEBUG_HELP)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    new = sub.add_parser(
        "new",
        help="create a hardened service (asks questions unless --no-input)",
        description="Create a hardened service at OUTPUT_DIR/<project_slug>: asks the questions that matter, or none with --no-input.",
        epilog=_answers_help,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    new.add_argument("--version", action="version", version=f"slsguard {__version__}")
    new.add_argument("output_dir", nargs="?", default=".", metavar="OUTPUT_DIR", help="where the project folder is created (default: .)")
    new.add_argument("--no-input", action="store_true", help="ask nothing: defaults plus --set/--answers")
    new.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="give an answer (repeatable); a given key is not asked"
    )
    new.add_argument("--answers", type=Path, metavar="FILE", help="answers from a YAML or JSON file with the same keys")
    new.add_argument("--force", action="store_true", help="render over an existing project folder (keeps files slsguard does not generate)")

    upgrade = sub.add_parser("upgrade", help="re-render a project with this slsguard and merge three ways")
    upgrade.add_argument("project_dir", nargs="?", default=".", metavar="PROJECT_DIR")
    upgrade.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="change an answer (repeatable)")
    upgrade.add_argument(
        "--no-input",
        action="store_true",
        help="do not ask questions new in this version; take their defaults (or what keeps the project as it was, where a question says)",
    )
    upgrade.add_argument("--dry-run", action="store_true", help="print what would change; write nothing")
    upgrade.add_argument("--check", action="store_true", help="exit 1 when the project is behind this slsguard or its answers")
    upgrade.add_argument("--allow-dirty", action="store_true", help="upgrade a git project with uncommitted changes")

    init = sub.add_parser(
        "init",
        help="adopt an existing Serverless Framework service: the audit bridge, its plugins entry and a baseline",
        description="Adopt the Serverless Framework service in PROJECT_DIR: copy the audit bridge to .slsguard/plugin.js, list it "
        "in serverless.yml's plugins (comments and layout kept) and, when .serverless/ exists, record today's findings in "
        ".slsguard/baseline.json, so `package` fails only on new ones.",
    )
    init.add_argument("project_dir", nargs="?", default=".", metavar="PROJECT_DIR", help="the service's folder (default: .)")
    init.add_argument("--force", action="store_true", help="adopt again: refresh the plugin in an adopted project (keeps its baseline)")
    init.add_argument(
        "--rails",
        action="store_true",
        help="also give the service the rails plugin (alarms, a role per function, failure queues): shows the changes, writes on confirmation",
    )
    init.add_argument("--yes", action="store_true", help="with --rails: write the changes it shows without asking")

    add = sub.add_parser(
        "add",
        help="add a function (handler, test, sample event, serverless.yml block) to a generated project",
        description="Add a function to a generated project: its handler through guard, its test and sample event, and its "
        "block in serverless.yml with only handler, events, timeout and reservedConcurrency (the rails plugin adds the rest).",
    )
    add.add_argument("name", metavar="NAME", help="function name, also its module: a lowercase Python identifier")
    add.add_argument("--trigger", required=True, metavar="http|sqs|schedule", help="what invokes it: API Gateway, an SQS queue, a schedule")
    add.add_argument("--path", metavar="/ROUTE", help="HTTP route (--trigger http; default /NAME with - for _)")
    add.add_argument("--schedule", metavar="EXPR", help="rate(...) or cron(...) (--trigger schedule; default rate(1 hour))")
    add.add_argument("--database", action="store_true", help="the function reads the database (slsguard: {database: true})")
    add.add_argument("--project", type=Path, default=Path("."), metavar="PROJECT_DIR", help="the generated project (default: .)")

    audit = sub.add_parser(
        "audit",
        help="check compiled CloudFormation templates for unsafe settings",
        description="Check compiled CloudFormation templates (the root and every nested stack) for unsafe settings and quotas.",
        epilog=_rules_help,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    audit.add_argument(
        "paths", nargs="*", default=["."], metavar="PATH", help="a .serverless/ folder, a project folder or template files (default: .)"
    )
    audit.add_argument("--format", choices=("text", "json", "sarif"), default="text", help="sarif: SARIF 2.1.0 for code scanning")
    recorded = audit.add_mutually_exclusive_group()
    recorded.add_argument(
        "--baseline", type=Path, metavar="FILE", help="report the findings FILE records, but fail only on new ones (see docs/audit.md)"
    )
    recorded.add_argument(
        "--write-baseline", type=Path, metavar="FILE", help="record today's findings in FILE (findings fixed since drop out)"
    )
    audit.add_argument(
        "--account-concurrency",
        type=int,
        metavar="N",
        help="the account's Lambda concurrency limit (default: the project's answer, else 1000)",
    )
    audit.add_argument("--warn-only", action="store_true", help="report errors but exit 0")
    audit.add_argument(
        "--show-accepted", action="store_true", help="text: list the findings the baseline accepts too (default: one line sums them up)"
    )

    cost = sub.add_parser(
        "cost",
        help="the most the service can cost per hour under a flood",
        description="Price the ceiling of compiled templates: every entry point driven to its cap, every function running to its timeout.",
        epilog="exit codes: 0 at or below --max-hourly (or without it), 1 above it, 2 unusable input. Model: docs/cost.md",
    )
    cost.add_argument(
        "paths", nargs="*", default=["."], metavar="PATH", help="a .serverless/ folder, a project folder or template files (default: .)"
    )
    cost.add_argument("--format", choices=("text", "json"), default="text")
    cost.add_argument("--max-hourly", type=float, metavar="USD", help="exit 1 when the ceiling per hour is above USD")
    cost.add_argument("--region", metavar="REGION", help="price table to use (default: the project's answer, else us-east-1)")
    cost.add_argument(
        "--account-concurrency",
        type=int,
        metavar="N",
        help="the account's Lambda concurrency limit (default: the project's answer, else 1000)",
    )
    preview = sub.add_parser(
        "preview",
        help="what a deploy would add, change, replace and remove (deployed stacks vs the package)",
        description="Compare the deployed stacks (root and nested, CloudFormation GetTemplate) with the packaged templates in .serverless/.",
        epilog="exit codes: 0 nothing stateful lost (or all of it --accept-ed), 1 a stateful resource would be replaced or removed, 2 unusable input.",
    )
    preview.add_argument(
        "build", nargs="?", default=Path(".serverless"), type=Path, metavar="BUILD", help="the package folder (default: .serverless)"
    )
    preview.add_argument("--stack", metavar="NAME", help="the deployed root stack (default: <service>-<stage> from the package)")
    preview.add_argument(
        "--accept",
        action="append",
        default=[],
        metavar="LOGICAL_ID",
        help="acknowledge that this stateful resource is replaced or removed (repeatable)",
    )
    for command in sub.choices.values():  # --debug after the command too: `slsguard audit --debug`
        command.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=DEBUG_HELP)
    return parser


def _new(args: argparse.Namespace) -> int:
    from .answers.parse import complete, load_file, parse_set
    from .new.render import new
    from .new.summary import next_commands, requirement_note

    given = load_file(args.answers) if args.answers else {}
    given.update(parse_set(args.set))
    if not args.no_input:
        from .new.wizard import run_wizard  # questionary loads only when there is something to ask

        given = run_wizard(given, output_dir=args.output_dir, force=args.force)
    project = new(given, args.output_dir, force=args.force)
    print(f"Created {project}\nNext:")
    for command in next_commands(complete(given), project):
        print(f"  {command}")
    for line in requirement_note(project):
        print(line)
    return 0


def _upgrade(args: argparse.Namespace) -> int:
    from .upgrade.regenerate import run_cli

    return run_cli(args)


def _init(args: argparse.Namespace) -> int:
    from .init import BASELINE_FILE, adopt, plan

    if args.yes and not args.rails:
        raise UserError("--yes is only for --rails (init alone writes at once).", "Fix: slsguard init --rails --yes")
    if args.rails:
        from .init import preview

        planned = plan(args.project_dir, force=args.force, rails=True)
        if not preview.run(planned, args.yes):
            return 0
        done = planned.outcome
    else:
        done = adopt(args.project_dir, force=args.force)
    if done.generated:
        print(f"Refreshed .slsguard/plugin.js of {done.project}, a generated project (`slsguard upgrade` refreshes everything).")
        return 0
    if done.bridge:
        print(f"Adopted {done.project}: .slsguard/plugin.js" + (f" listed in {done.config.name}'s plugins" if done.plugin_listed else ""))
        if done.baseline is not None:
            print(f"Recorded {done.baseline} findings of the last package in {BASELINE_FILE}: `package` now fails only on new ones.")
        elif done.kept_baseline:
            print(f"Kept {BASELINE_FILE}; refresh it with `slsguard audit .serverless --write-baseline {BASELINE_FILE}`.")
        else:
            print(
                f"No package in .serverless/ yet, so no baseline: run `npx osls package` (it reports, without failing, until a baseline "
                f"exists), then `slsguard audit .serverless --write-baseline {BASELINE_FILE}`."
            )
    if done.rails is None:
        print(
            "The rails plugin (alarms, a role and a failure queue for every function, also those added later) is not added: "
            "`slsguard init --rails` shows what it would change."
        )
        return 0
    topic = f"; custom.rails.alarmTopic: {done.rails.topic}" if done.rails.topic else ""
    print(f"Gave {done.project} the rails: .serverless_plugins/rails/ listed in {done.config.name}'s plugins{topic}.")
    print(
        f"Next: npx osls package. What the rails fix drops out of the report; "
        f"`slsguard audit .serverless --write-baseline {BASELINE_FILE}` then records what is left."
    )
    return 0


def _add(args: argparse.Namespace) -> int:
    from .add import Request, add

    request = Request(args.name, args.trigger, args.path, args.schedule, args.database)
    written = add(args.project, request)
    print(f"Added function {args.name} ({args.trigger}):")
    for rel in written:
        print(f"  {rel}")
    print("Next:\n  python -m pytest\n  npm run package   (the rails plugin adds its alarms, role and the rest)")
    return 0


def _audit(args: argparse.Namespace) -> int:
    from .audit import run_cli

    return run_cli(args)


def _preview(args: argparse.Namespace) -> int:
    from .preview import run_cli

    return run_cli(args)


def _cost(args: argparse.Namespace) -> int:
    from .cost import run_cli

    return run_cli(args)


DEBUG_HELP = f"on an internal error (exit {INTERNAL_ERROR}), print the traceback too (or set SLSGUARD_DEBUG=1)"


def _internal_error(command: str, err: BaseException, debug: bool) -> int:
    """A bug, not a finding: one line naming what failed, its own exit code, the traceback only on request."""
    from .printable import printable

    if debug:
        import traceback

        traceback.print_exception(err, file=sys.stderr)
    what = f"{type(err).__name__}: {err}" if str(err) else type(err).__name__
    detail = "" if debug else "; run it again with --debug (or SLSGUARD_DEBUG=1) for the traceback"
    print(
        f"slsguard: internal error in `slsguard {command}`: {printable(what)[:300]} (a bug in slsguard, not a finding; "
        f"nothing was left half-written{detail}, and please report it).",
        file=sys.stderr,
    )
    return INTERNAL_ERROR


COMMANDS = {"new": _new, "upgrade": _upgrade, "init": _init, "add": _add, "audit": _audit, "cost": _cost, "preview": _preview}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``slsguard`` command; returns the exit code (see ``generator.errors``)."""
    from .signals import Terminated, install

    args = _parser().parse_args(argv)
    debug = getattr(args, "debug", False) or os.environ.get("SLSGUARD_DEBUG", "") not in ("", "0")
    logging.getLogger("cookiecutter").setLevel(logging.CRITICAL)  # its hook failures log tracebacks
    install()  # SIGTERM, SIGINT, SIGHUP become exceptions: every cleanup runs
    try:
        return COMMANDS[args.command](args)
    except SlsguardError as err:
        print(f"slsguard: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("slsguard: interrupted; nothing was written.", file=sys.stderr)
        return STOPPED
    except Terminated as err:
        print(f"slsguard: stopped by {err}; nothing was left half-written.", file=sys.stderr)
        return 128 + err.signum
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # the reader went away (`slsguard audit | head`)
        return 128 + 13
    except Exception as err:  # the one place a bug becomes one line instead of a traceback
        return _internal_error(args.command, err, debug)
