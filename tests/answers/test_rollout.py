"""The rollout answer: canary for new projects; a project recorded before the question existed keeps deploying all
at once on `upgrade`, and the report says so with the command that turns the canary on."""

from __future__ import annotations

from generator.answers.parse import complete
from generator.answers.questions import BY_NAME
from generator.upgrade.regenerate import resolve_answers


def test_new_projects_roll_out_by_canary() -> None:
    assert complete({})["rollout"] == "canary"
    assert "6 minutes" in BY_NAME["rollout"].costs["canary"]


def test_an_older_recording_keeps_all_at_once_and_is_told_how_to_change() -> None:
    recorded = {k: v for k, v in complete({}).items() if k != "rollout"}
    answers, _changed, new, _dropped = resolve_answers(recorded, {})
    assert answers["rollout"] == "all-at-once"
    [(_, value, why)] = [n for n in new if n[0] == "rollout"]
    assert value == "all-at-once" and "--set rollout=canary" in why
    chosen, *_ = resolve_answers(recorded, {"rollout": "canary"})
    assert chosen["rollout"] == "canary"
