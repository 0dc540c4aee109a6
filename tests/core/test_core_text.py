"""The one character rule of clinical free text (core.text): control characters and
bidirectional overrides are refused, ordinary text of any script is kept."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from trdcare.core.text import (
    BIDI_CONTROLS,
    FreeText,
    SingleLineText,
    unsafe_character,
)


class Note(BaseModel):
    name: SingleLineText
    note: FreeText = ""


REFUSED = {
    "bell": "Gr\x07ace",
    "escape": "Grace\x1b[31m",
    "nul": "Gr\x00ace",
    "delete": "Grace\x7f",
    "c1 control": "Grace\x85",
    "right-to-left override": "Hop\u202eper",
    "left-to-right embedding": "\u202aHopper",
    "first strong isolate": "Hopper\u2068",
    "right-to-left mark": "Hopper\u200f",
}


@pytest.mark.parametrize("text", REFUSED.values(), ids=REFUSED.keys())
def test_unsafe_characters_are_refused_in_names_and_notes(text: str) -> None:
    assert unsafe_character(text) is not None
    for field in ("name", "note"):
        values = {"name": "Grace", field: text}
        with pytest.raises(ValidationError) as caught:
            Note.model_validate(values)
        (error,) = caught.value.errors()
        assert error["loc"] == (field,)
        assert error["type"] == "unsafe_character"
        assert "U+" in error["msg"] and "bidirectional" in error["ctx"]["expected"]


def test_names_are_one_line_but_notes_keep_their_line_breaks() -> None:
    assert Note(name="Grace", note="first line\n\tsecond line\r\n").note.endswith("\r\n")
    with pytest.raises(ValidationError):
        Note(name="Grace\nHopper")
    with pytest.raises(ValidationError):
        Note(name="Grace\u2028Hopper")


@pytest.mark.parametrize(
    "text", ["Grace Hopper", "Zoë Ó Súilleabháin", "José-María", "محمد", "李小龙", "Ангелина"]
)
def test_names_in_every_script_are_kept(text: str) -> None:
    assert Note(name=text).name == text


@given(
    st.text(
        alphabet=st.characters(
            blacklist_categories=("Cc", "Cs", "Zl", "Zp"),
            blacklist_characters="".join(BIDI_CONTROLS),
        )
    )
)
def test_text_without_controls_or_overrides_is_always_kept(text: str) -> None:
    assert unsafe_character(text, multi_line=False) is None


@given(st.text(), st.sampled_from([*sorted(BIDI_CONTROLS), "\x07", "\x1b", "\x00", "\x9b"]))
def test_any_text_holding_a_control_or_override_is_refused(text: str, bad: str) -> None:
    found = unsafe_character(text + bad)
    assert found is not None and found[0] <= len(text)
