"""The one translation of validation errors into plain words (issue 14, finding 14)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

import pytest
from pydantic import BaseModel, Field, StringConstraints, ValidationError

from trdcare.core.input_errors import default_label, plain_issues
from trdcare.core.inputs import NOTE_MAX_CHARS, ClinicalNote, InputModel, PersonName

# pydantic's own phrases: none may reach a user.
LIBRARY_WORDING = (
    "String should",
    "Input should",
    "Field required",
    "Value error",
    "valid integer",
    "valid date",
    "Extra inputs",
    "unable to parse",
    "^",
)


class Sample(InputModel):
    name: PersonName = Field(title="Given name")
    sessions: int = Field(ge=1, le=60, title="Number of sessions")
    intensity_pct_mt: float = Field(gt=0, le=140, title="Intensity (% of motor threshold)")
    sex: Literal["female", "male", "other", "unknown"] = Field(title="Administrative sex")
    given_on: date = Field(title="Date given")
    code: Annotated[str, StringConstraints(pattern=r"^L-[0-9]{4}$")] = Field(
        title="Lot number", examples=["L-0042"]
    )
    note: ClinicalNote = Field(default="", title="Note")


def issues_for(data: dict[str, object]) -> dict[str, tuple[str, str | None, str | None]]:
    with pytest.raises(ValidationError) as caught:
        Sample.model_validate(data)
    labels = {name: info.title or name for name, info in Sample.model_fields.items()}
    examples = {"code": "L-0042"}
    found = plain_issues(caught.value.errors(), labels, examples=examples)
    return {i.path: (i.message, i.allowed, i.given) for i in found}


def test_every_problem_in_plain_words_naming_field_allowed_and_given() -> None:
    issues = issues_for(
        {
            "name": "",
            "sessions": "twelve",
            "intensity_pct_mt": 300,
            "sex": "f",
            "given_on": "31/12/2024",
            "code": "lot 42",
            "note": "x" * 20_000,
            "extra": 1,
        }
    )
    assert issues["name"] == ("Given name must not be empty.", None, None)
    assert issues["sessions"] == (
        "Number of sessions must be a whole number.",
        "a whole number",
        "'twelve'",
    )
    assert issues["intensity_pct_mt"] == (
        "Intensity (% of motor threshold) must be at most 140.",
        "at most 140",
        "300",
    )
    assert issues["sex"][0] == (
        "Administrative sex must be one of: female, male, other or unknown."
    )
    assert issues["given_on"][0].startswith("Date given must be a date written YYYY-MM-DD")
    assert issues["code"] == (
        "Lot number is not written in the expected form (e.g. L-0042).",
        "e.g. L-0042",
        "'lot 42'",
    )
    assert issues["note"] == (
        f"Note is too long: at most {NOTE_MAX_CHARS} characters are allowed, "
        "20000 characters were given.",
        f"at most {NOTE_MAX_CHARS} characters",
        "20000 characters",
    )
    assert issues["extra"][0] == "Extra is not a field this form accepts."
    for message, _, _ in issues.values():
        assert not any(phrase in message for phrase in LIBRARY_WORDING), message


def test_missing_fields_are_required_by_label() -> None:
    issues = issues_for({})
    assert issues["name"][0] == "Given name is required."
    assert issues["sessions"][0] == "Number of sessions is required."
    assert "note" not in issues  # optional


def test_the_pages_csrf_token_is_not_an_input_field() -> None:
    class Reasoned(InputModel):
        reason: str

    assert Reasoned.model_validate({"reason": "typo", "csrf_token": "t"}).reason == "typo"
    with pytest.raises(ValidationError):
        Reasoned.model_validate({"reason": "typo", "other": "t"})


def test_labels_from_paths_when_none_is_declared() -> None:
    assert default_label(["family_name"]) == "Family name"
    assert default_label(["antidepressant_trials", "0", "end"]) == (
        "End (antidepressant trials, entry 1)"
    )
    assert default_label([]) == "The input"


def test_own_validator_sentences_are_shown_as_written() -> None:
    class Checked(BaseModel):
        end: date

        def model_post_init(self, _: object) -> None:
            if self.end.year < 1900:
                raise ValueError("must be after 1900")

    with pytest.raises(ValidationError) as caught:
        Checked.model_validate({"end": "1800-01-01"})
    (issue,) = plain_issues(caught.value.errors(), {"": "End"})
    assert "Value error" not in issue.message
    assert issue.message.endswith("must be after 1900.")


@pytest.mark.parametrize("key", ["²", "٣", "x", "12"])
def test_a_mapping_key_that_looks_like_a_digit_is_named_not_crashed(key: str) -> None:
    """str.isdigit() is true for '²' but int() refuses it: the wording of an invalid entry of
    a labelled list or mapping must not raise (it gave the API fuzz run a 500)."""

    class Answers(BaseModel):
        exclusions: dict[str, Literal["yes", "no"]] = Field(title="Exclusions")

    with pytest.raises(ValidationError) as caught:
        Answers.model_validate({"exclusions": {key: "maybe"}})
    (issue,) = plain_issues(caught.value.errors(), {"exclusions": "Exclusions"})
    assert issue.path == f"exclusions.{key}"
    assert "yes" in issue.message
