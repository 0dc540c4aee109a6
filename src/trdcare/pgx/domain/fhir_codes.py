"""The pgx room's FHIR codes (``pgx/domain/data/fhir_codes.json``): every code system URL,
code and extension URL its FHIR export uses, each with the address it was read at and its
status (:mod:`trdcare.core.codes`; an UNVERIFIED one is sent as text only)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from trdcare.core.codes import CodesFile
from trdcare.core.datafiles import parse_data_file


@cache
def load() -> CodesFile:
    text = resources.files("trdcare.pgx.domain").joinpath("data").joinpath("fhir_codes.json")
    data = json.loads(text.read_text("utf-8"))
    return parse_data_file(CodesFile, data, file="pgx/domain/data/fhir_codes.json")
