"""Beam F3 / F4 and the 5.5 cm rule."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from trdcare.core.errors import InvalidInput
from trdcare.tms.domain.targeting import (
    HEAD_MEASUREMENT_LIMITS,
    beam_f3,
    describe_target,
    hotspot_rule_target,
    target_site,
)


@pytest.mark.parametrize(
    ("tt", "ni", "cf", "x", "y"),
    [
        (36, 36, 57, 6.585, 9.500),
        (34, 35, 55, 6.365, 9.120),
        (38, 38, 60, 6.932, 10.028),
    ],
)
def test_reference_regression_values(tt: float, ni: float, cf: float, x: float, y: float) -> None:
    r = beam_f3(tt, ni, cf)
    assert r.x_cm == pytest.approx(x, abs=0.001)
    assert r.y_cm == pytest.approx(y, abs=0.001)
    assert r.site == "F3"


def test_theta_of_the_reference_head() -> None:
    assert beam_f3(36, 36, 57).theta_deg == pytest.approx(-48.41, abs=0.01)


def test_f4_is_the_mirror_of_f3() -> None:
    left = beam_f3(36, 36, 57)
    right = beam_f3(36, 36, 57, side="right")
    assert (right.site, right.side) == ("F4", "right")
    assert (right.x_cm, right.y_cm) == (left.x_cm, left.y_cm)
    assert any(r.rule == "f4_mirror" for r in right.reasons)


def test_json_shape() -> None:
    d = beam_f3(36, 36, 57).to_dict()
    assert (d["x_cm"], d["y_cm"]) == (6.585, 9.5)
    assert d["status"] == "DESIGN"  # the input envelope is a design choice


@pytest.mark.parametrize(
    ("tt", "ni", "cf", "path", "allowed"),
    [
        (-36, 36, 57, "tragus_tragus_cm", "[20, 50] cm"),
        (36, 0, 57, "nasion_inion_cm", "[20, 50] cm"),
        (36, 36, 570, "circumference_cm", "[40, 75] cm"),
        (36, 36, float("inf"), "circumference_cm", "[40, 75] cm"),
        (45, 36, 44, "tragus_tragus_cm", "< circumference_cm (44 cm)"),
        (36, 48, 47, "nasion_inion_cm", "< circumference_cm (47 cm)"),
    ],
)
def test_impossible_measurements_refused_with_the_range(
    tt: float, ni: float, cf: float, path: str, allowed: str
) -> None:
    with pytest.raises(InvalidInput) as err:
        beam_f3(tt, ni, cf)
    issue = err.value.issues[0]
    assert issue.path == path
    assert allowed in (issue.allowed or "")
    assert allowed in err.value.render()


def test_all_bad_measurements_reported_together() -> None:
    with pytest.raises(InvalidInput) as err:
        beam_f3(0, 0, 0)
    assert [i.path for i in err.value.issues] == [
        "tragus_tragus_cm",
        "nasion_inion_cm",
        "circumference_cm",
    ]


def test_unknown_side() -> None:
    with pytest.raises(InvalidInput) as err:
        beam_f3(36, 36, 57, side="centre")
    assert err.value.issues[0].path == "side"


def test_hotspot_rule() -> None:
    r = hotspot_rule_target()
    assert r.distance_cm == 5.5
    assert "5.5 cm anterior" in r.instruction
    assert hotspot_rule_target("5cm", side="right").distance_cm == 5.0
    assert r.status == "UNVERIFIED"  # the rule itself is [R]
    with pytest.raises(InvalidInput):
        hotspot_rule_target("6cm")


_tt = HEAD_MEASUREMENT_LIMITS["tragus_tragus_cm"]
_cf = HEAD_MEASUREMENT_LIMITS["circumference_cm"]


@given(
    tt=st.floats(_tt.low or 0, _tt.high or 0),
    ni=st.floats(_tt.low or 0, _tt.high or 0),
    cf=st.floats(_cf.low or 0, _cf.high or 0),
)
def test_property_target_lies_in_the_left_frontal_quadrant(tt: float, ni: float, cf: float) -> None:
    assume(tt < cf and ni < cf)
    r = beam_f3(tt, ni, cf)
    assert 0 < r.x_cm < cf / 4
    assert r.y_cm > 0
    assert -90 < r.theta_deg < 0


@given(scale=st.floats(0.8, 1.2))
def test_property_y_scales_with_the_head_and_x_with_the_circumference(scale: float) -> None:
    base = beam_f3(36, 36, 57)
    scaled = beam_f3(36 * scale, 36 * scale, 57 * scale)
    assert scaled.y_cm == pytest.approx(base.y_cm * scale)
    assert scaled.x_cm == pytest.approx(base.x_cm * scale)


@pytest.mark.parametrize(
    ("target", "site", "described"),
    [
        (beam_f3(36, 36, 57).to_dict(), "F3", "F3 by Beam F3: X 6.585 cm, Y 9.5 cm"),
        (
            beam_f3(36, 36, 57, side="right").to_dict(),
            "F4",
            "F4 by Beam F3: X 6.585 cm, Y 9.5 cm",
        ),
        (
            hotspot_rule_target(side="left").to_dict(),
            "5.5 cm anterior to the left motor hotspot",
            "5.5 cm anterior to the left motor hotspot (hotspot rule)",
        ),
        (
            hotspot_rule_target("5cm", side="right").to_dict(),
            "5 cm anterior to the right motor hotspot",
            "5 cm anterior to the right motor hotspot (hotspot rule)",
        ),
        ({}, "not recorded", "not recorded"),
    ],
)
def test_every_target_method_reads_in_the_clinics_words(
    target: dict[str, object], site: str, described: str
) -> None:
    """A course's stored target, whatever its method, has one site and one description
    (the 5.5 cm rule has no "site" key: the course summary failed on it, issue 14 #9)."""
    assert target_site(target) == site
    assert describe_target(target) == described
