"""The scale catalogue as data: coverage, ranges, codes, sources and statuses."""

from __future__ import annotations

import itertools
import json
import re

import pytest

from trdcare.assessments.domain import SCALE_IDS, SOURCES, STATUSES, get_scale
from trdcare.core.errors import InvalidInput


def test_scale_ids_are_the_six_instruments():
    """The registry holds exactly the assigned instruments."""
    assert set(SCALE_IDS) == {"phq9", "gad7", "qids_sr16", "hamd17", "madrs", "cssrs_screener"}


def test_unknown_scale_names_field_and_lists_ids():
    """get_scale raises InvalidInput on field 'scale' listing the allowed ids."""
    with pytest.raises(InvalidInput) as info:
        get_scale("phq-9")
    issue = info.value.issues[0]
    assert issue.path == "scale"
    assert issue.given == "'phq-9'"
    for scale_id in SCALE_IDS:
        assert scale_id in (issue.allowed or "")


@pytest.mark.parametrize(
    ("scale_id", "n_items", "item_range", "total_range"),
    [
        ("phq9", 9, (0, 3), (0, 27)),
        ("gad7", 7, (0, 3), (0, 21)),
        ("qids_sr16", 16, (0, 3), (0, 27)),
        ("madrs", 10, (0, 6), (0, 60)),
    ],
)
def test_uniform_item_ranges_and_totals(scale_id, n_items, item_range, total_range):
    """Item count, item range and total range match the reference table (section 2a)."""
    scale = get_scale(scale_id)
    assert scale.item_keys == tuple(str(i) for i in range(1, n_items + 1))
    for item in scale.items:
        assert (item.min_value, item.max_value) == item_range
        assert item.scored_values == tuple(range(item_range[0], item_range[1] + 1))
    assert (scale.total_min, scale.total_max) == total_range


@pytest.mark.parametrize(
    ("key", "high"),
    [(str(i), 2) for i in (4, 5, 6, 12, 13, 14, 16, 17)]
    + [(str(i), 4) for i in (1, 2, 3, 7, 8, 9, 10, 11, 15)],
)
def test_hamd17_item_ranges(key, high):
    """HAM-D17: items 4,5,6,12,13,14,16,17 are 0-2; the others 0-4 [S33]."""
    item = get_scale("hamd17").item(key)
    assert item.scored_values == tuple(range(high + 1))


def test_hamd17_item16_not_assessed_is_accepted_but_not_scored():
    """Item 16 accepts 3 = not assessed, outside the scored values [S33]."""
    item = get_scale("hamd17").item("16")
    assert 3 in item.allowed_values
    assert 3 not in item.scored_values
    assert item.label_of(3) == "not assessed"


def test_hamd17_total_range():
    """HAM-D17 total 0-52 [S34]."""
    scale = get_scale("hamd17")
    assert (scale.total_min, scale.total_max) == (0, 52)


def test_totals_equal_sum_of_domain_maxima():
    """total_max is reachable: sum over domains of the highest item answer."""
    for scale_id in SCALE_IDS:
        scale = get_scale(scale_id)
        if not scale.has_total:
            continue
        top = sum(max(scale.item(k).max_value for k in d.items) for d in scale.domains)
        assert top == scale.total_max
        covered = [k for d in scale.domains for k in d.items]
        assert sorted(covered) == sorted(scale.item_keys)


def test_cssrs_items_and_no_total():
    """C-SSRS screener: yes/no questions 1-6 plus 6_recent; no total."""
    scale = get_scale("cssrs_screener")
    assert scale.item_keys == ("1", "2", "3", "4", "5", "6", "6_recent")
    assert all(item.scored_values == (0, 1) for item in scale.items)
    assert scale.total_max is None
    assert scale.remission is None
    assert [i.key for i in scale.items if i.asked_when] == ["3", "4", "5", "6_recent"]


@pytest.mark.parametrize("scale_id", [s for s in SCALE_IDS if s != "cssrs_screener"])
def test_band_conventions_tile_the_total_range(scale_id):
    """Every convention's bands are contiguous, non-overlapping and cover min..max."""
    scale = get_scale(scale_id)
    assert scale.conventions
    for convention in scale.conventions:
        bands = convention.bands
        assert bands[0].low == scale.total_min
        assert bands[-1].high == scale.total_max
        for lower, upper in itertools.pairwise(bands):
            assert upper.low == lower.high + 1
        labels = [band.label for band in bands]
        assert len(set(labels)) == len(labels)
        assert all(re.fullmatch(r"[a-z]+(_[a-z]+)*", label) for label in labels)


@pytest.mark.parametrize(
    ("scale_id", "default", "others"),
    [
        ("phq9", "kroenke_2001", ()),
        ("gad7", "spitzer_2006", ()),
        ("qids_sr16", "rush_2003", ()),
        ("hamd17", "zimmerman_2013", ("camcops", "rush_2003_crosswalk")),
        ("madrs", "snaith_1986", ("alternative_12_24_35",)),
    ],
)
def test_default_conventions_are_verified(scale_id, default, others):
    """The default band convention is one the reference marks VERIFIED."""
    scale = get_scale(scale_id)
    assert scale.default_convention == default
    assert scale.convention(default).provenance.status == "VERIFIED"
    assert tuple(c.id for c in scale.conventions if c.id != default) == others


def test_madrs_alternative_convention_is_unverified():
    """The unattributed 12/24/35 cut-points carry UNVERIFIED."""
    convention = get_scale("madrs").convention("alternative_12_24_35")
    assert convention.provenance.status == "UNVERIFIED"


def test_severity_labels_required_by_the_issue():
    """PHQ-9, QIDS-SR16 and GAD-7 severity labels are exactly the required ones."""
    labels = {
        s: [b.label for b in get_scale(s).conventions[0].bands]
        for s in ("phq9", "gad7", "qids_sr16")
    }
    assert labels["phq9"] == ["minimal", "mild", "moderate", "moderately_severe", "severe"]
    assert labels["gad7"] == ["minimal", "mild", "moderate", "severe"]
    assert labels["qids_sr16"] == ["none", "mild", "moderate", "severe", "very_severe"]
    assert "minimal" in get_scale("gad7").conventions[0].provenance.note


def test_phq9_loinc_codes():
    """PHQ-9 panel, total, item and answer codes [S30][S38][S39][S40]."""
    scale = get_scale("phq9")
    assert (scale.loinc.panel, scale.loinc.total) == ("44249-1", "44261-6")
    assert [item.loinc for item in scale.items] == [
        "44250-9",
        "44255-8",
        "44259-0",
        "44254-1",
        "44251-7",
        "44258-2",
        "44252-5",
        "44253-3",
        "44260-8",
    ]
    assert [o.loinc for o in scale.items[0].options] == [
        "LA6568-5",
        "LA6569-3",
        "LA6570-1",
        "LA6571-9",
    ]


def test_gad7_loinc_codes():
    """GAD-7 panel 69737-5, total 70274-6, item codes [A4]."""
    scale = get_scale("gad7")
    assert (scale.loinc.panel, scale.loinc.total) == ("69737-5", "70274-6")
    assert [item.loinc for item in scale.items] == [
        "69725-0",
        "68509-9",
        "69733-4",
        "69734-2",
        "69735-9",
        "69689-8",
        "69736-7",
    ]


@pytest.mark.parametrize("scale_id", ["qids_sr16", "hamd17", "madrs", "cssrs_screener"])
def test_other_loinc_codes_marked_unknown(scale_id):
    """LOINC codes not found are None with status UNVERIFIED."""
    scale = get_scale(scale_id)
    assert scale.loinc.panel is None
    assert scale.loinc.total is None
    assert scale.loinc.provenance.status == "UNVERIFIED"
    assert all(item.loinc is None for item in scale.items)


@pytest.mark.parametrize(
    ("scale_id", "cut_off", "status"),
    [
        ("phq9", 4, "VERIFIED-weak"),
        ("gad7", 4, "UNVERIFIED"),
        ("qids_sr16", 5, "VERIFIED"),
        ("hamd17", 7, "VERIFIED"),
        ("madrs", 10, "VERIFIED"),
    ],
)
def test_remission_cut_offs_with_status(scale_id, cut_off, status):
    """Remission cut-offs of reference section 3, each with its status."""
    rule = get_scale(scale_id).remission
    assert rule is not None
    assert (rule.op, rule.value, rule.provenance.status) == ("<=", cut_off, status)
    assert rule.provenance.sources


@pytest.mark.parametrize(
    ("scale_id", "threshold", "status"),
    [
        ("qids_sr16", 11, "VERIFIED"),
        ("hamd17", 14, "VERIFIED"),
        ("phq9", 10, "DERIVED"),
        ("madrs", 20, "DERIVED"),
        ("gad7", None, None),
    ],
)
def test_relapse_thresholds_with_status(scale_id, threshold, status):
    """STAR*D relapse thresholds (QIDS >= 11, HRSD >= 14) [A5]; others DERIVED or none."""
    rule = get_scale(scale_id).relapse
    if threshold is None:
        assert rule is None
    else:
        assert rule is not None
        assert (rule.op, rule.value, rule.provenance.status) == (">=", threshold, status)


def _provenances(node: object):
    if isinstance(node, dict):
        if {"sources", "status", "note"} <= node.keys():
            yield node
        for value in node.values():
            yield from _provenances(value)
    elif isinstance(node, list):
        for value in node:
            yield from _provenances(value)


@pytest.mark.parametrize("scale_id", SCALE_IDS)
def test_every_fact_has_known_sources_and_status(scale_id):
    """Every provenance in a scale cites known source tags and a known status."""
    document = get_scale(scale_id).to_dict()
    json.dumps(document)
    provenances = list(_provenances(document))
    assert len(provenances) >= 5
    for provenance in provenances:
        assert provenance["status"] in STATUSES
        for tag in provenance["sources"]:
            assert tag in SOURCES
        if not provenance["sources"]:
            assert provenance["status"] in ("DERIVED", "UNVERIFIED")
            assert provenance["note"]


@pytest.mark.parametrize("scale_id", SCALE_IDS)
def test_licence_note_present(scale_id):
    """Each scale has a licence note with its status."""
    scale = get_scale(scale_id)
    assert scale.licence
    assert scale.licence_provenance.status in STATUSES


@pytest.mark.parametrize(
    ("scale_id", "item", "cut_off"),
    [("phq9", "9", 1), ("qids_sr16", "12", 1), ("hamd17", "3", 1), ("madrs", "10", 2)],
)
def test_safety_rule_cut_offs(scale_id, item, cut_off):
    """Suicide-item cut-offs: PHQ-9 9 >= 1, QIDS 12 >= 1, HAM-D 3 >= 2, MADRS 10 >= 2."""
    (rule,) = get_scale(scale_id).safety_rules
    assert (rule.item, rule.min_value, rule.code) == (item, cut_off, "suicidal_ideation")
    assert rule.anchor == get_scale(scale_id).item(item).label_of(cut_off)


def test_gad7_has_no_safety_item():
    """GAD-7 has no suicide item, so no safety rule."""
    assert get_scale("gad7").safety_rules == ()
