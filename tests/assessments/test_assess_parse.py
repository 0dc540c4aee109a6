"""parse_answers: CLI tokens in item order or key=value, with field-named errors."""

from __future__ import annotations

import pytest

from trdcare.assessments.domain import parse_answers
from trdcare.core.errors import InvalidInput


def test_positional_tokens_in_item_order():
    """Tokens map to items 1..n."""
    tokens = ["1", "0", "2", "3", "0", "1", "2", "0", "1"]
    assert parse_answers("phq9", tokens) == {str(i): int(t) for i, t in enumerate(tokens, 1)}


def test_key_value_tokens():
    """key=value tokens in any order; result in item order."""
    assert parse_answers("phq9", ["9=1", "1=2"]) == {"1": 2, "9": 1}


def test_dash_marks_missing():
    """'-' leaves the item unanswered."""
    answers = parse_answers("gad7", ["1", "-", "2", "0", "0", "0", "0"])
    assert "2" not in answers
    assert len(answers) == 6


@pytest.mark.parametrize(
    ("token", "value"),
    [("yes", 1), ("Y", 1), ("y", 1), ("1", 1), ("no", 0), ("N", 0), ("0", 0)],
)
def test_cssrs_yes_no_tokens(token, value):
    """C-SSRS accepts yes/no/y/n/1/0 in any case."""
    answers = parse_answers("cssrs_screener", [token, "n", "-", "-", "-", "n"])
    assert answers["1"] == value


def test_cssrs_six_or_seven_positional_tokens():
    """C-SSRS: 6_recent (asked only when 6 is yes) may be left off positional input."""
    assert parse_answers("cssrs_screener", ["n", "n", "-", "-", "-", "y", "y"])["6_recent"] == 1
    assert "6_recent" not in parse_answers("cssrs_screener", ["n", "n", "-", "-", "-", "n"])


def test_cssrs_key_value_with_6_recent():
    """key=value works for 6_recent."""
    assert parse_answers("cssrs_screener", ["6=yes", "6_recent=no"]) == {"6": 1, "6_recent": 0}


def test_hamd_item16_not_assessed_token():
    """HAM-D17 item 16 accepts 3 (not assessed)."""
    assert parse_answers("hamd17", ["16=3"]) == {"16": 3}


@pytest.mark.parametrize(
    ("scale_id", "tokens", "path", "given"),
    [
        ("phq9", ["9=4"], "items.9", "'4'"),
        ("phq9", ["1", "1", "1", "1", "1", "1", "1", "1", "x"], "items.9", "'x'"),
        ("phq9", ["10=1"], "items.10", "'10'"),
        ("hamd17", ["4=3"], "items.4", "'3'"),
        ("cssrs_screener", ["maybe", "n", "-", "-", "-", "n"], "items.1", "'maybe'"),
        ("phq9", ["1", "2"], "tokens", "2"),
        ("cssrs_screener", ["n"] * 8, "tokens", "8"),
        ("phq9", ["1", "9=1"], "tokens", None),
        ("phq9", ["9=1", "9=2"], "items.9", "'9=2'"),
    ],
)
def test_parse_errors_name_the_field(scale_id, tokens, path, given):
    """Errors name the field path, what is allowed and what was given."""
    with pytest.raises(InvalidInput) as info:
        parse_answers(scale_id, tokens)
    issue = info.value.issues[0]
    assert issue.path == path
    assert issue.allowed
    if given is not None:
        assert issue.given == given


def test_parse_collects_all_bad_items():
    """Several bad tokens are reported together."""
    with pytest.raises(InvalidInput) as info:
        parse_answers("phq9", ["4", "0", "0", "0", "0", "0", "0", "0", "5"])
    assert [i.path for i in info.value.issues] == ["items.1", "items.9"]
    assert "allowed: one of 0, 1, 2, 3 or - (missing)" in info.value.issues[0].render()


def test_unknown_scale():
    """Unknown scale names field 'scale'."""
    with pytest.raises(InvalidInput) as info:
        parse_answers("phq10", ["0"])
    assert info.value.issues[0].path == "scale"


@pytest.mark.parametrize("token", ["²", "³", "¹"])
def test_superscript_digits_are_refused_naming_the_item(token):
    """'²'.isdigit() is true but int('²') raises: refused as an answer, not a crash."""
    with pytest.raises(InvalidInput) as info:
        parse_answers("phq9", [token, "0", "0", "0", "0", "0", "0", "0", "0"])
    assert info.value.issues[0].path == "items.1"
