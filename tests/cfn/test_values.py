"""The evaluation layer: every value a deploy can give a template value, and why (generator/cfn/values.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from generator.audit.model import Template
from generator.cfn import policy
from generator.cfn.values import ABSENT, MAX_COMBINATIONS, Possible, Unknown, items, possible, property_values, shallow
from tests.support.paths import REPO


def tpl(**sections: Any) -> Template:
    body = {"Resources": {"Bucket": {"Type": "AWS::S3::Bucket"}}, **sections}
    return Template("root", Path("t.json"), body, 0, False)


def values(value: Any, t: Template | None = None) -> list[Any]:
    return [p.value for p in possible(value, t or tpl())]


def test_literals_null_and_novalue() -> None:
    assert possible("x", tpl()) == [Possible("x", ())]
    assert values(None) == [ABSENT]
    assert values({"Ref": "AWS::NoValue"}) == [ABSENT]
    assert values([1, {"Ref": "AWS::NoValue"}, 2]) == [[1, 2]]
    assert values({"A": {"Ref": "AWS::NoValue"}, "B": 1}) == [{"B": 1}]


def test_every_branch_of_if_with_its_reason() -> None:
    t = tpl(Conditions={"IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]}}, Parameters={"Env": {"Type": "String"}})
    found = possible({"Fn::If": ["IsProd", "10.0.0.0/8", "0.0.0.0/0"]}, t)
    assert found == [Possible("10.0.0.0/8", ("when IsProd is true",)), Possible("0.0.0.0/0", ("when IsProd is false",))]


def test_a_provably_constant_condition_prunes_its_branch() -> None:
    t = tpl(
        Parameters={"Env": {"Type": "String", "AllowedValues": ["prod"]}},
        Conditions={
            "Never": {"Fn::Equals": ["a", "b"]},
            "IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
            "Not": {"Fn::Not": [{"Condition": "IsProd"}]},
        },
    )
    assert values({"Fn::If": ["Never", "x", "y"]}, t) == ["y"]
    assert values({"Fn::If": ["IsProd", "x", "y"]}, t) == ["x"]
    assert values({"Fn::If": ["Not", "x", "y"]}, t) == ["y"]


def test_the_same_condition_twice_never_contradicts_itself() -> None:
    t = tpl(Conditions={"C": {"Fn::Equals": [{"Ref": "AWS::Region"}, "eu-west-1"]}})
    found = values({"Fn::Join": ["-", [{"Fn::If": ["C", "a", "b"]}, {"Fn::If": ["C", "a", "b"]}]]}, t)
    assert found == ["a-a", "b-b"]


def test_parameters_allowed_values_else_default_and_deployer_input() -> None:
    t = tpl(Parameters={"Cidr": {"Type": "String", "Default": "0.0.0.0/0"}, "Env": {"Type": "String", "AllowedValues": ["dev", "prod"]}})
    found = possible({"Ref": "Cidr"}, t)
    assert found[0] == Possible("0.0.0.0/0", ("parameter Cidr's default '0.0.0.0/0'",))
    assert found[1].value.kind == "parameter" and "Cidr" in found[1].value.detail
    assert values({"Ref": "Env"}, t) == ["dev", "prod"]


def test_pseudo_parameters_resources_and_dynamic_references_stay_unknown() -> None:
    [region] = values({"Ref": "AWS::Region"})
    assert region.kind == "pseudo"
    [bucket] = values({"Fn::GetAtt": ["Bucket", "Arn"]})
    assert bucket.kind == "reference" and bucket.target[1] == "Bucket"
    [dynamic] = values("{{resolve:secretsmanager:db:SecretString:password}}")
    assert dynamic.kind == "dynamic"
    [imported] = values({"Fn::ImportValue": "shared-vpc"})
    assert imported.kind == "reference"


def test_sub_join_select_split_base64_fold() -> None:
    t = tpl(Parameters={"Prefix": {"Type": "String", "AllowedValues": ["0.0.0.0"]}})
    assert values({"Fn::Sub": "${Prefix}/0"}, t) == ["0.0.0.0/0"]
    assert values({"Fn::Sub": ["${A}/${B}", {"A": "10.0.0.0", "B": 8}]}) == ["10.0.0.0/8"]
    assert values({"Fn::Sub": "${!Literal}"}) == ["${Literal}"]
    assert values({"Fn::Join": ["", ["0.0.0", ".0/0"]]}) == ["0.0.0.0/0"]
    assert values({"Fn::Select": [1, {"Fn::Split": [",", "a,b,c"]}]}) == ["b"]
    assert values({"Fn::Base64": "hi"}) == ["aGk="]
    [arn] = values({"Fn::Sub": "arn:${AWS::Partition}:s3:::${Bucket}/*"})
    assert arn.kind == "reference" and arn.detail == "arn:${AWS::Partition}:s3:::${Ref Bucket}/*"
    [secret] = values({"Fn::Sub": "{{resolve:secretsmanager:${Bucket}:SecretString:password}}"})
    assert secret.kind == "dynamic"


def test_find_in_map_with_known_and_unknown_keys_and_default() -> None:
    t = tpl(Mappings={"Net": {"dev": {"Cidr": "10.0.0.0/8"}, "prod": {"Cidr": "0.0.0.0/0"}}})
    assert values({"Fn::FindInMap": ["Net", "dev", "Cidr"]}, t) == ["10.0.0.0/8"]
    assert values({"Fn::FindInMap": ["Net", {"Ref": "AWS::Region"}, "Cidr"]}, t) == ["10.0.0.0/8", "0.0.0.0/0"]
    found = values({"Fn::FindInMap": ["Net", "test", "Cidr", {"DefaultValue": "192.168.0.0/16"}]}, t)
    assert found == ["192.168.0.0/16"]


def test_nested_stack_parameter_follows_what_the_parent_passes() -> None:
    parent = Template(
        "root",
        Path("p.json"),
        {
            "Resources": {
                "Child": {
                    "Type": "AWS::CloudFormation::Stack",
                    "Properties": {"Parameters": {"Cidr": {"Fn::If": ["Open", "0.0.0.0/0", "10.0.0.0/8"]}}},
                }
            },
            "Conditions": {"Open": {"Fn::Equals": [{"Ref": "AWS::Region"}, "x"]}},
        },
        0,
        False,
    )
    child = Template(
        "child",
        Path("c.json"),
        {"Parameters": {"Cidr": {"Type": "String"}, "Port": {"Type": "Number", "Default": 5432}}, "Resources": {}},
        0,
        False,
    )
    child.parent, child.parent_id = parent, "Child"
    parent.children["Child"] = child
    found = possible({"Ref": "Cidr"}, child)
    assert [p.value for p in found] == ["0.0.0.0/0", "10.0.0.0/8"]
    assert found[0].because == ("parameter Cidr as stack Child passes it", "when Open is true")
    assert values({"Ref": "Port"}, child) == [5432]  # not passed: its default, the deployer cannot pass it


def test_combinations_are_bounded() -> None:
    t = tpl(Conditions={f"C{i}": {"Fn::Equals": [{"Ref": "AWS::Region"}, str(i)]} for i in range(10)})
    wide = {"Fn::Join": ["", [{"Fn::If": [f"C{i}", "a", "b"]} for i in range(10)]]}
    [only] = values(wide, t)
    assert only.kind == "unresolved" and str(MAX_COMBINATIONS) in only.detail


def test_hostile_depth_and_condition_cycles_are_unresolved_not_errors() -> None:
    deep: Any = "x"
    for _ in range(5000):
        deep = {"Fn::Base64": deep}
    [value] = values(deep)
    assert isinstance(value, Unknown) and value.kind == "unresolved"
    t = tpl(Conditions={"A": {"Condition": "B"}, "B": {"Condition": "A"}})
    assert values({"Fn::If": ["A", 1, 2]}, t) == [1, 2]


def test_shallow_and_items_keep_children_raw() -> None:
    rules = {"Fn::If": ["C", [{"CidrIp": {"Ref": "AWS::NoValue"}}], {"Ref": "AWS::NoValue"}]}
    t = tpl(Conditions={"C": {"Fn::Equals": [{"Ref": "AWS::Region"}, "x"]}})
    assert shallow(rules, t)[0].value == [{"CidrIp": {"Ref": "AWS::NoValue"}}]
    assert shallow(rules, t)[1].value is ABSENT
    assert [(i, p.because) for i, p in items(rules, t)] == [(0, ("when C is true",))]
    resource = {"Properties": {"Timeout": {"Fn::If": ["C", 10, {"Ref": "AWS::NoValue"}]}}}
    assert [p.value for p in property_values(t, resource, "Timeout")] == [10, ABSENT]


def test_policy_documents_as_json_strings_and_statements_behind_if() -> None:
    t = tpl(Conditions={"C": {"Fn::Equals": [{"Ref": "AWS::Region"}, "x"]}})
    text = '{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"}]}'
    [(index, st)] = policy.statements(text, t)
    assert index == 0 and st.value["Principal"] == "*"
    doc = {"Statement": [{"Fn::If": ["C", {"Effect": "Allow", "Principal": "*"}, {"Ref": "AWS::NoValue"}]}]}
    [(_, st)] = policy.statements(doc, t)
    assert st.because == ("when C is true",)
    [(_, broken)] = policy.statements("{not json", t)
    assert isinstance(broken.value, Unknown)
    built = {"Fn::Sub": '{"Statement": [{"Effect": "Allow", "Principal": "*", "Resource": "${Bucket.Arn}/*"}]}'}
    [(_, st)] = policy.statements(built, t)
    assert st.value["Principal"] == "*" and isinstance(st.value["Resource"], Unknown)


def test_a_shared_tree_of_conditions_stays_bounded() -> None:
    """YAML aliases can make a 40-level tree of Fn::If out of 40 nodes: every answer stays within the bound, fast."""
    t = tpl(Conditions={"C": {"Fn::Equals": [{"Ref": "AWS::Region"}, "x"]}, "D": {"Fn::Equals": [{"Ref": "AWS::Region"}, "y"]}})
    node: Any = "0.0.0.0/0"
    for i in range(40):
        node = {"Fn::If": ["C" if i % 2 else "D", node, {"Fn::Join": ["", [node, str(i)]]}]}
    assert len(possible(node, t)) <= MAX_COMBINATIONS
    assert len(shallow(node, t)) <= MAX_COMBINATIONS
    assert len(items([node], t)) <= MAX_COMBINATIONS


def test_a_resource_condition_bounds_its_properties() -> None:
    t = tpl(Conditions={"IsProd": {"Fn::Equals": [{"Ref": "AWS::Region"}, "x"]}, "Never": {"Fn::Equals": ["a", "b"]}})
    prod = {"Condition": "IsProd", "Properties": {"Cidr": {"Fn::If": ["IsProd", "10.0.0.0/8", "0.0.0.0/0"]}}}
    assert property_values(t, prod, "Cidr") == [Possible("10.0.0.0/8", ("when IsProd is true",))]
    assert property_values(t, {"Condition": "Never", "Properties": {"Cidr": "0.0.0.0/0"}}, "Cidr") == []


def test_the_layer_imports_nothing_from_the_audit() -> None:
    """Dependencies point one way: the audit, cost and init use generator/cfn, never the reverse."""
    import ast

    for path in (REPO / "generator" / "cfn").glob("*.py"):
        tree = ast.parse(path.read_text())
        imported = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        imported += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        assert not [m for m in imported if "audit" in m], path.name
