"""Helpers of the neurofeedback tests: the real PhysioNet recordings in ../shared/data/eeg
(skipped when absent, failed under CI), each read once per run."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from conftest import shared_path
from trdcare.neurofeedback.sources.files import Recording, read_recording

REST = "eegmat_Subject00_1_rest.edf"
TASK = "eegmat_Subject04_2_task.edf"
BLINKS = "eegmmidb_S001R01_eyes_open.edf"


def eeg_file(name: str) -> Path:
    return shared_path("data", "eeg", name)


@cache
def _read(name: str) -> Recording:
    return read_recording(eeg_file(name))


def recording(name: str) -> Recording:
    eeg_file(name)  # skip or fail before the cache, each time
    return _read(name)
