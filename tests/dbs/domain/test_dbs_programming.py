"""DBS programming checks (modalities.md §3.5): per-contact charge, density and k, the
Shannon limit and the 30 µC/cm² rated density at their boundaries, the largest amplitude
within the limits named in the refusal, voltage mode (impedance required), several cathodes
sharing the current (UNVERIFIED), bad contacts; and the candidacy criteria (§3.3)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from trdcare.core.errors import InvalidInput, SafetyLimitExceeded
from trdcare.dbs.domain import (
    DbsAnswers,
    DbsFacts,
    check_programming,
    evaluate_candidacy,
    lead_contacts,
    refuse_breaches,
    target_catalogue,
)


def setting(**kw: object) -> object:
    values: dict[str, object] = {"contacts": [1], "pulse_width_us": 90, "frequency_hz": 130}
    values.update(kw)
    return check_programming(**values)  # type: ignore[arg-type]


class TestLimits:
    def test_20_ma_at_90_us_is_exactly_the_rated_density_and_within(self) -> None:
        c = setting(amplitude_ma=20)
        assert c.per_contact.charge_density_uc_per_cm2 == 30
        assert c.within_limits and c.breaches == ()
        refuse_breaches(c)  # nothing to refuse

    def test_21_ma_is_above_the_rated_density_and_refused_naming_the_maximum(self) -> None:
        c = setting(amplitude_ma=21)
        assert not c.within_limits
        (breach,) = c.breaches
        assert breach.path == "amplitude_ma"
        assert breach.given == "21"
        assert breach.allowed is not None and breach.allowed.startswith("at most 20 mA at 90 µs")
        with pytest.raises(SafetyLimitExceeded) as info:
            refuse_breaches(c)
        assert info.value.status == 409
        assert "override" in info.value.message

    def test_k_at_or_above_1_85_is_refused_with_the_shannon_limit(self) -> None:
        # 20 mA x 300 µs on 0.5 cm² is the reference's k > 1.85 example; on the default
        # 0.06 cm² contact a long pulse breaches both limits.
        c = setting(amplitude_ma=8, pulse_width_us=450)
        rules = [b.message.split(" ")[0] for b in c.breaches]
        assert rules == ["Shannon", "charge"]
        assert c.breaches[0].allowed is not None and "k < 1.85" in c.breaches[0].allowed

    def test_the_reference_voltage_examples(self) -> None:
        c = setting(amplitude_v=8, impedance_ohm=1000, pulse_width_us=210)
        assert c.per_contact.charge_density_uc_per_cm2 == 28
        assert c.within_limits
        assert c.to_dict()["current_is_estimate"] is True

    def test_voltage_beyond_names_the_voltage_at_the_impedance(self) -> None:
        c = setting(amplitude_v=10, impedance_ohm=1000, pulse_width_us=210)
        assert c.breaches[0].path == "amplitude_v"
        assert "V (at 1000 ohm)" in (c.breaches[0].allowed or "")

    def test_a_voltage_without_impedance_is_refused(self) -> None:
        with pytest.raises(InvalidInput) as info:
            setting(amplitude_v=3)
        assert info.value.issues[0].path == "impedance_ohm"

    def test_two_cathodes_share_the_current_and_say_it_is_unverified(self) -> None:
        one = setting(amplitude_ma=21)
        two = setting(amplitude_ma=21, contacts=[1, 2])
        assert two.per_contact.current_ma == 10.5
        assert two.within_limits and not one.within_limits
        assert any(r.rule == "multiple_cathodes" and r.status == "UNVERIFIED" for r in two.reasons)


class TestInput:
    @pytest.mark.parametrize(
        ("contacts", "path"), [([], "contacts"), ([4], "contacts.0"), ([1, 1], "contacts")]
    )
    def test_bad_contacts(self, contacts: list[int], path: str) -> None:
        with pytest.raises(InvalidInput) as info:
            setting(amplitude_ma=3, contacts=contacts)
        assert info.value.issues[0].path == path

    def test_missing_pulse_width_and_frequency(self) -> None:
        with pytest.raises(InvalidInput) as info:
            check_programming(contacts=[0], amplitude_ma=3, pulse_width_us=None, frequency_hz=None)
        assert [i.path for i in info.value.issues] == ["pulse_width_us", "frequency_hz"]

    def test_design_bounds_still_apply(self) -> None:
        with pytest.raises(InvalidInput) as info:
            setting(amplitude_ma=31)
        assert info.value.issues[0].path == "amplitude_ma"

    def test_catalogue_contacts_and_targets(self) -> None:
        assert lead_contacts() == (0, 1, 2, 3)
        assert set(target_catalogue()) == {"scc", "vc_vs", "nacc", "slmfb"}


FACTS = DbsFacts(
    as_of=date(2026, 6, 1),
    age_years=50,
    episode_onset=date(2025, 6, 1),
    episode_severity="severe_without_psychosis",
    failed_adequate_treatments=4,
    latest_hamd17=(date(2026, 5, 20), 24.0),
)
ANSWERS = DbsAnswers(
    diagnosis="mdd", psychotic_features="no", research_protocol="yes", protocol_ref="IRB-1"
)


def verdict(facts: DbsFacts = FACTS, answers: DbsAnswers = ANSWERS, cid: str = "") -> str:
    return next(c.verdict for c in evaluate_candidacy(facts, answers).criteria if c.id == cid)


class TestCandidacy:
    def test_all_met_and_marked_investigational(self) -> None:
        result = evaluate_candidacy(FACTS, ANSWERS)
        assert result.overall == "meets_criteria"
        doc = result.to_dict()
        assert doc["investigational"] is True
        assert "INVESTIGATIONAL" in str(doc["investigational_note"])
        assert result.status == "UNVERIFIED"  # the BROADEN details

    @pytest.mark.parametrize(
        ("age", "expected"), [(17, "unmet"), (18, "met"), (70, "met"), (71, "unmet")]
    )
    def test_age_18_to_70(self, age: int, expected: str) -> None:
        assert verdict(replace(FACTS, age_years=age), cid="age") == expected

    @pytest.mark.parametrize(("n", "expected"), [(3, "unmet"), (4, "met")])
    def test_four_failed_treatments(self, n: int, expected: str) -> None:
        assert (
            verdict(replace(FACTS, failed_adequate_treatments=n), cid="failed_treatments")
            == expected
        )

    @pytest.mark.parametrize(
        ("diagnosis", "expected"),
        [("mdd", "met"), ("bipolar_ii", "met"), ("bipolar_i", "unmet"), ("unknown", "unknown")],
    )
    def test_diagnoses(self, diagnosis: str, expected: str) -> None:
        assert verdict(answers=replace(ANSWERS, diagnosis=diagnosis), cid="diagnosis") == expected

    def test_episode_12_months_and_hamd_20_are_unverified_boundaries(self) -> None:
        assert (
            verdict(replace(FACTS, episode_onset=date(2025, 6, 1)), cid="episode_length") == "met"
        )
        assert (
            verdict(replace(FACTS, episode_onset=date(2025, 6, 2)), cid="episode_length") == "unmet"
        )
        assert (
            verdict(replace(FACTS, latest_hamd17=(date(2026, 5, 1), 20.0)), cid="hamd17") == "met"
        )
        assert (
            verdict(replace(FACTS, latest_hamd17=(date(2026, 5, 1), 19.0)), cid="hamd17") == "unmet"
        )
        result = evaluate_candidacy(FACTS, ANSWERS)
        status = {c.id: c.reason.status for c in result.criteria}
        assert status["episode_length"] == status["hamd17"] == "UNVERIFIED"
        assert status["age"] == "VERIFIED"

    def test_psychosis_in_the_history_and_mild_episodes(self) -> None:
        psychotic = replace(FACTS, episode_severity="severe_with_psychosis")
        assert verdict(psychotic, cid="non_psychotic") == "unmet"
        assert verdict(replace(FACTS, episode_severity="mild"), cid="severity") == "unmet"

    def test_not_in_a_research_protocol_does_not_meet(self) -> None:
        no = replace(ANSWERS, research_protocol="no", protocol_ref="")
        assert evaluate_candidacy(FACTS, no).overall == "does_not_meet"

    def test_enrolled_without_a_protocol_reference_is_refused(self) -> None:
        with pytest.raises(InvalidInput) as info:
            evaluate_candidacy(FACTS, replace(ANSWERS, protocol_ref=""))
        assert info.value.issues[0].path == "protocol_ref"
