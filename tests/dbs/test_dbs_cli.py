"""`trdcare dbs charge`: the JSON document, the human table, and bad input exiting 2 with one
plain line naming the field, what is allowed and what was given (never click's or
pydantic's wording). No database is used."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from trdcare.cli import app

runner = CliRunner()


def charge(*args: str) -> Any:
    return runner.invoke(app, ["dbs", "charge", *args])


def ok_json(*args: str) -> dict[str, Any]:
    result = charge(*args, "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert isinstance(doc, dict)
    return doc


def test_current_mode_json_shape_and_values() -> None:
    # 20 mA x 90 µs = 1.8 µC; / 0.06 cm² = 30 µC/cm² (at the rated density: within);
    # k = log10(30 x 1.8) = 1.732.
    doc = ok_json("--amplitude-ma", "20", "--pulse-width-us", "90")
    assert {
        "charge_per_phase_uc",
        "charge_density_uc_per_cm2",
        "shannon_k",
        "within_limits",
    } <= set(doc)
    assert doc["charge_per_phase_uc"] == 1.8
    assert doc["charge_density_uc_per_cm2"] == 30.0
    assert doc["shannon_k"] == pytest.approx(1.7324, abs=1e-4)
    assert doc["within_limits"] is True
    assert [r["rule"] for r in doc["reasons"]] == ["charge", "shannon_k", "rated_charge_density"]
    (used,) = doc["defaults_used"]
    assert used["field"] == "contact_area_cm2" and used["value"] == 0.06
    assert used["lead"] == "Medtronic 3387/3389" and used["status"] == "UNVERIFIED"
    assert used["sources"][0]["citation"]
    assert doc["limits"]["shannon_k"]["value"] == 1.85
    assert doc["limits"]["rated_charge_density_uc_per_cm2"]["status"] == "UNVERIFIED"


def test_voltage_mode_json() -> None:
    # 8 V / 1000 ohm = 8 mA; x 210 µs = 1.68 µC; 28 µC/cm²; k = 1.672 (modalities.md §3.5).
    doc = ok_json("--amplitude-v", "8", "--impedance-ohm", "1000", "--pulse-width-us", "210")
    assert doc["current_ma"] == 8.0 and doc["current_is_estimate"] is True
    assert (doc["charge_per_phase_uc"], doc["charge_density_uc_per_cm2"]) == (1.68, 28.0)
    assert doc["shannon_k"] == pytest.approx(1.6725, abs=1e-4)
    assert doc["within_limits"] is True


def test_past_a_limit_is_not_within_and_exits_0() -> None:
    # 21 mA x 90 µs = 1.89 µC: 31.5 µC/cm², above the rated 30. A verdict, not bad input.
    doc = ok_json("--amplitude-ma", "21", "--pulse-width-us", "90")
    assert doc["within_limits"] is False
    assert doc["within_rated_density"] is False and doc["within_shannon_limit"] is True


def test_given_contact_area_is_used_and_no_default_reported() -> None:
    doc = ok_json("--amplitude-ma", "3", "--pulse-width-us", "90", "--contact-area-cm2", "0.1")
    assert doc["contact_area_cm2"] == 0.1 and doc["defaults_used"] == []
    assert doc["charge_density_uc_per_cm2"] == pytest.approx(2.7)


def test_human_output_is_a_readable_table() -> None:
    result = charge("--amplitude-v", "3.5", "--impedance-ohm", "1000", "--pulse-width-us", "90")
    assert result.exit_code == 0, result.output
    out = result.stdout
    for line in (
        "Charge per phase  0.315 µC",
        "Charge density    5.25 µC/cm² per phase",
        "Shannon k         0.218 (limit 1.85, VERIFIED)",
        "Rated density     30 µC/cm² per phase (UNVERIFIED)",
        "Verdict           within limits",
    ):
        assert line in out, out
    assert "estimate: voltage / impedance" in out
    assert "Default used: contact area 0.06 cm² of the Medtronic 3387/3389 (UNVERIFIED" in out
    assert "None" not in out


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["--amplitude-ma", "3", "--amplitude-v", "3", "--pulse-width-us", "90"],
            "error: amplitude: give one amplitude, not both (allowed: exactly one of "
            "amplitude_ma (current mode) or amplitude_v with impedance_ohm; given: "
            "amplitude_ma 3 and amplitude_v 3)",
        ),
        (
            ["--pulse-width-us", "90"],
            "error: amplitude: is required (allowed: exactly one of amplitude_ma (current "
            "mode) or amplitude_v with impedance_ohm; given: neither)",
        ),
        (
            ["--amplitude-v", "3", "--pulse-width-us", "90"],
            "error: impedance_ohm: is required with a voltage amplitude (the current is "
            "voltage / impedance) (allowed: a number in [100, 10000] ohm; given: no impedance)",
        ),
        (
            ["--amplitude-ma", "40", "--pulse-width-us", "90"],
            "error: amplitude_ma: out of range (allowed: a number in (0, 30] mA; given: 40.0)",
        ),
        (
            ["--amplitude-ma", "3", "--pulse-width-us", "5000"],
            "error: pulse_width_us: out of range (allowed: a number in [10, 1000] µs; "
            "given: 5000.0)",
        ),
        (
            ["--amplitude-ma", "abc", "--pulse-width-us", "90"],
            "error: amplitude_ma: Amplitude (mA) must be a number. (allowed: a number; "
            "given: 'abc')",
        ),
        (
            ["--amplitude-v", "3", "--impedance-ohm", "1k", "--pulse-width-us", "90"],
            "error: impedance_ohm: Impedance (ohm) must be a number. (allowed: a number; "
            "given: '1k')",
        ),
        (
            ["--amplitude-ma", "nan", "--pulse-width-us", "90"],
            "error: amplitude_ma: Amplitude (mA) must be a number. (allowed: a number; "
            "given: 'nan')",
        ),
        (
            ["--amplitude-ma", "3"],
            "error: pulse_width_us: Pulse width (µs) is required.",
        ),
        (
            ["--amplitude-ma", "3", "--pulse-width-us", "90", "--contact-area-cm2", "0"],
            "error: contact_area_cm2: out of range (allowed: a number in (0, 1] cm²; given: 0.0)",
        ),
    ],
)
def test_bad_input_exits_2_with_one_plain_line(args: list[str], expected: str) -> None:
    for extra in ([], ["--json"]):
        result = charge(*args, *extra)
        assert result.exit_code == 2, result.output
        assert result.stdout == ""
        assert result.stderr.strip().splitlines() == [expected]
        for phrase in ("Input should", "Invalid value", "Missing option", "Traceback"):
            assert phrase not in result.stderr
