"""Measure: how long the `slsguard audit --baseline` text report of an adopted service is with one new finding.

Each corpus service with a function (tests/fixtures/corpus) is adopted with `slsguard init` (its package recorded
as the baseline), gets one new literal secret, and is audited with its baseline twice: the default report (new
findings, then one line for the accepted ones) and ``--show-accepted`` (every accepted finding listed too).

    python benchmarks/report_lines.py
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from generator.cli import main  # noqa: E402

CORPUS = REPO / "tests" / "fixtures" / "corpus"
ROOT = "cloudformation-template-update-stack.json"
SECRET = ("STRIPE_SECRET_KEY", "sk_live_51HqLyjWDarjtT1zdp7dc")


def lines(argv: list[str]) -> int:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(argv)
    return len(out.getvalue().splitlines())


def measure(service: str, work: Path) -> tuple[int, int] | None:
    folder = work / service
    (folder / ".serverless").mkdir(parents=True)
    shutil.copy(CORPUS / service / ROOT, folder / ".serverless" / ROOT)
    (folder / "serverless.yml").write_text(f"service: {service}\nprovider:\n  name: aws\n")
    lines(["init", str(folder)])
    body = json.loads((folder / ".serverless" / ROOT).read_text())
    functions = [lid for lid, r in body["Resources"].items() if r.get("Type") == "AWS::Lambda::Function"]
    if not functions:
        return None
    variables = body["Resources"][functions[0]]["Properties"].setdefault("Environment", {}).setdefault("Variables", {})
    variables[SECRET[0]] = SECRET[1]
    (folder / ".serverless" / ROOT).write_text(json.dumps(body))
    argv = ["audit", str(folder / ".serverless"), "--baseline", str(folder / ".slsguard" / "baseline.json")]
    return lines(argv), lines([*argv, "--show-accepted"])


def run() -> None:
    work = Path(tempfile.mkdtemp(prefix="slsguard-report-lines-"))
    total = [0, 0]
    try:
        for service in sorted(p.parent.name for p in CORPUS.glob(f"*/{ROOT}")):
            counted = measure(service, work)
            if counted is None:
                continue
            total = [total[0] + counted[0], total[1] + counted[1]]
            print(f"{service:20} default {counted[0]:3} lines, --show-accepted {counted[1]:3} lines")
        print(f"{'total':20} default {total[0]:3} lines, --show-accepted {total[1]:3} lines")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    run()
