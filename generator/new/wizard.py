"""The interactive side of ``slsguard new``: asks what flags left open, in a terminal.

Prompt I/O only. What is asked, in which order, with which defaults, and what is allowed all
come from questions.py, parse.py, values.py and rules.py, so the wizard refuses exactly what ``--set`` refuses.
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable, Mapping
from typing import Any

import questionary
from prompt_toolkit.input import Input
from prompt_toolkit.output import Output

from ..answers import rules, values
from ..answers.parse import complete, render_default
from ..answers.questions import QUESTIONS, Answers, Question
from ..errors import Interrupted, UserError
from .render import target_dir
from .summary import as_text, summary_lines

Echo = Callable[[str], None]


def _reason(line: str) -> str:
    """A rule's message without its 'Fix:' part, for announcements and disabled choices."""
    return line.partition(" Fix: ")[0]


class Wizard:
    """One run of the questions: what is settled so far, and how to ask for the rest."""

    def __init__(
        self,
        given: Mapping[str, Any],
        *,
        output_dir: str = ".",
        force: bool = False,
        input: Input | None = None,
        output: Output | None = None,
        echo: Echo = print,
    ) -> None:
        coerced = complete(given)  # unknown keys and bad values fail before any question
        self.settled: Answers = {key: coerced[key] for key in given}
        self.output_dir, self.force, self.echo = output_dir, force, echo
        self.io: dict[str, Any] = {"input": input, "output": output}

    def tentative(self) -> Answers:
        """The settled answers completed with defaults: what would be rendered right now."""
        return complete(self.settled)

    def problem(self, name: str, raw: Any) -> str | None:
        """Why ``raw`` cannot answer ``name`` given what is settled: the very line ``--set`` would print."""
        try:
            value = values.coerce(name, raw)
        except ValueError as err:
            return str(err)
        trial = {**self.settled, name: value}
        for problem in rules.check(complete(trial)):
            if set(problem.keys) <= trial.keys():  # only rules over decided answers; the rest may change
                return str(problem)
        if name == "project_slug":
            try:
                target_dir(self.output_dir, value, force=self.force)
            except UserError as err:
                return str(err)
        return None

    def check_given(self) -> None:
        """Refuse contradictory flags and an existing project folder before asking anything."""
        for problem in rules.check(self.tentative()):
            if set(problem.keys) <= self.settled.keys():
                raise UserError(problem.message, f"Fix: {problem.fix}")
        if "project_slug" in self.settled:
            target_dir(self.output_dir, self.settled["project_slug"], force=self.force)

    def announce(self, q: Question, value: Any, reason: str) -> None:
        """A question with one possible answer is stated, not asked (sam init does the same)."""
        self.echo(f"! {q.prompt} {as_text(value)}: {reason}")
        self.settled[q.name] = value

    def settle(self, q: Question) -> None:
        """Decide one answer: skip it, announce it, or ask it."""
        if q.name in self.settled:
            return
        current = self.tentative()
        if not q.applies(current):
            self.settled[q.name] = current[q.name]
            return
        default = render_default(q.name, current)
        if q.kind in ("choice", "bool"):
            self.settled[q.name] = self.pick(q, default)
            return
        self.echo(f"  {q.help}")
        raw = questionary.text(
            q.prompt,
            default=as_text(default),
            validate=lambda text: self.problem(q.name, text) or True,
            validate_while_typing=False,
            **self.io,
        ).unsafe_ask()
        self.settled[q.name] = values.coerce(q.name, raw)

    def pick(self, q: Question, default: Any) -> Any:
        """A choice or yes/no: values the rules refuse are shown disabled; a single survivor is announced."""
        values: tuple[Any, ...] = q.choices if q.kind == "choice" else (True, False)
        why = {value: self.problem(q.name, value) for value in values}
        allowed = [value for value in values if why[value] is None]
        if not allowed:
            first = next(w for w in why.values() if w)
            raise UserError(_reason(first), f"Fix: {first.partition(' Fix: ')[2]}")
        if len(allowed) == 1:
            self.announce(q, allowed[0], _reason(next(w for w in why.values() if w)))
            return allowed[0]
        self.echo(f"  {q.help}")
        if q.kind == "bool":
            return questionary.confirm(q.prompt, default=bool(default), **self.io).unsafe_ask()
        choices = [
            questionary.Choice(
                f"{value:<12} {q.choice_help[value]}" if value in q.choice_help else value,
                value=value,
                disabled=_reason(why[value]) if why[value] else None,
            )
            for value in values
        ]
        start = default if default in allowed else allowed[0]
        return questionary.select(q.prompt, choices, default=start, **self.io).unsafe_ask()

    def use_recommended(self, rest: list[Question]) -> bool:
        """Offer the defaults for everything after the core questions."""
        current = self.tentative()
        shown = ", ".join(f"{q.name}={as_text(current[q.name])}" for q in rest if q.applies(current))
        self.echo(textwrap.fill(f"Recommended: {shown}", width=100, initial_indent="  ", subsequent_indent="    "))
        problems = rules.check(current)
        if problems:
            self.echo(f"  The recommended settings do not fit your answers ({problems[0].message}); asking the rest.")
            return False
        return questionary.confirm("Use the recommended settings for the rest?", default=True, **self.io).unsafe_ask()

    def confirm(self, answers: Answers) -> None:
        """Show every choice with what it costs or risks; nothing is written without a yes."""
        target = target_dir(self.output_dir, answers["project_slug"], force=self.force)
        self.echo("")
        self.echo(f"slsguard will {'render over' if target.exists() else 'create'} {target}:")
        for line in summary_lines(answers):
            self.echo(line)
        if not questionary.confirm("Create the project?", default=True, **self.io).unsafe_ask():
            raise Interrupted("cancelled at the summary; nothing was written.")

    def run(self) -> Answers:
        """Core questions, then the recommended-settings offer, then the summary: what matters first, details only on request."""
        self.check_given()
        self.echo("slsguard new: the questions that matter come first. Ctrl-C quits without writing anything.")
        for q in QUESTIONS:
            if q.core:
                self.settle(q)
        rest = [q for q in QUESTIONS if not q.core and q.name not in self.settled]
        if rest and not self.use_recommended(rest):
            for q in rest:
                self.settle(q)
        answers = self.tentative()
        problems = rules.check(answers)
        if problems:
            raise UserError(problems[0].message, f"Fix: {problems[0].fix}")
        self.confirm(answers)
        return answers


def run_wizard(
    given: Mapping[str, Any],
    *,
    output_dir: str = ".",
    force: bool = False,
    input: Input | None = None,
    output: Output | None = None,
    echo: Echo = print,
) -> Answers:
    """Ask what ``given`` leaves open; returns complete answers, or raises with nothing written."""
    if input is None and not sys.stdin.isatty():
        raise UserError(
            "no terminal to ask the questions on (standard input is not a TTY).",
            "Fix: pass --no-input (defaults plus --set KEY=VALUE or --answers FILE) to create the project without questions.",
        )
    wizard = Wizard(given, output_dir=output_dir, force=force, input=input, output=output, echo=echo)
    try:
        return wizard.run()
    except (KeyboardInterrupt, EOFError) as err:
        raise Interrupted("interrupted; nothing was written.") from err
