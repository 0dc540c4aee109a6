"""TMS safety screen: questionnaire answers, clinician findings and medications to a verdict.

The verdict is ``contraindicated`` (a course cannot start), ``caution`` (a physician must
record an acknowledgement of the risk/benefit review) or ``clear``. Every verdict lists the
answers, findings and medications behind it, each with its rule, source and status.

References
----------
.. [1] Rossi S, Hallett M, Rossini PM, Pascual-Leone A. Screening questionnaire before TMS:
   an update. Clin Neurophysiol 2011;122:1686. A "yes" to any question is not by itself an
   absolute contraindication; the physician weighs risk against benefit (VERIFIED,
   tms-verification.md §2.1).
.. [2] Rossi S et al. Clin Neurophysiol 2009;120:2008-2039, section 7.5 (items SECONDARY or
   UNVERIFIED per item, tms-verification.md §2.2); absolute contraindication wording [R].
.. [3] Keel JC, Smith MJ, Wassermann EM. TASS. Clin Neurophysiol 2001;112:720 (item wording
   UNVERIFIED, tms.md §2.4).
.. [4] Device exclusions (clinic summary [V]); CMS LCD L34998 "within 30 cm of the coil" [V];
   IFCN-2021-based checklists (SECONDARY); relative factors [R] (tms.md §2.3).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal, cast

from trdcare.core.errors import InvalidInput, IssueCollector
from trdcare.core.provenance import (
    JSONDict,
    Reason,
    Source,
    Status,
    as_status,
    reasons_status,
)
from trdcare.tms.domain.catalogue import catalogue_version, load, source, source_from_entry

Verdict = Literal["contraindicated", "caution", "clear"]
OnYes = Literal["contraindicated", "caution", "resolve_implant"]
FindingClass = Literal["contraindicated", "caution", "clear"]

_SEVERITY: dict[Verdict, int] = {"clear": 0, "caution": 1, "contraindicated": 2}


@dataclass(frozen=True, slots=True)
class ScreeningItem:
    """One question of a screening instrument."""

    id: str
    number: int
    text: str
    on_yes: OnYes
    findings: tuple[str, ...]
    source: Source
    secondary_text: str | None = None

    def to_dict(self) -> JSONDict:
        return {
            "id": self.id,
            "number": self.number,
            "text": self.text,
            "secondary_text": self.secondary_text,
            "on_yes": self.on_yes,
            "findings": list(self.findings),
            "source": self.source.to_dict(),
            "status": self.source.status,
        }


@dataclass(frozen=True, slots=True)
class Questionnaire:
    """A screening instrument (Rossi 2009/2011 or TASS) with its items."""

    id: str
    name: str
    status: Status
    note: str
    items: tuple[ScreeningItem, ...]

    def item(self, item_id: str) -> ScreeningItem:
        for it in self.items:
            if it.id == item_id:
                return it
        raise KeyError(item_id)

    def to_dict(self) -> JSONDict:
        return {
            "id": self.id,
            "name": self.name,
            "status": self.status,
            "note": self.note,
            "version": catalogue_version("screening.json"),
            "items": [it.to_dict() for it in self.items],
        }


@dataclass(frozen=True, slots=True)
class FindingDefinition:
    """A clinician-recorded finding and its classification."""

    id: str
    label: str
    klass: FindingClass
    sources: tuple[Source, ...]
    note: str = ""
    requires_detail: bool = False

    def to_dict(self) -> JSONDict:
        return {
            "id": self.id,
            "label": self.label,
            "class": self.klass,
            "note": self.note,
            "requires_detail": self.requires_detail,
            "sources": [s.to_dict() for s in self.sources],
        }


@dataclass(frozen=True, slots=True)
class RecordedFinding:
    """A finding recorded by the screening clinician, with free-text detail."""

    finding_id: str
    detail: str = ""

    def to_dict(self) -> JSONDict:
        return {"finding_id": self.finding_id, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class MedicationFlag:
    """A medication from the record that lowers the seizure threshold."""

    medication: str
    generic_name: str
    group: str
    label: str
    source: Source

    def to_dict(self) -> JSONDict:
        return {
            "medication": self.medication,
            "generic_name": self.generic_name,
            "group": self.group,
            "label": self.label,
            "source": self.source.to_dict(),
            "status": self.source.status,
        }


@dataclass(frozen=True, slots=True)
class ScreenResult:
    """The verdict of one safety screen, with everything behind it."""

    instrument: str
    verdict: Verdict
    answers: Mapping[str, bool]
    findings: tuple[RecordedFinding, ...]
    medication_flags: tuple[MedicationFlag, ...]
    reasons: tuple[Reason, ...]
    catalogue_version: str = field(default_factory=lambda: catalogue_version("screening.json"))

    @property
    def status(self) -> Status:
        """Weakest status of the rules that produced the verdict."""
        return reasons_status([r for r in self.reasons if self._counts(r)])

    def _counts(self, reason: Reason) -> bool:
        return reason.inputs.get("class") == self.verdict or self.verdict == "clear"

    @property
    def blocks_course(self) -> bool:
        """A course cannot start while the screen is contraindicated."""
        return self.verdict == "contraindicated"

    @property
    def needs_physician_acknowledgement(self) -> bool:
        """``caution`` needs a physician's recorded acknowledgement before a course."""
        return self.verdict == "caution"

    def to_dict(self) -> JSONDict:
        return {
            "instrument": self.instrument,
            "verdict": self.verdict,
            "blocks_course": self.blocks_course,
            "needs_physician_acknowledgement": self.needs_physician_acknowledgement,
            "status": self.status,
            "answers": dict(self.answers),
            "findings": [f.to_dict() for f in self.findings],
            "medication_flags": [m.to_dict() for m in self.medication_flags],
            "reasons": [r.to_dict() for r in self.reasons],
            "catalogue_version": self.catalogue_version,
        }


@cache
def questionnaires() -> tuple[Questionnaire, ...]:
    """Every screening instrument in the catalogue."""
    data = load("screening.json")
    out = []
    for inst in data["instruments"]:
        items = tuple(
            ScreeningItem(
                id=str(it["id"]),
                number=int(it["number"]),
                text=str(it["text"]),
                on_yes=cast(OnYes, it["on_yes"]),
                findings=tuple(str(f) for f in it["findings"]),
                source=source(
                    str(it["source"]),
                    it["status"],
                    where="tms-verification.md §2.2/§2.4; tms.md §2.4",
                    tag=str(it["status"]),
                ),
                secondary_text=cast("str | None", it.get("secondary_text")),
            )
            for it in inst["items"]
        )
        out.append(
            Questionnaire(
                id=str(inst["id"]),
                name=str(inst["name"]),
                status=as_status(inst["status"]),
                note=str(inst["note"]),
                items=items,
            )
        )
    return tuple(out)


def questionnaire(instrument: str = "rossi2011") -> Questionnaire:
    """Return one instrument by id (``"rossi2011"`` or ``"tass"``)."""
    for q in questionnaires():
        if q.id == instrument:
            return q
    raise KeyError(instrument)


@cache
def finding_catalogue() -> Mapping[str, FindingDefinition]:
    """The clinician findings, keyed by id."""
    out: dict[str, FindingDefinition] = {}
    for entry in load("screening.json")["findings"]:
        out[str(entry["id"])] = FindingDefinition(
            id=str(entry["id"]),
            label=str(entry["label"]),
            klass=cast(FindingClass, entry["class"]),
            sources=tuple(source_from_entry(s) for s in entry["sources"]),
            note=str(entry.get("note", "")),
            requires_detail=bool(entry.get("requires_detail", False)),
        )
    return out


def _general_rule() -> tuple[str, Source]:
    rule = load("screening.json")["general_rule"]
    return str(rule["text"]), source_from_entry(rule)


@cache
def _medication_index() -> Mapping[str, tuple[str, str, Source]]:
    index: dict[str, tuple[str, str, Source]] = {}
    for group in load("seizure_threshold_medications.json")["groups"]:
        src = source_from_entry(group)
        for name in group["generic_names"]:
            index[str(name)] = (str(group["id"]), str(group["label"]), src)
    return index


_TOKEN = re.compile(r"[a-z]+")


def flag_medications(medications: Sequence[str]) -> tuple[MedicationFlag, ...]:
    """Flag medications that lower the seizure threshold, matched by generic name.

    Each medication string (e.g. ``"Bupropion XL 300 mg"``) is split into words and a word
    equal to a listed generic name is a match; salts, strengths and brand suffixes are
    ignored. Brand names are not matched: the record must hold the generic name.

    Parameters
    ----------
    medications : sequence of str
        Medication names from the patient record.

    Returns
    -------
    tuple of MedicationFlag
        One flag per (medication, matched generic name), in input order.

    References
    ----------
    .. [1] tms.md §2.3 (relative factors [R]): drugs that lower seizure threshold, e.g.
       bupropion at high dose, clozapine, stimulants, tricyclics. Status UNVERIFIED.

    Examples
    --------
    >>> [f.generic_name for f in flag_medications(["Bupropion XL 300 mg", "sertraline"])]
    ['bupropion']
    """
    index = _medication_index()
    flags: list[MedicationFlag] = []
    for med in medications:
        seen: set[str] = set()
        for token in _TOKEN.findall(med.lower()):
            if token in index and token not in seen:
                seen.add(token)
                group, label, src = index[token]
                flags.append(MedicationFlag(med, token, group, label, src))
    return tuple(flags)


def evaluate_screen(
    instrument: str,
    answers: Mapping[str, bool],
    *,
    findings: Sequence[RecordedFinding] = (),
    medications: Sequence[str] = (),
) -> ScreenResult:
    """Turn screening answers, clinician findings and medications into a verdict.

    Parameters
    ----------
    instrument : str
        ``"rossi2011"`` or ``"tass"``.
    answers : mapping of str to bool
        Every item id of the instrument, answered ``True`` (yes) or ``False`` (no).
    findings : sequence of RecordedFinding
        What the clinician established when following up the answers (e.g. a reported
        implant is an aneurysm clip, or was reviewed and is not within 30 cm of the coil).
    medications : sequence of str
        The patient's current medications by generic name.

    Returns
    -------
    ScreenResult
        ``contraindicated`` if any absolute contraindication (or an implant/metal "yes" that
        no finding resolves); else ``caution`` if any "yes", relative finding or flagged
        medication; else ``clear``.

    Raises
    ------
    InvalidInput
        Listing every unanswered or unknown item, non-boolean answer, unknown finding, and
        finding without its required detail.

    References
    ----------
    .. [1] Rossi 2011 letter (VERIFIED): a "yes" is not by itself absolute; it triggers a
       physician risk/benefit review.
    .. [2] tms.md §2.3: absolute (device exclusions [V]; within 30 cm of the coil [V];
       Rossi 2009 [R]) and relative factors ([R]; IFCN-2021 checklists SECONDARY).
    """
    known = {x.id: x for x in questionnaires()}
    if instrument not in known:
        raise InvalidInput.single(
            "instrument", "unknown screening instrument", allowed=", ".join(known), given=instrument
        )
    q = known[instrument]
    issues = IssueCollector()
    ids = {it.id for it in q.items}
    for it in q.items:
        if it.id not in answers:
            issues.add(f"answers.{it.id}", "is not answered", allowed="yes or no")
        elif not isinstance(answers[it.id], bool):
            issues.add(
                f"answers.{it.id}", "must be yes or no", allowed="true, false", given=answers[it.id]
            )
    for key in answers:
        if key not in ids:
            issues.add(
                f"answers.{key}",
                "is not an item of " + q.id,
                allowed=", ".join(sorted(ids)),
                given=key,
            )
    catalogue = finding_catalogue()
    for i, f in enumerate(findings):
        if f.finding_id not in catalogue:
            issues.add(
                f"findings.{i}.finding_id",
                "unknown finding",
                allowed=", ".join(sorted(catalogue)),
                given=f.finding_id,
            )
        elif catalogue[f.finding_id].requires_detail and not f.detail.strip():
            issues.add(
                f"findings.{i}.detail",
                "is required for this finding",
                allowed="what the implant is and where, as reviewed",
                given=f.detail,
            )
    for i, med in enumerate(medications):
        if not isinstance(med, str) or not med.strip():
            issues.add(f"medications.{i}", "must be a medication name", given=med)
    issues.raise_if_any()

    reasons: list[Reason] = []
    recorded = {f.finding_id for f in findings}
    any_yes = False
    for it in q.items:
        if not answers[it.id]:
            continue
        any_yes = True
        inputs: dict[str, Any] = {"item": it.id, "number": it.number, "answer": "yes"}
        if it.on_yes == "contraindicated":
            reasons.append(
                Reason(
                    rule="screen_item_absolute",
                    finding=f"'{it.text}' answered yes: absolute contraindication",
                    inputs={**inputs, "class": "contraindicated"},
                    sources=(it.source, *_finding_sources(it.findings)),
                )
            )
        elif it.on_yes == "resolve_implant":
            resolved = [fid for fid in it.findings if fid in recorded]
            if resolved:
                reasons.append(
                    Reason(
                        rule="screen_item_implant_resolved",
                        finding=f"'{it.text}' answered yes; followed up as: "
                        + ", ".join(catalogue[fid].label for fid in resolved),
                        inputs={**inputs, "resolved_by": resolved, "class": "caution"},
                        sources=(it.source, _general_rule()[1]),
                    )
                )
            else:
                reasons.append(
                    Reason(
                        rule="screen_item_implant_unresolved",
                        finding=f"'{it.text}' answered yes and no finding records what the implant "
                        "or metal is and where: treated as contraindicated until a clinician "
                        "records it (no magnetic-sensitive metal within 30 cm of the coil)",
                        inputs={
                            **inputs,
                            "resolve_with": list(it.findings),
                            "class": "contraindicated",
                        },
                        sources=(
                            it.source,
                            *catalogue["magnetic_sensitive_metal_within_30cm"].sources,
                        ),
                    )
                )
        else:
            reasons.append(
                Reason(
                    rule="screen_item_review",
                    finding=f"'{it.text}' answered yes: physician risk/benefit review",
                    inputs={**inputs, "class": "caution"},
                    sources=(it.source, _general_rule()[1]),
                )
            )
    if any_yes:
        text, src = _general_rule()
        reasons.append(
            Reason(
                rule="any_yes_needs_physician_review",
                finding=text,
                inputs={"class": "caution"},
                sources=(src,),
            )
        )
    for f in findings:
        d = catalogue[f.finding_id]
        verb = {
            "contraindicated": "absolute contraindication",
            "caution": "relative factor: physician risk/benefit review",
            "clear": "not a contraindication",
        }[d.klass]
        reasons.append(
            Reason(
                rule=f"finding_{d.klass}",
                finding=f"{d.label}: {verb}" + (f" ({d.note})" if d.note else ""),
                inputs={"finding": d.id, "detail": f.detail, "class": d.klass},
                sources=d.sources,
            )
        )
    flags = flag_medications(medications)
    for flag in flags:
        reasons.append(
            Reason(
                rule="seizure_threshold_medication",
                finding=f"{flag.medication}: {flag.label} lowers the seizure threshold "
                "(relative factor: physician review)",
                inputs={
                    "medication": flag.medication,
                    "generic_name": flag.generic_name,
                    "group": flag.group,
                    "class": "caution",
                },
                sources=(flag.source,),
            )
        )
    verdict: Verdict = "clear"
    for r in reasons:
        klass = cast(Verdict, r.inputs.get("class", "clear"))
        if _SEVERITY[klass] > _SEVERITY[verdict]:
            verdict = klass
    if not reasons:
        reasons.append(
            Reason(
                rule="screen_clear",
                finding="every item answered no; no finding or flagged medication",
                inputs={"class": "clear", "items": len(q.items)},
                sources=tuple(dict.fromkeys(it.source for it in q.items)),
            )
        )
    return ScreenResult(
        instrument=q.id,
        verdict=verdict,
        answers=dict(answers),
        findings=tuple(findings),
        medication_flags=flags,
        reasons=tuple(reasons),
    )


def _finding_sources(ids: Sequence[str]) -> tuple[Source, ...]:
    catalogue = finding_catalogue()
    out: list[Source] = []
    for fid in ids:
        out.extend(catalogue[fid].sources)
    return tuple(out)
