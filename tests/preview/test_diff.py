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
