"""``slsguard init``: the plugins entry inserted without disturbing the file, what is written, and every refusal
(one line, exit 2, nothing written). The real osls run is tests/init/test_real_services.py."""

from __future__ import annotations

import difflib
import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from generator.cfn.yaml_tags import CfnLoader
from generator.cli import main
from generator.init import PLUGIN_ENTRY, adopt
from generator.init.plugins import add_plugin
from tests.support.paths import REPO

SERVICE = REPO / "tests" / "fixtures" / "adopt" / "orders-service"
PLUGIN = REPO / "{{cookiecutter.project_slug}}" / ".slsguard" / "plugin.js"
ENTRY = "./.slsguard/plugin.js"
HEAD = "service: demo  # the demo\nprovider:\n  name: aws\n"
TAIL = "functions:\n  api:\n    handler: app.handler\n"

PLUGINS = {
    "block-list-with-comments": (
        "plugins:\n  # packs requirements\n  - serverless-python-requirements   # keep\n\n",
        "plugins:\n  # packs requirements\n  - serverless-python-requirements   # keep\n  - ./.slsguard/plugin.js\n\n",
    ),
    "block-list-at-column-0": ("plugins:\n- a\n- b\n", "plugins:\n- a\n- b\n- ./.slsguard/plugin.js\n"),
    "flow-list": ("plugins: [a, b]  # two\n", "plugins: [a, b, ./.slsguard/plugin.js]  # two\n"),
    "empty-flow-list": ("plugins: []\n", "plugins: [./.slsguard/plugin.js]\n"),
    "null": ("plugins:\n", "plugins:\n  - ./.slsguard/plugin.js\n"),
    "local-path-and-modules": (
        "plugins:\n  localPath: './custom_plugins'\n  modules:\n    - my-plugin\n",
        "plugins:\n  localPath: './custom_plugins'\n  modules:\n    - my-plugin\n    - ./.slsguard/plugin.js\n",
    ),
    "local-path-only": (
        "plugins:\n  localPath: './custom_plugins'\n",
        "plugins:\n  localPath: './custom_plugins'\n  modules:\n    - ./.slsguard/plugin.js\n",
    ),
}


def project(tmp_path: Path, plugins: str) -> Path:
    folder = tmp_path / "svc"
    folder.mkdir()
    (folder / "serverless.yml").write_text(HEAD + plugins + TAIL)
    return folder


def plugin_list(text: str) -> list[str]:
    plugins = yaml.load(text, Loader=CfnLoader)["plugins"]
    return plugins["modules"] if isinstance(plugins, dict) else plugins


@pytest.mark.parametrize(("before", "after"), PLUGINS.values(), ids=PLUGINS.keys())
def test_the_plugin_entry_is_inserted_and_nothing_else_changes(tmp_path: Path, before: str, after: str) -> None:
    folder = project(tmp_path, before)
    done = adopt(folder)
    text = (folder / "serverless.yml").read_text()
    assert text == HEAD + after + TAIL
    assert plugin_list(text)[-1] == ENTRY and done.plugin_listed and done.baseline is None
    assert (folder / ".slsguard" / "plugin.js").read_bytes() == PLUGIN.read_bytes()
    assert json.loads((folder / ".slsguard" / "adopted.json").read_text()) == {"slsguard": "0.1.0"}
    assert not (folder / ".slsguard" / "baseline.json").exists()


def test_absent_plugins_get_a_list_at_the_end(tmp_path: Path) -> None:
    folder = project(tmp_path, "")
    adopt(folder)
    assert (folder / "serverless.yml").read_text() == HEAD + TAIL + "\nplugins:\n  - ./.slsguard/plugin.js\n"


def test_a_listed_plugin_is_not_listed_twice(tmp_path: Path) -> None:
    folder = project(tmp_path, "plugins:\n  - ./.slsguard/plugin.js\n")
    assert adopt(folder).plugin_listed is False
    assert (folder / "serverless.yml").read_text() == HEAD + "plugins:\n  - ./.slsguard/plugin.js\n" + TAIL


def test_the_fixture_service_keeps_every_comment_and_tag(tmp_path: Path) -> None:
    folder = tmp_path / "orders"
    shutil.copytree(SERVICE, folder)
    before = (folder / "serverless.yml").read_text()
    adopt(folder)
    after = (folder / "serverless.yml").read_text()
    added = [line for line in after.splitlines() if line not in before.splitlines()]
    assert added == ["  - ./.slsguard/plugin.js"] and len(after.splitlines()) == len(before.splitlines()) + 1
    assert plugin_list(after) == ["serverless-python-requirements", ENTRY]


def test_a_packaged_service_gets_a_baseline_with_the_bridge_s_timeout_marks(tmp_path: Path) -> None:
    folder = project(tmp_path, "")
    (folder / "serverless.yml").write_text(HEAD + "functions:\n  api:\n    handler: a.h\n  timed:\n    handler: a.t\n    timeout: 10\n")
    function = {
        "Type": "AWS::Lambda::Function",
        "Properties": {"Timeout": 6, "ReservedConcurrentExecutions": 1, "TracingConfig": {"Mode": "Active"}},
    }
    build = folder / ".serverless"
    build.mkdir()
    body = {"Resources": {"ApiLambdaFunction": function, "TimedLambdaFunction": function}}
    (build / "cloudformation-template-update-stack.json").write_text(json.dumps(body))
    done = adopt(folder)
    entries = json.loads((folder / ".slsguard" / "baseline.json").read_text())["findings"]
    timeouts = [e["logical_id"] for e in entries if e["rule"] == "function-timeout"]
    assert timeouts == ["ApiLambdaFunction"]  # only the function without its own timeout, as the bridge would mark it
    assert done.baseline == len(entries)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda f: (f / "serverless.yml").unlink(), "no serverless.yml here. Fix: run `slsguard init` in (or name) the folder"),
        (lambda f: (f / "serverless.yml").write_text("service: x\nprovider: [a\n"), "serverless.yml: not valid YAML (line 3, column 1)"),
        (
            lambda f: (f / "serverless.yml").write_text("- a\n- b\n"),
            "serverless.yml: the top level is a list; a Serverless Framework configuration is a mapping",
        ),
        (
            lambda f: (f / "serverless.yml").write_text(HEAD + "plugins: foo\n"),
            "serverless.yml: plugins is the value 'foo'; slsguard init adds to a list of plugin names, or to {localPath, modules: [...]}. Fix: make `plugins:` a list",
        ),
        (
            lambda f: ((f / ".slsguard").mkdir(), (f / ".slsguard" / "answers.json").write_text("{}")),
            "generated by slsguard (it has .slsguard/answers.json); its bridge is already set up. Fix: run `slsguard upgrade` to refresh it (or pass --force",
        ),
        (
            lambda f: ((f / ".slsguard").mkdir(), (f / ".slsguard" / "adopted.json").write_text("{}")),
            "already adopted (.slsguard/adopted.json exists). Fix: pass --force to refresh the plugin (or --rails to add the rails).",
        ),
    ],
    ids=["no-serverless-yml", "bad-yaml", "not-a-mapping", "plugins-scalar", "generated", "adopted"],
)
def test_refusals_are_one_line_exit_2_and_write_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str], setup, message: str) -> None:  # type: ignore[no-untyped-def]
    folder = project(tmp_path, "plugins:\n  - a\n")
    setup(folder)
    before = snapshot(folder)
    code = main(["init", str(folder)])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err
    assert snapshot(folder) == before


def test_force_refreshes_the_plugin_and_keeps_the_baseline(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = project(tmp_path, "plugins:\n  - a\n")
    adopt(folder)
    (folder / ".slsguard" / "plugin.js").write_text("// old bridge\n")
    (folder / ".slsguard" / "baseline.json").write_text('{"schema": "slsguard-baseline/1", "findings": []}\n')
    sls = (folder / "serverless.yml").read_text()
    assert main(["init", str(folder), "--force"]) == 0
    assert (folder / ".slsguard" / "plugin.js").read_bytes() == PLUGIN.read_bytes()
    assert (folder / ".slsguard" / "baseline.json").read_text() == '{"schema": "slsguard-baseline/1", "findings": []}\n'
    assert (folder / "serverless.yml").read_text() == sls
    assert "slsguard audit .serverless --write-baseline .slsguard/baseline.json" in capsys.readouterr().out


def test_force_on_a_generated_project_refreshes_only_its_plugin(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = project(tmp_path, "plugins:\n  - ./.slsguard/plugin.js\n")
    (folder / ".slsguard").mkdir()
    (folder / ".slsguard" / "answers.json").write_text("{}")
    (folder / ".slsguard" / "plugin.js").write_text("// old bridge\n")
    before = snapshot(folder)
    assert main(["init", str(folder), "--force"]) == 0
    after = snapshot(folder)
    assert after[".slsguard/plugin.js"] == PLUGIN.read_bytes()
    assert {k: v for k, v in after.items() if k != ".slsguard/plugin.js"} == {k: v for k, v in before.items() if k != ".slsguard/plugin.js"}
    assert "a generated project" in capsys.readouterr().out


def test_in_an_es_module_project_the_bridge_stays_commonjs(tmp_path: Path) -> None:
    """With "type": "module" in package.json node would load plugin.js as an ES module, where `require` fails."""
    folder = project(tmp_path, "")
    (folder / "package.json").write_text('{"name": "svc", "type": "module"}')
    adopt(folder)
    probe = "import('./.slsguard/plugin.js').then((m) => console.log(typeof m.default))"
    node = shutil.which("node")
    assert node, "node is required (installed by .ci/run)"
    result = subprocess.run([node, "--input-type=module", "-e", probe], cwd=folder, capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "function", result.stderr
    (tmp_path / "cjs").mkdir()
    plain = project(tmp_path / "cjs", "")
    (plain / "package.json").write_text('{"name": "svc"}')
    adopt(plain)
    assert not (plain / ".slsguard" / "package.json").exists()  # written only where it is needed


@pytest.mark.parametrize(
    "written",
    ["plugins: ~\n", "plugins: null  # none yet\n", "plugins:\n  localPath: ./local\n  modules: ~\n"],
    ids=["tilde", "null-with-comment", "modules-tilde"],
)
def test_a_written_null_plugins_value_becomes_a_list_holding_the_bridge(written: str) -> None:
    """`plugins: ~` must not become the string "~ - ./.slsguard/plugin.js": the bridge would never load."""
    text = "service: orders\n" + written + "custom: {}\n"
    edited = add_plugin(text, yaml.compose(text), PLUGIN_ENTRY, Path("serverless.yml"))
    assert edited is not None
    plugins = yaml.safe_load(edited)["plugins"]
    assert (plugins["modules"] if isinstance(plugins, dict) else plugins) == [PLUGIN_ENTRY]
    assert yaml.safe_load(edited)["custom"] == {} and ("# none yet" in edited) == ("# none yet" in written)


# --- slsguard init --rails -------------------------------------------------------------------------------------------

RAILS = REPO / "{{cookiecutter.project_slug}}" / ".serverless_plugins" / "rails"


def test_init_rails_previews_and_writes_nothing_without_yes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "orders"
    shutil.copytree(SERVICE, folder)
    before = snapshot(folder)
    assert main(["init", str(folder), "--rails"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"slsguard init --rails: what it would change in {folder} (nothing is written yet)"
    assert "  add   .slsguard/plugin.js" in out and "  add   .slsguard/adopted.json" in out  # adopted at the same time
    assert "  edit  serverless.yml (comments and layout kept):" in out
    added = [line.strip()[1:] for line in out if line.startswith("        +") and not line.startswith("        +++")]
    assert added == [
        "  - ./.slsguard/plugin.js",
        "  - ./.serverless_plugins/rails",
        "  rails:",
        "    # slsguard's rails plugin (.serverless_plugins/rails/index.js says what each key does): alarms, log queries,",
        "    # a role per function and failure queues for every function; add waf: {rateLimit: N} for a REST API's web ACL.",
        "    alarmTopic: AlarmTopic",
        "    AlarmTopic:",
        "      # The topic every alarm of the rails notifies: subscribe your e-mail or chat to it.",
        "      Type: AWS::SNS::Topic",
        "      Properties:",
        "        DisplayName: ${self:service}-${sls:stage} alarms",
    ]
    assert "  alarms: errors, throttles, duration alarms; dead-letter queue alarms" in out  # from the plugin's own table
    assert out[-1] == "Nothing written: run it again with --yes to write these changes."
    assert snapshot(folder) == before


def test_init_rails_yes_writes_what_it_showed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "orders"
    shutil.copytree(SERVICE, folder)
    assert main(["init", str(folder), "--rails"]) == 0
    shown = [
        line[9:] for line in capsys.readouterr().out.splitlines() if line.startswith("        +") and not line.startswith("        +++")
    ]
    before = (folder / "serverless.yml").read_text().splitlines()
    assert main(["init", str(folder), "--rails", "--yes"]) == 0
    after = (folder / "serverless.yml").read_text().splitlines()
    diff = list(difflib.unified_diff(before, after, lineterm=""))[2:]
    assert [line[1:] for line in diff if line.startswith("+")] == shown and not [line for line in diff if line.startswith("-")]
    text = (folder / "serverless.yml").read_text()
    config = yaml.load(text, Loader=CfnLoader)
    assert plugin_list(text) == ["serverless-python-requirements", ENTRY, "./.serverless_plugins/rails"]
    assert config["custom"]["rails"] == {"alarmTopic": "AlarmTopic"} and config["custom"]["pythonRequirements"] == {"dockerizePip": False}
    assert config["resources"]["Resources"]["AlarmTopic"]["Type"] == "AWS::SNS::Topic" and "OrdersTable" in config["resources"]["Resources"]
    copied = {p.relative_to(folder / ".serverless_plugins" / "rails") for p in (folder / ".serverless_plugins" / "rails").rglob("*.js")}
    shipped = {p.relative_to(RAILS) for p in RAILS.rglob("*.js") if p.relative_to(RAILS).parts[0] != "test"}
    assert copied == shipped and all(
        (folder / ".serverless_plugins" / "rails" / p).read_bytes() == (RAILS / p).read_bytes() for p in shipped
    )
    out = capsys.readouterr().out
    assert (
        f"Gave {folder} the rails: .serverless_plugins/rails/ listed in serverless.yml's plugins; custom.rails.alarmTopic: AlarmTopic."
        in out
    )


def test_init_rails_asks_and_writes_only_on_yes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from generator.init import plan, preview

    folder = tmp_path / "orders"
    shutil.copytree(SERVICE, folder)
    before = snapshot(folder)
    asked: list[str] = []
    for answer in ("", "n", "no thanks"):
        assert preview.run(plan(folder, rails=True), yes=False, ask=lambda prompt, a=answer: asked.append(prompt) or a) is False
        assert capsys.readouterr().out.endswith("Nothing written.\n") and snapshot(folder) == before
    assert asked == [preview.PROMPT] * 3
    assert preview.run(plan(folder, rails=True), yes=False, ask=lambda _: "Y") is True
    assert (folder / ".serverless_plugins" / "rails" / "index.js").is_file()


def test_rails_go_ahead_of_split_stacks_in_an_adopted_service(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = project(tmp_path, "plugins:\n  - a\n  # splits the stack last\n  - serverless-plugin-split-stacks\n")
    adopt(folder)
    (folder / ".slsguard" / "baseline.json").write_text('{"schema": "slsguard-baseline/1", "findings": []}\n')
    bridge = {k: v for k, v in snapshot(folder).items() if k.startswith(".slsguard/")}
    assert main(["init", str(folder), "--rails", "--yes"]) == 0
    text = (folder / "serverless.yml").read_text()
    assert (
        "  - a\n  - ./.serverless_plugins/rails\n  # splits the stack last\n  - serverless-plugin-split-stacks\n  - ./.slsguard/plugin.js\n"
        in text
    )
    assert {k: v for k, v in snapshot(folder).items() if k.startswith(".slsguard/")} == bridge  # the adoption is left as it was
    assert "Adopted" not in capsys.readouterr().out


def test_a_custom_rails_of_the_user_s_own_is_left_alone(tmp_path: Path) -> None:
    folder = project(tmp_path, "custom:\n  rails:\n    alarmTopic: OpsTopic  # ours\n")
    adopt(folder, rails=True)
    text = (folder / "serverless.yml").read_text()
    assert "    alarmTopic: OpsTopic  # ours\n" in text and "AlarmTopic" not in text and "./.serverless_plugins/rails" in text


@pytest.mark.parametrize(
    ("setup", "argv", "message"),
    [
        (
            lambda f: ((f / ".slsguard").mkdir(), (f / ".slsguard" / "answers.json").write_text("{}")),
            ["--rails"],
            "generated by slsguard (it has .slsguard/answers.json), so it has the rails already. Fix: run `slsguard upgrade`",
        ),
        (
            lambda f: (
                (f / ".serverless_plugins" / "rails").mkdir(parents=True),
                (f / ".serverless_plugins" / "rails" / "index.js").write_text(""),
            ),
            ["--rails"],
            "has the rails already (.serverless_plugins/rails/). Fix: pass --force with --rails",
        ),
        (lambda f: None, ["--yes"], "--yes is only for --rails (init alone writes at once). Fix: slsguard init --rails --yes"),
        (
            lambda f: (f / "serverless.yml").write_text(HEAD + "custom: {a: 1}\n" + TAIL),
            ["--rails", "--yes"],
            "serverless.yml: custom is a flow mapping ({...}); `slsguard init --rails` adds rails to a block mapping (one key per line) and never rewrites one. Fix: write custom as a block mapping, or add custom.rails yourself.",
        ),
    ],
    ids=["generated", "rails-present", "yes-without-rails", "flow-custom"],
)
def test_init_rails_refusals_are_one_line_exit_2_and_write_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], setup, argv: list[str], message: str
) -> None:  # type: ignore[no-untyped-def]
    folder = project(tmp_path, "plugins:\n  - a\n")
    setup(folder)
    before = snapshot(folder)
    code = main(["init", str(folder), *argv])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err
    assert snapshot(folder) == before


@pytest.mark.parametrize(("typed", "written"), [("y", True), ("n", False)], ids=["yes", "no"])
def test_init_rails_asks_on_a_real_terminal(tmp_path: Path, typed: str, written: bool) -> None:
    """In a pseudo-terminal (pexpect) the preview ends with the question; only y writes."""
    import os
    import sys

    import pexpect

    folder = tmp_path / "orders"
    shutil.copytree(SERVICE, folder)
    before = snapshot(folder)
    child = pexpect.spawn(
        sys.executable, ["-m", "generator", "init", str(folder), "--rails"], env={**os.environ}, encoding="utf-8", timeout=60
    )
    child.expect_exact("+    alarmTopic: AlarmTopic")
    child.expect_exact("Write these changes? [y/N] ")
    assert snapshot(folder) == before  # nothing written while it asks
    child.sendline(typed)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert (folder / ".serverless_plugins" / "rails" / "index.js").is_file() is written
    assert (snapshot(folder) == before) is not written


def test_the_preview_of_a_packaged_service_counts_the_findings_the_baseline_will_accept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = project(tmp_path, "")
    build = folder / ".serverless"
    build.mkdir()
    function = {"Type": "AWS::Lambda::Function", "Properties": {"Timeout": 6, "TracingConfig": {"Mode": "Active"}}}
    (build / "cloudformation-template-update-stack.json").write_text(json.dumps({"Resources": {"ApiLambdaFunction": function}}))
    before = snapshot(folder)
    assert main(["init", str(folder), "--rails"]) == 0
    out = capsys.readouterr().out.splitlines()
    # api has no timeout of its own, no reserved concurrency and no errors alarm; its log group is unmanaged
    assert "  add   .slsguard/baseline.json  (4 findings of the last package, accepted)" in out
    assert snapshot(folder) == before
