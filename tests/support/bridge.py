"""The bridge plugin (.slsguard/plugin.js) under node without packaging: one stand-in for the parts of the
framework's plugin API it uses, and a fake slsguard that answers the way the real one does."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from .paths import TEMPLATE

PLUGIN = TEMPLATE / ".slsguard" / "plugin.js"

# The framework as the bridge sees it: a service built from the input, the hooks run in order (sync or async), and
# on the last line the outcome, the compiled template and resources after the hooks, the commands, hooks and
# config schema the plugin declared.
STUB = r"""
const fs = require('fs');
const Plugin = require(process.argv[1]);
const input = JSON.parse(process.argv[2]);
class ServerlessError extends Error {}
const template = input.templateFile ? JSON.parse(fs.readFileSync(input.templateFile, 'utf8')) : input.template;
let schema;
const serverless = {
  classes: { Error: ServerlessError },
  configSchemaHandler: { defineCustomProperties: (s) => { schema = s; } },
  serviceDir: input.serviceDir || process.cwd(),
  config: {},
  service: {
    service: input.service,
    custom: { slsguard: input.slsguard },
    functions: input.functions || {},
    resources: { Resources: input.resources || {} },
    package: {},
    provider: { compiledCloudFormationTemplate: template },
    getAllFunctions() { return Object.keys(this.functions); },
    getFunction(name) { return this.functions[name]; },
  },
  getProvider() { return { naming: { getLambdaLogicalId: (n) => n[0].toUpperCase() + n.slice(1) + 'LambdaFunction' } }; },
};
const plugin = new Plugin(serverless, input.options || {});
const declared = { commands: Object.keys(plugin.commands.slsguard.commands), hooks: Object.keys(plugin.hooks), schema };
input.hooks.reduce((done, hook) => done.then(() => plugin.hooks[hook]()), Promise.resolve()).then(
  () => {
    if (input.out) fs.writeFileSync(input.out, JSON.stringify(template));
    console.log(JSON.stringify({ ok: true, ...declared, template, resources: serverless.service.resources.Resources }));
  },
  (error) => console.log(JSON.stringify({ error: error.message, serverlessError: error instanceof ServerlessError, ...declared })),
);
"""


def plugin_copy(folder: Path) -> Path:
    """The bridge copied outside the template folder, whose package.json is a Jinja template node cannot read."""
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(PLUGIN, folder / "plugin.js"))


def run_bridge(plugin: Path, *hooks: str, **service: Any) -> tuple[dict[str, Any], str]:
    """Run ``hooks`` of the bridge in order on a service made of ``service`` (see STUB); its outcome and what it printed."""
    node = shutil.which("node")
    assert node, "node is required (installed by .ci/run)"
    payload = json.dumps({"hooks": list(hooks), **service})
    proc = subprocess.run([node, "-e", STUB, str(plugin), payload], capture_output=True, text=True, check=True, timeout=60)
    *printed, last = proc.stdout.strip().splitlines()
    return json.loads(last), "\n".join(printed)


def run_hook(plugin: Path, service: Path, hook: str, command: list[str], **slsguard: Any) -> tuple[dict[str, Any], str]:
    """Run one hook of the bridge in ``service`` with ``command`` as slsguard; its outcome and what it printed before."""
    outcome, printed = run_bridge(plugin, hook, serviceDir=str(service), slsguard={"command": command, **slsguard})
    keep = ("ok", "error", "serverlessError", "commands", "hooks")
    return {key: value for key, value in outcome.items() if key in keep}, printed


FAKE_SLSGUARD = """
import json, sys
from pathlib import Path
if sys.argv[3] == "cost":  # after a passing audit: its own record, a ceiling of $2.77/hour
    Path(sys.argv[1]).with_name("cost-argv.json").write_text(json.dumps(sys.argv[2:]))
    if sys.argv[2] == "unpriced":
        print("slsguard: region='eu-west-2' has no price table: tables exist for us-east-1. Fix: ...", file=sys.stderr)
        sys.exit(2)
    print("Ceiling: $2.77 per hour, $1,994.40 per 30-day month.")
    print("Typical: $0.0845 per hour, $60.86 per 30-day month at 1 request/s per API and 1 message/s per queue, 100 ms each.")
    if "--max-hourly" in sys.argv and float(sys.argv[sys.argv.index("--max-hourly") + 1]) < 2.77:
        print("slsguard cost: the ceiling $2.77/hour is above --max-hourly " + sys.argv[-1] + ".", file=sys.stderr)
        sys.exit(1)
    sys.exit(0)
Path(sys.argv[1]).write_text(json.dumps(sys.argv[2:]))
mode = sys.argv[2]
if mode in ("clean", "unpriced"):
    print("slsguard audit: 0 errors, 0 warnings, 0 exempted in 3 stacks.")
    sys.exit(0)
if mode == "errors":
    print("root (.serverless/x.json)\\n  ERROR   function-timeout  ...\\nslsguard audit: 1 error, 0 warnings, 0 exempted in 3 stacks.")
    sys.exit(0 if "--warn-only" in sys.argv else 1)
if mode == "unusable":
    print("slsguard: .serverless: no compiled templates. Fix: run package first.", file=sys.stderr)
    sys.exit(2)
raise RuntimeError("boom")
"""


def fake_command(tmp_path: Path, mode: str) -> tuple[list[str], Path]:
    """FAKE_SLSGUARD as the bridge's command, answering as ``mode`` says; the file where it records its arguments."""
    fake = tmp_path / "fake_slsguard.py"
    fake.write_text(FAKE_SLSGUARD)
    seen = tmp_path / "argv.json"
    return [sys.executable, str(fake), str(seen), mode], seen


def run_audit_hook(
    plugin: Path, tmp_path: Path, mode: str, output: list[str] | None = None, **slsguard: Any
) -> tuple[dict[str, Any], list[str]]:
    """Run the bridge's audit hook against a fake slsguard; returns its outcome and the arguments the fake got (``output`` gets stdout)."""
    command, seen = fake_command(tmp_path, mode)
    outcome, printed = run_hook(plugin, tmp_path, "after:package:finalize", command, **slsguard)
    if output is not None:
        output.append(printed)
    outcome.pop("commands"), outcome.pop("hooks")
    return outcome, json.loads(seen.read_text()) if seen.exists() else []
