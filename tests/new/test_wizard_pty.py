"""The real wizard in a pseudo-terminal: ``python -m generator new`` driven key by key with pexpect.

A project made through the wizard must be byte-identical to the one ``--no-input --set`` makes
from the same answers; an interrupted wizard must leave nothing on disk.
"""

from __future__ import annotations

import io
import os
import re
import sys
import time
from pathlib import Path

import pexpect
import pyte
import pytest

from generator import new_project as new
from generator.answers.questions import BY_NAME

ENTER, DOWN, CLEAR, CTRL_C, CTRL_D = "\r", "\x1b[B", "\x15", "\x03", "\x04"
RECOMMENDED = "Use the recommended settings for the rest?"
CREATE = "Create the project?"
WIDTH, HEIGHT, TIMEOUT_S = 250, 60, 90


class Terminal:
    """One ``slsguard new`` in a pty; what it printed is replayed on an emulated screen for assertions."""

    def __init__(self, cwd: Path, *args: str) -> None:
        env = {**os.environ, "PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm", "COLUMNS": str(WIDTH), "LINES": str(HEIGHT)}
        self.transcript = io.StringIO()
        self.child = pexpect.spawn(
            sys.executable,
            ["-m", "generator", "new", *args],
            cwd=str(cwd),
            env=env,
            dimensions=(HEIGHT, WIDTH),
            encoding="utf-8",
            timeout=TIMEOUT_S,
        )
        self.child.logfile_read = self.transcript

    def screen(self) -> str:
        """The terminal as a user sees it now (prompt_toolkit redraws only what changed)."""
        screen = pyte.Screen(WIDTH, HEIGHT)
        pyte.Stream(screen).feed(self.transcript.getvalue())
        return "\n".join(line.rstrip() for line in screen.display)

    def _failure(self, what: str) -> AssertionError:
        return AssertionError(f"never saw {what!r}; the screen:\n{self.screen()}")

    def answer(self, prompt: str, keys: str) -> None:
        """Wait until the prompt ``? <prompt>`` is live, then type ``keys``."""
        try:
            self.child.expect(r"\?(?:\x1b\[[0-9;]*m)* " + re.escape(prompt))
        except (pexpect.EOF, pexpect.TIMEOUT) as err:
            raise self._failure(prompt) from err
        self.child.send(keys)

    def ask(self, name: str, keys: str) -> None:
        self.answer(BY_NAME[name].prompt, keys)

    def shows(self, text: str, keys: str = "") -> None:
        """Wait until ``text`` is on the screen, then type ``keys``."""
        deadline = time.monotonic() + TIMEOUT_S
        while text not in self.screen():
            if time.monotonic() > deadline:
                raise self._failure(text)
            # read what arrives (the transcript logs it) but leave it buffered for the next expect
            if self.child.expect([pexpect.TIMEOUT, pexpect.EOF], timeout=0.5) == 1 and text not in self.screen():
                raise self._failure(text)
        self.child.send(keys)

    def finish(self) -> tuple[int, str]:
        """Wait for the process to end; returns its exit code and the final screen."""
        self.child.expect(pexpect.EOF)
        self.child.close()
        return self.child.exitstatus, self.screen()


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def assert_same_project(made: Path, answers: dict, tmp_path: Path) -> None:
    """The wizard's project equals the one the library renders from the same answers."""
    reference = new(answers, tmp_path / "reference")
    assert files(made) == files(reference)


def test_pressing_enter_everywhere_makes_the_default_project(tmp_path):
    term = Terminal(tmp_path, "out")
    for name in ("project_name", "project_slug", "runtime", "database", "vpc"):
        term.ask(name, ENTER)
    term.answer(RECOMMENDED, ENTER)
    term.answer(CREATE, ENTER)
    code, screen = term.finish()
    assert code == 0, screen
    assert "Next:" in screen and "npm ci" in screen and "npm run package" in screen
    assert_same_project(tmp_path / "out" / "my-service", {}, tmp_path)


def test_a_custom_walk_through_with_a_database(tmp_path):
    term = Terminal(tmp_path, "out")
    term.ask("project_name", CLEAR + "Orders API" + ENTER)
    term.ask("project_slug", ENTER)
    term.ask("runtime", DOWN + ENTER)  # python3.12
    term.ask("database", DOWN + ENTER)  # postgres
    term.ask("database_access", ENTER)  # rds-proxy
    term.ask("vpc", "")
    term.shows("(vpc=no conflicts with database_access=rds-proxy", ENTER)  # no is disabled; the pointer is on auto
    term.answer(RECOMMENDED, "n")
    for name in ("package_name", "description", "aws_region", "architecture"):
        term.ask(name, ENTER)
    term.ask("api", DOWN + ENTER)  # http
    term.ask("auth", ENTER)  # the default for an HTTP API
    term.ask("cold_start", DOWN + DOWN + DOWN + ENTER)  # none
    term.ask("rollout", ENTER)  # canary
    term.ask("function_timeout", CLEAR + "30" + ENTER)
    for name in ("memory_size", "account_concurrency"):
        term.ask(name, ENTER)
    term.ask("reserved_concurrency", CLEAR + "20" + ENTER)
    for name in ("throttle_rate", "throttle_burst"):
        term.ask(name, ENTER)
    term.ask("monthly_budget", CLEAR + "0" + ENTER)  # an HTTP API has no waf question
    term.ask("tracing", "n")
    term.ask("log_retention_days", CLEAR + "30" + ENTER)
    term.ask("split_stacks", ENTER)
    term.ask("framework", ENTER)
    term.shows("RDS Proxy is billed per vCPU")
    term.shows("NAT gateway (billed per hour and per GB)")
    term.answer(CREATE, ENTER)
    code, screen = term.finish()
    assert code == 0, screen
    answers = {
        "project_name": "Orders API",
        "runtime": "python3.12",
        "database": "postgres",
        "database_access": "rds-proxy",
        "api": "http",
        "cold_start": "none",
        "function_timeout": "30",
        "reserved_concurrency": "20",
        "tracing": "false",
        "log_retention_days": "30",
        "monthly_budget": "0",
    }
    assert_same_project(tmp_path / "out" / "orders-api", answers, tmp_path)


def test_an_invalid_number_is_refused_with_the_set_message_and_asked_again(tmp_path):
    term = Terminal(tmp_path, "out")
    for name in ("project_name", "project_slug", "runtime", "database", "vpc"):
        term.ask(name, ENTER)
    term.answer(RECOMMENDED, "n")
    for name in ("package_name", "description", "aws_region", "architecture", "api", "auth", "cold_start", "rollout"):
        term.ask(name, ENTER)
    term.ask("function_timeout", CLEAR + "abc" + ENTER)
    term.shows(
        "function_timeout=abc is not allowed: function_timeout must be a whole number from 1 to 900. Fix: --set function_timeout=6",
        CLEAR + "45" + ENTER,
    )
    term.shows("function_timeout=45 exceeds the 29 s integration limit of api=rest", CLEAR + "20" + ENTER)
    for name in ("memory_size", "account_concurrency", "reserved_concurrency", "throttle_rate", "throttle_burst", "waf"):
        term.ask(name, ENTER)
    term.ask("waf_rate_limit", CLEAR + "5" + ENTER)
    term.shows(
        "waf_rate_limit=5 is not allowed: waf_rate_limit must be a whole number from 10 to 2000000000. Fix: --set waf_rate_limit=1000",
        CLEAR + "300" + ENTER,
    )
    for name in ("monthly_budget", "tracing", "log_retention_days", "split_stacks", "framework"):
        term.ask(name, ENTER)
    term.shows("AWS WAF: about $8 a month")
    term.answer(CREATE, ENTER)
    code, screen = term.finish()
    assert code == 0, screen
    assert_same_project(tmp_path / "out" / "my-service", {"function_timeout": "20", "waf_rate_limit": "300"}, tmp_path)


@pytest.mark.parametrize(
    ("steps", "keys"),
    [
        (("project_name", "project_slug", "runtime"), CTRL_C),
        (("project_name",), CLEAR + CTRL_D),
        (("project_name", "project_slug", "runtime", "database", "vpc", RECOMMENDED, CREATE), CTRL_C),
    ],
    ids=["ctrl-c-at-a-choice", "ctrl-d-at-a-text-prompt", "ctrl-c-at-the-summary"],
)
def test_interrupting_exits_130_with_one_line_and_nothing_on_disk(tmp_path, steps, keys):
    term = Terminal(tmp_path, "out")
    *before, last = steps
    for step in before:
        term.answer(BY_NAME[step].prompt if step in BY_NAME else step, ENTER)
    term.answer(BY_NAME[last].prompt if last in BY_NAME else last, keys)
    code, screen = term.finish()
    assert code == 130, screen
    assert "slsguard: interrupted; nothing was written." in screen
    assert "Traceback" not in screen
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


def test_an_existing_project_is_refused_before_the_first_question(tmp_path):
    (tmp_path / "out" / "orders").mkdir(parents=True)
    (tmp_path / "out" / "orders" / "mine.txt").write_text("keep me", encoding="utf-8")
    term = Terminal(tmp_path, "out", "--set", "project_slug=orders")
    code, screen = term.finish()
    assert code == 2, screen
    assert "orders already exists" in screen and "Fix: pass --force" in screen
    assert BY_NAME["project_name"].prompt not in screen
    assert files(tmp_path / "out" / "orders") == {"mine.txt": b"keep me"}


def test_plain_cookiecutter_asks_waf_as_text_naming_its_values_and_refuses_rate_limit_for_an_http_api(tmp_path):
    """Without slsguard, waf is a text prompt (its default follows the API); the hook refuses what the rules refuse."""
    from generator.answers.questions import QUESTIONS
    from tests.support.plain import REPO, plain_cookiecutter

    out = tmp_path / "out"
    out.mkdir()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "TERM": "dumb"}
    child = pexpect.spawn(
        str(plain_cookiecutter()), [str(REPO), "-o", str(out)], cwd=str(out), env=env, encoding="utf-8", timeout=TIMEOUT_S
    )
    child.setwinsize(HEIGHT, WIDTH)
    number = {f"[{i}/{len(QUESTIONS)}]": q.name for i, q in enumerate(QUESTIONS, start=1)}
    seen: dict[str, str] = {}
    while (
        child.expect([r"Choose from \[[\d/]+\] \(\d+\): ", r"\)\s+(\[y/n\]\s+)?\([^()]*\): ", pexpect.EOF]) != 2
    ):  # a choice, a text or yes/no
        text = " ".join((child.before + child.after).split())
        tag, name = next((tag, name) for tag, name in number.items() if tag in text)
        seen[name] = text[text.index(tag) :]
        if name == "api":
            child.send(f"{BY_NAME['api'].choices.index('http') + 1}\r")
        elif name == "waf":
            child.send("rate-limit\r")
        else:
            child.send("\r")
    child.close()
    assert seen["waf"].endswith("(rate-limit or none) (none):"), seen["waf"]
    assert child.exitstatus != 0
    refusals = [line for line in child.before.splitlines() if line.startswith("slsguard: ")]
    assert len(refusals) == 1 and "waf=rate-limit needs api=rest, but api=http" in refusals[0], child.before
    assert list(out.iterdir()) == []
