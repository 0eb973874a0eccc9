"""The subcommands of ``slsguard``: the table cli.py builds its parser from, one module per command.

Each module has ``add_arguments(parser)`` (its options, description and epilog) and ``run(args) -> int`` (the exit
code). A module imports at its top only the standard library: what a command needs loads inside its ``run``, so
``slsguard --help`` and every other command stay fast.
"""

from __future__ import annotations

from typing import NamedTuple


class Command(NamedTuple):
    """One subcommand: its name, its line in ``slsguard --help``, and the module that defines it."""

    name: str
    help: str
    module: str


COMMANDS = (
    Command("new", "create a hardened service (asks questions unless --no-input)", "generator.commands.new"),
    Command("upgrade", "re-render a project with this slsguard and merge three ways", "generator.commands.upgrade"),
    Command(
        "init",
        "adopt an existing Serverless Framework service: the audit bridge, its plugins entry and a baseline",
        "generator.commands.init",
    ),
    Command("add", "add a function (handler, test, sample event, serverless.yml block) to a generated project", "generator.commands.add"),
    Command("audit", "check compiled CloudFormation templates for unsafe settings", "generator.commands.audit"),
    Command("cost", "the most the service can cost per hour under a flood", "generator.commands.cost"),
    Command(
        "preview",
        "what a deploy would add, change, replace and remove (deployed stacks vs the package)",
        "generator.commands.preview",
    ),
)
