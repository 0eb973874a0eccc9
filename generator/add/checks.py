"""What ``slsguard add`` refuses, each as one line naming the value, what is allowed and the fix."""

from __future__ import annotations

import keyword
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..answers import limits
from ..errors import UserError

TRIGGERS = ("http", "sqs", "schedule")
NAME_RE = re.compile(r"[a-z][a-z0-9_]*")
# Segments: literal (letters, digits, . _ ~ -) or a {parameter} named like a Python argument; a greedy {name+}
# only last. guard's router hands each parameter to the route function as a keyword argument of that name.
SEGMENT = r"(?:[A-Za-z0-9._~-]+|\{[A-Za-z_][A-Za-z0-9_]*\})"
PATH_RE = re.compile(rf"/(?:{SEGMENT}(?:/{SEGMENT})*(?:/\{{[A-Za-z_][A-Za-z0-9_]*\+\}})?|\{{[A-Za-z_][A-Za-z0-9_]*\+\}})?")
PARAM_RE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(\+?)\}")
RESERVED_PARAMS = ("request",)  # the route function's first argument
# The methods the written handler serves (its skeleton defines get()): the only ones serverless.yml wires.
HANDLER_METHODS = ("GET",)
SCHEDULE_RE = re.compile(
    r"(?:rate\((?:1 (?:minute|hour|day)|(?:[2-9]|[1-9][0-9]+) (?:minutes|hours|days))\)|cron\([0-9A-Za-z*?,/#-]+(?: [0-9A-Za-z*?,/#-]+){5}\))"
)
DEFAULT_SCHEDULE = "rate(1 hour)"
GUARD_WRAPPERS = {"http": "http_handler", "sqs": "sqs_handler", "schedule": "scheduled_handler"}


@dataclass(frozen=True)
class Request:
    """One function to add, as given on the command line."""

    name: str
    trigger: str
    path: str | None = None
    schedule: str | None = None
    database: bool = False

    @property
    def route(self) -> str:
        """The HTTP path (default: /<name> with hyphens)."""
        return self.path or "/" + self.name.replace("_", "-")

    @property
    def params(self) -> list[tuple[str, bool]]:
        """The path's parameters in order: (name, greedy)."""
        return [(m.group(1), m.group(2) == "+") for m in PARAM_RE.finditer(self.route)]


def _refuse(message: str, fix: str) -> UserError:
    return UserError(message, f"Fix: {fix}")


def options(req: Request) -> None:
    """The flags fit the trigger and each other."""
    if req.trigger not in TRIGGERS:
        raise _refuse(f"--trigger {req.trigger} is not allowed: use one of {', '.join(TRIGGERS)}.", "--trigger http")
    if req.path is not None and req.trigger != "http":
        raise _refuse(f"--path {req.path} applies only to --trigger http, not {req.trigger}.", "leave out --path.")
    if req.schedule is not None and req.trigger != "schedule":
        raise _refuse(f"--schedule {req.schedule} applies only to --trigger schedule, not {req.trigger}.", "leave out --schedule.")
    if req.path is not None and (not PATH_RE.fullmatch(req.path) or len(req.path) > 200 or not _params_fit(req)):
        raise _refuse(
            f"--path {req.path!r} is not allowed: a path starts with / and has segments of letters, digits and . _ ~ - "
            "or a {parameter} named like a Python argument (not a keyword, not 'request', each name once), a greedy "
            "{name+} only last; at most 200 characters.",
            f"--path /{req.name.replace('_', '-')}/{{id}}",
        )
    if req.schedule is not None and not SCHEDULE_RE.fullmatch(req.schedule):
        raise _refuse(
            f"--schedule {req.schedule!r} is not allowed: use rate(1 hour), rate(N minutes|hours|days) or cron(6 fields).",
            f'--schedule "{DEFAULT_SCHEDULE}"',
        )


def _params_fit(req: Request) -> bool:
    """Every parameter name can be a keyword argument of the route function, once."""
    names = [name for name, _greedy in req.params]
    return len(set(names)) == len(names) and not any(keyword.iskeyword(n) or n in RESERVED_PARAMS for n in names)


def name(req: Request, slug: str) -> None:
    """A lowercase Python identifier whose deployed name ``<slug>-production-<name>`` fits Lambda's 64 characters."""
    if not NAME_RE.fullmatch(req.name) or keyword.iskeyword(req.name):
        raise _refuse(
            f"NAME={req.name!r} is not allowed: a function name is also its Python module, so it must be a lowercase "
            "identifier (a letter, then letters, digits or _; not a Python keyword).",
            "slsguard add send_report --trigger ...",
        )
    longest = limits.LAMBDA_FUNCTION_NAME_MAX - len(f"{slug}-{limits.LONGEST_STAGE}-")
    if len(req.name) > longest:
        raise _refuse(
            f"NAME={req.name!r} is {len(req.name)} characters: at most {longest} keep '{slug}-{limits.LONGEST_STAGE}-{req.name}' "
            f"within Lambda's {limits.LAMBDA_FUNCTION_NAME_MAX}-character function names.",
            "choose a shorter name.",
        )


def answers(req: Request, given: Mapping[str, Any]) -> None:
    """The trigger and --database fit what the project was generated with."""
    if req.trigger == "http" and given.get("api") == "none":
        raise _refuse(
            "--trigger http is not allowed: this project was generated with api=none, so it has no API Gateway for the route.",
            "slsguard upgrade --set api=http (or rest) first, or choose --trigger sqs or schedule.",
        )
    if req.database and given.get("database", "none") == "none":
        raise _refuse(
            "--database is not allowed: this project was generated with database=none, so there is no database to grant.",
            "leave out --database, or slsguard upgrade --set database=postgres (or mysql) first.",
        )


def free(req: Request, project: Path, package: str, functions: Mapping[str, Any], resources: tuple[str, ...], new_ids: list[str]) -> None:
    """Nothing of the new function exists yet: no function of that name, no module, test, event or resource id."""
    if req.name in functions:
        raise _refuse(f"NAME={req.name!r} is taken: serverless.yml already has a function {req.name}.", "choose another name.")
    for rel in (f"{package}/{req.name}.py", f"{package}/{req.name}", f"tests/test_{req.name}.py", f"tests/events/{req.name}.json"):
        if (project / rel).exists():
            raise _refuse(f"NAME={req.name!r} is taken: {rel} already exists.", "choose another name (or move that file away).")
    taken = [lid for lid in new_ids if lid in resources]
    if taken:
        raise _refuse(f"NAME={req.name!r} is taken: resources.Resources already has {taken[0]}.", "choose another name.")
    if req.trigger == "http":
        for other, fn in functions.items():
            for route in _routes(fn):
                if shape(route) == shape(req.route):
                    raise _refuse(f"--path {req.route} is taken: function {other} already serves {route}.", "choose another --path.")


def shape(route: str) -> str:
    """A path with its parameter names left out: API Gateway refuses two routes that differ only by them."""
    return PARAM_RE.sub(lambda m: "{+}" if m.group(2) else "{}", route.rstrip("/") or "/")


def _routes(fn: Any) -> list[str]:
    """The paths a function's http / httpApi events serve."""
    out = []
    for event in (fn.get("events") or []) if isinstance(fn, dict) else []:
        if not isinstance(event, dict):
            continue
        for kind in ("http", "httpApi"):
            spec = event.get(kind)
            if isinstance(spec, dict) and isinstance(spec.get("path"), str):
                out.append(spec["path"].rstrip("/") or "/")
            elif isinstance(spec, str) and " " in spec:
                out.append(spec.split(" ", 1)[1].rstrip("/") or "/")
    return out


def guard_has(project: Path, package: str, trigger: str) -> None:
    """The project's guard.py offers the wrapper the handler goes through (0.1.0's has no scheduled_handler)."""
    wrapper = GUARD_WRAPPERS[trigger]
    guard = project / package / "guard.py"
    try:
        text = guard.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        cause = err.strerror if isinstance(err, OSError) else f"not UTF-8: {err.reason}"
        raise _refuse(f"{guard} cannot be read ({cause}): every handler goes through it.", "restore it from version control.") from err
    if f"def {wrapper}(" not in text:
        raise _refuse(
            f"--trigger {trigger} needs guard.{wrapper}, which {package}/guard.py does not have (generated by an older slsguard).",
            "run slsguard upgrade first, then slsguard add again.",
        )
