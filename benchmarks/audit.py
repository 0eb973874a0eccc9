"""Benchmark: `slsguard audit` of a 500-resource root template with nested stacks, whole process.

Builds a .serverless/ folder the way osls + serverless-plugin-split-stacks (perType) lay it out:
249 functions and their log groups in the root (500 resources with the role and the bucket),
their versions, permissions and REST methods in three nested stacks wired through parameters.
Then runs `python -m generator audit` as a fresh process several times and reports the median
(goal: under 200 ms), next to a bare interpreter's start-up for scale.

Output formats: the same set with a finding per function (no reserved concurrency, no tracing:
498 findings) and a serverless.yml listing the 249 functions beside .serverless/, audited with
`--format text` and `--format sarif` alternately (whole process), and the two renderings in process.

    python benchmarks/audit.py [--runs 15]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

FUNCTIONS = 249  # 2 resources each + role + bucket = 500 in the root
REPO = Path(__file__).resolve().parent.parent


def _url(name: str) -> dict:
    return {"Fn::Join": ["/", ["https://s3.amazonaws.com", {"Ref": "ServerlessDeploymentBucket"}, "serverless/bench/dev/1", name]]}


def build(folder: Path) -> int:
    """Write the root and nested templates; returns the number of resources written."""
    root: dict = {"AWSTemplateFormatVersion": "2010-09-09", "Resources": {}, "Outputs": {}}
    res = root["Resources"]
    res["ServerlessDeploymentBucket"] = {"Type": "AWS::S3::Bucket", "Properties": {}}
    res["IamRoleLambdaExecution"] = {"Type": "AWS::IAM::Role", "Properties": {"Policies": []}}
    versions: dict = {"Parameters": {}, "Resources": {}, "Outputs": {}}
    permissions: dict = {"Parameters": {}, "Resources": {}}
    api: dict = {"Parameters": {}, "Resources": {}, "Outputs": {}}
    api["Resources"]["ApiGatewayRestApi"] = {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "bench"}}
    api["Resources"]["ApiGatewayDeployment1"] = {
        "Type": "AWS::ApiGateway::Deployment",
        "Properties": {
            "RestApiId": {"Ref": "ApiGatewayRestApi"},
            "StageDescription": {"ThrottlingRateLimit": 50, "ThrottlingBurstLimit": 100},
        },
    }
    stack_params: dict = {"Versions": {}, "Permissions": {}, "API": {}}
    for i in range(FUNCTIONS):
        name = f"Fn{i}"
        res[f"{name}LogGroup"] = {
            "Type": "AWS::Logs::LogGroup",
            "Properties": {"LogGroupName": f"/aws/lambda/bench-dev-fn{i}", "RetentionInDays": 14},
        }
        res[f"{name}LambdaFunction"] = {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "FunctionName": f"bench-dev-fn{i}",
                "Handler": "bench/api.handler",
                "Runtime": "python3.13",
                "Code": {"S3Bucket": {"Ref": "ServerlessDeploymentBucket"}, "S3Key": "serverless/bench/dev/1/bench.zip"},
                "Timeout": 6,
                "MemorySize": 1024,
                "ReservedConcurrentExecutions": 3,
                "TracingConfig": {"Mode": "Active"},
                "Role": {"Fn::GetAtt": ["IamRoleLambdaExecution", "Arn"]},
                "Environment": {"Variables": {"POWERTOOLS_SERVICE_NAME": "bench", "QUEUE_URL": {"Ref": "ServerlessDeploymentBucket"}}},
            },
            "DependsOn": [f"{name}LogGroup"],
        }
        param = f"{name}LambdaFunctionArnParameter"
        for stack in ("Versions", "Permissions", "API"):
            stack_params[stack][param] = {"Fn::GetAtt": [f"{name}LambdaFunction", "Arn"]}
        versions["Parameters"][param] = {"Type": "String"}
        versions["Resources"][f"{name}LambdaVersion"] = {"Type": "AWS::Lambda::Version", "Properties": {"FunctionName": {"Ref": param}}}
        permissions["Parameters"][param] = {"Type": "String"}
        permissions["Resources"][f"{name}LambdaPermissionApiGateway"] = {
            "Type": "AWS::Lambda::Permission",
            "Properties": {"FunctionName": {"Ref": param}, "Action": "lambda:InvokeFunction", "Principal": "apigateway.amazonaws.com"},
        }
        api["Parameters"][param] = {"Type": "String"}
        api["Resources"][f"ApiGatewayMethodFn{i}Get"] = {
            "Type": "AWS::ApiGateway::Method",
            "Properties": {
                "HttpMethod": "GET",
                "RestApiId": {"Ref": "ApiGatewayRestApi"},
                "Integration": {
                    "Type": "AWS_PROXY",
                    "Uri": {
                        "Fn::Join": ["", ["arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/", {"Ref": param}, "/invocations"]]
                    },
                },
            },
        }
    nested = {"Versions": versions, "Permissions": permissions, "API": api}
    for stack, body in nested.items():
        file = f"cloudformation-template-{stack}-nested-stack.json"
        res[f"{stack}NestedStack"] = {
            "Type": "AWS::CloudFormation::Stack",
            "Properties": {"Parameters": stack_params[stack], "TemplateURL": _url(file)},
        }
        (folder / file).write_text(json.dumps(body, indent=2))
    # Keep the root at exactly 500 resources: the nested stack resources replace three log groups' worth.
    for i in range(3):
        del res[f"Fn{FUNCTIONS - 1 - i}LogGroup"]
        res[f"Fn{FUNCTIONS - 1 - i}LambdaFunction"]["DependsOn"] = []
    (folder / "cloudformation-template-update-stack.json").write_text(json.dumps(root, indent=2))
    return len(root["Resources"]) + sum(len(b["Resources"]) for b in nested.values())


def _once(cmd: list[str]) -> tuple[float, float]:
    """Wall-clock and CPU (user + system) milliseconds of one run of a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = (time.perf_counter() - start) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000


def timed(cmds: list[list[str]], runs: int) -> list[tuple[list[float], list[float]]]:
    """Runs the commands alternately (so load from other processes hits them alike); wall and CPU per command."""
    out: list[tuple[list[float], list[float]]] = [([], []) for _ in cmds]
    for _ in range(runs):
        for cmd, (wall, cpu) in zip(cmds, out, strict=True):
            w, c = _once(cmd)
            wall.append(w)
            cpu.append(c)
    return out


def _line(label: str, wall: list[float], cpu: list[float]) -> str:
    return (
        f"{label:<24} wall median {statistics.median(wall):6.1f} ms (min {min(wall):.1f}, max {max(wall):.1f}); "
        f"CPU median {statistics.median(cpu):6.1f} ms; {len(wall)} runs"
    )


def _in_process(folder: Path) -> float:
    sys.path.insert(0, str(REPO))
    from generator.audit import audit

    start = time.perf_counter()
    audit([folder])
    return (time.perf_counter() - start) * 1000


def paired(name: str, command: list[str], runs: int, in_process: Callable[[], float], what: str) -> list[str]:
    """Time ``command`` against a bare interpreter, alternately, then ``in_process`` alone: the report's lines."""
    timed([command], 2)  # warm the page cache and the bytecode cache
    bare, whole = timed([[sys.executable, "-c", "pass"], command], runs)
    inproc = [in_process() for _ in range(runs)]
    overhead = [a - b for a, b in zip(whole[0], bare[0], strict=True)]
    return [
        _line("python -c pass", *bare),
        _line(f"slsguard {name} (whole)", *whole),
        f"{name + ' over bare python':<24} median {statistics.median(overhead):6.1f} ms (back-to-back differences)",
        f"{name + '() in process':<24} median {statistics.median(inproc):6.1f} ms ({what}; imports excluded)",
        f"load average during the runs: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores",
        f"goal < 200 ms for the whole process: {'met' if statistics.median(whole[0]) < 200 else 'NOT met'} (wall median)",
    ]


def with_findings(project: Path) -> None:
    """The benchmark set with two findings per function, and the serverless.yml SARIF looks lines up in."""
    folder = project / ".serverless"
    folder.mkdir(parents=True)
    build(folder)
    root_file = folder / "cloudformation-template-update-stack.json"
    root = json.loads(root_file.read_text())
    for res in root["Resources"].values():
        if res["Type"] == "AWS::Lambda::Function":
            res["Properties"].pop("ReservedConcurrentExecutions")
            res["Properties"].pop("TracingConfig")
    root_file.write_text(json.dumps(root, indent=2))
    lines = ["service: bench", "provider:", "  name: aws", "  timeout: 6", "functions:"]
    for i in range(FUNCTIONS):
        lines += [f"  fn{i}:", "    handler: bench/api.handler", "    events:", "      - http: GET fn" + str(i)]
    (project / "serverless.yml").write_text("\n".join(lines) + "\n")


def _render_times(project: Path, runs: int) -> dict[str, list[float]]:
    """In process, after one audit: how long each view of the same findings takes to build."""
    sys.path.insert(0, str(REPO))
    from generator.audit import audit_with_templates, report, sarif

    findings, templates = audit_with_templates([project / ".serverless"])
    views = {"text": lambda: report.text(findings, templates), "sarif": lambda: sarif.dumps(findings, templates)}
    out: dict[str, list[float]] = {name: [] for name in views}
    for _ in range(runs):
        for name, view in views.items():
            start = time.perf_counter()
            view()
            out[name].append((time.perf_counter() - start) * 1000)
    return out


def formats(runs: int) -> None:
    """Text vs SARIF on the set with findings: whole process alternately, then the rendering alone."""
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "bench"
        with_findings(project)
        base = [sys.executable, "-m", "generator", "audit", str(project / ".serverless"), "--format"]
        check = subprocess.run([*base, "json"], cwd=REPO, capture_output=True, text=True, check=False)
        count = len(json.loads(check.stdout)["findings"])
        timed([[*base, "text"], [*base, "sarif"]], 2)
        text, sarif_run = timed([[*base, "text"], [*base, "sarif"]], runs)
        rendering = _render_times(project, runs)
    print(f"formats: {count} findings, serverless.yml with {FUNCTIONS} functions beside .serverless/")
    print(_line("audit --format text", *text))
    print(_line("audit --format sarif", *sarif_run))
    diff = [b - a for a, b in zip(text[0], sarif_run[0], strict=True)]
    print(f"{'sarif over text':<24} median {statistics.median(diff):6.1f} ms (back-to-back differences)")
    for name, values in rendering.items():
        print(f"{'render ' + name + ' in process':<24} median {statistics.median(values):6.1f} ms")


@contextlib.contextmanager
def benchmark_set(doc: str) -> Iterator[tuple[argparse.Namespace, Path, int]]:
    """Parse --runs, then build the template set in a temporary .serverless/ folder: (args, folder, resources)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / ".serverless"
        folder.mkdir()
        yield args, folder, build(folder)


def main() -> int:
    with benchmark_set(__doc__) as (args, folder, total):
        root = json.loads((folder / "cloudformation-template-update-stack.json").read_text())
        audit = [sys.executable, "-m", "generator", "audit", str(folder), "--format", "json"]
        check = subprocess.run(audit, cwd=REPO, capture_output=True, text=True, check=False)
        summary = json.loads(check.stdout)["summary"]
        lines = paired("audit", audit, args.runs, lambda: _in_process(folder), "load, rules, report")
    print(f"templates: root {len(root['Resources'])} resources + 3 nested stacks ({total} resources in all); findings {summary}")
    print("\n".join(lines))
    formats(args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
