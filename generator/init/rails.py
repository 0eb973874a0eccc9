"""``slsguard init --rails``: what giving an adopted service the rails plugin changes, as data to preview and then write.

The rails are the generated project's own plugin (``.serverless_plugins/rails/``): every function, also those added
later, gets its errors, throttles and duration alarms, saved log queries, a least-privilege role of its own and a
failure queue when it is invoked asynchronously. An adopted service gets:

- the plugin folder, copied from this slsguard's template (without its node tests, which need the generated
  project's npm scripts);
- ``./.serverless_plugins/rails`` in ``plugins:``, ahead of serverless-plugin-split-stacks when that is listed
  (the rails must see the finished template before it is split);
- ``custom.rails`` with the one key the plugin requires, ``alarmTopic``, and that SNS topic under
  ``resources.Resources`` (``AlarmTopic``, or ``RailsAlarmTopic`` when the service has an ``AlarmTopic`` that is no
  topic); an ``AlarmTopic`` topic of the service's own is used as it is.

serverless.yml is edited as text at the parser's marks (comments and layout stay), like the plugins entry of ``init``.
A ``custom.rails`` the user already wrote is left alone, and then no topic is added.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..project import serverless_yml
from ..project.serverless_yml import child, entry
from ..project.serverless_yml_edit import add_entry
from .plugins import add_plugin

COMMAND = "slsguard init --rails"
RAILS_DIR = Path(".serverless_plugins") / "rails"
ENTRY = "./.serverless_plugins/rails"
BEFORE = ("serverless-plugin-split-stacks",)
LEFT_OUT = ("test",)  # the plugin's node tests: they run from the generated project's package.json
TOPIC, OTHER_TOPIC = "AlarmTopic", "RailsAlarmTopic"
SNS_TOPIC = "AWS::SNS::Topic"
RAILS_BODY = (
    "# slsguard's rails plugin (.serverless_plugins/rails/index.js says what each key does): alarms, log queries,",
    "# a role per function and failure queues for every function; add waf: {{rateLimit: N}} for a REST API's web ACL.",
    "alarmTopic: {topic}",
)
TOPIC_BODY = (
    "# The topic every alarm of the rails notifies: subscribe your e-mail or chat to it.",
    f"Type: {SNS_TOPIC}",
    "Properties:",
    "  DisplayName: ${{self:service}}-${{sls:stage}} alarms",
)
GIVES = re.compile(r"name: '(\w+)'.*gives: (['\"])(.*?)\2")


@dataclass(frozen=True)
class RailsPlan:
    """The rails' files and serverless.yml's text with them wired in."""

    files: dict[str, bytes]
    text: str  # serverless.yml after the edits (the same text when nothing needed editing)
    topic: str | None  # the alarm topic custom.rails names, None when custom.rails was already written
    gives: list[tuple[str, str]]  # (rail, what it gives), from the plugin's own table


def source() -> Path:
    """The rails plugin as this slsguard ships it in the template."""
    from ..new.render import template_dir

    return template_dir() / "{{cookiecutter.project_slug}}" / RAILS_DIR


def present(project: Path) -> bool:
    """Whether the service has the rails plugin's folder already."""
    return (project / RAILS_DIR / "index.js").is_file()


def _files() -> dict[str, bytes]:
    base = source()
    return {
        (RAILS_DIR / path.relative_to(base)).as_posix(): path.read_bytes()
        for path in sorted(base.rglob("*"))
        if path.is_file() and path.relative_to(base).parts[0] not in LEFT_OUT and path.suffix == ".js"
    }


def _gives(files: dict[str, bytes]) -> list[tuple[str, str]]:
    table = files.get((RAILS_DIR / "table.js").as_posix(), b"").decode("utf-8")
    return [(m.group(1), m.group(3)) for m in GIVES.finditer(table)]


def _topic(root: object, config: Path) -> tuple[str, bool]:
    """The alarm topic's logical id, and whether it must be added to ``resources.Resources``."""
    declared = child(root, "resources", "Resources")
    for name in (TOPIC, OTHER_TOPIC):
        existing = entry(declared, name)[1]
        if existing is None:
            return name, True
        if getattr(child(existing, "Type"), "value", None) == SNS_TOPIC:
            return name, False
    raise serverless_yml.refusal(
        config,
        f"resources.Resources.{TOPIC} (and {OTHER_TOPIC})",
        "a resource that is no SNS topic",
        f"the rails notify an {SNS_TOPIC}; slsguard adds one under the first of those names that is free",
        "set custom.rails.alarmTopic to the logical id of an AWS::SNS::Topic yourself, then run `slsguard init --rails` again.",
    )


def plan(config: Path, text: str) -> RailsPlan:
    """What ``--rails`` writes into the service whose serverless.yml is ``config`` (with ``text``)."""
    files = _files()
    root = serverless_yml.tree(text)
    edited = add_plugin(text, root, ENTRY, config, BEFORE) or text
    topic: str | None = None
    if entry(child(root, "custom"), "rails")[0] is None:
        topic, add_topic = _topic(root, config)
        body = [line.format(topic=topic) for line in RAILS_BODY]
        edited = add_entry(edited, ("custom",), "rails", body, config, COMMAND)
        if add_topic:
            edited = add_entry(edited, ("resources", "Resources"), topic, [line.format() for line in TOPIC_BODY], config, COMMAND)
    return RailsPlan(files, edited, topic, _gives(files))
