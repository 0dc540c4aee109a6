"""VNS titration rules against modalities.md §2.2/§2.3: the device maximum (3.5 mA) refused
above, every flag at its boundary, the duty cycle, and the response timeline at month 12."""

from __future__ import annotations

from datetime import date

import pytest

from trdcare.core.errors import InvalidInput
from trdcare.vns.domain import (
    INPUT_BOUNDS,
    PreviousVisit,
    TitrationSettings,
    check_titration,
    load,
    months_between,
    response_timeline,
    titration_flags,
)

START = {
    "output_current_ma": 0.25,
    "frequency_hz": 20,
    "pulse_width_us": 250,
    "on_time_s": 30,
    "off_time_min": 5,
}


def settings(**changes: float) -> TitrationSettings:
    return check_titration({**START, **changes})


class TestDeviceMaximum:
    def test_the_device_maximum_is_the_reference_value(self) -> None:
        entry = load().stimulation.device_max_current_ma
        assert (entry.value, entry.status) == (3.5, "VERIFIED")

    def test_at_the_maximum_is_accepted(self) -> None:
        assert settings(output_current_ma=3.5).output_current_ma == 3.5

    @pytest.mark.parametrize("current", [3.51, 3.75, 10.0])
    def test_above_the_maximum_is_refused_naming_field_limit_and_value(
        self, current: float
    ) -> None:
        with pytest.raises(InvalidInput) as info:
            settings(output_current_ma=current)
        issue = info.value.issues[0]
        assert issue.path == "output_current_ma"
        assert issue.message == "is above the device maximum"
        assert issue.allowed == "a number in [0, 3.5] mA"
        assert issue.given == str(current)

    def test_zero_is_output_off_and_negative_is_refused(self) -> None:
        assert settings(output_current_ma=0).output_current_ma == 0
        with pytest.raises(InvalidInput) as info:
            settings(output_current_ma=-0.25)
        assert info.value.issues[0].message == "out of range"

    @pytest.mark.parametrize("value", [float("nan"), float("inf")])
    def test_not_a_finite_number_is_refused(self, value: float) -> None:
        with pytest.raises(InvalidInput):
            settings(output_current_ma=value)


class TestOtherFields:
    @pytest.mark.parametrize("name", sorted(INPUT_BOUNDS))
    def test_each_design_bound_edge(self, name: str) -> None:
        interval = INPUT_BOUNDS[name]
        assert interval.high is not None
        settings(**{name: interval.high})
        with pytest.raises(InvalidInput) as info:
            settings(**{name: interval.high + 1})
        assert info.value.issues[0].path == name

    def test_every_problem_is_named_at_once(self) -> None:
        with pytest.raises(InvalidInput) as info:
            check_titration({"output_current_ma": 4.0, "frequency_hz": 0})
        paths = [i.path for i in info.value.issues]
        assert paths == [
            "output_current_ma",
            "frequency_hz",
            "pulse_width_us",
            "on_time_s",
            "off_time_min",
        ]

    def test_an_unknown_side_effect_is_refused(self) -> None:
        with pytest.raises(InvalidInput) as info:
            check_titration(START, side_effects=["cough", "hiccups"])
        assert info.value.issues[0].path == "side_effects.1"

    def test_the_four_named_side_effects_are_verified(self) -> None:
        effects = {e.id: e.status for e in load().side_effects}
        for name in ("voice_alteration", "cough", "throat_discomfort", "dyspnoea"):
            assert effects[name] == "VERIFIED"


class TestDutyCycle:
    def test_the_published_start_is_30_s_on_5_min_off(self) -> None:
        s = settings()
        assert s.duty_cycle_pct == pytest.approx(30 / 330 * 100)

    def test_on_equal_to_off_is_50_percent_and_flagged(self) -> None:
        s = settings(on_time_s=60, off_time_min=1)
        assert s.duty_cycle_pct == 50
        rules = [
            f.rule
            for f in titration_flags(s, visit_on=date(2026, 3, 1), implant_on=date(2026, 1, 1))
        ]
        assert "off_not_longer_than_on" in rules

    def test_off_just_longer_than_on_is_not_flagged(self) -> None:
        s = settings(on_time_s=60, off_time_min=1.1)
        rules = [
            f.rule
            for f in titration_flags(s, visit_on=date(2026, 3, 1), implant_on=date(2026, 1, 1))
        ]
        assert "off_not_longer_than_on" not in rules


def rules(s: TitrationSettings, **kw: object) -> list[str]:
    kw.setdefault("visit_on", date(2026, 3, 1))
    kw.setdefault("implant_on", date(2026, 1, 1))
    return [f.rule for f in titration_flags(s, **kw)]  # type: ignore[arg-type]


class TestFlags:
    def test_published_start_setting_has_no_flag(self) -> None:
        assert rules(settings()) == []

    def test_a_step_of_0_25_is_usual_and_0_5_is_flagged(self) -> None:
        prev = PreviousVisit(date(2026, 2, 15), 0.5)
        assert "step_above_usual" not in rules(settings(output_current_ma=0.75), previous=prev)
        assert "step_above_usual" in rules(settings(output_current_ma=1.0), previous=prev)

    def test_a_raise_within_7_days_is_flagged_and_at_7_is_not(self) -> None:
        s = settings(output_current_ma=0.5)
        assert "interval_below_usual" in rules(s, previous=PreviousVisit(date(2026, 2, 23), 0.25))
        assert "interval_below_usual" not in rules(
            s, previous=PreviousVisit(date(2026, 2, 22), 0.25)
        )

    def test_output_on_before_14_days_is_flagged(self) -> None:
        assert "before_healing" in rules(settings(), visit_on=date(2026, 1, 14))
        assert "before_healing" not in rules(settings(), visit_on=date(2026, 1, 15))
        assert "before_healing" not in rules(
            settings(output_current_ma=0), visit_on=date(2026, 1, 2)
        )

    def test_above_1_5_ma_is_flagged_and_at_1_5_is_not(self) -> None:
        assert "above_therapeutic_range" not in rules(settings(output_current_ma=1.5))
        assert "above_therapeutic_range" in rules(settings(output_current_ma=1.75))

    def test_frequency_other_than_20_and_pulse_width_other_than_250_or_500(self) -> None:
        assert "frequency_not_depression_setting" in rules(settings(frequency_hz=30))
        assert "pulse_width_not_published" in rules(settings(pulse_width_us=130))
        assert "pulse_width_not_published" not in rules(settings(pulse_width_us=500))

    def test_unverified_flags_say_so(self) -> None:
        flags = titration_flags(
            settings(output_current_ma=1.0),
            visit_on=date(2026, 3, 1),
            implant_on=date(2026, 1, 1),
            previous=PreviousVisit(date(2026, 2, 27), 0.25),
        )
        by_rule = {f.rule: f.status for f in flags}
        assert by_rule["step_above_usual"] == "UNVERIFIED"
        assert by_rule["interval_below_usual"] == "UNVERIFIED"


class TestTimeline:
    def test_not_started_without_output(self) -> None:
        t = response_timeline(
            implant_on=date(2026, 1, 1), first_stimulation_on=None, as_of=date(2026, 6, 1)
        )
        assert t.phase == "not_started"
        assert t.too_early_to_call_non_response

    def test_month_11_is_too_early_and_month_12_is_assessable(self) -> None:
        start = date(2025, 1, 20)
        early = response_timeline(
            implant_on=date(2025, 1, 5), first_stimulation_on=start, as_of=date(2026, 1, 19)
        )
        due = response_timeline(
            implant_on=date(2025, 1, 5), first_stimulation_on=start, as_of=date(2026, 1, 20)
        )
        assert (early.phase, early.months_elapsed) == ("too_early", 11)
        assert (due.phase, due.months_elapsed) == ("assessable", 12)
        assert not due.too_early_to_call_non_response

    def test_the_12_months_cite_recover_and_the_counting_start_is_unverified(self) -> None:
        t = response_timeline(
            implant_on=date(2025, 1, 5),
            first_stimulation_on=date(2025, 1, 20),
            as_of=date(2025, 3, 1),
        )
        citations = " ".join(s.citation for s in t.reasons[0].sources)
        assert "RECOVER" in citations
        assert t.status == "UNVERIFIED"

    def test_months_between_counts_whole_months(self) -> None:
        assert months_between(date(2026, 1, 31), date(2026, 3, 1)) == 1
        assert months_between(date(2026, 3, 1), date(2026, 1, 1)) == 0
