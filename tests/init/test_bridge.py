"""The bridge in an adopted service, under node without packaging: what it tells a service that has no
requirements-dev.txt of slsguard's, and custom.slsguard.showAccepted (the osls run is tests/init/test_real_services.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.bridge import plugin_copy, run_audit_hook, run_hook


@pytest.fixture
def plugin(tmp_path: Path) -> Path:
    """A copy outside the template folder, whose package.json is a Jinja template node cannot read."""
    return plugin_copy(tmp_path / "bridge")


def adopt(service: Path, baseline: bool = True) -> None:
    (service / ".slsguard").mkdir()
    (service / ".slsguard" / "adopted.json").write_text('{"slsguard": "0.1.0"}\n')
    if baseline:
        (service / ".slsguard" / "baseline.json").write_text('{"schema": "slsguard-baseline/1", "findings": []}\n')


@pytest.mark.parametrize("adopted", [True, False], ids=["adopted", "generated"])
def test_a_missing_slsguard_names_only_what_the_service_has(plugin: Path, tmp_path: Path, adopted: bool) -> None:
    service = tmp_path / "svc"
    service.mkdir()
    if adopted:
        adopt(service)
    outcome, _ = run_hook(plugin, service, "before:package:cleanup", ["slsguard-not-installed"])
    assert outcome["error"].startswith("slsguard was not found (no `slsguard-not-installed` on PATH): install it with `pip install")
    assert ("requirements-dev.txt" in outcome["error"]) is not adopted
    assert "custom.slsguard.command" in outcome["error"]


def test_show_accepted_passes_the_flag_with_the_baseline(plugin: Path, tmp_path: Path) -> None:
    adopt(tmp_path)
    outcome, argv = run_audit_hook(plugin, tmp_path, "clean", showAccepted=True)
    assert argv == ["clean", "audit", str(tmp_path / ".serverless"), "--baseline", ".slsguard/baseline.json", "--show-accepted"]
    assert outcome == {"ok": True}
    _, argv = run_audit_hook(plugin, tmp_path, "clean")
    assert "--show-accepted" not in argv  # the default: one line sums up the accepted findings
