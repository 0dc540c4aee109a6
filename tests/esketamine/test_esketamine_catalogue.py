"""The esketamine catalogue is parsed by its schema at load; a broken entry is refused naming
the file, the entry and the field; every status mark matches the reference."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from trdcare.core.errors import InvalidInput
from trdcare.esketamine.domain import catalogue


def _data() -> Any:
    return copy.deepcopy(catalogue.read())


def test_packaged_file_validates() -> None:
    data = catalogue.load()
    assert data.device.mg_per_device == 28
    assert data.device.rest_between_devices_min == 5
    assert data.observation.minimum_min == 120
    assert data.rems_monitoring_form.submit_within_days == 7
    assert (data.predose_blood_pressure.systolic_above_mmhg, data.predose_blood_pressure.diastolic_above_mmhg) == (140, 90)  # fmt: skip
    assert data.predose_blood_pressure.action == "warning_needs_prescriber_signoff"


def test_status_marks_follow_the_reference() -> None:
    data = catalogue.load()
    # "VERIFIED (secondary wording)" in modalities.md §1.2 is not plain VERIFIED.
    assert data.predose_blood_pressure.status == "SECONDARY"
    assert data.schedule.placement.status == "DESIGN"
    # The label's effective date was not read, so it is empty, and the label is UNVERIFIED.
    assert data.label.effective_date is None
    assert data.label.status == "UNVERIFIED"
    not_applied = {n.id: n.status for n in data.not_applied}
    assert not_applied == {"age_65_start_28mg": "UNVERIFIED", "monotherapy_2025": "UNVERIFIED"}


@pytest.mark.parametrize(
    ("mutate", "path", "words"),
    [
        (lambda d: d["device"].update(mg_per_device="28 mg"), "device.mg_per_device", "whole"),
        (lambda d: d["doses"][0].update(status="SURE"), "doses.0.status", "unknown value"),
        (lambda d: d["doses"][1].update(doses_mg=[56, 70]), "", "devices"),
        (lambda d: d["doses"][2].update(sources=["nowhere"]), "", "unknown source"),
        (lambda d: d["observation"].update(minimum_minutes=120), "observation.minimum_minutes",
         "not a field"),
        (lambda d: d["doses"].append(copy.deepcopy(d["doses"][0])), "", "given twice"),
        (lambda d: d["predose_blood_pressure"].update(action="block"),
         "predose_blood_pressure.action", "unknown value"),
    ],
)  # fmt: skip
def test_broken_entries_are_refused_naming_the_field(mutate: Any, path: str, words: str) -> None:
    data = _data()
    mutate(data)
    with pytest.raises(InvalidInput) as info:
        catalogue.validate(data)
    issue = info.value.issues[0]
    assert issue.path == path
    assert "esketamine.json" in issue.message
    assert words in issue.message
