"""Sources, status marks and the small explanation types every verdict carries.

Every clinical rule used by this room names a source tag from :data:`SOURCES` and a status
mark. The tags point into the project's reference notes (``clinical-scales.md`` source list
``[S..]`` and ``antidepressant-doses.md`` numbered sources), which hold the full citations.

Status marks (the reference notes' key):

* ``VERIFIED`` -- read in a retrieved copy of the cited source;
* ``SECONDARY`` -- read in a secondary reproduction (summary, mirror, code file);
* ``UNVERIFIED`` -- recalled, weakly sourced or not found: kept as data, always shown;
* ``DERIVED`` -- an implementation choice computed from a verified rule, not published.

A status string starts with one of these words and may carry a qualifier in brackets, e.g.
``"UNVERIFIED (proxy: Scottish standard dose ...)"``.

The status words and how a qualified mark is read are the project's one vocabulary in
:mod:`trdcare.core.provenance`; this room accepts all of them but ``DESIGN`` (it cites no
design choices, so a ``DESIGN`` mark in its data is an error).

:class:`Source` and :class:`Reason` here keep their own shape on purpose: they are written
to the history room's JSON, pages and CLI as ``{"tag", "citation", "reference"}`` and
``{"code", "message", "source", "status"}`` with free-text qualified status marks, where the
core types carry ``{"citation", "status", "where", "tag"}`` and ``{"rule", "finding",
"inputs", "sources", "status"}`` with a bare status word. Replacing them with the core types
would change every stored and printed history verdict.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from trdcare.core import provenance

# The core vocabulary less DESIGN: this room's data cite no design choices.
STATUS_WORDS: Final[tuple[str, ...]] = tuple(
    word for word in provenance.STATUS_WORDS if word != "DESIGN"
)


def base_status(status: str) -> str:
    """Return the leading status word of ``status`` (``"UNVERIFIED (proxy...)"`` -> ``"UNVERIFIED"``).

    Raises
    ------
    ValueError
        If ``status`` does not start with one of :data:`STATUS_WORDS` (a programming error:
        statuses come from this package's own data).
    """
    return provenance.base_status(status, STATUS_WORDS)


def is_unverified(status: str) -> bool:
    """True when ``status`` is an UNVERIFIED mark (with or without a qualifier)."""
    return provenance.is_unverified(status, STATUS_WORDS)


@dataclass(frozen=True, slots=True)
class Source:
    """A citable source of a rule used by this room.

    Parameters
    ----------
    tag : str
        Stable short key used in reasons and data files.
    citation : str
        Human-readable citation.
    reference : str
        Where the project's reference notes discuss it.
    """

    tag: str
    citation: str
    reference: str

    def to_dict(self) -> dict[str, str]:
        return {"tag": self.tag, "citation": self.citation, "reference": self.reference}


SOURCES: Final[dict[str, Source]] = {
    s.tag: s
    for s in (
        Source(
            "fekadu2018",
            "Fekadu A, Donocik JG, Cleare AJ. Standardisation framework for the Maudsley "
            "staging method for treatment resistance in depression. BMC Psychiatry "
            "2018;18:100, Table 3.",
            "clinical-scales.md [S1]; antidepressant-doses.md source 7",
        ),
        Source(
            "plosone2020",
            "PLoS One 2020;15(7):e0236434 (PMC7392234), Panel 1: treatment-failure levels "
            "of the MSM and the MGH-S point rules, register adaptation.",
            "clinical-scales.md [S2]",
        ),
        Source(
            "thase_rush1997",
            "Thase ME, Rush AJ. J Clin Psychiatry 1997;58 Suppl 13:23-29 (citation details "
            "UNVERIFIED), read only in the medicalalgorithms.com summary.",
            "clinical-scales.md [S5]",
        ),
        Source(
            "fava2003",
            "Fava M. Diagnosis and definition of treatment-resistant depression. Biol "
            "Psychiatry 2003;53:649-659 (MGH-S), read through [S2] Panel 1 and the Petersen "
            "2005 abstract [S4].",
            "clinical-scales.md section 1e, [S2], [S4]",
        ),
        Source(
            "sforzini2022",
            "Sforzini L et al. A Delphi-method-based consensus guideline for definition of "
            "treatment-resistant depression for clinical trials (EU-PEARL). Mol Psychiatry "
            "2022;27:1286-1299, Table 1, recommendations 3 and 10.",
            "clinical-scales.md [S7] (VERIFIED); antidepressant-doses.md source 8 (SECONDARY)",
        ),
        Source(
            "rybak2021",
            "Rybak YE et al. Treatment-resistant major depressive disorder: Canadian expert "
            "consensus on definition and assessment. Depress Anxiety 2021;38:456-467, Table 3.",
            "clinical-scales.md [S8]",
        ),
        Source(
            "cardinal_pythonlib",
            "RudolfCardinal/pythonlib, cardinal_pythonlib/psychiatry/"
            "treatment_resistant_depression.py (two sequential courses of different drugs).",
            "clinical-scales.md [S9]; antidepressant-doses.md source 12",
        ),
        Source(
            "sackeim2001_athf",
            "Sackeim HA. The definition and meaning of treatment-resistant depression. J Clin "
            "Psychiatry 2001;62 Suppl 16:10-17 (ATHF long form), read in summaries.",
            "clinical-scales.md [S11]-[S13]; antidepressant-doses.md source 1",
        ),
        Source(
            "atrq_example2012",
            "Personalizing depression treatment: 2 clinical tools (SAFER interview and ATRQ). "
            "Current Psychiatry 2012;11(3), worked case example.",
            "antidepressant-doses.md source 6 and section 3",
        ),
        Source(
            "trdcare_derived",
            "trdcare implementation choice derived from the verified rules; documented in the "
            "function that applies it.",
            "clinical-scales.md section 1 (DERIVED suggestions)",
        ),
    )
}


@dataclass(frozen=True, slots=True)
class Reason:
    """One reason behind a verdict.

    Parameters
    ----------
    code : str
        Stable machine-readable code, e.g. ``"dose_below_minimum"``.
    message : str
        The reason in the clinic's words, with the inputs it used.
    source : str
        Source tag(s) from :data:`SOURCES` or the catalogue, comma-separated.
    status : str
        Status mark of the rule or fact applied.
    """

    code: str
    message: str
    source: str = ""
    status: str = ""

    def to_dict(self) -> dict[str, str]:
        return {
            "code": self.code,
            "message": self.message,
            "source": self.source,
            "status": self.status,
        }


@dataclass(frozen=True, slots=True)
class Fact:
    """A clinical fact (threshold, rule, reading) that a computation relied on.

    Reports gather the facts used and list every one that is not VERIFIED, so outputs can
    show ``UNVERIFIED`` next to the verdict.

    Parameters
    ----------
    key : str
        Stable identifier, e.g. ``"min_dose.sertraline"``.
    statement : str
        The fact as applied.
    status : str
        Its status mark.
    source : str
        Source tag(s).
    """

    key: str
    statement: str
    status: str
    source: str

    def to_dict(self) -> dict[str, str]:
        return {
            "key": self.key,
            "statement": self.statement,
            "status": self.status,
            "source": self.source,
        }


def merge_facts(*groups: tuple[Fact, ...]) -> tuple[Fact, ...]:
    """Concatenate fact groups, keeping the first fact of each key, in order."""
    seen: dict[str, Fact] = {}
    for group in groups:
        for fact in group:
            seen.setdefault(fact.key, fact)
    return tuple(seen.values())
