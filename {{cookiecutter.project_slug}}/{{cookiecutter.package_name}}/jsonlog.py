"""JSON log lines in Powertools Logger's format, written by hand: one ``write`` per line, nothing imported at cold start.

Each line is one JSON object with Powertools' keys, in its order: level, location, message, timestamp, service,
cold_start, function_name, function_memory_size, function_arn, function_request_id, correlation_id, the
line's extras, xray_trace_id; error lines add exception and exception_name (the traceback as text). The saved
CloudWatch Logs Insights queries of the rails plugin read these names, so keep them.

Why not Powertools Logger itself (measured with slsguard's benchmarks/handler_import.py; its docs/handlers.md):
importing it costs 40-60 ms of CPU at every cold start (billed since Aug 2025), and one access line through it
~40 µs of a warm request;
this writer imports only json/os/sys/time (already loaded by Python itself or by guard) and writes a line in a
few µs. It keeps the part of the Logger API the handlers use, with logging's signatures:
debug/info/warning/error/exception/critical(msg, *args, extra=..., exc_info=...), log(level, ...), isEnabledFor,
set_correlation_id/get_correlation_id, append_keys/remove_keys.

Extras whose name is one of the line's own keys are written as ``extra_<name>`` (a JSON object has one value
per key). Non-JSON values are written with str(). Output is ASCII (``\\uXXXX`` escapes), so a lone surrogate
in a client's input cannot break the line.
"""

from __future__ import annotations

import json
import os
import sys
import time

# typing and collections.abc are read by type checkers only: importing them costs milliseconds of every cold start.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

DEBUG, INFO, WARNING, ERROR, CRITICAL = 10, 20, 30, 40, 50  # the logging module's numbers, without importing it
LEVELS = {"DEBUG": DEBUG, "INFO": INFO, "WARNING": WARNING, "WARN": WARNING, "ERROR": ERROR, "CRITICAL": CRITICAL}
NAMES = {DEBUG: "DEBUG", INFO: "INFO", WARNING: "WARNING", ERROR: "ERROR", CRITICAL: "CRITICAL"}
RESERVED = frozenset(
    (
        "level",
        "location",
        "message",
        "timestamp",
        "service",
        "cold_start",
        "function_name",
        "function_memory_size",
        "function_arn",
        "function_request_id",
        "correlation_id",
        "xray_trace_id",
        "exception",
        "exception_name",
    )
)

_string = json.encoder.encode_basestring_ascii  # C: a str as a JSON string literal, ASCII only
_c_encoder = getattr(json.encoder, "c_make_encoder", None)
_slow = json.JSONEncoder(separators=(",", ":"), default=str, allow_nan=False)
# The C encoder made once (json.JSONEncoder.encode builds one per call, about half of a line's cost). Without
# the circular-reference check: a circular extra ends in RecursionError, which _encode answers with str().
_fast = _c_encoder(None, str, _string, None, ":", ",", False, False, False) if _c_encoder else None
_stamp_second = -1
_stamp_prefix = ""


def _encode(value: Any) -> str:
    """One value as compact ASCII JSON; a value JSON cannot hold (NaN, a circular list, ...) is written with str()."""
    try:
        return "".join(_fast(value, 0)) if _fast is not None else _slow.encode(value)
    except (ValueError, TypeError, RecursionError):
        return _string(str(value))


def _timestamp() -> str:
    """``2026-12-05 16:29:39,968+0000`` (Powertools' format); the part up to the second is reused within a second."""
    global _stamp_second, _stamp_prefix
    now = time.time()
    second = int(now)
    if second != _stamp_second:
        _stamp_second, _stamp_prefix = second, time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(second))
    return f"{_stamp_prefix},{int((now - second) * 1000):03d}+0000"


def level_from_env(default: str = "INFO") -> int:
    """AWS_LAMBDA_LOG_LEVEL (Lambda's advanced logging controls) wins over POWERTOOLS_LOG_LEVEL, as in Powertools."""
    name = (os.environ.get("AWS_LAMBDA_LOG_LEVEL") or os.environ.get("POWERTOOLS_LOG_LEVEL") or default).upper()
    return LEVELS.get(name, INFO)


def _error(exc_info: Any) -> BaseException | None:
    """logging's exc_info: True for the exception being handled, or the exception itself."""
    if not exc_info:
        return None
    if isinstance(exc_info, BaseException):
        return exc_info
    if isinstance(exc_info, tuple):
        return exc_info[1]
    return sys.exc_info()[1]


class JsonLogger:
    """One logger per container; the handler wrappers set the invocation's keys with start()."""

    def __init__(self, service: str, level: int | None = None, stream: Any = None) -> None:
        self.service = service
        self.level = level_from_env() if level is None else level
        self.stream = stream  # None: sys.stdout at write time (where Lambda's runtime and pytest's capture look)
        self._correlation: str | None = None
        self._correlation_json = ""
        self._appended: dict[str, Any] = {}
        self._context = f',"service":{_string(service)}'
        self._static_key: tuple[Any, ...] = ()
        self._static = ""
        self._trace = ""

    # ----- per invocation
    def start(self, context: Any, cold_start: bool) -> None:
        """New invocation: Lambda context keys on every line, appended keys and correlation ID cleared."""
        self._appended.clear()
        self._correlation, self._correlation_json = None, ""
        name = getattr(context, "function_name", "")
        memory = getattr(context, "memory_limit_in_mb", 0)
        arn = getattr(context, "invoked_function_arn", "")
        key = (name, memory, arn, cold_start)
        if key != self._static_key:  # the same for every warm invocation of a container: encoded once
            self._static_key = key
            self._static = (
                f',"service":{_string(self.service)},"cold_start":{"true" if cold_start else "false"}'
                f',"function_name":{_encode(name)},"function_memory_size":{_encode(memory)},"function_arn":{_encode(arn)}'
            )
        request_id = getattr(context, "aws_request_id", "")
        self._context = f'{self._static},"function_request_id":{_string(request_id) if type(request_id) is str else _encode(request_id)}'
        trace = os.environ.get("_X_AMZN_TRACE_ID")
        root = trace.partition("Root=")[2].partition(";")[0] if trace else ""
        self._trace = f',"xray_trace_id":{_string(root)}' if root else ""

    def set_correlation_id(self, value: str | None) -> None:
        self._correlation = value
        self._correlation_json = "" if value is None else f',"correlation_id":{_string(value) if type(value) is str else _encode(value)}'

    def get_correlation_id(self) -> str | None:
        return self._correlation

    def append_keys(self, **keys: Any) -> None:
        """Keys on every following line of this invocation (cleared by the next one)."""
        self._appended.update(keys)

    def remove_keys(self, keys: list[str] | tuple[str, ...]) -> None:
        for key in keys:
            self._appended.pop(key, None)

    # ----- lines
    def isEnabledFor(self, level: int) -> bool:
        """logging's name and meaning, so db's lines work with this logger or a plain logging one."""
        return level >= self.level

    # logging's signatures: ``msg % args`` when args are given; exc_info and stack_info as logging reads them.
    def debug(self, msg: Any, *args: Any, extra: Mapping[str, Any] | None = None, exc_info: Any = None, **_: Any) -> None:
        if self.level <= DEBUG:
            self._write(DEBUG, msg % args if args else msg, extra, _error(exc_info))

    def info(self, msg: Any, *args: Any, extra: Mapping[str, Any] | None = None, exc_info: Any = None, **_: Any) -> None:
        if self.level <= INFO:
            self._write(INFO, msg % args if args else msg, extra, _error(exc_info))

    def warning(self, msg: Any, *args: Any, extra: Mapping[str, Any] | None = None, exc_info: Any = None, **_: Any) -> None:
        if self.level <= WARNING:
            self._write(WARNING, msg % args if args else msg, extra, _error(exc_info))

    def error(self, msg: Any, *args: Any, extra: Mapping[str, Any] | None = None, exc_info: Any = None, **_: Any) -> None:
        if self.level <= ERROR:
            self._write(ERROR, msg % args if args else msg, extra, _error(exc_info))

    def exception(self, msg: Any, *args: Any, extra: Mapping[str, Any] | None = None, exc_info: Any = True, **_: Any) -> None:
        """An ERROR line with the exception being handled (its traceback as text)."""
        if self.level <= ERROR:
            self._write(ERROR, msg % args if args else msg, extra, _error(exc_info))

    def critical(self, msg: Any, *args: Any, extra: Mapping[str, Any] | None = None, exc_info: Any = None, **_: Any) -> None:
        if self.level <= CRITICAL:
            self._write(CRITICAL, msg % args if args else msg, extra, _error(exc_info))

    def log(self, level: int, msg: Any, *args: Any, extra: Mapping[str, Any] | None = None, exc_info: Any = None, **_: Any) -> None:
        if level >= self.level:
            self._write(level, msg % args if args else msg, extra, _error(exc_info))

    def _write(self, level: int, msg: Any, extra: Mapping[str, Any] | None, error: BaseException | None) -> None:
        frame = sys._getframe(2)
        head = '{"level":"%s","location":%s,"message":%s,"timestamp":"%s"%s%s' % (  # noqa: UP031 - fastest here
            NAMES.get(level, "INFO"),
            _string(f"{frame.f_code.co_name}:{frame.f_lineno}"),
            _string(msg) if type(msg) is str else _encode(str(msg)),
            _timestamp(),
            self._context,
            self._correlation_json,
        )
        parts = [head]
        for values in (self._appended, extra):
            if values:
                if not RESERVED.isdisjoint(values):
                    values = {(f"extra_{k}" if k in RESERVED else k): v for k, v in values.items()}
                encoded = _encode(values if type(values) is dict else dict(values))
                if encoded.startswith("{"):
                    if len(encoded) > 2:
                        parts.append("," + encoded[1:-1])
                else:  # a value JSON cannot hold: that value as text, the others as they are
                    parts.append("," + ",".join(f"{_string(str(k))}:{_encode(v)}" for k, v in values.items()))
        if error is not None:
            import traceback

            text = "".join(traceback.format_exception(type(error), error, error.__traceback__)).rstrip()
            parts.append(f',"exception":{_string(text)},"exception_name":{_string(type(error).__name__)}')
        parts.append(self._trace)
        parts.append("}\n")
        stream = self.stream or sys.stdout
        stream.write("".join(parts))
        stream.flush()


def cold_start_metric(namespace: str, service: str, function_name: str, correlation_id: str | None) -> str:
    """The ColdStart metric as one CloudWatch embedded-metric-format line, as Powertools' single_metric writes it."""
    line: dict[str, Any] = {
        "_aws": {
            "Timestamp": int(time.time() * 1000),
            "CloudWatchMetrics": [
                {"Namespace": namespace, "Dimensions": [["service", "function_name"]], "Metrics": [{"Name": "ColdStart", "Unit": "Count"}]}
            ],
        },
        "service": service,
        "function_name": function_name,
        "ColdStart": [1.0],
    }
    if correlation_id:
        line["correlation_id"] = correlation_id
    return _encode(line)
