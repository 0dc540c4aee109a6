"""The DBS charge calculator against the formulas and worked examples of modalities.md §3.5.

Worked examples, computed by hand from Q = I x PW x 1e-3, D = Q / A, k = log10(D) + log10(Q):

* 3.5 V / 1000 ohm / 90 µs -> I = 3.5 mA; Q = 0.315 µC; D = 0.315 / 0.06 = 5.25 µC/cm²;
  k = log10(5.25 x 0.315) = log10(1.65375) = 0.2185 (reference: 0.22).
* 8 V / 1000 ohm / 210 µs -> I = 8 mA; Q = 1.68 µC; D = 28 µC/cm²; k = log10(47.04) = 1.6725
  (reference: 1.67).
* 20 mA / 90 µs on 0.06 cm² -> Q = 1.8 µC; D = 30 µC/cm² exactly (the rated density: within);
  k = log10(54) = 1.7324 (reference: 1.73 < 1.85).
* 21 mA / 90 µs -> Q = 1.89 µC; D = 31.5 µC/cm² (above 30); k = log10(59.535) = 1.7748 (below
  1.85): past the rated density only.
* 20 mA / 300 µs on 0.5 cm² -> Q = 6 µC; D = 12 µC/cm² (under 30); k = log10(72) = 1.8573
  (above 1.85): past the Shannon limit only.
* 10 mA / 100 µs on 0.01 cm² -> Q = 1 µC; D = 100; k = log10(100) = 2 exactly (the boundary
  test with the limit configured to 2).
"""

from __future__ import annotations

import dataclasses
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trdcare.core.errors import InvalidInput
from trdcare.dbs.domain import (
    INPUT_BOUNDS,
    StimulationLimits,
    charge_density_uc_per_cm2,
    charge_per_phase_uc,
    check_stimulation,
    default_limits,
    shannon_k,
    stimulation_current_ma,
)


def _limits(**changes: float | None) -> StimulationLimits:
    """The packaged limits with some values replaced (as a configuration would)."""
    base = default_limits()
    out = base
    if "k" in changes:
        out = dataclasses.replace(
            out, shannon_k=dataclasses.replace(base.shannon_k, value=changes["k"])
        )
    if "rated" in changes:
        rated = changes["rated"]
        assert base.rated_density is not None
        out = dataclasses.replace(
            out,
            rated_density=None
            if rated is None
            else dataclasses.replace(base.rated_density, value=rated),
        )
    return out


# --- the formulas --------------------------------------------------------------------------


def test_formulas_on_the_reference_worked_example() -> None:
    assert charge_per_phase_uc(3.5, 90) == 0.315
    assert charge_density_uc_per_cm2(0.315, 0.06) == 5.25
    assert shannon_k(0.315, 5.25) == pytest.approx(math.log10(5.25) + math.log10(0.315))
    assert round(shannon_k(0.315, 5.25), 2) == 0.22


def test_voltage_mode_current_is_voltage_over_impedance() -> None:
    assert stimulation_current_ma(amplitude_v=3.5, impedance_ohm=1000) == (3.5, "voltage")
    assert stimulation_current_ma(amplitude_v=4, impedance_ohm=800) == (5.0, "voltage")
    assert stimulation_current_ma(amplitude_ma=6) == (6.0, "current")


def test_voltage_mode_worked_examples() -> None:
    low = check_stimulation(amplitude_v=3.5, impedance_ohm=1000, pulse_width_us=90)
    assert (low.current_ma, low.charge_per_phase_uc, low.charge_density_uc_per_cm2) == (
        3.5,
        0.315,
        5.25,
    )
    assert low.shannon_k == pytest.approx(0.21848, abs=1e-4)
    assert low.within_limits
    high = check_stimulation(amplitude_v=8, impedance_ohm=1000, pulse_width_us=210)
    assert (high.charge_per_phase_uc, high.charge_density_uc_per_cm2) == (1.68, 28.0)
    assert high.shannon_k == pytest.approx(1.67247, abs=1e-4)
    assert high.within_limits
    doc = high.to_dict()
    assert doc["current_mode"] == "voltage" and doc["current_is_estimate"] is True
    assert "Ohm's-law estimate" in high.reasons[0].finding


def test_current_mode_is_not_an_estimate() -> None:
    doc = check_stimulation(amplitude_ma=3, pulse_width_us=60).to_dict()
    assert doc["current_mode"] == "current" and doc["current_is_estimate"] is False


# --- the limits and their boundaries -------------------------------------------------------


def test_density_exactly_at_the_rated_limit_is_within() -> None:
    # 20 mA x 90 µs = 1.8 µC on 0.06 cm²: 30 µC/cm² exactly (binary floats would give
    # 30.000000000000004 and flag it); the warning is for D above 30.
    r = check_stimulation(amplitude_ma=20, pulse_width_us=90)
    assert r.charge_density_uc_per_cm2 == 30.0
    assert r.within_rated_density is True
    assert r.shannon_k == pytest.approx(1.73239, abs=1e-4)
    assert r.within_shannon and r.within_limits


def test_density_above_the_rated_limit_only() -> None:
    r = check_stimulation(amplitude_ma=21, pulse_width_us=90)
    assert r.charge_density_uc_per_cm2 == pytest.approx(31.5)
    assert r.shannon_k == pytest.approx(1.77478, abs=1e-4)
    assert r.within_shannon is True
    assert r.within_rated_density is False
    assert not r.within_limits
    assert "above the rated 30" in r.reasons[2].finding


def test_shannon_limit_exceeded_only() -> None:
    r = check_stimulation(amplitude_ma=20, pulse_width_us=300, contact_area_cm2=0.5)
    assert (r.charge_per_phase_uc, r.charge_density_uc_per_cm2) == (6.0, 12.0)
    assert r.shannon_k == pytest.approx(1.85733, abs=1e-4)
    assert r.within_shannon is False
    assert r.within_rated_density is True
    assert not r.within_limits
    assert "at or above the limit 1.85" in r.reasons[1].finding


def test_k_exactly_at_the_limit_is_not_within() -> None:
    # Q = 1 µC, D = 100 µC/cm²: k = 2 exactly. Damage was seen at k >= the limit.
    at = check_stimulation(
        amplitude_ma=10,
        pulse_width_us=100,
        contact_area_cm2=0.01,
        limits=_limits(k=2.0, rated=1000.0),
    )
    assert at.shannon_k == 2.0
    assert at.within_shannon is False and not at.within_limits
    above = check_stimulation(
        amplitude_ma=10,
        pulse_width_us=100,
        contact_area_cm2=0.01,
        limits=_limits(k=2.0000001, rated=1000.0),
    )
    assert above.within_shannon is True and above.within_limits


def test_density_limit_boundary_one_step_either_side() -> None:
    base = {"amplitude_ma": 20, "pulse_width_us": 90}
    assert check_stimulation(**base, limits=_limits(rated=30.0)).within_rated_density
    assert not check_stimulation(**base, limits=_limits(rated=29.999)).within_rated_density


def test_conservative_k_is_reported_without_changing_the_verdict() -> None:
    # k = 1.67: under 1.85 (verdict within) but above the conservative 1.5 (UNVERIFIED).
    r = check_stimulation(amplitude_v=8, impedance_ohm=1000, pulse_width_us=210)
    assert r.within_shannon
    assert "at or above the conservative k 1.5" in r.reasons[1].finding
    assert "(UNVERIFIED)" in r.reasons[1].finding


def test_unknown_rated_density_is_shown_and_never_within() -> None:
    r = check_stimulation(amplitude_ma=1, pulse_width_us=60, limits=_limits(rated=None))
    assert r.within_rated_density is None
    assert not r.within_limits
    doc = r.to_dict()
    assert doc["within_rated_density"] is None
    assert doc["limits"]["rated_charge_density_uc_per_cm2"] is None  # type: ignore[index]
    assert "No rated charge density is known" in r.reasons[2].finding
    assert r.reasons[2].status == "UNVERIFIED"


# --- sources and statuses ------------------------------------------------------------------


def test_limits_carry_the_reference_values_and_marks() -> None:
    lim = default_limits()
    assert lim.shannon_k.value == 1.85 and lim.shannon_k.status == "VERIFIED"
    assert "Shannon RV" in lim.shannon_k.sources[0].citation
    assert lim.conservative_k.value == 1.5 and lim.conservative_k.status == "UNVERIFIED"
    assert lim.contact_area.value == 0.06 and lim.contact_area.status == "UNVERIFIED"
    assert lim.lead_name == "Medtronic 3387/3389"
    assert lim.rated_density is not None
    assert lim.rated_density.value == 30 and lim.rated_density.status == "UNVERIFIED"
    assert "Vercise" in lim.rated_density.sources[0].citation


def test_default_area_is_reported_with_its_source_and_makes_the_result_unverified() -> None:
    r = check_stimulation(amplitude_ma=3, pulse_width_us=90)
    (used,) = r.defaults_used()
    assert used["field"] == "contact_area_cm2" and used["value"] == 0.06
    assert used["lead"] == "Medtronic 3387/3389" and used["status"] == "UNVERIFIED"
    assert "1.27 mm" in used["sources"][0]["citation"]  # type: ignore[index]
    assert r.status == "UNVERIFIED"


def test_given_area_is_not_a_default() -> None:
    r = check_stimulation(amplitude_ma=3, pulse_width_us=90, contact_area_cm2=0.1)
    assert r.defaults_used() == []
    assert r.charge_density_uc_per_cm2 == pytest.approx(2.7)
    assert "given" in r.reasons[0].finding
    assert "still the one applied" in r.reasons[2].finding


def test_every_reason_names_its_rule_inputs_and_sources() -> None:
    r = check_stimulation(amplitude_ma=3, pulse_width_us=90, frequency_hz=130)
    assert [x.rule for x in r.reasons] == ["charge", "shannon_k", "rated_charge_density"]
    for reason in r.reasons:
        assert reason.inputs and reason.sources
    assert r.reasons[1].inputs["frequency_hz"] == 130
    assert "does not account for pulse rate" in r.reasons[1].finding


def test_json_shape() -> None:
    doc = check_stimulation(amplitude_ma=3, pulse_width_us=90).to_dict()
    assert {
        "charge_per_phase_uc",
        "charge_density_uc_per_cm2",
        "shannon_k",
        "within_limits",
    } <= set(doc)
    assert {"reasons", "defaults_used", "limits", "status"} <= set(doc)


# --- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "path", "words"),
    [
        ({"amplitude_ma": 3, "amplitude_v": 3}, "amplitude", "not both"),
        ({}, "amplitude", "is required"),
        ({"amplitude_v": 3}, "impedance_ohm", "is required with a voltage"),
        ({"amplitude_ma": 3, "impedance_ohm": 1000}, "impedance_ohm", "only used with a voltage"),
        ({"amplitude_ma": 0}, "amplitude_ma", "out of range"),
        ({"amplitude_ma": -1}, "amplitude_ma", "out of range"),
        ({"amplitude_ma": 30.01}, "amplitude_ma", "out of range"),
        ({"amplitude_ma": math.nan}, "amplitude_ma", "out of range"),
        ({"amplitude_ma": math.inf}, "amplitude_ma", "out of range"),
        ({"amplitude_v": 0, "impedance_ohm": 1000}, "amplitude_v", "out of range"),
        ({"amplitude_v": 21, "impedance_ohm": 1000}, "amplitude_v", "out of range"),
        ({"amplitude_v": 3, "impedance_ohm": 99}, "impedance_ohm", "out of range"),
        ({"amplitude_v": 3, "impedance_ohm": 10001}, "impedance_ohm", "out of range"),
        ({"amplitude_ma": 3, "pulse_width_us": 9}, "pulse_width_us", "out of range"),
        ({"amplitude_ma": 3, "pulse_width_us": 1001}, "pulse_width_us", "out of range"),
        ({"amplitude_ma": 3, "contact_area_cm2": 0}, "contact_area_cm2", "out of range"),
        ({"amplitude_ma": 3, "contact_area_cm2": 1.5}, "contact_area_cm2", "out of range"),
        ({"amplitude_ma": 3, "frequency_hz": 0}, "frequency_hz", "out of range"),
        ({"amplitude_ma": 3, "frequency_hz": 1001}, "frequency_hz", "out of range"),
    ],
)
def test_bad_input_is_refused_naming_the_field(
    kwargs: dict[str, float], path: str, words: str
) -> None:
    args: dict[str, float] = {"pulse_width_us": 90, **kwargs}
    with pytest.raises(InvalidInput) as caught:
        check_stimulation(**args)  # type: ignore[arg-type]
    issue = caught.value.issues[0]
    assert issue.path == path
    assert words in issue.message
    assert issue.allowed and issue.given


def test_bounds_are_inclusive_where_declared() -> None:
    # The design bounds' own edges are accepted (closed ends), so the table is what is checked.
    check_stimulation(amplitude_ma=30, pulse_width_us=1000, contact_area_cm2=1, frequency_hz=1000)
    check_stimulation(amplitude_v=20, impedance_ohm=100, pulse_width_us=10)
    check_stimulation(amplitude_v=0.1, impedance_ohm=10000, pulse_width_us=10)
    assert set(INPUT_BOUNDS) == {
        "amplitude_ma",
        "amplitude_v",
        "impedance_ohm",
        "pulse_width_us",
        "contact_area_cm2",
        "frequency_hz",
    }


# --- properties ----------------------------------------------------------------------------

amplitudes = st.floats(min_value=0.01, max_value=30, allow_nan=False)
pulse_widths = st.floats(min_value=10, max_value=1000, allow_nan=False)


@given(a=amplitudes, b=amplitudes, pw=pulse_widths)
def test_monotonic_in_amplitude(a: float, b: float, pw: float) -> None:
    low, high = sorted((a, b))
    r1 = check_stimulation(amplitude_ma=low, pulse_width_us=pw)
    r2 = check_stimulation(amplitude_ma=high, pulse_width_us=pw)
    assert r1.charge_per_phase_uc <= r2.charge_per_phase_uc
    assert r1.charge_density_uc_per_cm2 <= r2.charge_density_uc_per_cm2
    assert r1.shannon_k <= r2.shannon_k
    # Raising the amplitude never turns a setting past a limit into one within.
    assert not (r2.within_limits and not r1.within_limits)


@given(amp=amplitudes, a=pulse_widths, b=pulse_widths)
def test_monotonic_in_pulse_width(amp: float, a: float, b: float) -> None:
    low, high = sorted((a, b))
    r1 = check_stimulation(amplitude_ma=amp, pulse_width_us=low)
    r2 = check_stimulation(amplitude_ma=amp, pulse_width_us=high)
    assert r1.charge_per_phase_uc <= r2.charge_per_phase_uc
    assert r1.charge_density_uc_per_cm2 <= r2.charge_density_uc_per_cm2
    assert r1.shannon_k <= r2.shannon_k
    assert not (r2.within_limits and not r1.within_limits)


@given(
    v=st.floats(min_value=0.01, max_value=20, allow_nan=False),
    z=st.floats(min_value=100, max_value=10000, allow_nan=False),
    pw=pulse_widths,
)
def test_voltage_mode_equals_current_mode_at_v_over_z(v: float, z: float, pw: float) -> None:
    current, _ = stimulation_current_ma(amplitude_v=v, impedance_ohm=z)
    assert current == pytest.approx(v / z * 1000)
    by_v = check_stimulation(amplitude_v=v, impedance_ohm=z, pulse_width_us=pw)
    assert by_v.charge_per_phase_uc == pytest.approx(current * pw * 1e-3)
    assert by_v.shannon_k == pytest.approx(
        math.log10(by_v.charge_density_uc_per_cm2) + math.log10(by_v.charge_per_phase_uc)
    )


def test_the_docs_list_every_declared_input_bound() -> None:
    """docs/dbs.md's table is the INPUT_BOUNDS table: a bound changed in one place fails here."""
    from pathlib import Path

    text = (Path(__file__).resolve().parents[3] / "docs" / "dbs.md").read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    for name, bound in INPUT_BOUNDS.items():
        assert bound.low is not None and bound.high is not None
        low = f"{bound.low:g}" + (" (excluded)" if bound.closed in ("right", "neither") else "")
        assert any(
            row.startswith(f"| `{name}` | {low} | {bound.high:g} {bound.unit}") for row in rows
        ), name


def test_docstring_examples_hold() -> None:
    import doctest

    from trdcare.dbs.domain import charge

    result = doctest.testmod(charge)
    assert result.attempted >= 6 and result.failed == 0
