"""The bounded reader every command uses for files it is handed, and the escaping of what those files carry."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import yaml

from generator import safe_load
from generator.cfn.yaml_tags import CfnLoader
from generator.errors import UserError
from generator.printable import printable
from generator.safe_load import ALIAS_NODES, DEPTH, INT_DIGITS


def refused(call, *args, **kwargs) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(UserError) as err:
        call(*args, **kwargs)
    text = str(err.value)
    assert "\n" not in text and "Fix:" in text, text
    return text


def test_read_bytes_takes_the_limit_and_refuses_one_byte_more(tmp_path: Path) -> None:
    path = tmp_path / "f.json"
    path.write_bytes(b"x" * 100)
    assert safe_load.read_bytes(path, max_bytes=100) == b"x" * 100
    assert "larger than the limit of 99 bytes" in refused(safe_load.read_bytes, path, max_bytes=99)


def test_missing_and_directories_are_one_line(tmp_path: Path) -> None:
    assert "cannot be read (No such file or directory)" in refused(safe_load.read_bytes, tmp_path / "nope.json")
    assert "not a regular file" in refused(safe_load.read_bytes, tmp_path)


def test_utf8_with_a_bom_is_read_and_other_encodings_are_refused() -> None:
    assert safe_load.decode(b"\xef\xbb\xbf{}", "f") == "{}"
    assert "not UTF-8 text (byte 0xfe at line 3)" in refused(safe_load.decode, b"a\nb\n\xfe", "f")
    assert "not UTF-8 text (byte 0xff at line 1)" in refused(safe_load.decode, "{}".encode("utf-16"), "f")


def nested_json(depth: int) -> str:
    return '{"a": ' * (depth - 1) + "[]" + "}" * (depth - 1)


def test_json_depth_up_to_the_limit_is_read() -> None:
    assert safe_load.parse_json(nested_json(DEPTH.value), "f")
    assert f"nesting depth over the limit of {DEPTH.value} levels" in refused(safe_load.parse_json, nested_json(DEPTH.value + 1), "f")


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    text = json.dumps({"a": "[" * 1000 + '\\"{' * 300, "b": ["]]]]"]})
    assert safe_load.parse_json(text, "f")["b"] == ["]]]]"]


def test_json_numbers_up_to_the_limit_are_read() -> None:
    assert safe_load.parse_json(f"[-{'9' * (INT_DIGITS.value - 1)}]", "f")[0] < 0
    assert safe_load.parse_json('["' + "9" * 5000 + '"]', "f")  # a long string of digits is text, not a number
    assert "(101 found)" in refused(safe_load.parse_json, f"[{'9' * (INT_DIGITS.value + 1)}]", "f")


def test_a_duplicate_json_key_names_the_key_and_its_line_even_when_other_objects_use_it() -> None:
    text = '{\n "a": {"x": 1},\n "b": {\n  "x": 1,\n  "y": {"x": 2},\n  "x": 3\n }\n}'
    assert 'f.json: line 6: the key "x" is written twice in one object' in refused(safe_load.parse_json, text, "f.json")


def test_a_syntax_error_in_a_non_json_file_that_looks_like_json_falls_back_to_yaml() -> None:
    assert safe_load.parse("{a: 1}", "template.yaml") == {"a": 1}
    assert "not valid JSON" in refused(safe_load.parse, "{a: 1}", "template.json")
    assert "written twice" in refused(safe_load.parse, '{"a": 1, "a": 2}', "template.yaml")  # a refusal is final


def test_anchors_and_merge_keys_as_serverless_yml_uses_them_are_read() -> None:
    text = "base: &base {runtime: python3.13, timeout: 6}\nfunctions:\n  api:\n    <<: *base\n    timeout: 10\n  worker: *base\n"
    data = safe_load.parse_yaml(text, "serverless.yml")
    assert data["functions"]["api"] == {"runtime": "python3.13", "timeout": 10}
    assert data["functions"]["worker"]["timeout"] == 6


def test_aliases_are_counted_by_the_nodes_they_stand_for() -> None:
    block = "[" + ", ".join(["x"] * 99) + "]"  # 100 nodes with its sequence
    uses = ALIAS_NODES.value // 100
    fits = "a: &a " + block + "\nb: [" + ", ".join(["*a"] * uses) + "]\n"
    assert len(safe_load.parse_yaml(fits, "f")["b"]) == uses
    over = "a: &a " + block + "\nb: [" + ", ".join(["*a"] * (uses + 1)) + "]\n"
    assert "nodes built through YAML aliases over the limit" in refused(safe_load.parse_yaml, over, "f")


def test_a_billion_laughs_fails_after_a_few_anchors() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"{n}: &{n} [{','.join([f'*{p}'] * 9)}]" for p, n in zip("abcdefgh", "bcdefghi", strict=True)]
    start = time.process_time()
    assert "line 6: nodes built through YAML aliases" in refused(safe_load.parse_yaml, "\n".join(lines), "f")
    assert time.process_time() - start < 5  # generous: the refusal reads six lines; a naive reader never returns


def test_depth_reached_through_an_alias_counts() -> None:
    deep = "[" * 150 + "]" * 150
    assert safe_load.parse_yaml(f"a: &a {deep}\nb: *a\n", "f")
    text = f"a: &a {deep}\nb: {'[' * 60}*a{']' * 60}\n"
    assert "through an alias" in refused(safe_load.parse_yaml, text, "f")


def test_yaml_numbers_plain_are_bounded_quoted_are_text() -> None:
    assert "line 2: number length over the limit" in refused(safe_load.parse_yaml, "a: 1\nb: " + "9" * 500, "f")
    assert safe_load.parse_yaml('b: "' + "9" * 500 + '"', "f") == {"b": "9" * 500}
    assert "number length" in refused(safe_load.parse_yaml, "b: 1" + ":30" * 100, "f")  # YAML 1.1 base 60


def test_a_duplicate_yaml_key_names_the_key_and_line() -> None:
    text = "Resources:\n  A:\n    Type: x\n  B:\n    Type: y\n    Type: z\n"
    assert 'f: line 6: the key "Type" is written twice in one mapping' in refused(safe_load.parse_yaml, text, "f", CfnLoader)


def test_cloudformation_tags_and_values_that_cannot_be_built() -> None:
    assert safe_load.parse_yaml("a: !Ref B\nb: !GetAtt R.Arn\n", "f", CfnLoader) == {"a": {"Ref": "B"}, "b": {"Fn::GetAtt": ["R", "Arn"]}}
    assert "a value cannot be read as YAML" in refused(safe_load.parse_yaml, "d: 2001-02-30\n", "f")
    assert "not valid YAML (line 1" in refused(safe_load.parse_yaml, "a: !!python/object:os.system x\n", "f")


def test_only_safe_loaders_are_accepted() -> None:
    with pytest.raises(TypeError):
        safe_load.parse_yaml("a: 1", "f", yaml.Loader)


def test_control_characters_in_a_file_name_or_key_are_escaped_in_the_error() -> None:
    text = refused(safe_load.parse_json, '{"k\\u001b[2J\\n": 1, "k\\u001b[2J\\n": 2}', "a\nb.json")
    assert text.startswith('a\\nb.json: line 1: the key "k\\x1b[2J\\n" is written twice')


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("a\nb", "a\\nb"),
        ("a\rb\tc", "a\\rb\\tc"),
        ("\x1b[31m", "\\x1b[31m"),
        ("\x00\x7f\x85\x9b", "\\x00\\x7f\\x85\\x9b"),
        ("line\u2028para\u2029", "line\\u2028para\\u2029"),
        ("\u202eevil\u2066x\u2069\u200f", "\\u202eevil\\u2066x\\u2069\\u200f"),
        ("café 日本 naïve", "café 日本 naïve"),
        ("\\n stays", "\\n stays"),
    ],
    ids=["newline", "cr-tab", "ansi", "c0-c1", "separators", "bidi", "unicode-text", "backslash"],
)
def test_printable(raw: str, shown: str) -> None:
    assert printable(raw) == shown
    assert printable(printable(raw)) == shown  # idempotent: escaping twice changes nothing


def test_every_user_error_is_one_line() -> None:
    assert str(UserError("bad\nvalue\x1b[0m", "Fix:\u2028this")) == "bad\\nvalue\\x1b[0m Fix:\\u2028this"


@pytest.mark.parametrize(
    "text",
    [
        '{"Type": "x", "Type" : "y"}',
        '{"a": 1, "a"\n: 2}',
        '{"s": "quoted \\": inside", "a": 1, "a": 2}',
        '{"p": "{\\"Statement\\":[]}", "k": {"x": 1, "x": 1}}',
    ],
    ids=["space-before-colon", "newline-before-colon", "string-with-quote-colon", "policy-string-beside"],
)
def test_a_duplicate_key_is_found_however_the_json_is_spaced(text: str) -> None:
    assert "is written twice in one object" in refused(safe_load.parse_json, text, "f")


def test_keys_spaced_before_the_colon_and_strings_holding_quote_colon_are_read() -> None:
    assert safe_load.parse_json('{"a" : 1, "b"\t: {"c" :"x\\":"}}', "f") == {"a": 1, "b": {"c": 'x":'}}
