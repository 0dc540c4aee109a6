"""Safety flags (suicide items) and the C-SSRS screener triage."""

from __future__ import annotations

import pytest
from assess_helpers import vector_for_total

from trdcare.assessments.domain import parse_answers, score

# (scale, suicide item, cut-off): the item at cut-off raises, one below does not.
CUT_OFFS = [("phq9", "9", 1), ("qids_sr16", "12", 1), ("hamd17", "3", 1), ("madrs", "10", 2)]


@pytest.mark.parametrize(("scale_id", "item", "cut_off"), CUT_OFFS)
def test_flag_at_cut_off(scale_id, item, cut_off):
    """The suicide item at its cut-off raises one suicidal_ideation flag."""
    answers = vector_for_total(scale_id, 0)
    answers[item] = cut_off
    result = score(scale_id, answers)
    (flag,) = result.flags
    assert (flag.code, flag.scale, flag.item, flag.value) == (
        "suicidal_ideation",
        scale_id,
        item,
        cut_off,
    )
    assert flag.source.startswith("[")
    assert flag.status in ("VERIFIED", "UNVERIFIED", "DERIVED")
    assert f"item {item} >= {cut_off}" in flag.rule
    assert any(line.startswith("SAFETY suicidal_ideation") for line in result.explanation)


@pytest.mark.parametrize(("scale_id", "item", "cut_off"), CUT_OFFS)
def test_no_flag_below_cut_off(scale_id, item, cut_off):
    """One below the cut-off raises no flag; a non-zero sub-threshold answer is explained."""
    answers = vector_for_total(scale_id, 0)
    answers[item] = cut_off - 1
    result = score(scale_id, answers)
    assert result.flags == ()
    below = [line for line in result.explanation if "below the suicidal-ideation cut-off" in line]
    assert len(below) == (1 if cut_off - 1 > 0 else 0)


@pytest.mark.parametrize(("scale_id", "item", "cut_off"), CUT_OFFS)
def test_flag_on_incomplete_form(scale_id, item, cut_off):
    """Flags are raised even when only the suicide item is answered."""
    result = score(scale_id, {item: cut_off})
    assert result.complete is False
    assert result.total is None
    assert [f.item for f in result.flags] == [item]


@pytest.mark.parametrize(("scale_id", "item", "top"), [("phq9", "9", 3), ("hamd17", "3", 4)])
def test_flag_at_highest_answer(scale_id, item, top):
    """The highest answer flags too, with its value."""
    result = score(scale_id, {item: top})
    assert result.flags[0].value == top


def _screener(tokens: list[str]):
    return score("cssrs_screener", parse_answers("cssrs_screener", tokens))


# Reference section 2f triage table, one row per case (tokens: 1 2 3 4 5 6 [6_recent]).
TRIAGE_ROWS = [
    (["n", "n", "-", "-", "-", "n"], "none", 0, True),
    (["y", "n", "-", "-", "-", "n"], "low", 1, True),
    (["n", "y", "n", "n", "n", "n"], "low", 1, True),
    (["y", "y", "n", "n", "n", "n"], "low", 2, True),
    (["y", "y", "y", "n", "n", "n"], "moderate", 3, True),
    (["y", "y", "n", "y", "n", "n"], "high", 3, True),
    (["y", "y", "n", "n", "y", "n"], "high", 3, True),
    (["n", "n", "-", "-", "-", "y", "n"], "moderate", 1, True),
    (["n", "n", "-", "-", "-", "y", "y"], "high", 1, True),
    (["y", "y", "y", "y", "y", "y", "y"], "high", 6, True),
]


@pytest.mark.parametrize(("tokens", "triage", "n_flags", "complete"), TRIAGE_ROWS)
def test_cssrs_triage_rows(tokens, triage, n_flags, complete):
    """Triage = highest positive answer; one flag per positive answer."""
    result = _screener(tokens)
    assert result.triage == triage
    assert len(result.flags) == n_flags
    assert result.complete is complete
    assert (result.total, result.severity) == (None, None)
    assert all(flag.code == "suicidal_ideation" for flag in result.flags)
    if result.flags:
        assert max(
            ("none", "low", "moderate", "high").index(f.triage or "none") for f in result.flags
        ) == ("none", "low", "moderate", "high").index(triage)


def test_cssrs_behaviour_flag_category_and_triage():
    """Question 6 raises a behaviour-category flag carrying its triage level."""
    result = _screener(["n", "n", "-", "-", "-", "y", "y"])
    (flag,) = result.flags
    assert (flag.item, flag.category, flag.triage, flag.status) == (
        "6",
        "behaviour",
        "high",
        "VERIFIED",
    )


def test_cssrs_behaviour_timing_unknown_is_high_and_incomplete():
    """6 = yes with 6_recent missing: high (DERIVED, conservative), form incomplete."""
    result = _screener(["n", "n", "-", "-", "-", "y"])
    assert result.triage == "high"
    assert result.missing == ("6_recent",)
    assert result.flags[0].status == "DERIVED"


def test_cssrs_skip_logic_allows_3_to_5_missing_when_2_is_no():
    """2 = no: questions 3-5 not asked, the form is complete."""
    result = score("cssrs_screener", {"1": 0, "2": 0, "6": 0})
    assert (result.complete, result.triage, result.missing) == (True, "none", ())


def test_cssrs_2_yes_requires_3_to_5():
    """2 = yes with 3-5 unanswered: incomplete, triage 'at least low'."""
    result = score("cssrs_screener", {"1": 0, "2": 1, "6": 0})
    assert result.missing == ("3", "4", "5")
    assert result.triage == "low"
    assert any("at least low" in line for line in result.explanation)


def test_cssrs_no_positive_but_incomplete_is_undetermined():
    """No yes and a required question unanswered: triage None."""
    result = score("cssrs_screener", {"1": 0})
    assert result.triage is None
    assert result.missing == ("2", "6")
    assert result.flags == ()


def test_cssrs_answer_given_despite_skip_logic_is_kept():
    """2 = no but 3 = yes: the answer is kept, flagged (moderate) and explained."""
    result = score("cssrs_screener", {"1": 0, "2": 0, "3": 1, "6": 0})
    assert result.triage == "moderate"
    assert [f.item for f in result.flags] == ["3"]
    assert any("answered although not asked" in line for line in result.explanation)


def test_cssrs_recent_without_behaviour_is_high():
    """6_recent = yes with 6 = no is contradictory: kept as high and explained."""
    result = score("cssrs_screener", {"1": 0, "2": 0, "6": 0, "6_recent": 1})
    assert result.triage == "high"
    assert result.flags[0].item == "6_recent"
    assert any("contradictory" in line for line in result.explanation)


def test_cssrs_flags_on_incomplete_form():
    """A single yes on an otherwise empty form still raises its flag."""
    result = score("cssrs_screener", {"5": 1})
    assert result.triage == "high"
    assert result.complete is False
    assert [f.item for f in result.flags] == ["5"]
