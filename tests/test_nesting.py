"""JSON and YAML from users are refused beyond MAX_DEPTH levels of nesting, before the parser recurses."""

from __future__ import annotations

import json

import pytest
import yaml

from app.nesting import MAX_DEPTH, NestingTooDeep, check_json_depth, load_json, load_yaml

DEEP = 100_000


def nested_json(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("text", ["[" * DEEP, nested_json(DEEP), '{"a":' * DEEP + "1" + "}" * DEEP])
def test_deep_json_is_refused_naming_the_limit(text):
    with pytest.raises(NestingTooDeep, match=f"more than {MAX_DEPTH} levels deep"):
        load_json(text)
    with pytest.raises(NestingTooDeep):
        load_json(text.encode())


def test_json_at_the_limit_parses_and_brackets_in_strings_do_not_count():
    assert load_json(nested_json(MAX_DEPTH)) == json.loads(nested_json(MAX_DEPTH))
    with pytest.raises(NestingTooDeep):
        load_json(nested_json(MAX_DEPTH + 1))
    text = json.dumps({"text": "[" * DEEP + '\\"{' * 10, "list": [1, [2, [3]]]})
    assert load_json(text)["list"] == [1, [2, [3]]]


def test_json_bytes_in_utf16_and_with_a_bom_are_measured_too():
    with pytest.raises(NestingTooDeep):
        check_json_depth(("[" * DEEP).encode("utf-16"))
    assert load_json(b"\xef\xbb\xbf" + nested_json(3).encode()) == [[[]]]


def test_json_syntax_errors_stay_json_errors():
    with pytest.raises(json.JSONDecodeError):
        load_json("{oops")


@pytest.mark.parametrize("loader", [yaml.SafeLoader, yaml.CSafeLoader])
@pytest.mark.parametrize("text", [
    "[" * DEEP,  # flow: PyYAML's pure loader raises RecursionError, libyaml's crashes the process
    "- " * DEEP + "x",
    "".join(" " * i + "-\n" for i in range(0, 2 * (MAX_DEPTH + 5))),  # block indentation
    "".join(" " * i + f"k{i}:\n" for i in range(MAX_DEPTH + 5)) + " " * (MAX_DEPTH + 5) + "x",
])
def test_deep_yaml_is_refused_naming_the_limit_with_either_loader(loader, text):
    with pytest.raises(NestingTooDeep, match=f"at most {MAX_DEPTH} levels"):
        load_yaml(text, loader)


def test_yaml_below_the_limit_loads_as_safe_load_does():
    text = "a:\n  b: [1, {c: [2]}]\n  d: '[[[['\n"
    assert load_yaml(text) == yaml.safe_load(text)


def test_only_safe_loaders_are_accepted():
    with pytest.raises(TypeError):
        load_yaml("a: 1", yaml.UnsafeLoader)


def test_escaped_backslashes_and_quotes_neither_hide_nor_invent_nesting():
    ends_in_backslash = '["x\\\\", ' + nested_json(MAX_DEPTH) + "]"  # the string ends in an escaped backslash
    with pytest.raises(NestingTooDeep):
        load_json(ends_in_backslash)
    quoted_brackets = '["\\"' + "[" * (MAX_DEPTH + 5) + '\\\\", ' + nested_json(MAX_DEPTH - 1) + "]"
    assert load_json(quoted_brackets)[0] == '"' + "[" * (MAX_DEPTH + 5) + "\\"


def test_empty_strings_and_strings_side_by_side_keep_what_is_inside_a_string():
    # Quote pairs with nothing between them are taken off before splitting: the strings after them must still be
    # read as strings, and the brackets between strings as nesting.
    inside = json.dumps({"": "", "a": ["", "[" * (MAX_DEPTH + 5), ""], "b": {"": "]" * DEEP}})
    assert load_json(inside)["a"][1] == "[" * (MAX_DEPTH + 5)
    between = '["", "", ' * (MAX_DEPTH + 1) + '""' + "]" * (MAX_DEPTH + 1)
    with pytest.raises(NestingTooDeep):
        load_json(between)
    assert load_json('["", "", ' * MAX_DEPTH + '""' + "]" * MAX_DEPTH)
