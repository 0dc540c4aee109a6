"""The antidepressant catalogue: the data file and its loader."""

from __future__ import annotations

import copy
import json
from importlib import resources

import pytest

from trdcare.core.errors import InvalidInput
from trdcare.history.domain import (
    DRUG_CLASSES,
    STATUS_WORDS,
    AntidepressantCatalogue,
    load_catalogue,
)


def _raw() -> dict[str, object]:
    text = (
        resources.files("trdcare.history.domain")
        .joinpath("data/antidepressants.json")
        .read_text(encoding="utf-8")
    )
    data = json.loads(text)
    assert isinstance(data, dict)
    return data


RAW = _raw()
CAT = load_catalogue()

# Every drug of the reference's per-drug tables (antidepressant-doses.md section 5) and of its
# RxNorm table (section 6), by class.
REFERENCE_DRUGS = {
    "SSRI": [
        "citalopram",
        "escitalopram",
        "fluoxetine",
        "fluvoxamine",
        "paroxetine",
        "sertraline",
        "vortioxetine",
        "vilazodone",
    ],
    "SNRI": ["venlafaxine", "desvenlafaxine", "duloxetine", "levomilnacipran", "milnacipran"],
    "TCA": [
        "amitriptyline",
        "clomipramine",
        "desipramine",
        "doxepin",
        "imipramine",
        "nortriptyline",
        "protriptyline",
        "trimipramine",
        "amoxapine",
        "maprotiline",
        "dosulepin",
        "lofepramine",
    ],
    "MAOI": ["phenelzine", "tranylcypromine", "isocarboxazid", "selegiline", "moclobemide"],
    "other": [
        "bupropion",
        "mirtazapine",
        "trazodone",
        "nefazodone",
        "agomelatine",
        "reboxetine",
        "mianserin",
        "esketamine",
    ],
}
AUGMENTING = [
    "aripiprazole",
    "brexpiprazole",
    "quetiapine",
    "lithium",
    "liothyronine",
    "olanzapine",
]


def _status_ok(status: object) -> bool:
    return isinstance(status, str) and status.split(" ", 1)[0].split("(", 1)[0] in STATUS_WORDS


def test_document_header() -> None:
    """The file carries a version, a date and a source list."""
    assert isinstance(RAW["version"], str) and RAW["version"]
    assert isinstance(RAW["date"], str) and len(RAW["date"]) == 10
    assert CAT.version == RAW["version"]
    sources = RAW["sources"]
    assert isinstance(sources, list) and sources
    for src in sources:
        assert src["tag"] and src["citation"] and src["reference"]
        assert _status_ok(src["status"])


@pytest.mark.parametrize(
    ("drug_class", "name"), [(c, n) for c, names in REFERENCE_DRUGS.items() for n in names]
)
def test_every_reference_drug_present_with_its_class(drug_class: str, name: str) -> None:
    """Each drug of the reference tables is in the catalogue under its table's class."""
    assert CAT.get(name).drug_class == drug_class


def test_no_unexpected_drugs() -> None:
    expected = {n for names in REFERENCE_DRUGS.values() for n in names}
    assert set(CAT.antidepressants) == expected
    assert set(CAT.augmenting_agents) == set(AUGMENTING)


@pytest.mark.parametrize("entry", RAW["antidepressants"], ids=lambda e: e["name"])
def test_antidepressant_entry_complete(entry: dict[str, object]) -> None:
    """Every entry: lower-case name, valid class with source and status, RxNorm status, and a
    positive dose with source and status (or no dose, with a status saying why)."""
    tags = {s["tag"] for s in RAW["sources"]}
    name = entry["name"]
    assert isinstance(name, str) and name == name.lower()
    assert entry["class"] in DRUG_CLASSES
    assert entry["class_source"] in tags
    assert _status_ok(entry["class_status"])
    rx = entry["rxnorm"]
    assert rx["source"] in tags and _status_ok(rx["status"])
    assert rx["rxcui"] is None or rx["rxcui"].isdigit()
    assert _status_ok(entry["dose_status"])
    assert entry["dose_note"]
    dose = entry["min_adequate_daily_dose_mg"]
    if dose is None:
        assert entry["dose_source"] == ""
        assert entry["dose_comparison"] is None
        assert entry["dose_status"].startswith("UNVERIFIED")
    else:
        assert isinstance(dose, int | float) and not isinstance(dose, bool) and dose > 0
        assert entry["dose_source"] in tags
        assert entry["dose_comparison"] in (">=", ">")
    for other in entry["other_dose_values"]:
        assert other["value_mg"] > 0
        assert other["source"] in tags
        assert _status_ok(other["status"])


@pytest.mark.parametrize("name", sorted(CAT.antidepressants))
def test_no_minimum_dose_claims_to_be_verified(name: str) -> None:
    """No instrument table was read, so every chosen minimum dose is UNVERIFIED."""
    assert CAT.antidepressants[name].dose_status.startswith("UNVERIFIED")


@pytest.mark.parametrize("entry", RAW["augmenting_agents"], ids=lambda e: e["name"])
def test_augmenting_agent_entry(entry: dict[str, object]) -> None:
    """Augmenting agents carry their status; no adequacy dose is known for any of them."""
    assert entry["min_adequate_daily_dose_mg"] is None
    assert entry["dose_status"].startswith("UNVERIFIED")
    assert entry["duration_status"].startswith("UNVERIFIED")
    assert entry["rxnorm"]["status"].startswith("UNVERIFIED")


@pytest.mark.parametrize(
    ("name", "dose_mg", "source"),
    [
        # Scottish standard doses (VERIFIED as standard doses) [antidepressant-doses.md s4]
        ("citalopram", 20, "scottish2024"),
        ("fluoxetine", 20, "scottish2024"),
        ("paroxetine", 20, "scottish2024"),
        ("escitalopram", 10, "scottish2024"),
        ("sertraline", 50, "scottish2024"),
        # Portico usual-dose lower bounds chosen over UpToDate where they disagree
        ("amitriptyline", 100, "portico_t2_2"),
        ("imipramine", 100, "portico_t2_2"),
        ("desipramine", 100, "portico_t2_2"),
        ("nortriptyline", 75, "portico_t2_2"),
        ("phenelzine", 30, "portico_t2_2"),
        ("tranylcypromine", 20, "portico_t2_2"),
        # UpToDate usual-dose lower bounds
        ("venlafaxine", 75, "uptodate53818"),
        ("duloxetine", 60, "uptodate53818"),
        ("bupropion", 300, "uptodate53818"),
        ("mirtazapine", 15, "uptodate53818"),
        ("trazodone", 200, "uptodate53818"),
        ("trimipramine", 150, "uptodate53818"),
        ("selegiline", 6, "uptodate53818"),
        ("agomelatine", 25, "uptodate53818"),
    ],
)
def test_minimum_doses_match_reference(name: str, dose_mg: float, source: str) -> None:
    threshold = CAT.get(name).min_dose
    assert threshold is not None
    assert threshold.value_mg == dose_mg
    assert threshold.source == source
    assert threshold.comparison == ">="


@pytest.mark.parametrize(
    ("name", "values"),
    [
        ("amitriptyline", {100, 150}),
        ("nortriptyline", {75, 50}),
        ("phenelzine", {30, 15}),
        ("tranylcypromine", {20, 30}),
        ("venlafaxine", {75}),
    ],
)
def test_disagreements_recorded(name: str, values: set[float]) -> None:
    """Where sources disagree, every value is kept with its source."""
    entry = CAT.get(name)
    assert {d.value_mg for d in entry.other_doses} == values
    assert len({d.source for d in entry.other_doses}) == len(entry.other_doses)
    assert "disagree" in entry.dose_note or name == "venlafaxine"


def test_venlafaxine_atrq_bound_is_strict() -> None:
    """The ATRQ worked example judged 75 mg/day too low: its bound is '> 75'."""
    entry = CAT.get("venlafaxine")
    atrq = entry.threshold_for(("atrq_example2012",))
    assert atrq is not None and atrq.comparison == ">" and atrq.value_mg == 75
    assert not atrq.satisfied_by(75) and atrq.satisfied_by(76)
    assert entry.threshold_for(()) is entry.min_dose
    assert entry.threshold_for(("no_such_source",)) is entry.min_dose


@pytest.mark.parametrize(
    ("name", "rxcui"),
    [
        ("sertraline", "36437"),
        ("fluoxetine", "4493"),
        ("citalopram", "2556"),
        ("venlafaxine", "39786"),
        ("amitriptyline", "704"),
        ("phenelzine", "8123"),
        ("bupropion", "42347"),
        ("esketamine", "2119365"),
        ("agomelatine", None),
    ],
)
def test_rxnorm_codes(name: str, rxcui: str | None) -> None:
    code = CAT.get(name).rxnorm
    assert code.rxcui == rxcui
    assert code.status == ("UNVERIFIED" if rxcui is None else "SECONDARY")


def test_lookup_is_case_insensitive_and_knows_aliases() -> None:
    assert CAT.get("  Sertraline ").name == "sertraline"
    assert CAT.get("Dothiepin").name == "dosulepin"
    assert CAT.resolve_agent("T3") == "liothyronine"
    assert CAT.resolve_agent("mirtazapine") == "mirtazapine"  # combination
    assert CAT.resolve("aripiprazole") is None


def test_unknown_drug_names_field_and_hints() -> None:
    with pytest.raises(InvalidInput) as err:
        CAT.get("sertralin", path="antidepressant_trials.0.drug")
    issue = err.value.issues[0]
    assert issue.path == "antidepressant_trials.0.drug"
    assert issue.allowed is not None and "sertraline" in issue.allowed
    assert issue.given == "'sertralin'"
    with pytest.raises(InvalidInput) as err2:
        CAT.get(42)
    assert err2.value.issues[0].path == "drug"


def test_loader_is_cached_and_immutable() -> None:
    assert load_catalogue() is load_catalogue()
    with pytest.raises(TypeError):
        CAT.antidepressants["x"] = CAT.get("sertraline")  # type: ignore[index]


def test_catalogue_round_trips_through_its_dict() -> None:
    again = AntidepressantCatalogue.from_mapping(CAT.to_dict())
    assert again.antidepressants == CAT.antidepressants
    assert again.augmenting_agents == CAT.augmenting_agents


def test_from_mapping_collects_every_issue() -> None:
    bad = copy.deepcopy(RAW)
    drugs = bad["antidepressants"]
    assert isinstance(drugs, list)
    drugs[0]["class"] = "SARI"
    drugs[1]["min_adequate_daily_dose_mg"] = -5
    drugs[2]["dose_source"] = "nowhere"
    drugs[3]["dose_status"] = "CHECKED"
    drugs[4]["name"] = drugs[5]["name"]
    with pytest.raises(InvalidInput) as err:
        AntidepressantCatalogue.from_mapping(bad)
    paths = {i.path for i in err.value.issues}
    assert {
        "antidepressants.0.class",
        "antidepressants.1.min_adequate_daily_dose_mg",
        "antidepressants.2.dose_source",
        "antidepressants.3.dose_status",
        "antidepressants.5.name",
    } <= paths


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (lambda d: d.pop("version"), "version"),
        (lambda d: d.__setitem__("sources", {}), "sources"),
        (lambda d: d["antidepressants"].append(3), "antidepressants.38"),
        (
            lambda d: d["sources"].append(dict(d["sources"][0])),
            f"sources.{len(RAW['sources'])}.tag",
        ),
        (lambda d: d["augmenting_agents"][0].__setitem__("dose_status", ""), None),
    ],
)
def test_from_mapping_structure_errors(mutate: object, path: str | None) -> None:
    bad = copy.deepcopy(RAW)
    assert callable(mutate)
    mutate(bad)
    with pytest.raises(InvalidInput) as err:
        AntidepressantCatalogue.from_mapping(bad)
    if path is not None:
        assert path in {i.path for i in err.value.issues}


# The file is parsed by a schema (issue 14): a broken entry is refused naming file, entry, field.
@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("max_daily_dose", {"value_mg": "lots", "source": "uptodate53818"}, "must be a number"),
        ("min_adequate_daily_dose_mg", 0, "must be greater than 0"),
        ("class", "SARI", "unknown value"),
        ("dose_status", "CHECKED", "must be a status mark"),
        ("dose_source", "nowhere", "unknown source tag"),
        ("dose_nte", "typo of a key", "is not a field of this entry"),
    ],
)
def test_a_broken_entry_is_refused_naming_file_entry_and_field(
    field: str, value: object, words: str
) -> None:
    bad = copy.deepcopy(RAW)
    drugs = bad["antidepressants"]
    assert isinstance(drugs, list)
    index = next(i for i, d in enumerate(drugs) if d["name"] == "sertraline")
    drugs[index][field] = value
    with pytest.raises(InvalidInput) as err:
        AntidepressantCatalogue.from_mapping(bad)
    issue = err.value.issues[0]
    assert issue.path.startswith(f"antidepressants.{index}.{field}")
    assert issue.message.startswith(
        f"antidepressants.json, entry antidepressants.{index} (sertraline): "
    )
    assert words in issue.message


def test_every_maximum_dose_names_its_source_and_status() -> None:
    with_maximum = {n for n, a in CAT.antidepressants.items() if a.max_dose is not None}
    usual_in_reference = {
        n
        for n, a in CAT.antidepressants.items()
        if any(d.source == "uptodate53818" for d in a.other_doses)
    }
    assert usual_in_reference <= with_maximum
    for name in with_maximum:
        maximum = CAT.antidepressants[name].max_dose
        assert maximum is not None and maximum.note
        assert maximum.status.split(" ")[0] in STATUS_WORDS
        assert maximum.source in CAT.sources
        dose = CAT.antidepressants[name].min_dose
        assert dose is None or dose.value_mg <= maximum.value_mg
    sertraline = CAT.get("sertraline").max_dose
    assert sertraline is not None and sertraline.value_mg == 200
    assert CAT.sources[sertraline.source].citation.startswith("Sertraline hydrochloride")
    assert CAT.implausible_dose is not None and CAT.implausible_dose.multiple_of_maximum == 4
    ceiling = CAT.dose_ceiling("sertraline")
    assert ceiling is not None and ceiling[0] == 800
