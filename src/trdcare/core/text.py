"""Which characters a clinical free-text field may hold: one rule for every edge.

Names, notes and reasons are read by clinicians on screens, in exports and on paper. Control
characters (a bell, an escape that starts a terminal sequence, a NUL that PostgreSQL cannot
store) and Unicode bidirectional overrides (U+202E turns "Smith" into text that reads
differently than it is stored, the "Trojan Source" trick) have no place in any of them. They
are refused at the edge with the field named, instead of stored.

Tabs, line feeds and carriage returns are ordinary in multi-line notes (:data:`FreeText`);
a one-line value such as a name (:data:`SingleLineText`) refuses them too, with the Unicode
line and paragraph separators.

Use the annotated types on every free-text field of a pydantic model (API bodies, page
forms, CLI input), e.g. ``given_name: SingleLineText = Field(min_length=1, max_length=120)``;
the length limits stay with the field, the character rule lives here.

References
----------
.. [1] Unicode Standard Annex #9, Unicode Bidirectional Algorithm, section 2 (explicit
   directional embeddings, overrides and isolates). https://www.unicode.org/reports/tr9/
.. [2] Boucher N, Anderson R. Trojan Source: Invisible Vulnerabilities. USENIX Security 2023
   (CVE-2021-42574).
"""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

# Explicit directional formatting characters (UAX #9 section 2) and the implicit marks.
BIDI_CONTROLS = frozenset(
    "\u061c"  # ARABIC LETTER MARK
    "\u200e\u200f"  # LEFT-TO-RIGHT MARK, RIGHT-TO-LEFT MARK
    "\u202a\u202b\u202c\u202d\u202e"  # embeddings, pop, overrides (LRE RLE PDF LRO RLO)
    "\u2066\u2067\u2068\u2069"  # isolates (LRI RLI FSI PDI)
)
MULTI_LINE_WHITESPACE = frozenset("\t\n\r")
LINE_BREAKS = frozenset("\n\r\u2028\u2029\u0085")

FREE_TEXT_ALLOWED = (
    "printable text: no control characters (other than tab and line breaks) "
    "and no bidirectional overrides"
)
SINGLE_LINE_ALLOWED = (
    "printable text on one line: no control characters, line breaks or bidirectional overrides"
)


def describe_character(char: str) -> str:
    """``U+202E RIGHT-TO-LEFT OVERRIDE``: how a refused character is named in a message."""
    name = unicodedata.name(char, "")
    if not name:
        name = "control character"
    return f"U+{ord(char):04X} {name}"


def unsafe_character(text: str, *, multi_line: bool = True) -> tuple[int, str] | None:
    """Position and name of the first character a clinical text may not hold, or ``None``.

    Refused: every Unicode control character (category Cc: C0, DEL and C1; tab, line feed
    and carriage return are allowed when ``multi_line``), the bidirectional formatting
    characters of UAX #9, and, for one-line text, line and paragraph separators.

    Examples
    --------
    >>> unsafe_character("Smith")
    >>> unsafe_character("Sm\\u202eith")
    (2, 'U+202E RIGHT-TO-LEFT OVERRIDE')
    >>> unsafe_character("line one\\nline two")
    >>> unsafe_character("line one\\nline two", multi_line=False)
    (8, 'U+000A control character')
    """
    for index, char in enumerate(text):
        if char in BIDI_CONTROLS:
            return index, describe_character(char)
        if char in LINE_BREAKS or char in MULTI_LINE_WHITESPACE:
            if multi_line and char in MULTI_LINE_WHITESPACE:
                continue
            return index, describe_character(char)
        if unicodedata.category(char) == "Cc":
            return index, describe_character(char)
    return None


def _checked(text: str, *, multi_line: bool) -> str:
    found = unsafe_character(text, multi_line=multi_line)
    if found is None:
        return text
    index, name = found
    raise PydanticCustomError(
        "unsafe_character",
        "contains a character that cannot be stored ({character}, at position {position})",
        {
            "character": name,
            "position": index + 1,
            "expected": FREE_TEXT_ALLOWED if multi_line else SINGLE_LINE_ALLOWED,
        },
    )


def check_free_text(text: str) -> str:
    """``text`` if it may be stored as a multi-line clinical text (raises pydantic's error)."""
    return _checked(text, multi_line=True)


def check_single_line_text(text: str) -> str:
    """``text`` if it may be stored as a one-line clinical text (a name, a label)."""
    return _checked(text, multi_line=False)


FreeText = Annotated[str, AfterValidator(check_free_text)]
"""Multi-line clinical text (notes, reasons, descriptions): tab and line breaks allowed."""

SingleLineText = Annotated[str, AfterValidator(check_single_line_text)]
"""One-line clinical text (names, labels, devices): no line breaks either."""
