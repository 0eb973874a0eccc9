"""Benchmark: the audit of a template set whose every property is behind an ``Fn::If``, next to the plain set.

The plain set is benchmarks/audit.py's (500 resources in the root, 3 nested stacks). The conditional set is the
same templates with 50 conditions in each (``Fn::Equals`` on the region, every fifth an ``Fn::Or`` of two others)
and every property of every resource (nested stack resources excepted: their TemplateURL locates the child)
written as ``Fn::If [C<n>, value, value]``. Both run as fresh processes, alternately, and the report gives each
median and their ratio (goal: the conditional set within 2x of the plain one, the plain one under 200 ms).

    python benchmarks/audit_conditions.py [--runs 15]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from audit import REPO, _line, build, timed

CONDITIONS = 50


def conditions() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for i in range(CONDITIONS):
        if i % 5 == 4:
            out[f"C{i}"] = {"Fn::Or": [{"Condition": f"C{i - 1}"}, {"Condition": f"C{i - 2}"}]}
        else:
            out[f"C{i}"] = {"Fn::Equals": [{"Ref": "AWS::Region"}, f"region-{i}"]}
    return out


def conditional(folder: Path) -> int:
    """Rewrite every template in ``folder``: 50 conditions, every resource property behind an Fn::If."""
    wrapped = 0
    for path in sorted(folder.glob("cloudformation-template-*.json")):
        body = json.loads(path.read_text())
        body["Conditions"] = conditions()
        for n, resource in enumerate(body["Resources"].values()):
            if resource["Type"] == "AWS::CloudFormation::Stack":
                continue
            props = resource.get("Properties", {})
            for k, (name, value) in enumerate(props.items()):
                props[name] = {"Fn::If": [f"C{(n + k) % CONDITIONS}", value, value]}
                wrapped += 1
        path.write_text(json.dumps(body, indent=2))
    return wrapped


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        plain, cond = Path(tmp) / "plain" / ".serverless", Path(tmp) / "cond" / ".serverless"
        plain.mkdir(parents=True)
        cond.mkdir(parents=True)
        total = build(plain)
        build(cond)
        wrapped = conditional(cond)
        cmds = [[sys.executable, "-m", "generator", "audit", str(f), "--format", "json"] for f in (plain, cond)]
        summaries = []
        for cmd in cmds:
            import subprocess

            done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=False)
            summaries.append(json.loads(done.stdout)["summary"])
        timed(cmds, 2)  # warm the page cache and the bytecode cache
        (pw, pc), (cw, cc) = timed(cmds, args.runs)
    ratio = [c / p for p, c in zip(pw, cw, strict=True)]
    print(
        f"plain set: {total} resources; conditional set: the same with {CONDITIONS} conditions per template, {wrapped} properties behind Fn::If"
    )
    print(f"findings plain {summaries[0]}; conditional {summaries[1]}")
    print(_line("audit plain (whole)", pw, pc))
    print(_line("audit conditional", cw, cc))
    print(
        f"{'conditional / plain':<24} median {statistics.median(ratio):.2f}x (back-to-back pairs); goal within 2x: "
        f"{'met' if statistics.median(cw) <= 2 * statistics.median(pw) else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
