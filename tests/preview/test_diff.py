"""`slsguard preview`'s comparison on hand-written templates (no CloudFormation needed): replacements from the
create-only properties of cfn-lint's schemas, stateful losses by policy, IAM widening, nested stacks."""

from __future__ import annotations

from generator.preview.diff import ADDED, CHANGED, REMOVED, REPLACED, compare
from generator.preview.report import lines, lost


def queue(**props: object) -> dict:
    return {"Type": "AWS::SQS::Queue", "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain", "Properties": props}


def role(*actions: str, resource: object = "*") -> dict:
    statement = {"Effect": "Allow", "Action": list(actions), "Resource": resource}
    return {"Type": "AWS::IAM::Role", "Properties": {"Policies": [{"PolicyName": "p", "PolicyDocument": {"Statement": [statement]}}]}}


def kinds(changes: dict) -> dict:
    return {(s, c.logical_id): c.kind for s, found in changes.items() for c in found}


def test_create_only_changes_replace_others_update_in_place() -> None:
    old = {"": {"Resources": {"Q": queue(FifoQueue=False), "R": queue(VisibilityTimeout=30)}}}
    new = {"": {"Resources": {"Q": queue(FifoQueue=True), "R": queue(VisibilityTimeout=60)}}}
    changes = compare(old, new, "us-east-1")
    assert kinds(changes) == {("", "Q"): REPLACED, ("", "R"): CHANGED}
    assert [c.logical_id for c in lost(changes, set())] == ["Q"] and lost(changes, {"Q"}) == []


def test_a_removed_stateful_resource_without_a_policy_is_deleted_with_its_data() -> None:
    old = {"": {"Resources": {"T": {"Type": "AWS::DynamoDB::Table", "Properties": {}}, "Topic": {"Type": "AWS::SNS::Topic"}}}}
    changes = compare(old, {"": {"Resources": {}}}, "us-east-1")
    assert kinds(changes) == {("", "T"): REMOVED, ("", "Topic"): REMOVED}
    assert [c.logical_id for c in lost(changes, set())] == ["T"]  # a topic keeps no data
    text = "\n".join(lines("svc-dev", changes, set(), first=False))
    assert "- T (AWS::DynamoDB::Table)  [STATEFUL: the current one is DELETED with its data]" in text


def test_iam_widening_names_the_new_grants_only() -> None:
    old = {"": {"Resources": {"Role": role("sqs:ReceiveMessage", resource="arn:q")}}}
    new = {"": {"Resources": {"Role": role("sqs:ReceiveMessage", "s3:*", resource="arn:q")}}}
    [change] = compare(old, new, "us-east-1")[""]
    assert change.widening == (("s3:*", "arn:q", "null"),)
    text = "\n".join(lines("svc-dev", {"": [change]}, set(), first=False))
    assert "IAM widening: Role would allow\n      s3:* on arn:q" in text
    narrower = compare(new, old, "us-east-1")[""]
    assert narrower[0].widening == ()
    managed = {"Type": "AWS::IAM::Role", "Properties": {"ManagedPolicyArns": ["arn:aws:iam::aws:policy/AdministratorAccess"]}}
    [added] = compare({"": {"Resources": {}}}, {"": {"Resources": {"Admin": managed}}}, "us-east-1")[""]
    assert added.widening == (("managed policy", "arn:aws:iam::aws:policy/AdministratorAccess", "null"),)


def test_a_nested_stack_is_compared_on_its_own_and_a_new_one_is_all_added() -> None:
    old = {
        "": {"Resources": {}},
        "AlarmsNestedStack": {"Resources": {"A": {"Type": "AWS::CloudWatch::Alarm", "Properties": {"Threshold": 1}}}},
    }
    new = {
        "": {"Resources": {}},
        "AlarmsNestedStack": {"Resources": {"A": {"Type": "AWS::CloudWatch::Alarm", "Properties": {"Threshold": 2}}}},
        "QueuesNestedStack": {"Resources": {"Q": queue()}},
    }
    assert kinds(compare(old, new, "us-east-1")) == {("AlarmsNestedStack", "A"): CHANGED, ("QueuesNestedStack", "Q"): ADDED}


def test_a_changed_type_is_a_replacement_and_a_custom_resource_updates_in_place() -> None:
    old = {"": {"Resources": {"X": queue(), "M": {"Type": "Custom::Migrations", "Properties": {"MigrationsHash": "a"}}}}}
    new = {
        "": {"Resources": {"X": {"Type": "AWS::SNS::Topic"}, "M": {"Type": "Custom::Migrations", "Properties": {"MigrationsHash": "b"}}}}
    }
    changes = compare(old, new, "us-east-1")
    assert kinds(changes) == {("", "X"): REPLACED, ("", "M"): CHANGED}
    assert [c.logical_id for c in lost(changes, set())] == ["X"]  # the deployed queue is what is lost


def function(key: str) -> dict:
    return {"Type": "AWS::Lambda::Function", "Properties": {"Code": {"S3Bucket": "b", "S3Key": key}, "Timeout": 6}}


def version(target: str, sha: str) -> dict:
    return {"Type": "AWS::Lambda::Version", "Properties": {"FunctionName": {"Ref": target}, "CodeSha256": sha}}


def test_a_new_upload_folder_alone_is_one_line_per_artifact_kind_with_what_the_code_hashes_say() -> None:
    nested = {"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": "https://b/1/nested.json"}}
    old = {
        "": {
            "Resources": {
                "A": function("1/a.zip"),
                "B": function("1/b.zip"),
                "C": function("1/c.zip"),
                "S": nested,
                "VA": version("A", "x"),
                "VB": version("B", "y"),
            }
        }
    }
    new = {
        "": {
            "Resources": {
                "A": function("2/a.zip"),
                "B": function("2/b.zip"),
                "C": function("2/c.zip"),
                "S": {**nested, "Properties": {"TemplateURL": "https://b/2/nested.json"}},
                "VA": version("A", "x"),
                "VB2": version("B", "z"),
            }
        }
    }
    changes = compare(old, new, "us-east-1")
    found = {c.logical_id: (c.artifact, c.code) for c in changes[""] if c.kind == CHANGED}
    assert found == {
        "A": ("function code", "same"),
        "B": ("function code", "new"),
        "C": ("function code", "not compared"),
        "S": ("nested template", ""),
    }
    text = "\n".join(lines("svc-dev", changes, set(), first=False)).splitlines()
    assert (
        "  ~ A, B, C (3): only the upload folder of this package's function code (code: 1 new, 1 same, 1 not compared, by the published versions' CodeSha256)"
        in text
    )
    assert "  ~ S (1): only the upload folder of this package's nested template" in text
    assert not any(line.startswith("  ~ A (") for line in text)  # not listed one by one as well


def test_an_upload_folder_beside_another_change_is_listed_as_a_change() -> None:
    old = {"": {"Resources": {"A": function("1/a.zip")}}}
    changed = function("2/a.zip")
    changed["Properties"]["Timeout"] = 9
    [change] = compare(old, {"": {"Resources": {"A": changed}}}, "us-east-1")[""]
    assert (change.kind, change.artifact, change.paths) == (CHANGED, "", ("Code.S3Key", "Timeout"))


def test_a_replaced_queue_replaces_what_holds_it_in_a_create_only_property_and_updates_the_rest_in_cascade() -> None:
    mapping = {
        "Type": "AWS::Lambda::EventSourceMapping",
        "Properties": {"EventSourceArn": {"Fn::GetAtt": ["Q", "Arn"]}, "FunctionName": "f"},
    }
    reader = role("sqs:ReceiveMessage", resource={"Fn::Sub": "${Q.Arn}"})
    nested = {
        "Type": "AWS::CloudFormation::Stack",
        "Properties": {"TemplateURL": "u", "Parameters": {"QueueName": {"Fn::GetAtt": ["Q", "QueueName"]}}},
    }
    alarm = {"Type": "AWS::CloudWatch::Alarm", "Properties": {"Dimensions": [{"Name": "QueueName", "Value": {"Ref": "QueueName"}}]}}
    root = {"Mapping": mapping, "Reader": reader, "Alarms": nested, "Other": role("s3:GetObject")}
    old = {"": {"Resources": {"Q": queue(FifoQueue=False), **root}}, "Alarms": {"Resources": {"Depth": alarm}}}
    new = {"": {"Resources": {"Q": queue(FifoQueue=True), **root}}, "Alarms": {"Resources": {"Depth": alarm}}}
    changes = compare(old, new, "us-east-1")
    assert kinds(changes) == {
        ("", "Q"): REPLACED,
        ("", "Mapping"): REPLACED,  # EventSourceArn is create-only
        ("", "Reader"): CHANGED,
        ("", "Alarms"): CHANGED,
        ("Alarms", "Depth"): CHANGED,  # through the parameter the root passes
    }
    by_id = {c.logical_id: c for found in changes.values() for c in found}
    assert (by_id["Mapping"].paths, by_id["Mapping"].because) == (("EventSourceArn",), "Q is replaced")
    assert by_id["Reader"].paths == ("Policies.0.PolicyDocument.Statement.0.Resource",)
    assert by_id["Depth"].because == "Q is replaced"
    text = "\n".join(lines("svc-dev", changes, set(), first=False)).splitlines()
    assert (
        "  ! Mapping (AWS::Lambda::EventSourceMapping) replaced: EventSourceArn cannot change in place (create-only) (in cascade: Q is replaced)"
        in text
    )
    assert "  ~ Depth (AWS::CloudWatch::Alarm): Dimensions.0.Value (in cascade: Q is replaced)" in text


def test_a_cascade_reaches_a_stateful_resource_and_counts_as_its_loss() -> None:
    pool = {"Type": "AWS::Cognito::UserPool", "Properties": {"UserPoolName": "a"}}
    client = {"Type": "AWS::Cognito::UserPoolClient", "Properties": {"UserPoolId": {"Ref": "Pool"}}}
    named = queue(QueueName={"Fn::Sub": "${First.QueueName}-copy"})  # QueueName is create-only: replaced in cascade
    old = {"": {"Resources": {"Pool": pool, "Client": client, "First": queue(FifoQueue=False), "Named": named}}}
    new = {"": {"Resources": {"Pool": pool, "Client": client, "First": queue(FifoQueue=True), "Named": named}}}
    changes = compare(old, new, "us-east-1")
    assert kinds(changes) == {("", "First"): REPLACED, ("", "Named"): REPLACED}  # the pool did not change: its client neither
    assert [c.logical_id for c in lost(changes, set())] == ["First", "Named"]
    assert "[STATEFUL: the current one is kept by its policy" in "\n".join(lines("svc-dev", changes, set(), first=False))
