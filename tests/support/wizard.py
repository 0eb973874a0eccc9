"""The real wizard driven in-process through prompt_toolkit's pipe input, key by key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from generator.new.wizard import run_wizard

ENTER, DOWN, CLEAR, CTRL_C = "\r", "\x1b[B", "\x15", "\x03"
YES, NO = "y", "n"


def typed(text: str) -> str:
    """Replace a text prompt's prefilled default with ``text`` and submit it."""
    return CLEAR + text + ENTER


def drive(tmp_path: Path, keys: str, given: dict[str, Any] | None = None, force: bool = False) -> tuple[dict[str, Any], list[str]]:
    """Run the real wizard on ``keys``; input ends after them (more questions would raise Interrupted)."""
    lines: list[str] = []
    with create_pipe_input() as pipe:
        pipe.send_text(keys)
        pipe.close()
        answers = run_wizard(given or {}, output_dir=str(tmp_path), force=force, input=pipe, output=DummyOutput(), echo=lines.append)
    return answers, lines
