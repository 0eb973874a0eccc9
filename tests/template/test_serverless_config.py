"""The generated serverless.yml and package.json, rendered for every valid answer combination that
changes their structure, read back as data and checked against generator.answers.rules (fast: Jinja only).

The slow proof (osls package, cfn-lint, checkov, importing the zip) is tests/template/test_packaging.py.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
from typing import Any

import pytest
import yaml
from cookiecutter.environment import StrictEnvironment
from jinja2 import FileSystemLoader

from generator import __version__
from generator.answers import cookiecutter_json, limits, pins, rules
from generator.answers.parse import complete
from tests.support.toolchain import NODE_DIRS, NPM_TEMPLATES, REPO, lock_as_template

PROJECT_TEMPLATE = REPO / "{{cookiecutter.project_slug}}"
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
LEFTOVER = re.compile(r"(?<!\$)\{\{|\{%|%\}|\{#")  # GitHub Actions' ${{ }} is not template syntax
DATABASES = [("none", "rds-proxy")] + [(db, access) for db in ("postgres", "mysql") for access in ("rds-proxy", "direct", "data-api")]
# Answers that change the file's shape are crossed fully; the rest rotate so every value appears.
ROTATING = {
    "tracing": [True, False],
    "architecture": ["arm64", "x86_64"],
    "runtime": ["python3.13", "python3.12", "python3.14"],
    "framework": ["osls", "serverless", "osls3"],
    "reserved_concurrency": [10, 1],
    "waf_rate_limit": [1000, 10, 2_000_000_000],
    "monthly_budget": [50, 0, 1200],
    "rollout": ["canary", "all-at-once"],
}
POWERTOOLS_LAYER = re.compile(
    r"^arn:aws:lambda:\$\{aws:region\}:017000801446:layer:AWSLambdaPowertoolsPythonV3-python3(12|13|14)-(arm64|x86_64):\d+$"
)

# custom.rails.auth beyond its type, per answer (jwt's issuer and audience are stage params)
AUTH_SETTINGS = {
    "cognito": {"userPool": "UserPool", "userPoolClient": "UserPoolClient"},
    "jwt": {"issuer": "${param:jwtIssuer}", "audience": "${param:jwtAudience}"},
}


@functools.cache
def environment() -> StrictEnvironment:
    """cookiecutter's own Jinja environment and loader (project template, then the templates/ include folder)."""
    env = StrictEnvironment(context={}, keep_trailing_newline=True)
    env.loader = FileSystemLoader([str(PROJECT_TEMPLATE), str(REPO / "templates")])
    return env


def render(name: str, answers: dict[str, Any]) -> str:
    """Render one template file as cookiecutter does: same environment, loader and context types."""
    context = {**cookiecutter_json.private_context(), **{k: v if isinstance(v, bool) else str(v) for k, v in answers.items()}}
    return environment().get_template(name).render(cookiecutter=context)


def combinations(api: str, database: str, access: str) -> list[dict[str, Any]]:
    """Every valid answer set for this API and database, over cold start, VPC, split stacks and (REST only) waf."""
    base = complete({"api": api})  # waf's default follows the API
    found = []
    for i, (cold, vpc, split) in enumerate(
        itertools.product(["warmer", "provisioned", "snapstart", "none"], ["auto", "yes", "no"], [True, False])
    ):
        answers = dict(base, api=api, database=database, database_access=access, cold_start=cold, vpc=vpc, split_stacks=split)
        answers.update({key: values[i % len(values)] for key, values in ROTATING.items()})
        if api == "rest":
            answers["waf"] = ("rate-limit", "none")[i // 2 % 2]  # crossed with split_stacks, which alternates with i
        if not rules.check(answers):
            found.append(answers)
    return found


def check_config(a: dict[str, Any], config: dict[str, Any]) -> None:
    """Everything serverless.yml promises for one answer set."""
    provider, functions, custom = config["provider"], config["functions"], config.get("custom", {})
    resources, extensions = config["resources"]["Resources"], config["resources"].get("extensions", {})
    cold, vpc = rules.cold_start(a), rules.uses_vpc(a)
    rails = custom["rails"]
    assert config["configValidationMode"] == "error"

    assert (provider["runtime"], provider["architecture"], provider["region"]) == (a["runtime"], a["architecture"], a["aws_region"])
    assert provider["stage"] == "${opt:stage, 'dev'}" and {"dev", "production"} <= set(config["params"])
    assert provider["memorySize"] == a["memory_size"] and provider["logRetentionInDays"] == a["log_retention_days"]
    assert POWERTOOLS_LAYER.match(provider["layers"][0]) and a["runtime"].replace(".", "") in provider["layers"][0]
    assert a["architecture"] in provider["layers"][0]

    # [wallet attack] every function has its own timeout and reserved concurrency
    assert sorted(functions) == sorted(rules.all_functions(a))
    for name in rules.generated_functions(a):
        fn = functions[name]
        assert fn.get("timeout") == a["function_timeout"] and fn.get("reservedConcurrency") == a["reserved_concurrency"]
    if a["database"] != "none":
        # [SQL] deploy-time migrations: one copy, Lambda's longest timeout, the database rail, run by Custom::Migrations
        migrate = functions[rules.MIGRATE_FUNCTION]
        assert (migrate["timeout"], migrate["reservedConcurrency"]) == (limits.LAMBDA_MAX_TIMEOUT_S, rules.MIGRATE_RESERVED_CONCURRENCY)
        assert migrate["slsguard"] == {"database": True}
        assert migrate["handler"] == f"{a['package_name']}/migrate_resource.handler"
        assert resources["Migrations"]["Type"] == "Custom::Migrations"
        assert resources["Migrations"]["Properties"]["ServiceToken"] == {"Fn::GetAtt": ["MigrateLambdaFunction", "Arn"]}
        assert f"migrations/{a['database']}/**" in config["package"]["patterns"]
        assert rails["database"]["migrations"] == f"migrations/{a['database']}"
    else:
        assert "Migrations" not in resources
    assert config["package"]["patterns"][:2] == ["!**", f"{a['package_name']}/**"]

    plugins = config["plugins"]
    assert plugins[0] == "serverless-python-requirements" and "./.serverless_plugins/rails" in plugins
    assert ("serverless-plugin-warmup" in plugins) == (cold == "warmer")
    assert ("serverless-plugin-split-stacks" in plugins) == a["split_stacks"]
    if a["split_stacks"]:
        assert plugins[-1] == "serverless-plugin-split-stacks"
        assert not {"stackConcurrency", "resourceConcurrency"} & set(custom["splitStacks"])
        assert plugins.index("./.serverless_plugins/rails") < plugins.index("serverless-plugin-split-stacks")

    # [cold start] a rule in custom.rails, not a setting copied into each function
    api = functions.get("api", {})
    assert rails["coldStart"] == cold
    assert not {"provisionedConcurrency", "snapStart", "warmup"} & {key for fn in functions.values() for key in fn}
    if cold == "provisioned":
        assert rails["provisionedConcurrency"] == rules.PROVISIONED_CONCURRENCY <= a["reserved_concurrency"]
    # [observability] the canary rollout shifts HTTP traffic between published versions
    canary = a["rollout"] == "canary" and a["api"] != "none"
    assert rails.get("rollout") == ({"deployment": "Canary10Percent5Minutes"} if canary else None)
    versions = cold in ("provisioned", "snapstart") or canary
    assert provider["versionFunctions"] is versions
    # Pruning: osls 4's own provider.pruneFunctionVersions; serverless-prune-plugin on 3.x and Serverless v4.
    builtin = a["framework"] == "osls"
    assert ("serverless-prune-plugin" in plugins) == (versions and not builtin)
    assert ("prune" in custom) == (versions and not builtin)
    assert provider.get("pruneFunctionVersions") == ({"number": 3} if versions and builtin else None)
    if versions and not builtin:
        assert custom["prune"] == {"automatic": True, "number": 3}
    if cold == "warmer":
        warmer = custom["warmup"]["default"]
        assert warmer["vpc"] is False and warmer["prewarm"] is True and warmer["events"] == [{"schedule": "rate(5 minutes)"}]
        assert warmer["concurrency"] == rules.WARMER_CONCURRENCY <= a["reserved_concurrency"]
        assert warmer["logRetentionInDays"] == a["log_retention_days"] and warmer["role"] == rails["warmerRole"]
        assert warmer["tracing"] is False  # a traced warmer would npm-install the X-Ray SDK at package time
    else:
        assert "warmup" not in custom and "warmerRole" not in rails

    # [observability]
    assert ("tracing" in provider) == a["tracing"]
    if a["tracing"]:
        assert provider["tracing"] == ({"lambda": True, "apiGateway": True} if a["api"] == "rest" else {"lambda": True})
    # Alarms, queries and roles come from the rails plugin for every function: none are written per resource.
    per_resource = {"AWS::CloudWatch::Alarm", "AWS::Logs::QueryDefinition", "AWS::IAM::Role"}
    assert not [name for name, r in resources.items() if r["Type"] in per_resource]
    assert not [name for name in extensions if name.endswith(("LambdaFunction", "LogGroup")) and name != "HttpApiLogGroup"]
    assert resources[rails["alarmTopic"]]["Type"] == "AWS::SNS::Topic"
    assert rails["durationAlarmPercent"] == 80 and rails["logQueries"] is True

    # [SQL]
    env = provider["environment"]
    assert "DB_USER" not in env and "DB_PASSWORD" not in env
    # vpc=yes puts every function in the VPC; a database that needs it puts only its users there.
    assert ("vpc" in provider) == (vpc and a["vpc"] == "yes")
    # statements under provider.iam would reach every function's role; only the deploy's execution role and the roles'
    # permissions boundary (both from the deploy workflow's environment) are named there
    assert provider.get("iam", {}) == {
        "deploymentRole": "${env:SLSGUARD_EXECUTION_ROLE, null}",
        "role": {"permissionsBoundary": "${env:SLSGUARD_ROLE_BOUNDARY, null}"},
    }
    assert all(fn.get("slsguard", {}).get("database", False) == (a["database"] != "none") for fn in functions.values())
    if a["database"] == "none":
        assert not any(key.startswith("DB_") for key in env) and "database" not in rails
    else:
        assert env["DB_ENGINE"] == a["database"] and env["DB_ACCESS"] == a["database_access"]
        assert env["DB_SECRET_ARN"] == {"Ref": "DbSecretArn"}
        assert ("vpc" in rails["database"]) == (vpc and a["vpc"] != "yes")
        statements = rails["database"]["statements"]
        assert statements[0] == {"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"], "Resource": [{"Ref": "DbSecretArn"}]}
        if a["database_access"] == "data-api":
            assert env["DB_CLUSTER_ARN"] == {"Ref": "DbClusterArn"} and "DB_HOST" not in env
            assert all(action.startswith("rds-data:") for action in statements[1]["Action"])
            assert statements[1]["Resource"] == [{"Ref": "DbClusterArn"}]
        else:
            assert env["DB_HOST"] == {"Ref": "DbHost"} and env["DB_PORT"] == ("5432" if a["database"] == "postgres" else "3306")
            assert len(statements) == 1

    # [wallet attack] a per-client WAF rate limit on a REST API only (an explicit none is kept, for the audit); a budget above 0
    if a["api"] == "rest":
        assert rails["waf"] == ({"rateLimit": a["waf_rate_limit"]} if a["waf"] == "rate-limit" else "none")
    else:
        assert a["waf"] == "none" and "waf" not in rails
    assert rails.get("budget") == ({"monthlyUsd": a["monthly_budget"]} if a["monthly_budget"] > 0 else None)

    # [wallet attack] API throttling, deployment bucket
    if a["api"] == "rest":
        # an API key and its usage plan only with auth=api-key (metering); the rails add `private: true` or the authorizer
        keyed = a["auth"] == "api-key"
        usage = provider["apiGateway"].get("usagePlan")
        assert usage == ({"throttle": {"rateLimit": a["throttle_rate"], "burstLimit": a["throttle_burst"]}} if keyed else None)
        assert custom["restStageThrottling"] == {"rateLimit": a["throttle_rate"], "burstLimit": a["throttle_burst"]}
        assert not any("private" in event["http"] or "authorizer" in event["http"] for event in api["events"])
    if a["api"] != "none":
        assert rails["auth"] == ("none" if a["auth"] == "none" else {"type": a["auth"], **AUTH_SETTINGS.get(a["auth"], {})})
    elif a["api"] == "http":
        stage = extensions["HttpApiStage"]["Properties"]["DefaultRouteSettings"]
        assert (stage["ThrottlingRateLimit"], stage["ThrottlingBurstLimit"]) == (a["throttle_rate"], a["throttle_burst"])
    bucket = provider["deploymentBucket"]
    assert bucket["blockPublicAccess"] and bucket["versioning"]
    # Serverless Framework v4 uses a shared bucket outside the stack: extending the in-stack one would fail.
    assert ("ServerlessDeploymentBucket" in extensions) == (a["framework"] != "serverless")

    # [SQL] the worker's queue with its dead-letter queue
    queue = resources["WorkQueue"]["Properties"]
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": ["WorkDeadLetterQueue", "Arn"]}
    assert queue["VisibilityTimeout"] >= 6 * a["function_timeout"]
    sqs = functions["worker"]["events"][0]["sqs"]
    assert sqs["functionResponseType"] == "ReportBatchItemFailures"
    assert sqs.get("maximumConcurrency", a["reserved_concurrency"]) == a["reserved_concurrency"]


@pytest.mark.parametrize(
    ("api", "database", "access"),
    [(api, db, access) for api in ("rest", "http", "none") for db, access in DATABASES],
    ids=[f"api:{api}-db:{db}" + (f"-{access}" if db != "none" else "") for api in ("rest", "http", "none") for db, access in DATABASES],
)
def test_serverless_yml_matches_the_rules(api: str, database: str, access: str) -> None:
    combos = combinations(api, database, access)
    assert combos, "every API and database pair has valid answer sets"
    assert {a["monthly_budget"] for a in combos} == set(ROTATING["monthly_budget"])
    if api == "rest":
        assert {(a["waf"], a["split_stacks"]) for a in combos} == {(w, s) for w in ("rate-limit", "none") for s in (True, False)}
    for answers in combos:
        for name in ("README.md", ".github/workflows/ci.yml", "package.json"):
            assert not LEFTOVER.search(render(name, answers)), f"template syntax left in {name}"
        text = render("serverless.yml", answers)
        assert not LEFTOVER.search(text)
        try:
            check_config(answers, yaml.load(text, Loader=LOADER))
        except AssertionError as err:
            shape = {k: answers[k] for k in ("cold_start", "vpc", "split_stacks", "waf", *ROTATING)}
            raise AssertionError(f"serverless.yml is wrong for {shape}: {err}") from err


# framework answer -> (CLI package, its pin, serverless-offline's pin, whether serverless-prune-plugin is pinned)
LINES = {
    "osls": ("osls", pins.OSLS, pins.OFFLINE, False),  # osls 4 prunes versions itself (provider.pruneFunctionVersions)
    "osls3": ("osls", pins.OSLS3, pins.OFFLINE, True),
    "serverless": ("serverless", pins.SERVERLESS, pins.OFFLINE_SERVERLESS, True),
}


@pytest.mark.parametrize("framework", list(LINES))
def test_package_json_pins_the_cli_and_every_plugin(framework: str) -> None:
    answers = dict(complete({}), framework=framework, description="Say 'hi' & \"bye\"")
    package = json.loads(render("package.json", answers))
    lock = json.loads(render("package-lock.json", answers))
    deps = package["devDependencies"]
    cli, version, offline, prune_plugin = LINES[framework]
    assert deps[cli] == version and ({"osls", "serverless"} - {cli}).isdisjoint(deps)
    assert deps["serverless-offline"] == offline
    assert ("serverless-prune-plugin" in deps) == prune_plugin
    if cli == "osls":  # plugins whose peer is `serverless` get this osls, never a second framework
        assert package["overrides"] == {"serverless": f"npm:osls@{version}"}
    assert all(re.fullmatch(r"\d+\.\d+\.\d+", version) for version in deps.values()), "exact versions only"
    assert {"serverless-plugin-warmup", "serverless-plugin-split-stacks", "serverless-python-requirements"} <= set(deps)
    assert {"package", "deploy", "test"} <= set(package["scripts"])
    assert package["description"] == answers["description"]
    assert lock["name"] == package["name"] == answers["project_slug"]
    assert lock["packages"][""]["devDependencies"] == deps, "npm ci refuses a lock out of sync with package.json"
    for name, version in deps.items():
        assert lock["packages"][f"node_modules/{name}"]["version"] == version


@pytest.mark.parametrize("line", list(NODE_DIRS))
def test_tests_node_holds_the_template_toolchain_of_each_osls_line(line: str) -> None:
    """CI installs tests/node (osls 4) and tests/node-osls3 once each and links them into generated projects:
    each must be its line's toolchain, and the template's lock of that line must be its lock."""
    folder = NODE_DIRS[line]
    package = json.loads((folder / "package.json").read_text())
    rendered = json.loads(render("package.json", dict(complete({}), framework=line)))
    assert package["devDependencies"] == rendered["devDependencies"]
    assert package["overrides"] == rendered["overrides"]
    lock = (folder / "package-lock.json").read_text()
    assert (NPM_TEMPLATES / f"package-lock.{line}.json").read_text() == lock_as_template(lock), (
        f"templates/npm/package-lock.{line}.json is stale: regenerate it from {folder.name}/package-lock.json with lock_as_template()"
    )


def test_osls_4_removed_the_sdk_v2_surface_the_warmup_plugin_calls_and_3_keeps_it() -> None:
    """serverless-plugin-warmup's prewarm calls provider.request(): osls 4 throws AWS_SDK_V2_SURFACE_REMOVED (the rails
    take the prewarm over there), 3.x keeps it. If either stops being true, the rails' prewarm rail is revisited."""
    for line, removed in (("osls", True), ("osls3", False)):
        modules = NODE_DIRS[line] / "node_modules"
        warmup = (modules / "serverless-plugin-warmup" / "src" / "index.js").read_text()
        provider = (modules / "osls" / "lib" / "plugins" / "aws" / "provider.js").read_text()
        assert "this.provider.request(" in warmup
        assert ("AWS_SDK_V2_SURFACE_REMOVED" in provider) == removed, line
        assert bool(re.search(r"\n  async request\(", provider)) == (not removed), line


@pytest.mark.parametrize("framework", ["osls", "serverless"])
def test_ci_workflow_tests_packages_and_scans(framework: str) -> None:
    answers = dict(complete({}), framework=framework)
    workflow = yaml.load(render(".github/workflows/ci.yml", answers), Loader=LOADER)
    steps = workflow["jobs"]["test-package-scan"]["steps"]
    script = "\n".join(step.get("run", "") for step in steps)
    for command in ("python -m pip install -r requirements-dev.txt", "python -m pytest", "npm ci", "npm run package", "npm run scan"):
        assert command in script, command
    assert "pipx install slsguard" not in script and "cfn-lint .serverless" not in script  # the README's command, not a copy
    assert "pipx" not in script, "every tool comes pinned from requirements-dev.txt"
    assert {"npm run test:plugin", "npm run rehearse"} <= {step.get("run") for step in steps}
    # CI scans with the project's own script, the command the README gives: one definition of "green".
    scan = json.loads(render("package.json", answers))["scripts"]["scan"]
    assert scan.startswith("cfn-lint .serverless/") and " && checkov " in scan
    assert next(s for s in steps if s.get("uses", "").startswith("actions/setup-python"))["with"]["python-version"] == "3.13"
    package_step = next(s for s in steps if s.get("run") == "npm run package")
    assert package_step["env"]["AWS_ENDPOINT_URL_CLOUDFORMATION"].startswith("http://127.0.0.1:")
    assert ("SERVERLESS_ACCESS_KEY" in workflow["jobs"]["test-package-scan"]["env"]) == (framework == "serverless")


def test_dev_requirements_pin_slsguard_and_the_scanners_this_repository_tests_with() -> None:
    """The generated CI installs requirements-dev.txt: its pins are this slsguard and this repository's own scanners."""
    import importlib.metadata

    lines = render("requirements-dev.txt", complete({})).splitlines()
    checkov = re.search(r"checkov==([0-9.]+)", (REPO / ".ci" / "run").read_text())
    assert checkov is not None
    expected = {
        "slsguard": __version__,
        "cfn-lint": importlib.metadata.version("cfn-lint"),  # what this repository's tests lint with
        "checkov": checkov.group(1),  # what .ci/run installs
    }
    for name, version in expected.items():
        assert f"{name}=={version}" in lines, name
    assert "checkov" in json.loads(render("package.json", complete({})))["scripts"]["scan"]


@pytest.mark.parametrize(
    ("given", "waf", "budget"),
    [
        ({}, {"rateLimit": 1000}, {"monthlyUsd": 50}),
        ({"waf": "none", "monthly_budget": 0}, "none", None),
        ({"waf_rate_limit": 250, "monthly_budget": 1200}, {"rateLimit": 250}, {"monthlyUsd": 1200}),
        ({"api": "http"}, None, {"monthlyUsd": 50}),
        ({"api": "none", "monthly_budget": 0}, None, None),
    ],
    ids=["defaults", "rest-waf:none-budget:0", "rest-rate:250-budget:1200", "http", "api:none-budget:0"],
)
def test_rails_waf_and_budget_follow_the_answers(given: dict[str, Any], waf: Any, budget: Any) -> None:
    answers = complete(given)
    assert not rules.check(answers)
    rails = yaml.load(render("serverless.yml", answers), Loader=LOADER)["custom"]["rails"]
    assert (rails.get("waf"), rails.get("budget")) == (waf, budget)
    assert ("waf" in rails) == (answers["api"] == "rest") and ("budget" in rails) == (answers["monthly_budget"] > 0)
