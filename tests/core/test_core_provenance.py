"""One label for a source and its status (issue 14 #14: "[UNVERIFIED UNVERIFIED; ...]")."""

from __future__ import annotations

import pytest

from trdcare.core.provenance import provenance_label, provenance_labels


@pytest.mark.parametrize(
    ("source", "status", "label"),
    [
        ("[R]", "UNVERIFIED", "[R] UNVERIFIED"),
        ("UNVERIFIED", "UNVERIFIED", "UNVERIFIED"),
        ("SECONDARY", "SECONDARY", "SECONDARY"),
        ("VERIFIED (abstract)", "VERIFIED", "VERIFIED (abstract)"),
        ("UNVERIFIED", "UNVERIFIED (proxy: standard dose)", "UNVERIFIED (proxy: standard dose)"),
        ("S8", "VERIFIED", "S8 VERIFIED"),
        ("", "DESIGN", "DESIGN"),
        (None, "DERIVED", "DERIVED"),
        ("S2", "", "S2"),
        ("", None, "source not stated"),
        # A tag that names a different status is kept: both are information.
        ("SECONDARY", "UNVERIFIED", "SECONDARY UNVERIFIED"),
    ],
)
def test_label(source: str | None, status: str | None, label: str) -> None:
    assert provenance_label(source, status) == label


def test_labels_use_the_tag_else_the_citation_and_say_each_once() -> None:
    sources = [
        {"tag": "UNVERIFIED", "citation": "Rossi 2009", "status": "UNVERIFIED"},
        {"tag": "", "citation": "Chen 1997", "status": "VERIFIED"},
        {"tag": "[V]", "citation": "a", "status": "VERIFIED"},
        {"tag": "[V]", "citation": "b", "status": "VERIFIED"},
    ]
    assert provenance_labels(sources) == "UNVERIFIED; Chen 1997 VERIFIED; [V] VERIFIED"
    assert provenance_labels([]) == ""


# The one provenance vocabulary lives here (house plan: "One clinical kernel") -------------
def test_base_status_reads_the_word_of_a_qualified_mark() -> None:
    from trdcare.core.provenance import base_status, is_unverified

    assert base_status("UNVERIFIED (proxy: Scottish standard dose)") == "UNVERIFIED"
    assert base_status("VERIFIED(abstract)") == "VERIFIED"
    assert base_status("DESIGN") == "DESIGN"
    assert is_unverified("UNVERIFIED (recalled)")
    assert not is_unverified("SECONDARY")


def test_base_status_rejects_an_unknown_word_naming_what_is_allowed() -> None:
    import pytest

    from trdcare.core.provenance import base_status

    with pytest.raises(ValueError, match=r"one of VERIFIED, SECONDARY.*got 'PROBABLY'"):
        base_status("PROBABLY")
    with pytest.raises(ValueError, match="got 'DESIGN'"):
        base_status("DESIGN", ("VERIFIED", "UNVERIFIED"))


def test_history_reads_status_marks_with_the_core_vocabulary_less_design() -> None:
    import pytest

    from trdcare.core import provenance
    from trdcare.history.domain import sources

    assert sources.STATUS_WORDS == ("VERIFIED", "SECONDARY", "UNVERIFIED", "DERIVED")
    assert set(sources.STATUS_WORDS) < set(provenance.STATUSES)
    assert sources.base_status("DERIVED (from Table 3)") == "DERIVED"
    assert sources.is_unverified("UNVERIFIED (proxy)")
    # history cites no design choices: a DESIGN mark in its data stays an error, as before
    with pytest.raises(ValueError, match="status must start with one of VERIFIED, SECONDARY, "):
        sources.base_status("DESIGN")


def test_every_room_cites_with_the_core_types() -> None:
    from trdcare.core import provenance
    from trdcare.dbs.domain import catalogue as dbs_catalogue
    from trdcare.dbs.domain import charge
    from trdcare.esketamine.domain import catalogue as esk_catalogue
    from trdcare.esketamine.domain import safety
    from trdcare.tms import domain as tms

    assert tms.Source is provenance.Source
    assert tms.Reason is provenance.Reason
    assert dbs_catalogue.Source is provenance.Source
    assert charge.Reason is provenance.Reason
    assert esk_catalogue.Source is provenance.Source
    assert safety.Reason is provenance.Reason
