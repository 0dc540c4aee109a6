"""The base of every output model: what an API route (and the CLI's ``--json``) returns.

A route declares what it returns with a model built on :class:`ResponseModel`, so the OpenAPI
document (``/api/v1/openapi.json``) describes each answer and FastAPI checks the answer
against it. Models read domain results and database rows by attribute (``from_attributes``);
a key a room adds later is passed through (``extra="allow"``) rather than silently dropped,
and the schema test (tests/adapters/web/test_web_openapi.py) holds every route to a model.
The input side is :mod:`trdcare.core.inputs`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, PlainSerializer

Number = int | float
"""A measured quantity: a whole number stays whole in the JSON (3000, not 3000.0)."""


def _iso(moment: datetime) -> str:
    return moment.isoformat()


IsoDateTime = Annotated[datetime, PlainSerializer(_iso, return_type=str)]
"""A timestamp written as Python's ISO 8601 (``2025-01-06T09:00:00+00:00``)."""


class ResponseModel(BaseModel):
    model_config = ConfigDict(extra="allow", from_attributes=True, populate_by_name=True)
