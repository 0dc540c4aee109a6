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
