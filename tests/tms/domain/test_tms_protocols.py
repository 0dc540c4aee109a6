"""Protocol library: stated numbers equal the derived ones; custom protocols validated."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trdcare.core.errors import InvalidInput
from trdcare.tms.domain.protocols import (
    RTMS_BLOCK_LIMITS,
    SessionTiming,
    ThetaBurstPattern,
    custom_protocol,
    get_protocol,
    library,
    protocol_from_dict,
    stated_vs_derived,
    with_blocks,
)

IDS = [p.id for p in library()]


def test_library_has_the_required_protocols() -> None:
    assert set(IDS) == {
        "hf10-left-dlpfc",
        "itbs-left-dlpfc",
        "lf1-right-dlpfc",
        "bilateral-sequential",
        "deep-tms-h1",
        "accelerated-itbs",
    }


@pytest.mark.parametrize("protocol_id", IDS)
def test_stated_numbers_equal_derived(protocol_id: str) -> None:
    assert stated_vs_derived(get_protocol(protocol_id)) == ()


@pytest.mark.parametrize(
    ("protocol_id", "pulses", "nominal_s", "slot_s", "span_s"),
    [
        ("hf10-left-dlpfc", 3000, 2224.0, 2250.0, 2216.5),
        ("itbs-left-dlpfc", 600, 192.0, 200.0, 188.8),
        ("lf1-right-dlpfc", 600, 600.0, 600.0, 599.0),
        ("deep-tms-h1", 1980, 1190.0, 1210.0, 1186.944),
        ("accelerated-itbs", 1800, 592.0, 600.0, 582.4),
    ],
)
def test_derived_pulses_and_session_times(
    protocol_id: str, pulses: int, nominal_s: float, slot_s: float, span_s: float
) -> None:
    p = get_protocol(protocol_id)
    t = p.timing()
    assert t is not None
    assert p.pulses_per_session == pulses
    assert t.nominal_s == pytest.approx(nominal_s)
    assert t.slot_s == pytest.approx(slot_s)
    assert t.pulse_span_s == pytest.approx(span_s, abs=1e-3)


def test_published_session_times_match_their_convention() -> None:
    """37.5 min = 75 x 30 s; 3 min 9 s = 20 x 1.84 s + 19 x 8 s; about 20 min for H1."""
    hf = get_protocol("hf10-left-dlpfc")
    assert hf.stated.session_duration is not None
    assert hf.stated.session_duration.text == "37.5 min"
    assert _timing("hf10-left-dlpfc").slot_s / 60 == 37.5
    assert round(_timing("itbs-left-dlpfc").pulse_span_s) == 189
    assert round(_timing("deep-tms-h1").nominal_s / 60) == 20


def _timing(protocol_id: str) -> SessionTiming:
    t = get_protocol(protocol_id).timing()
    assert t is not None
    return t


def test_accelerated_course_totals() -> None:
    p = get_protocol("accelerated-itbs")
    assert p.schedule.sessions_per_day == 10
    assert p.schedule.gap_between_sessions_min == 50
    assert p.schedule.acute_sessions_max == 50
    assert p.pulses_per_course == 90000


def test_ten_hz_course_with_taper_and_cap() -> None:
    p = get_protocol("hf10-left-dlpfc")
    assert (p.schedule.acute_sessions_min, p.schedule.acute_sessions_max) == (20, 30)
    assert p.schedule.taper_sessions_per_week == (3, 2, 1)
    assert p.schedule.acute_sessions_max + p.schedule.taper_sessions == p.schedule.session_cap


def test_theta_burst_pattern_arithmetic() -> None:
    b = get_protocol("itbs-left-dlpfc").blocks[0]
    assert isinstance(b.pattern, ThetaBurstPattern)
    assert b.pattern.pulses_per_train == 30
    assert b.pattern.nominal_train_duration_s == 2.0
    assert b.pattern.train_pulse_span_s == pytest.approx(1.84)


def test_bilateral_is_incomplete_and_names_what_is_missing() -> None:
    p = get_protocol("bilateral-sequential")
    assert not p.complete
    assert p.missing == (
        "blocks.1.train_duration_s",
        "blocks.1.trains",
        "blocks.1.inter_train_interval_s",
    )
    assert p.pulses_per_session is None
    statuses = {s.status for s in p.sources_for("blocks.1.trains")}
    assert statuses == {"UNVERIFIED"}


def test_every_library_protocol_carries_field_statuses() -> None:
    for p in library():
        assert p.provenance
        d = p.to_dict()
        assert d["status"] in {"VERIFIED", "SECONDARY", "UNVERIFIED", "DERIVED", "DESIGN"}
    assert get_protocol("hf10-left-dlpfc").sources_for("blocks.0.trains")[0].status == (
        "UNVERIFIED"
    )
    assert get_protocol("hf10-left-dlpfc").sources_for("blocks.0.pattern.frequency_hz")[
        0
    ].status == ("VERIFIED")


def test_unknown_protocol_names_the_known_ones() -> None:
    with pytest.raises(InvalidInput) as err:
        get_protocol("hf5")
    assert err.value.issues[0].path == "protocol"
    assert "hf10-left-dlpfc" in (err.value.issues[0].allowed or "")


def _custom(**block: Any) -> dict[str, Any]:
    base_block: dict[str, Any] = {
        "label": "left",
        "target": "left DLPFC",
        "pattern": {"kind": "rtms", "frequency_hz": 10},
        "intensity_pct_mt": 110,
        "train_duration_s": 5,
        "inter_train_interval_s": 25,
        "trains": 60,
    }
    base_block.update(block)
    return {
        "id": "clinic-10hz",
        "name": "Clinic 10 Hz",
        "blocks": [base_block],
        "schedule": {
            "treatment_days": "weekdays",
            "sessions_per_day": 1,
            "acute_sessions_min": 20,
            "acute_sessions_max": 30,
            "decision_points": [10, 20, 30],
        },
    }


def test_valid_custom_protocol() -> None:
    p = custom_protocol(_custom())
    assert p.origin == "custom"
    assert p.clearance is None
    assert p.pulses_per_session == 3000
    assert p.provenance[0].source.status == "DESIGN"


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"pattern": {"kind": "rtms", "frequency_hz": 30}}, "blocks.0.pattern.frequency_hz"),
        ({"pattern": {"kind": "rtms", "frequency_hz": 0}}, "blocks.0.pattern.frequency_hz"),
        ({"pattern": {"kind": "rtms"}}, "blocks.0.pattern.frequency_hz"),
        ({"pattern": {"kind": "dtms", "frequency_hz": 10}}, "blocks.0.pattern.kind"),
        ({"intensity_pct_mt": 131}, "blocks.0.intensity_pct_mt"),
        ({"intensity_pct_mt": 0}, "blocks.0.intensity_pct_mt"),
        ({"intensity_pct_mt": "high"}, "blocks.0.intensity_pct_mt"),
        ({"train_duration_s": 0}, "blocks.0.train_duration_s"),
        ({"train_duration_s": 1801}, "blocks.0.train_duration_s"),
        ({"train_duration_s": 4.05}, "blocks.0.train_duration_s"),
        ({"trains": 0}, "blocks.0.trains"),
        ({"trains": 2.5}, "blocks.0.trains"),
        ({"inter_train_interval_s": -1}, "blocks.0.inter_train_interval_s"),
        ({"inter_train_interval_s": None}, "blocks.0.inter_train_interval_s"),
    ],
)
def test_custom_protocol_refusals_name_the_field(change: dict[str, Any], path: str) -> None:
    with pytest.raises(InvalidInput) as err:
        custom_protocol(_custom(**change))
    assert path in [i.path for i in err.value.issues]


def test_custom_protocol_collects_every_issue_at_once() -> None:
    data = _custom(intensity_pct_mt=500, trains=0)
    data["schedule"]["sessions_per_day"] = 0
    data["name"] = ""
    with pytest.raises(InvalidInput) as err:
        custom_protocol(data)
    paths = {i.path for i in err.value.issues}
    assert {
        "name",
        "blocks.0.intensity_pct_mt",
        "blocks.0.trains",
        "schedule.sessions_per_day",
    } <= paths


@pytest.mark.parametrize(
    ("schedule_change", "path"),
    [
        ({"treatment_days": "weekends"}, "schedule.treatment_days"),
        ({"acute_sessions_max": 10}, "schedule.acute_sessions_max"),
        ({"decision_points": [20, 10]}, "schedule.decision_points"),
        ({"decision_points": [40]}, "schedule.decision_points"),
        ({"sessions_per_day": 3}, "schedule.gap_between_sessions_min"),
        ({"taper_sessions_per_week": [6]}, "schedule.taper_sessions_per_week.0"),
        ({"continuation": {"sessions_per_week": 2, "weeks": 0}}, "schedule.continuation.weeks"),
        ({"sessions_per_day": 60, "gap_between_sessions_min": 10}, "schedule.sessions_per_day"),
    ],
)
def test_custom_schedule_refusals(schedule_change: dict[str, Any], path: str) -> None:
    data = _custom()
    data["schedule"].update(schedule_change)
    with pytest.raises(InvalidInput) as err:
        custom_protocol(data)
    assert path in [i.path for i in err.value.issues]


def test_custom_theta_burst_checks_burst_geometry() -> None:
    data = _custom(
        pattern={
            "kind": "theta_burst",
            "pulses_per_burst": 3,
            "intra_burst_frequency_hz": 50,
            "burst_frequency_hz": 5,
            "bursts_per_train": 10,
        },
        train_duration_s=3,
        inter_train_interval_s=8,
        trains=20,
    )
    with pytest.raises(InvalidInput) as err:
        custom_protocol(data)
    assert err.value.issues[0].path == "blocks.0.train_duration_s"
    assert "2 s" in (err.value.issues[0].allowed or "")
    data["blocks"][0]["pattern"]["intra_burst_frequency_hz"] = 10
    data["blocks"][0]["train_duration_s"] = 2
    with pytest.raises(InvalidInput) as err:
        custom_protocol(data)
    assert err.value.issues[0].path == "blocks.0.pattern.intra_burst_frequency_hz"


def test_custom_stated_values_must_equal_derived() -> None:
    data = _custom()
    data["stated"] = {"pulses_per_session": 2900}
    with pytest.raises(InvalidInput) as err:
        custom_protocol(data)
    assert err.value.issues[0].path == "stated.pulses_per_session"
    assert err.value.issues[0].allowed == "3000.0"


def test_completing_bilateral_gives_a_custom_uncleared_protocol() -> None:
    p = get_protocol("bilateral-sequential")
    blocks = [b.to_dict() for b in p.blocks]
    blocks[1] = blocks[1] | {"train_duration_s": 5, "inter_train_interval_s": 25, "trains": 30}
    done = with_blocks(p, blocks, new_id="bilateral-clinic")
    assert done.complete
    assert done.pulses_per_session == 2100
    assert done.based_on == "bilateral-sequential"
    assert done.clearance is None


def test_round_trip_through_dict() -> None:
    p = custom_protocol(_custom())
    again = protocol_from_dict(copy.deepcopy(p.to_dict()))
    assert again.blocks == p.blocks
    assert again.schedule == p.schedule
    assert protocol_from_dict(get_protocol("deep-tms-h1").to_dict()) == get_protocol("deep-tms-h1")


_freq = st.sampled_from([1, 2, 5, 10, 15, 18, 20, 25])


@given(
    frequency=_freq,
    pulses_per_train=st.integers(1, 100),
    trains=st.integers(1, 100),
    iti=st.floats(0, 60),
)
def test_property_custom_pulses_equal_f_times_t_times_n(
    frequency: int, pulses_per_train: int, trains: int, iti: float
) -> None:
    duration = pulses_per_train / frequency
    p = custom_protocol(
        _custom(
            pattern={"kind": "rtms", "frequency_hz": frequency},
            train_duration_s=duration,
            trains=trains,
            inter_train_interval_s=iti,
        )
    )
    assert p.pulses_per_session == pulses_per_train * trains
    t = p.timing()
    assert t is not None
    assert t.pulse_span_s <= t.nominal_s <= t.slot_s


@given(value=st.floats(allow_nan=True, allow_infinity=True))
def test_property_frequency_accepted_iff_in_declared_interval(value: float) -> None:
    """The frequency is refused (with its own path) exactly when outside the interval."""
    interval = RTMS_BLOCK_LIMITS["frequency_hz"]
    data = _custom(pattern={"kind": "rtms", "frequency_hz": value}, train_duration_s=1, trains=1)
    paths: list[str] = []
    try:
        custom_protocol(data)
    except InvalidInput as exc:
        paths = [i.path for i in exc.issues]
    assert ("blocks.0.pattern.frequency_hz" in paths) == (not interval.contains(value))
