"""IV ketamine domain against modalities.md §1.6 (and §1.2 where used as a proxy), with every
boundary the reference gives: 0.5 mg/kg over 40 min (VERIFIED), the series (UNVERIFIED,
configurable), pre-infusion 140/90 (strictly above warns), 120 min after the infusion."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trdcare.core.errors import InvalidInput
from trdcare.ketamine.domain import (
    check_discharge,
    check_infusion_end,
    check_observation,
    check_preinfusion_bp,
    discharge_readiness,
    load,
    off_label,
    series_calendar,
    weight_based_dose,
)
from trdcare.ketamine.domain.catalogue import read, validate

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


class TestCatalogue:
    def test_every_entry_has_sources_and_a_status(self) -> None:
        data = load()
        for entry in (data.dose, data.series, data.preinfusion_blood_pressure, data.observation):
            assert entry.sources and entry.status

    def test_the_verified_and_unverified_marks_follow_the_reference(self) -> None:
        data = load()
        assert data.dose.status == "VERIFIED"  # §1.6 Standard dose: VERIFIED
        assert data.series.status == "UNVERIFIED"  # §1.6 Repeated course: UNVERIFIED
        assert data.monitoring.status == "UNVERIFIED"  # §1.6 Monitoring: UNVERIFIED
        # esketamine rules used as a proxy are not ketamine facts
        assert data.preinfusion_blood_pressure.status == "UNVERIFIED"
        assert data.observation.status == "UNVERIFIED"
        assert data.discharge.status == "UNVERIFIED"

    def test_a_broken_entry_is_refused_naming_the_field(self) -> None:
        doc = copy.deepcopy(read())
        doc["dose"]["standard_mg_per_kg"] = "half"
        with pytest.raises(InvalidInput, match=r"ketamine.json.*must be a number"):
            validate(doc)

    def test_a_standard_outside_its_range_is_refused(self) -> None:
        doc = copy.deepcopy(read())
        doc["dose"]["max_mg_per_kg"] = 0.4
        with pytest.raises(InvalidInput, match="standard_mg_per_kg must lie within"):
            validate(doc)

    def test_an_unknown_source_is_refused(self) -> None:
        doc = copy.deepcopy(read())
        doc["series"]["sources"] = ["nowhere"]
        with pytest.raises(InvalidInput, match="unknown source id"):
            validate(doc)

    def test_off_label_notice(self) -> None:
        notice = off_label()
        assert notice["off_label"] is True
        assert "OFF-LABEL" in str(notice["text"])


class TestDose:
    def test_the_standard_dose_is_half_a_milligram_per_kilo_over_forty_minutes(self) -> None:
        dose = weight_based_dose(70)
        assert (dose.dose_mg_per_kg, dose.infusion_min, dose.dose_mg) == (0.5, 40, 35.0)
        assert dose.rate_mg_per_min == 0.88  # 35 / 40 = 0.875
        assert dose.standard
        assert "clinic_dose" not in [r.rule for r in dose.reasons]
        assert dose.to_dict()["off_label"]["off_label"] is True  # type: ignore[index]

    def test_dose_rounds_to_a_tenth_of_a_milligram(self) -> None:
        assert weight_based_dose(72.2).dose_mg == 36.1
        assert weight_based_dose(80.0).dose_mg == 40.0

    @pytest.mark.parametrize("mg_per_kg", [0.49, 0.51, 0.0, -0.5, 1.0])
    def test_a_dose_outside_the_configured_range_is_refused(self, mg_per_kg: float) -> None:
        with pytest.raises(InvalidInput) as err:
            weight_based_dose(70, mg_per_kg)
        issue = err.value.issues[0]
        assert issue.path == "dose_mg_per_kg"
        assert issue.allowed == "a number in [0.5, 0.5] mg/kg"
        assert str(mg_per_kg) in str(issue.given)

    @pytest.mark.parametrize("minutes", [39, 41, 0, 40.5])
    def test_an_infusion_time_other_than_forty_minutes_is_refused(self, minutes: float) -> None:
        with pytest.raises(InvalidInput) as err:
            weight_based_dose(70, 0.5, minutes)
        assert err.value.issues[0].path == "infusion_min"

    @pytest.mark.parametrize("weight", [29.9, 250.1, float("nan"), 0])
    def test_a_weight_outside_the_design_bounds_is_refused(self, weight: float) -> None:
        with pytest.raises(InvalidInput) as err:
            weight_based_dose(weight)
        assert err.value.issues[0].path == "weight_kg"

    @pytest.mark.parametrize("weight", [30, 250])
    def test_the_weight_bounds_are_accepted(self, weight: float) -> None:
        assert weight_based_dose(weight).dose_mg == weight * 0.5

    def test_a_clinic_range_marks_a_non_standard_dose_unverified(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        doc = copy.deepcopy(read())
        doc["dose"]["max_mg_per_kg"] = 1.0
        wider = validate(doc)
        monkeypatch.setattr("trdcare.ketamine.domain.dose.load", lambda: wider)
        dose = weight_based_dose(70, 0.75)
        assert dose.dose_mg == 52.5
        assert not dose.standard
        assert dose.status == "UNVERIFIED"

    @given(st.floats(min_value=30, max_value=250, allow_nan=False))
    def test_dose_is_weight_times_half(self, weight: float) -> None:
        assert abs(weight_based_dose(weight).dose_mg - weight * 0.5) <= 0.05 + 1e-9


class TestSeries:
    def test_default_is_six_infusions_twice_weekly_and_unverified(self) -> None:
        cal = series_calendar(date(2026, 1, 5))
        assert [p.day for p in cal.planned] == [
            date(2026, 1, 5),
            date(2026, 1, 8),
            date(2026, 1, 12),
            date(2026, 1, 15),
            date(2026, 1, 19),
            date(2026, 1, 22),
        ]
        assert cal.status == "UNVERIFIED"

    def test_three_a_week_fits_six_in_two_weeks(self) -> None:
        cal = series_calendar(date(2026, 1, 5), 6, 3)
        assert cal.planned[-1].day == date(2026, 1, 16)
        assert [p.week for p in cal.planned] == [1, 1, 1, 2, 2, 2]

    @pytest.mark.parametrize(
        ("field", "kwargs"),
        [
            ("infusions", {"infusions": 0}),
            ("infusions", {"infusions": 7}),
            ("infusions", {"infusions": 2.5}),
            ("infusions_per_week", {"infusions_per_week": 1}),
            ("infusions_per_week", {"infusions_per_week": 4}),
        ],
    )
    def test_counts_outside_the_series_rule_are_refused(
        self, field: str, kwargs: dict[str, float]
    ) -> None:
        with pytest.raises(InvalidInput) as err:
            series_calendar(date(2026, 1, 5), **kwargs)  # type: ignore[arg-type]
        assert err.value.issues[0].path == field

    @pytest.mark.parametrize(("n", "k"), [(1, 2), (6, 2), (1, 3), (6, 3)])
    def test_the_bounds_of_the_series_are_accepted(self, n: int, k: int) -> None:
        assert len(series_calendar(date(2026, 1, 5), n, k).planned) == n


class TestPreinfusionBp:
    @pytest.mark.parametrize(
        ("sys", "dia", "verdict"),
        [
            (140, 90, "ok"),
            (141, 90, "warning"),
            (140, 91, "warning"),
            (120, 80, "ok"),
            (180, 110, "warning"),
        ],
    )
    def test_strictly_above_140_90_warns_never_blocks(
        self, sys: int, dia: int, verdict: str
    ) -> None:
        check = check_preinfusion_bp(sys, dia)
        assert check.verdict == verdict
        assert check.needs_physician_signoff is (verdict == "warning")
        assert check.to_dict()["blocks_infusion"] is False
        assert check.status == "UNVERIFIED"  # proxy threshold

    @pytest.mark.parametrize(
        ("kwargs", "field"),
        [
            ({"systolic_mmhg": 301, "diastolic_mmhg": 80}, "predose_systolic_mmhg"),
            ({"systolic_mmhg": 120, "diastolic_mmhg": 19}, "predose_diastolic_mmhg"),
            ({"systolic_mmhg": 120, "diastolic_mmhg": 120}, "predose_diastolic_mmhg"),
            ({"systolic_mmhg": 120, "diastolic_mmhg": 80, "pulse_bpm": 19}, "predose_pulse_bpm"),
            ({"systolic_mmhg": 120, "diastolic_mmhg": 80, "spo2_pct": 101}, "predose_spo2_pct"),
        ],
    )
    def test_readings_outside_physiological_range_are_refused(
        self, kwargs: dict[str, int], field: str
    ) -> None:
        with pytest.raises(InvalidInput) as err:
            check_preinfusion_bp(**kwargs)
        assert err.value.issues[0].path == field


class TestObservationAndDischarge:
    def test_an_observation_before_the_start_is_refused(self) -> None:
        with pytest.raises(InvalidInput) as err:
            check_observation(T0 - timedelta(minutes=1), started_at=T0, ended_at=None)
        assert err.value.issues[0].path == "at"

    def test_phase_follows_the_end_of_the_infusion(self) -> None:
        end = T0 + timedelta(minutes=40)
        assert check_observation(T0, started_at=T0, ended_at=end).phase == "during"
        assert check_observation(end, started_at=T0, ended_at=end).phase == "after"

    def test_an_observation_reading_out_of_range_names_its_field(self) -> None:
        with pytest.raises(InvalidInput) as err:
            check_observation(T0, started_at=T0, ended_at=None, spo2_pct=49)
        assert err.value.issues[0].path == "spo2_pct"

    def test_an_end_not_after_the_start_is_refused(self) -> None:
        with pytest.raises(InvalidInput) as err:
            check_infusion_end(T0, T0)
        assert err.value.issues[0].path == "ended_at"
        assert check_infusion_end(T0, T0 + timedelta(minutes=40)) == 40

    def test_exactly_120_minutes_after_the_end_is_ready(self) -> None:
        end = T0 + timedelta(minutes=40)
        ok = {
            "sedation_resolved": True,
            "dissociation_resolved": True,
            "respiratory_depression_resolved": True,
        }
        assert discharge_readiness(end, end + timedelta(minutes=120), **ok).ready
        early = discharge_readiness(end, end + timedelta(minutes=119, seconds=59), **ok)
        assert not early.ready
        assert early.status == "UNVERIFIED"

    def test_discharge_before_the_minimum_is_refused_naming_the_time(self) -> None:
        end = T0 + timedelta(minutes=40)
        with pytest.raises(InvalidInput) as err:
            check_discharge(
                end,
                end + timedelta(minutes=119),
                sedation_resolved=True,
                dissociation_resolved=True,
                respiratory_depression_resolved=True,
            )
        issue = err.value.issues[0]
        assert issue.path == "discharged_at"
        assert issue.allowed == "on or after 2026-03-02 12:40 UTC"
        assert "12:39" in str(issue.given)

    @pytest.mark.parametrize("criterion", ["sedation", "dissociation", "respiratory_depression"])
    def test_each_unresolved_criterion_blocks_discharge(self, criterion: str) -> None:
        end = T0 + timedelta(minutes=40)
        flags = {
            f"{c}_resolved": c != criterion
            for c in ("sedation", "dissociation", "respiratory_depression")
        }
        with pytest.raises(InvalidInput) as err:
            check_discharge(end, end + timedelta(hours=3), **flags)
        assert [i.path for i in err.value.issues] == [f"{criterion}_resolved"]
