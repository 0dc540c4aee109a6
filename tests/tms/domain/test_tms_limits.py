"""Safety limits: inside, on and just past every table boundary; ITI; theta burst; clearance."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trdcare.core.checks import Interval
from trdcare.core.errors import InvalidInput, SafetyLimitExceeded
from trdcare.tms.domain.limits import (
    CHECK_PARAMETER_LIMITS,
    PhysicianOverride,
    TableCell,
    approve_protocol,
    check_iti,
    check_parameters,
    check_protocol,
    check_theta_burst,
    check_train,
    max_safe_train_table,
    table_cells,
)
from trdcare.tms.domain.protocols import custom_protocol, get_protocol, with_blocks

EPS = 1e-6
CELLS = table_cells()
CELL_IDS = [f"{c.frequency_hz:g}Hz-{c.intensity_pct_mt:g}pct" for c in CELLS]


@pytest.mark.parametrize("cell", CELLS, ids=CELL_IDS)
def test_on_every_cell_is_within(cell: TableCell) -> None:
    r = check_train(cell.frequency_hz, cell.intensity_pct_mt, cell.max_train_s)
    assert r.verdict == "within"
    assert r.lookup == "exact"
    assert r.cell == cell
    assert r.table_status == "UNVERIFIED"
    assert r.to_dict()["table_status"] == "UNVERIFIED"


@pytest.mark.parametrize("cell", CELLS, ids=CELL_IDS)
def test_just_past_every_cell_exceeds(cell: TableCell) -> None:
    if cell.max_train_s + EPS > 1800:
        # The 1 Hz cells of 1800 s are also the longest train accepted as input.
        with pytest.raises(InvalidInput) as err:
            check_train(cell.frequency_hz, cell.intensity_pct_mt, cell.max_train_s + EPS)
        assert err.value.issues[0].path == "train_duration_s"
        return
    r = check_train(cell.frequency_hz, cell.intensity_pct_mt, cell.max_train_s + EPS)
    assert r.verdict == "exceeds"
    assert r.cell == cell


@pytest.mark.parametrize("cell", CELLS, ids=CELL_IDS)
def test_inside_every_cell_is_within(cell: TableCell) -> None:
    assert check_train(cell.frequency_hz, cell.intensity_pct_mt, cell.max_train_s / 2).verdict == (
        "within"
    )


@pytest.mark.parametrize(
    ("frequency", "intensity", "cell_f", "cell_i"),
    [
        (18, 120, 20, 120),  # H1: between 10 and 20 Hz -> the 20 Hz row
        (10, 115, 10, 120),  # between columns -> the 120% column
        (10.5, 100.5, 20, 110),  # both between
        (0.5, 120, 1, 120),  # below the first row -> 1 Hz row
        (10, 80, 10, 90),  # below the first column -> 90% column
        (2, 95, 5, 100),
        (25, 130, 25, 130),  # last cell exactly
        (24.9, 129.9, 25, 130),
    ],
)
def test_between_table_values_the_next_stricter_cell_is_used(
    frequency: float, intensity: float, cell_f: float, cell_i: float
) -> None:
    r = check_train(frequency, intensity, 0.1)
    assert (r.cell.frequency_hz, r.cell.intensity_pct_mt) == (cell_f, cell_i)
    exact = (frequency, intensity) == (cell_f, cell_i)
    assert r.lookup == ("exact" if exact else "next_stricter")
    assert "interpolation" in str(r.reasons[0].inputs["lookup_rule"])


@pytest.mark.parametrize(
    ("frequency", "intensity", "duration", "path"),
    [
        (25.01, 120, 1, "frequency_hz"),
        (10, 130.01, 1, "intensity_pct_mt"),
        (0, 120, 1, "frequency_hz"),
        (10, 120, 0, "train_duration_s"),
        (10, 120, float("nan"), "train_duration_s"),
    ],
)
def test_outside_the_table_is_refused(
    frequency: float, intensity: float, duration: float, path: str
) -> None:
    with pytest.raises(InvalidInput) as err:
        check_train(frequency, intensity, duration)
    assert err.value.issues[0].path == path


def test_neurostar_train_sits_just_under_its_cell() -> None:
    r = check_train(10, 120, 4)
    assert (r.verdict, r.max_train_s) == ("within", 4.2)
    assert check_train(10, 120, 4.3).verdict == "exceeds"


def test_longest_tested_cells_say_so() -> None:
    r = check_train(1, 120, 600)
    assert r.verdict == "exceeds"
    assert r.cell.kind == "longest_tested"
    assert "longest duration tested" in r.reasons[0].finding


@pytest.mark.parametrize(
    ("iti", "intensity", "verdict", "rules"),
    [
        (26, 120, "within", ["iti_chen1997_minimum"]),
        (5, 120, "within", ["iti_chen1997_minimum"]),
        (5 - EPS, 120, "exceeds", ["iti_chen1997_minimum"]),
        (1, 100, "exceeds", ["iti_chen1997_minimum"]),
        (1, 100.1, "exceeds", ["iti_chen1997_unsafe", "iti_chen1997_minimum"]),
        (1 + EPS, 110, "exceeds", ["iti_chen1997_minimum"]),
        (0, 110, "exceeds", ["iti_chen1997_unsafe", "iti_chen1997_minimum"]),
    ],
)
def test_inter_train_interval(iti: float, intensity: float, verdict: str, rules: list[str]) -> None:
    r = check_iti(iti, trains=10, intensity_pct_mt=intensity)
    assert r.verdict == verdict
    assert [x.rule for x in r.reasons] == rules
    assert r.minimum_s == 5
    assert r.status == "DESIGN"


def test_single_train_has_no_iti() -> None:
    r = check_iti(None, trains=1, intensity_pct_mt=120)
    assert r.verdict == "not_applicable"
    assert r.within_limits
    with pytest.raises(InvalidInput) as err:
        check_iti(None, trains=2, intensity_pct_mt=120)
    assert err.value.issues[0].path == "inter_train_interval_s"


def test_check_parameters_cli_shape() -> None:
    d = check_parameters(10, 120, 4, 26, 75).to_dict()
    assert d["within_limits"] is True
    assert (d["max_train_s"], d["pulses"], d["session_s"]) == (4.2, 3000, 2224.0)
    assert d["table_status"] == "UNVERIFIED"
    bad = check_parameters(20, 110, 1.6, 1, 10).to_dict()
    assert bad["within_limits"] is False
    assert bad["train"]["verdict"] == "within"
    assert bad["iti"]["verdict"] == "exceeds"
    with pytest.raises(InvalidInput) as err:
        check_parameters(10, 120, 4.05, 26, 75)
    assert err.value.issues[0].path == "train_duration_s"
    with pytest.raises(InvalidInput) as err:
        check_parameters(40, 140, 4, -1, 0)
    assert {i.path for i in err.value.issues} == {
        "frequency_hz",
        "intensity_pct_mt",
        "inter_train_interval_s",
        "trains",
    }


@pytest.mark.parametrize(
    ("protocol_id", "verdict", "accepted"),
    [
        ("hf10-left-dlpfc", "within", True),
        ("itbs-left-dlpfc", "within", True),
        ("accelerated-itbs", "within", True),
        ("deep-tms-h1", "cleared", True),
        ("lf1-right-dlpfc", "exceeds", False),
        ("bilateral-sequential", "incomplete", False),
    ],
)
def test_library_protocol_verdicts(protocol_id: str, verdict: str, accepted: bool) -> None:
    r = check_protocol(get_protocol(protocol_id))
    assert r.verdict == verdict
    assert r.accepted is accepted
    assert r.to_dict()["table_status"] == "UNVERIFIED"


def test_h1_is_accepted_as_cleared_citing_the_clearance() -> None:
    r = check_protocol(get_protocol("deep-tms-h1"))
    assert not r.within_limits
    assert r.blocks[0].train is not None
    assert r.blocks[0].train.cell.frequency_hz == 20
    cleared = [x for x in r.reasons if x.rule == "cleared_protocol"]
    assert cleared
    assert "BrainsWay" in cleared[0].finding
    assert cleared[0].status == "UNVERIFIED"


def test_a_custom_copy_of_h1_is_not_cleared() -> None:
    h1 = get_protocol("deep-tms-h1")
    copy = with_blocks(h1, [b.to_dict() for b in h1.blocks], new_id="h1-copy")
    r = check_protocol(copy)
    assert r.verdict == "exceeds"
    assert r.requires_override


def test_published_uncleared_protocol_explains_the_override_path() -> None:
    r = check_protocol(get_protocol("lf1-right-dlpfc"))
    assert r.reasons[-1].rule == "published_protocol_not_cleared"
    assert "Blumberger" in r.reasons[-1].sources[0].citation


def test_approval_needs_override_past_the_limits() -> None:
    lf = get_protocol("lf1-right-dlpfc")
    with pytest.raises(SafetyLimitExceeded) as err:
        approve_protocol(lf)
    assert err.value.issues[0].path == "blocks.0.train_duration_s"
    with pytest.raises(InvalidInput) as err2:
        approve_protocol(lf, PhysicianOverride("dr.who", "  "))
    assert err2.value.issues[0].path == "override.reason"
    ok = approve_protocol(lf, PhysicianOverride("dr.who", "published bilateral component"))
    assert ok.basis == "override"
    assert approve_protocol(get_protocol("deep-tms-h1")).basis == "cleared"
    assert approve_protocol(get_protocol("hf10-left-dlpfc")).basis == "within"
    with pytest.raises(InvalidInput) as err3:
        approve_protocol(get_protocol("bilateral-sequential"))
    assert err3.value.issues[0].path == "blocks.1.train_duration_s"


def _tbs(**changes: object) -> dict[str, object]:
    block: dict[str, object] = {
        "label": "left",
        "target": "left DLPFC",
        "pattern": {
            "kind": "theta_burst",
            "pulses_per_burst": 3,
            "intra_burst_frequency_hz": 50,
            "burst_frequency_hz": 5,
            "bursts_per_train": 10,
        },
        "intensity_pct_mt": 120,
        "train_duration_s": 2,
        "inter_train_interval_s": 8,
        "trains": 20,
    }
    schedule: dict[str, object] = {
        "treatment_days": "weekdays",
        "sessions_per_day": 1,
        "acute_sessions_min": 20,
        "acute_sessions_max": 30,
    }
    for k, v in changes.items():
        if k.startswith("schedule."):
            schedule[k.removeprefix("schedule.")] = v
        else:
            block[k] = v
    return {"id": "tbs", "name": "TBS", "blocks": [block], "schedule": schedule}


@pytest.mark.parametrize(
    ("changes", "verdict", "matched_or_outside"),
    [
        ({}, "within", "itbs-left-dlpfc"),
        ({"intensity_pct_mt": 90, "trains": 60}, "within", "accelerated-itbs"),
        ({"intensity_pct_mt": 121}, "exceeds", "intensity_pct_mt"),
        ({"inter_train_interval_s": 7.9}, "exceeds", "inter_train_interval_s"),
        ({"trains": 61, "intensity_pct_mt": 90}, "exceeds", "pulses_per_session"),
        (
            {
                "intensity_pct_mt": 90,
                "trains": 60,
                "schedule.sessions_per_day": 10,
                "schedule.gap_between_sessions_min": 49,
                "schedule.acute_sessions_min": 50,
                "schedule.acute_sessions_max": 50,
            },
            "exceeds",
            "gap_between_sessions_min",
        ),
        (
            {"schedule.acute_sessions_max": 31},
            "exceeds",
            "acute_sessions_max",
        ),
    ],
)
def test_theta_burst_parameter_space(
    changes: dict[str, object], verdict: str, matched_or_outside: str
) -> None:
    p = custom_protocol(_tbs(**changes))
    r = check_theta_burst(p.blocks[0], p.schedule)
    assert r.verdict == verdict
    assert r.status == "UNVERIFIED"
    if verdict == "within":
        assert r.matched_protocol == matched_or_outside
    else:
        assert matched_or_outside in r.outside


def test_non_standard_burst_pattern_needs_confirmation() -> None:
    p = custom_protocol(
        _tbs(
            pattern={
                "kind": "theta_burst",
                "pulses_per_burst": 4,
                "intra_burst_frequency_hz": 50,
                "burst_frequency_hz": 5,
                "bursts_per_train": 10,
            }
        )
    )
    r = check_theta_burst(p.blocks[0], p.schedule)
    assert (r.verdict, r.outside) == ("exceeds", ("pattern",))


def test_table_version_and_source_in_every_train_result() -> None:
    d = check_train(20, 110, 1.6).to_dict()
    assert d["table_id"] == max_safe_train_table().id
    assert d["table_version"]
    assert "Wassermann" in str(d["reasons"])


@given(
    frequency=st.floats(0.01, 25),
    intensity=st.floats(0.01, 130),
    a=st.floats(0.001, 1800),
    b=st.floats(0.001, 1800),
)
def test_property_longer_train_is_never_safer(
    frequency: float, intensity: float, a: float, b: float
) -> None:
    short, long_ = sorted((a, b))
    if check_train(frequency, intensity, short).verdict == "exceeds":
        assert check_train(frequency, intensity, long_).verdict == "exceeds"


@given(
    frequency=st.floats(0.01, 25),
    intensity=st.floats(0.01, 130),
    duration=st.floats(0.001, 1800),
)
def test_property_governing_cell_is_the_next_stricter_one(
    frequency: float, intensity: float, duration: float
) -> None:
    r = check_train(frequency, intensity, duration)
    t = max_safe_train_table()
    assert r.cell.frequency_hz == min(x for x in t.frequencies_hz if x >= frequency)
    assert r.cell.intensity_pct_mt == min(x for x in t.intensities_pct_mt if x >= intensity)
    for cell in table_cells():
        if (
            cell.frequency_hz <= r.cell.frequency_hz
            and cell.intensity_pct_mt <= r.cell.intensity_pct_mt
        ):
            assert r.cell.max_train_s <= cell.max_train_s
    assert r.table_status == "UNVERIFIED"


# Declared input bounds (issue 14, finding 8) ------------------------------------------------
def _declared_tables() -> dict[str, Mapping[str, Interval]]:
    """Every ``*_LIMITS`` table of Interval declared in a TMS domain module."""
    import trdcare.tms.domain as tms_domain

    tables: dict[str, Mapping[str, Interval]] = {}
    for info in pkgutil.iter_modules(tms_domain.__path__):
        module = importlib.import_module(f"trdcare.tms.domain.{info.name}")
        for name, value in vars(module).items():
            if (
                name.endswith("_LIMITS")
                and isinstance(value, Mapping)
                and value
                and all(isinstance(v, Interval) for v in value.values())
            ):
                tables[f"{info.name}.{name}"] = value
    return tables


DECLARED = _declared_tables()


def test_the_walk_finds_the_tables() -> None:
    assert {"limits.CHECK_PARAMETER_LIMITS", "protocols.RTMS_BLOCK_LIMITS"} <= DECLARED.keys()


@pytest.mark.parametrize("table", sorted(DECLARED))
def test_every_declared_number_has_an_upper_bound(table: str) -> None:
    """No count or quantity of the TMS pathway is unbounded (`--trains 1e23` was accepted)."""
    unbounded = [name for name, interval in DECLARED[table].items() if interval.high is None]
    assert not unbounded, f"{table}: no upper bound for {unbounded}"


@pytest.mark.parametrize("field", sorted(CHECK_PARAMETER_LIMITS))
@given(excess=st.one_of(st.floats(1, 1e30), st.just(10.0**23)))
def test_check_refuses_every_input_above_its_bound_naming_it(field: str, excess: float) -> None:
    interval = CHECK_PARAMETER_LIMITS[field]
    assert interval.high is not None
    values: dict[str, float] = {
        "frequency_hz": 10,
        "intensity_pct_mt": 120,
        "train_duration_s": 4,
        "inter_train_interval_s": 26,
        "trains": 75,
    }
    values[field] = interval.high + excess
    if interval.integer:
        values[field] = int(values[field])
    with pytest.raises(InvalidInput) as caught:
        check_parameters(**values)  # type: ignore[arg-type]
    issue = caught.value.issues[0]
    assert issue.path == field and issue.allowed == interval.describe()


def test_ten_to_the_23_trains_is_refused_not_counted() -> None:
    with pytest.raises(InvalidInput) as caught:
        check_parameters(10, 120, 4, 26, 10**23)
    assert caught.value.issues[0].path == "trains"
    assert caught.value.issues[0].allowed == "a whole number in [1, 1000]"


def test_the_docs_list_every_declared_input_bound() -> None:
    """docs/tms.md's table is the INPUT_BOUNDS table: a bound changed in one place fails here."""
    from pathlib import Path

    from trdcare.tms.domain.protocols import INPUT_BOUNDS

    text = (Path(__file__).resolve().parents[3] / "docs" / "tms.md").read_text(encoding="utf-8")
    for name, bound in INPUT_BOUNDS.items():
        assert any(
            line.startswith(f"| `{name}`") and f"| {bound:g}" in line for line in text.splitlines()
        ), name
