"""Read the packaged neurofeedback defaults (``domain/data/neurofeedback.json``).

Every default carries its source and status; :func:`default` gives the number and
:func:`provenance` what to print beside it (UNVERIFIED figures are labelled as such).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from trdcare.core.datafiles import parse_data_file
from trdcare.core.provenance import JSONDict
from trdcare.neurofeedback.domain.data_schema import NeurofeedbackFile, Setting

FILE = "neurofeedback.json"


def read() -> Any:
    """The JSON document of the packaged defaults, not yet validated."""
    text = (
        resources.files("trdcare.neurofeedback.domain")
        .joinpath("data")
        .joinpath(FILE)
        .read_text("utf-8")
    )
    return json.loads(text)


def validate(data: object) -> NeurofeedbackFile:
    """Parse ``data`` as the defaults file; refuse it naming file, entry and field."""
    return parse_data_file(NeurofeedbackFile, data, file=FILE)


@cache
def load() -> NeurofeedbackFile:
    return validate(read())


def setting(name: str) -> Setting:
    for entry in load().settings:
        if entry.id == name:
            return entry
    raise KeyError(name)


def default(name: str) -> float:
    """The packaged default ``name`` (a key of the file's ``settings``)."""
    return setting(name).value


def provenance(name: str) -> JSONDict:
    """``{"value", "unit", "status", "source"}`` of one default, for output and storage."""
    entry = setting(name)
    sources = load().sources
    cited = sources[entry.source] + (f"; {sources[entry.also]}" if entry.also else "")
    return {"value": entry.value, "unit": entry.unit, "status": entry.status, "source": cited}
