"""Benchmark: how fast and in how much memory `slsguard audit` refuses hostile templates, whole process.

Writes a billion-laughs YAML (about 700 bytes), 100,000-deep JSON and YAML, a 5,000-digit integer, a 2 GiB sparse
file, a YAML 1.1 base-60 number of 60,000 characters and a Fn::ForEach loop bomb (26^4 copies), runs
`python -m generator audit FILE` on each as a fresh process several times, and reports the median wall and CPU
time and the peak resident memory of the process (from wait4), next to `python -m generator audit` of a small
valid template for scale. Every case must exit 2; the script says so when one does not.

    python benchmarks/hostile.py [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _laughs() -> str:
    lines = [
        "Resources:",
        "  T:",
        "    Type: AWS::SNS::Topic",
        "    Properties:",
        '      a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    ]
    lines += [f"      {n}: &{n} [{','.join([f'*{p}'] * 9)}]" for p, n in zip("abcdefgh", "bcdefghi", strict=True)]
    return "\n".join(lines) + "\n"


def _loop_bomb() -> str:
    letters = "[" + ",".join(chr(c) for c in range(ord("a"), ord("z") + 1)) + "]"
    inner = '{"T${A}${B}${C}${D}": {Type: AWS::SNS::Topic}}'
    for name in "DCBA":
        inner = f'{{"Fn::ForEach::{name}": [{name}, {letters}, {inner}]}}'
    return f"Transform: AWS::LanguageExtensions\nResources: {inner}\n"


def _sparse(path: Path) -> None:
    with path.open("wb") as f:
        f.truncate(2 * 1024**3)


CASES: dict[str, tuple[str, Callable[[Path], object]]] = {
    "valid template (for scale)": ("ok.yaml", lambda p: p.write_text("Resources:\n  T: {Type: AWS::SNS::Topic}\n")),
    "billion laughs": ("laughs.yaml", lambda p: p.write_text(_laughs())),
    "100,000-deep JSON": ("deep.json", lambda p: p.write_text('{"Resources": ' + "[" * 100_000 + "]" * 100_000 + "}")),
    "100,000-deep YAML": ("deep.yaml", lambda p: p.write_text("Resources: " + "[" * 100_000 + "]" * 100_000 + "\n")),
    "5,000-digit integer": ("int.json", lambda p: p.write_text('{"Resources": {"n": ' + "9" * 5000 + "}}")),
    "base-60 number, 60,000 chars": ("sexa.yaml", lambda p: p.write_text("Resources:\n  n: 1" + ":59" * 20_000 + "\n")),
    "2 GiB sparse file": ("huge.json", _sparse),
    "Fn::ForEach bomb (26^4)": ("loops.yaml", lambda p: p.write_text(_loop_bomb())),
}


def _run(folder: Path, name: str) -> tuple[float, float, int, int]:
    """(wall ms, CPU ms, peak RSS KiB, exit code) of one audit process."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "generator", "audit", name],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = (time.perf_counter() - start) * 1000
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, (usage.ru_utime + usage.ru_stime) * 1000, usage.ru_maxrss, proc.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for label, (name, write) in CASES.items():
            write(folder / name)
            _run(folder, name)  # warm the caches
            rows = [_run(folder, name) for _ in range(runs)]
            codes = {r[3] for r in rows}
            expected = 0 if name == "ok.yaml" else 2
            flag = "" if codes == {expected} else f"  UNEXPECTED exit codes {sorted(codes)}"
            print(
                f"{label:<30} wall {statistics.median(r[0] for r in rows):7.1f} ms  CPU {statistics.median(r[1] for r in rows):7.1f} ms  "
                f"peak RSS {max(r[2] for r in rows) / 1024:6.1f} MiB  exit {sorted(codes)}{flag}"
            )
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; {runs} runs each")


if __name__ == "__main__":
    main()
