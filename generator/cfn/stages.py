"""The live stages of API Gateway APIs, and every throttle a deploy can give each one.

A stage is live when CloudFormation creates it: an ``AWS::ApiGateway::Deployment`` with a ``StageName`` (a stage
with the deployment's ``StageDescription``, or none), an ``AWS::ApiGateway::Stage``, an ``AWS::ApiGatewayV2::Stage``,
and the ``$default`` stage an ``AWS::ApiGatewayV2::Api`` with ``Target`` creates by quick create (settable only through
``AWS::ApiGatewayV2::ApiGatewayManagedOverrides``). A throttle is stage-wide only when it covers every method: the
deployment's ``StageDescription`` rate and burst, a ``MethodSettings`` entry whose ``ResourcePath`` is ``/*`` and
``HttpMethod`` is ``*`` (both written: one throttled method is not a throttled stage), an HTTP or WebSocket stage's
``DefaultRouteSettings``.

Values are read through the evaluation layer: each ``Throttle`` is one possibility, with the branches and
parameters that lead to it; a possibility without a stage-wide throttle is a ``Throttle`` whose rate and burst are
``ABSENT``. A stage, deployment or overrides resource under a resource ``Condition`` counts only in the branch where it exists
(provably constant conditions decided). The audit requires every possibility to throttle; ``slsguard cost`` prices the largest.
"""

from __future__ import annotations

from typing import Any, NamedTuple, Protocol

from . import refs
from .template import Template, props
from .values import ABSENT, Possible, Unknown, evaluator, merge, possible, when

REST_API, V2_API = "AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api"
DEPLOYMENT, REST_STAGE, V2_STAGE = "AWS::ApiGateway::Deployment", "AWS::ApiGateway::Stage", "AWS::ApiGatewayV2::Stage"
OVERRIDES = "AWS::ApiGatewayV2::ApiGatewayManagedOverrides"
RATE, BURST = "ThrottlingRateLimit", "ThrottlingBurstLimit"
Ref = refs.Ref


class Resources(Protocol):
    """What stages are looked up in: every resource of the loaded templates by type (the audit's Index)."""

    def of_type(self, *types: str) -> list[tuple[Template, str, dict[str, Any]]]: ...


class Throttle(NamedTuple):
    """One possible stage-wide throttle: rate and burst (plain values, ``ABSENT`` or ``Unknown``), why, and where it is set."""

    rate: Any
    burst: Any
    because: tuple[str, ...]
    where: str


class Stage(NamedTuple):
    """One live stage: the resource that creates it, its name as shown, and every throttle a deploy can give it."""

    tpl: Template
    logical_id: str
    name: str
    origin: str  # "Deployment D", "Stage S", "A's quick create", or "" for an API with no stage in the templates
    throttles: list[Throttle]
    tracing: bool = False
    access_logs: bool = False


NONE = "no stage-wide throttle"


def exists(tpl: Template, resource: dict[str, Any]) -> list[tuple[str, ...]]:
    """When a resource exists: [()] always, [] never, [("when C is true",)] under its ``Condition`` C."""
    name = resource.get("Condition")
    if not isinstance(name, str):
        return [()]
    from .conditions import named  # after values: conditions and the intrinsics import each other through it

    answers = named(evaluator(tpl), name, 0)
    if answers == frozenset({True}):
        return [()]
    return [(when(name, True),)] if True in answers else []


def _under(throttles: list[Throttle], because: tuple[str, ...]) -> list[Throttle]:
    """The throttles of a resource that exists only under ``because`` (combinations that contradict it dropped)."""
    out = []
    for t in throttles:
        reasons = merge(because, t.because)
        if reasons is not None:
            out.append(t._replace(because=reasons))
    return out


def _none(because: tuple[str, ...], where: str) -> Throttle:
    return Throttle(ABSENT, ABSENT, because, where)


def _shown(value: Any) -> str:
    return f"({value.detail})" if isinstance(value, Unknown) else str(value)


def _covers_stage(setting: Any) -> bool:
    """A MethodSettings entry that applies to every method: ResourcePath "/*" and HttpMethod "*", both written."""
    return isinstance(setting, dict) and setting.get("ResourcePath") == "/*" and setting.get("HttpMethod") == "*"


def _from_mapping(found: list[Possible], where: str, top_level: bool, method_settings: str | None) -> list[Throttle]:
    """Throttles of each possible value of a settings mapping (StageDescription, DefaultRouteSettings, ...)."""
    out: list[Throttle] = []
    for p in found:
        if isinstance(p.value, Unknown):
            out.append(Throttle(p.value, p.value, p.because, where))
            continue
        value = p.value if isinstance(p.value, dict) else {}
        these: list[Throttle] = []
        if top_level and (RATE in value or BURST in value):
            these.append(Throttle(value.get(RATE, ABSENT), value.get(BURST, ABSENT), p.because, where))
        settings = value.get(method_settings) if method_settings else None
        if isinstance(settings, Unknown):
            these.append(Throttle(settings, settings, p.because, f"{where}.{method_settings}"))
        for s in settings if isinstance(settings, list) else []:
            if _covers_stage(s) and isinstance(s, dict):
                these.append(Throttle(s.get(RATE, ABSENT), s.get(BURST, ABSENT), p.because, f"{where}.{method_settings} /* *"))
        out.extend(these or [_none(p.because, where)])
    return out


def _method_settings(tpl: Template, resource: dict[str, Any]) -> list[Throttle]:
    found = possible(props(resource).get("MethodSettings"), tpl)
    return _from_mapping([Possible({"MethodSettings": p.value}, p.because) for p in found], "MethodSettings", False, "MethodSettings")


def _names(value: Any, tpl: Template) -> list[str]:
    """The stage names a StageName can take (a branch without one creates no stage)."""
    names: list[str] = []
    for p in possible(value, tpl):
        if p.value is not ABSENT:
            name = _shown(p.value)
            if name not in names:
                names.append(name)
    return names


def _flag(tpl: Template, resource: dict[str, Any], *path: str) -> bool:
    """Whether a setting is true in some branch (``path``: the property, then keys inside it)."""
    for p in possible(props(resource).get(path[0]), tpl):
        value = p.value
        for key in path[1:]:
            value = value.get(key) if isinstance(value, dict) else None
        if value is True or (isinstance(value, str) and value.lower() == "true"):
            return True
    return False


def _logs(tpl: Template, resource: dict[str, Any], *path: str) -> bool:
    """Whether access logging is configured in some branch (a mapping at ``path``)."""
    for p in possible(props(resource).get(path[0]), tpl):
        value = p.value
        for key in path[1:]:
            value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, dict):
            return True
    return False


def rest_stages(index: Resources, api: Ref) -> list[Stage]:
    """Every live stage of a REST API, in any stack."""
    stages: list[Stage] = []
    named_stages: set[str] = set()
    for tpl, lid, res in index.of_type(REST_STAGE):
        p = props(res)
        for because in exists(tpl, res) if refs.points_to(p.get("RestApiId"), tpl, api) else []:
            names = _names(p.get("StageName"), tpl) or ["(no StageName)"]
            named_stages.update(names)
            logs, tracing = _logs(tpl, res, "AccessLogSetting"), _flag(tpl, res, "TracingEnabled")
            throttles = _under(_method_settings(tpl, res), because)
            for name in names:
                stages.append(Stage(tpl, lid, name, f"Stage {lid}", throttles, tracing, logs))
    for tpl, lid, res in index.of_type(DEPLOYMENT):
        p = props(res)
        created = exists(tpl, res)
        if not created or not refs.points_to(p.get("RestApiId"), tpl, api):
            continue
        described = "StageDescription" in p
        throttles = _under(_from_mapping(possible(p.get("StageDescription"), tpl), "StageDescription", True, "MethodSettings"), created[0])
        tracing = _flag(tpl, res, "StageDescription", "TracingEnabled")
        logs = _logs(tpl, res, "StageDescription", "AccessLogSetting")
        for name in _names(p.get("StageName"), tpl):
            if name in named_stages and not described:
                continue  # the Stage resource of that name carries this stage's settings and is judged itself
            stages.append(Stage(tpl, lid, name, f"Deployment {lid}", throttles, tracing, logs))
    return stages


def protocols(tpl: Template, api: dict[str, Any]) -> list[Possible]:
    """Every ProtocolType an ApiGatewayV2 API can have; one imported from an OpenAPI body (SAM's HttpApi) is HTTP."""
    p = props(api)
    if "ProtocolType" not in p and ("Body" in p or "BodyS3Location" in p):
        return [Possible("HTTP", ())]
    return possible(p.get("ProtocolType"), tpl)


def v2_stages(index: Resources, api: Ref) -> list[Stage]:
    """Every live stage of an HTTP or WebSocket API, the quick-created ``$default`` included."""
    stages: list[Stage] = []
    for tpl, lid, res in index.of_type(V2_STAGE):
        p = props(res)
        for because in exists(tpl, res) if refs.points_to(p.get("ApiId"), tpl, api) else []:
            throttles = _under(_from_mapping(possible(p.get("DefaultRouteSettings"), tpl), "DefaultRouteSettings", True, None), because)
            logs = _logs(tpl, res, "AccessLogSettings")
            for name in _names(p.get("StageName"), tpl) or ["(no StageName)"]:
                stages.append(Stage(tpl, lid, name, f"Stage {lid}", throttles, False, logs))
    api_tpl, api_id = api
    target = possible(props(api_tpl.resources.get(api_id)).get("Target"), api_tpl)
    if any(p.value is not ABSENT for p in target):
        throttles: list[Throttle] = []
        for tpl, lid, res in index.of_type(OVERRIDES):
            p = props(res)
            for because in exists(tpl, res) if refs.points_to(p.get("ApiId"), tpl, api) else []:
                found = possible(p.get("Stage"), tpl)
                settings = [
                    Possible(s.value.get("DefaultRouteSettings") if isinstance(s.value, dict) else s.value, s.because) for s in found
                ]
                throttles += _under(_from_mapping(settings, f"{lid} Stage.DefaultRouteSettings", True, None), because)
                if because:  # where the overrides do not exist, the quick-created stage keeps no throttle
                    throttles.append(_none((when(res["Condition"], False),), ""))
        stages.append(Stage(api_tpl, api_id, "$default", f"{api_id}'s quick create", throttles or [_none((), "")]))
    return stages


def no_stage(api: Ref) -> Stage:
    """What an API with no stage in the templates is judged as: one stage nothing throttles."""
    return Stage(api[0], api[1], "(none in the templates)", "", [_none((), "")])
