"""Transforms: AWS::LanguageExtensions is expanded before the rules run; macros, AWS::Include and Fn::Transform exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from generator.audit import audit
from generator.cfn.language_extensions import MAX_EXPANDED_NODES, expand
from generator.cfn.load import load
from generator.errors import UserError
from tests.support import paths

FIXTURES = paths.FIXTURES / "audit" / "language-extensions"
LE = "AWS::LanguageExtensions"


def expanded(resources: dict[str, Any], **sections: Any) -> dict[str, Any]:
    return expand({"Transform": LE, "Resources": resources, **sections}, "t.yaml")


def test_foreach_copies_that_open_a_group_to_the_internet_are_each_a_finding() -> None:
    # GIVEN loops (one nested in another, one over a Ref to a CommaDelimitedList) writing open security groups
    findings = [f for f in audit([FIXTURES / "fail.yaml"]) if f.rule == "security-group-open"]
    # THEN every copy is reported under the logical id the expansion gives it
    assert sorted(f.logical_id for f in findings) == ["Ssh00000", "devDb3306", "devDb5432", "prodeuDb3306", "prodeuDb5432"]
    assert all("0.0.0.0/0" in f.message for f in findings)


def test_the_safe_twin_stays_quiet() -> None:
    assert audit([FIXTURES / "pass.yaml"]) == []


def test_nested_loops_substitute_keys_values_and_refs() -> None:
    body = expanded(
        {
            "Fn::ForEach::Outer": [
                "Env",
                ["dev", "prod-eu"],
                {
                    "Fn::ForEach::Inner": [
                        "Port",
                        ["5432", "3306"],
                        {
                            "&{Env}Sg${Port}": {
                                "Type": "AWS::EC2::SecurityGroup",
                                "Properties": {
                                    "GroupDescription": {"Fn::Sub": "${Env} ${Port} in ${AWS::Region}"},
                                    "Tags": [{"Key": "env", "Value": "${Env}"}],
                                    "SecurityGroupIngress": [{"FromPort": {"Ref": "Port"}, "CidrIp": "10.0.0.0/8"}],
                                },
                            }
                        },
                    ]
                },
            ]
        }
    )
    assert list(body["Resources"]) == ["devSg5432", "devSg3306", "prodeuSg5432", "prodeuSg3306"]
    props = body["Resources"]["prodeuSg3306"]["Properties"]
    assert props["GroupDescription"] == {"Fn::Sub": "prod-eu 3306 in ${AWS::Region}"}  # pseudo parameters stay for CloudFormation
    assert props["Tags"] == [{"Key": "env", "Value": "prod-eu"}]
    assert props["SecurityGroupIngress"][0]["FromPort"] == "3306"
    assert "Transform" not in body


def test_a_collection_with_allowed_values_expands_every_value_a_deploy_may_pick() -> None:
    params = {"Names": {"Type": "CommaDelimitedList", "AllowedValues": ["a", "b", "c"], "Default": "a"}}
    body = expanded({"Fn::ForEach::T": ["N", {"Ref": "Names"}, {"Topic${N}": {"Type": "AWS::SNS::Topic"}}]}, Parameters=params)
    assert list(body["Resources"]) == ["Topica", "Topicb", "Topicc"]


def test_a_collection_with_only_a_default_keeps_each_value_a_parameter() -> None:
    # The default names the copies, but a deploy may pass other values: a rule must not read the default as the value.
    params = {"Cidrs": {"Type": "CommaDelimitedList", "Default": "10.0.0.0/8, 172.16.0.0/12"}}
    body = expanded(
        {
            "Fn::ForEach::R": [
                "Cidr",
                {"Ref": "Cidrs"},
                {
                    "Rule&{Cidr}": {
                        "Type": "AWS::EC2::SecurityGroupIngress",
                        "Properties": {"CidrIp": {"Ref": "Cidr"}, "Description": "from ${Cidr}"},
                    }
                },
            ]
        },
        Parameters=params,
    )
    assert list(body["Resources"]) == ["Rule100008", "Rule172160012"]
    second = body["Resources"]["Rule172160012"]["Properties"]
    select = {"Fn::Select": [1, {"Ref": "Cidrs"}]}
    assert second["CidrIp"] == select
    assert second["Description"] == {"Fn::Sub": ["from ${Cidr}", {"Cidr": select}]}


@pytest.mark.parametrize(
    ("collection", "parameters", "says"),
    [
        ({"Ref": "Cidrs"}, {"Cidrs": {"Type": "CommaDelimitedList"}}, "parameter Cidrs has neither AllowedValues nor a Default"),
        ({"Ref": "Missing"}, {}, "neither a list nor a Ref to a parameter"),
        ({"Ref": "Size"}, {"Size": {"Type": "Number", "Default": 3}}, "parameter Size is not a CommaDelimitedList"),
        ({"Fn::Split": [",", "a,b"]}, {}, "neither a list nor a Ref to a parameter"),
        ([{"Ref": "X"}], {}, "holds something other than strings"),
    ],
    ids=["no-default", "unknown-parameter", "not-a-list", "other-intrinsic", "not-strings"],
)
def test_a_collection_the_audit_cannot_know_fails_closed(collection: Any, parameters: dict[str, Any], says: str) -> None:
    with pytest.raises(UserError) as err:
        expanded({"Fn::ForEach::Loop": ["I", collection, {"T${I}": {"Type": "AWS::SNS::Topic"}}]}, Parameters=parameters)
    assert says in str(err.value) and "Fn::ForEach::Loop" in str(err.value) and "Fix:" in str(err.value)


def test_length_and_to_json_string_are_folded_and_intrinsic_policies_kept() -> None:
    body = expanded(
        {"T": {"Type": "AWS::SNS::Topic", "DeletionPolicy": {"Fn::If": ["Prod", "Retain", "Delete"]}}},
        Outputs={
            "N": {"Value": {"Fn::Length": ["a", "b", "c"]}},
            "P": {"Value": {"Fn::Length": {"Ref": "Names"}}},
            "J": {"Value": {"Fn::ToJsonString": {"Statement": [{"Effect": "Allow", "Principal": "*"}]}}},
            "K": {"Value": {"Fn::ToJsonString": {"Arn": {"Ref": "T"}}}},
        },
    )
    out = body["Outputs"]
    assert out["N"]["Value"] == 3
    assert out["P"]["Value"] == {"Fn::Length": {"Ref": "Names"}}  # the deploy chooses the list
    assert json.loads(out["J"]["Value"]) == {"Statement": [{"Effect": "Allow", "Principal": "*"}]}
    assert out["K"]["Value"] == {"Arn": {"Ref": "T"}}  # intrinsics inside: the rules read the mapping
    assert body["Resources"]["T"]["DeletionPolicy"] == {"Fn::If": ["Prod", "Retain", "Delete"]}  # left for the rules


def test_foreach_inside_properties_and_conditions() -> None:
    body = expanded(
        {
            "Q": {
                "Type": "AWS::SQS::Queue",
                "Properties": {"Tags": {"Fn::ForEach::Tags": ["K", ["a", "b"], {"tag-${K}": {"Ref": "K"}}]}},
            }
        },
        Conditions={"Fn::ForEach::C": ["E", ["dev"], {"Is${E}": {"Fn::Equals": [{"Ref": "Env"}, "${E}"]}}]},
    )
    assert body["Resources"]["Q"]["Properties"]["Tags"] == {"tag-a": "a", "tag-b": "b"}
    assert body["Conditions"] == {"Isdev": {"Fn::Equals": [{"Ref": "Env"}, "dev"]}}


def test_copies_with_one_name_are_refused() -> None:
    with pytest.raises(UserError, match=r'Fn::ForEach::L: two keys are both named "T"'):
        expanded({"Fn::ForEach::L": ["I", ["a", "b"], {"T": {"Type": "AWS::SNS::Topic"}}]})


def test_a_loop_bomb_stops_at_the_node_limit() -> None:
    letters = [chr(c) for c in range(ord("a"), ord("z") + 1)]
    inner: dict[str, Any] = {"T${A}${B}${C}${D}": {"Type": "AWS::SNS::Topic"}}
    for name in "DCBA":
        inner = {f"Fn::ForEach::{name}": [name, letters, inner]}
    with pytest.raises(UserError, match=f"more than {MAX_EXPANDED_NODES:,} nodes"):
        expanded(inner)


def test_language_extensions_then_sam(tmp_path: Path) -> None:
    # SAM lists the language extensions first; the loop writes SAM functions the translator then expands.
    template = tmp_path / "template.yaml"
    template.write_text(
        "Transform: [AWS::LanguageExtensions, AWS::Serverless-2016-10-31]\n"
        "Resources:\n"
        "  Fn::ForEach::Fns:\n"
        "    - Name\n"
        "    - [Alpha, Beta]\n"
        "    - ${Name}Function:\n"
        "        Type: AWS::Serverless::Function\n"
        "        Properties: {Handler: app.handler, Runtime: python3.13, CodeUri: src/}\n"
    )
    [root] = load([template]).roots
    assert root.sam
    functions = sorted(k for k, v in root.resources.items() if v.get("Type") == "AWS::Lambda::Function")
    assert functions == ["AlphaFunction", "BetaFunction"]


MACROS = {
    "macro": ("Transform: MyMacro\nResources:\n  T: {Type: AWS::SNS::Topic}\n", "Transform MyMacro: the audit cannot see the template"),
    "include-in-list": (
        "Transform: [AWS::LanguageExtensions, AWS::Include]\nResources:\n  T: {Type: AWS::SNS::Topic}\n",
        "Transform AWS::Include: the audit cannot see",
    ),
    "fn-transform": (
        "Resources:\n  T:\n    Type: AWS::SNS::Topic\n    Properties:\n      Fn::Transform: {Name: AWS::Include, Parameters: {Location: s3://b/k}}\n",
        "Fn::Transform (AWS::Include or a macro) inserts content the audit cannot see",
    ),
    "short-tag": (
        "Resources:\n  T:\n    Type: AWS::SNS::Topic\n    Properties: !Transform {Name: Upper, Parameters: {}}\n",
        "Fn::Transform (AWS::Include or a macro)",
    ),
    "foreach-without-transform": (
        "Resources:\n  Fn::ForEach::L: [I, [a], {'T${I}': {Type: AWS::SNS::Topic}}]\n",
        "Fn::ForEach needs Transform: AWS::LanguageExtensions",
    ),
}


@pytest.mark.parametrize("command", ["audit", "cost"])
@pytest.mark.parametrize("name", list(MACROS))
def test_macros_exit_2_with_how_to_audit_the_processed_template(tmp_path: Path, name: str, command: str) -> None:
    text, says = MACROS[name]
    (tmp_path / "t.yaml").write_text(text)
    done = subprocess.run(
        [sys.executable, "-m", "generator", command, "t.yaml"], cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 2, done.stderr
    assert done.stdout == "" and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"slsguard: t.yaml: {says}"), done.stderr
    if name != "foreach-without-transform":
        assert "--template-stage Processed" in done.stderr


def test_an_outer_loop_over_a_default_and_an_inner_literal_loop_in_one_string() -> None:
    # The inner item is known and written in; the outer one stays a variable; a plain string's other ${...} stay literal.
    params = {"P": {"Type": "CommaDelimitedList", "Default": "x,y"}}
    inner = {
        "T${O}${I}": {
            "Type": "AWS::SNS::Topic",
            "Properties": {"N": "${O}-${I}-${AWS::Region}", "S": {"Fn::Sub": "${O}/${I}/${AWS::Region}"}},
        }
    }
    body = expanded({"Fn::ForEach::O": ["O", {"Ref": "P"}, {"Fn::ForEach::I": ["I", ["a"], inner]}]}, Parameters=params)
    second = body["Resources"]["Tya"]["Properties"]
    select = {"Fn::Select": [1, {"Ref": "P"}]}
    assert second["N"] == {"Fn::Sub": ["${O}-a-${!AWS::Region}", {"O": select}]}
    assert second["S"] == {"Fn::Sub": ["${O}/a/${AWS::Region}", {"O": select}]}


def test_an_inner_identifier_shadows_an_outer_one_of_the_same_name() -> None:
    inner = {"Fn::ForEach::In": ["X", ["inner"], {"T${X}": {"Type": "AWS::SNS::Topic", "Properties": {"V": "${X}", "R": {"Ref": "X"}}}}]}
    body = expanded({"Fn::ForEach::Out": ["X", ["outer"], inner]})
    assert body["Resources"] == {"Tinner": {"Type": "AWS::SNS::Topic", "Properties": {"V": "inner", "R": "inner"}}}
