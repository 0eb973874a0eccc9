"""The db counters as CloudWatch embedded metrics: one EMF line per invocation at most, only when something moved."""

from __future__ import annotations

import json

import pytest


def invoke(db, capsys) -> list[dict]:
    """One invocation (a statement, then end()); the EMF lines it printed."""
    capsys.readouterr()
    try:
        db.query("SELECT 1")
    finally:
        db.end()
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]


def metrics(line: dict) -> dict[str, int]:
    """The metric values of an EMF line, checked against the format: every declared metric is a number at the top level."""
    [directive] = line["_aws"]["CloudWatchMetrics"]
    assert directive["Dimensions"] == [["service"]] and isinstance(line["service"], str)
    assert isinstance(line["_aws"]["Timestamp"], int)
    names = [m["Name"] for m in directive["Metrics"]]
    assert all(m["Unit"] == "Count" for m in directive["Metrics"])
    return {name: line[name] for name in names}


def test_a_line_only_when_a_counter_moved(db_server, containers, capsys, monkeypatch):
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "demo")
    db = containers(db_server)
    [first] = invoke(db, capsys)
    assert first["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "demo"
    assert metrics(first) == {"DbConnects": 1}
    assert invoke(db, capsys) == []  # a warm reuse: nothing moved, no line
    db_server.kill_connections()
    [again] = invoke(db, capsys)
    assert metrics(again) == {"DbConnects": 1, "DbReconnects": 1}  # deltas, not running totals


def test_a_refused_server_is_counted(db_server, containers, capsys, test_ca):
    db = containers(db_server, DB_TLS="verify-full", DB_CA_BUNDLE=str(test_ca.path))
    capsys.readouterr()
    with pytest.raises(db.TlsRefused):
        invoke(db, capsys)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert [metrics(line) for line in lines] == [{"DbTlsRefused": 1, "DbConnectFailures": 1}]


def test_metrics_can_be_switched_off_like_powertools(db_server, containers, capsys, monkeypatch):
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    db = containers(db_server)
    assert invoke(db, capsys) == []
    assert db.stats()["connects"] == 1
