"""`trdcare nf analyze`: the JSON contract of issue 11 (per-window values and a summary with
windows, rejected_windows and mean_feature over accepted windows; every default printed),
and bad input exiting 2 with one plain line naming the field."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from nf_recordings import BLINKS, REST, eeg_file
from typer.testing import CliRunner

from trdcare.cli import app

runner = CliRunner()


def analyze(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["nf", "analyze", *args])


def ok_json(*args: str) -> dict:  # type: ignore[type-arg]
    result = analyze(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_json_contract_on_real_eeg() -> None:
    doc = ok_json(str(eeg_file(REST)), "--protocol", "faa", "--channels", "F3,F4")
    assert {"windows", "rejected_windows", "mean_feature"} <= set(doc["summary"])
    assert doc["windows"] == doc["summary"]["windows"] == len(doc["per_window"])
    assert doc["windows"] == (182 * 500 - 500) // 50 + 1
    accepted = [w["feature"] for w in doc["per_window"] if w["accepted"]]
    assert doc["rejected_windows"] == doc["windows"] - len(accepted)
    assert doc["mean_feature"] == pytest.approx(np.mean(accepted), rel=1e-12)
    assert doc["settings"]["window_s"] == 1.0 and doc["settings"]["hop_s"] == 0.1
    assert doc["settings"]["reference"] == "as_recorded"
    # every default is printed with its status; the literature ones are UNVERIFIED
    assert doc["defaults"]["band_hz"]["value"] == [8.0, 13.0]
    assert doc["defaults"]["reference"]["value"] == "as_recorded"
    assert {"window_s", "hop_s", "amplitude_uv", "band_hz"} <= set(doc["defaults"])
    assert "amplitude_uv" in doc["unverified_defaults"]
    assert doc["protocol"]["formula"] == "ln alpha(F4) - ln alpha(F3)"


def test_stated_choices_are_not_listed_as_defaults() -> None:
    doc = ok_json(
        str(eeg_file(REST)),
        "--channels",
        "F7,F8",
        "--reference",
        "average",
        "--band",
        "8-12",
        "--hop-s",
        "0.5",
    )
    assert "reference" not in doc["defaults"] and "band_hz" not in doc["defaults"]
    assert "hop_s" not in doc["defaults"] and "channels" not in doc["defaults"]
    assert doc["protocol"]["channels"] == ["F7", "F8"]
    assert doc["settings"]["reference"] == "average"
    assert doc["windows"] == (182 * 500 - 500) // 250 + 1


def test_blink_recording_reports_rejections_and_the_human_output() -> None:
    doc = ok_json(str(eeg_file(BLINKS)))
    assert doc["rejected_windows"] > 0
    assert doc["summary"]["rejected_by"]["blink"] > 0
    text = analyze(str(eeg_file(BLINKS))).output
    assert "rejected by: " in text and "default band_hz" in text and "UNVERIFIED" in text


def test_ratio_and_alpha_theta_protocols() -> None:
    doc = ok_json(str(eeg_file(REST)), "--protocol", "alpha_theta", "--channels", "O1")
    assert doc["protocol"]["numerator_hz"] == [4.0, 8.0]
    assert doc["mean_feature"] > 0
    doc = ok_json(
        str(eeg_file(REST)),
        "--protocol",
        "ratio",
        "--channels",
        "Cz",
        "--numerator",
        "12-15",
        "--denominator",
        "4-8",
    )
    assert doc["protocol"]["kind"] == "ratio"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--channels", "F3,Fx"], "no channel Fx"),
        (["--channels", "F3"], "two different channels"),
        (["--protocol", "beta"], "unknown protocol"),
        (["--reference", "mastoid"], "unknown reference"),
        (["--reference", "linked_ears"], "A1 and A2"),
        (["--window-s", "abc"], "must be a number"),
        (["--window-s", "-1"], "Window (s)"),
        (["--band", "13-8"], "low edge"),
        (["--hop-s", "2"], "hop_s"),
        (
            [
                "--protocol",
                "ratio",
                "--channels",
                "Cz",
                "--numerator",
                "300-400",
                "--denominator",
                "4-8",
            ],
            "too low for this band",
        ),
        (["--protocol", "ratio"], "custom ratio needs"),
        (["--notch-hz", "300"], "notch_hz"),
    ],
)
def test_bad_input_exits_2_with_one_plain_line(args: list[str], words: str) -> None:
    result = analyze(str(eeg_file(REST)), *args)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and words in lines[0], lines
    assert result.stdout == ""


def test_a_file_that_is_not_edf(tmp_path: Path) -> None:
    bad = tmp_path / "notes.edf"
    bad.write_text("hello, this is not a recording\n")
    result = analyze(str(bad))
    assert result.exit_code == 2
    assert "is not an EDF, EDF+ or BDF recording" in result.stderr
    truncated = tmp_path / "cut.edf"
    truncated.write_bytes(eeg_file(REST).read_bytes()[:300])
    result = analyze(str(truncated))
    assert result.exit_code == 2 and "file:" in result.stderr
    assert analyze(str(tmp_path / "none.edf")).exit_code == 2
