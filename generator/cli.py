"""Command line: parse arguments, call the library, map errors to exit codes. Nothing else."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence

from . import __version__
from .errors import INTERNAL_ERROR, STOPPED, SlsguardError


class _Parser(argparse.ArgumentParser):
    """An epilog may be a function, built only when help is shown: a command never imports what only its help lists."""

    def format_help(self) -> str:
        if callable(self.epilog):
            self.epilog = self.epilog()
        return super().format_help()


def _parser() -> argparse.ArgumentParser:
    """The top-level parser; each subcommand's arguments come from its module (``generator.commands``)."""
    from .commands import COMMANDS

    parser = _Parser(prog="slsguard", description="Start and keep an AWS serverless service safe from day one.")
    parser.add_argument("--version", action="version", version=f"slsguard {__version__}")
    parser.add_argument("--debug", action="store_true", help=DEBUG_HELP)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        module = importlib.import_module(command.module)
        child = sub.add_parser(command.name, help=command.help)
        module.add_arguments(child)
        child.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=DEBUG_HELP)  # `slsguard audit --debug`
        child.set_defaults(run=module.run)
    return parser


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


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``slsguard`` command; returns the exit code (see ``generator.errors``)."""
    from .signals import Terminated, install

    args = _parser().parse_args(argv)
    debug = getattr(args, "debug", False) or os.environ.get("SLSGUARD_DEBUG", "") not in ("", "0")
    logging.getLogger("cookiecutter").setLevel(logging.CRITICAL)  # its hook failures log tracebacks
    install()  # SIGTERM, SIGINT, SIGHUP become exceptions: every cleanup runs
    try:
        return args.run(args)
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
