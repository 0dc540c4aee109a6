"""Input models of the assessments room, shared by the API, the page forms and the CLI.

A page form names each answer ``item_<key>`` (one radio group per question); the models
gather those fields into ``answers`` so the form and the JSON body are parsed by one model.
An unanswered question is simply absent; which absences are acceptable is the scale's rule
(a staff form may be incomplete; a self-report must be complete; none may be empty).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

from pydantic import Field, model_validator

from trdcare.assessments.domain import SCALE_IDS
from trdcare.core.inputs import NOTE_MAX_CHARS, ClinicalNote, InputModel

FORM_ITEM_PREFIX = "item_"
MAX_ITEMS = 40  # more than any catalogued scale has (HAM-D17 form: 21 with sub-items)


class _AnswersInput(InputModel):
    # "items.<key>" is how the scale's own rules name a question (assessments.domain.scoring).
    item_labels: ClassVar[dict[str, str]] = {"answers": "Question {key}", "items": "Question {key}"}

    answers: dict[str, int] = Field(
        default_factory=dict,
        max_length=MAX_ITEMS,
        title="Answers",
        description="Item key ('1'..'n') to answer value; unanswered items are left out",
    )

    @model_validator(mode="before")
    @classmethod
    def _answers_from_form(cls, data: Any) -> Any:
        """``item_9=1`` (a page form's radio group) -> ``answers["9"] = 1``."""
        if not isinstance(data, Mapping) or "answers" in data:
            return data
        answers = {
            key[len(FORM_ITEM_PREFIX) :]: value
            for key, value in data.items()
            if isinstance(key, str) and key.startswith(FORM_ITEM_PREFIX)
        }
        if not answers:
            return data
        rest = {k: v for k, v in data.items() if not str(k).startswith(FORM_ITEM_PREFIX)}
        return {**rest, "answers": answers}


class Answers(_AnswersInput):
    scale: str = Field(
        min_length=1, max_length=20, title="Scale", description=f"One of {', '.join(SCALE_IDS)}"
    )


class AssessmentCreate(Answers):
    administered_at: datetime | None = Field(
        default=None,
        title="Date and time given",
        description="When it was given (default: now); not in the future",
    )
    course: str | None = Field(
        default=None, max_length=20, title="Course", description="Course ref (C-...) it belongs to"
    )


class SelfReportAnswers(_AnswersInput):
    """A patient's answers through a self-report link: every question must be answered."""


ALERT_NOTE_MIN_CHARS = 3
ALERT_NOTE_MAX_CHARS = NOTE_MAX_CHARS


class AlertAcknowledgement(InputModel):
    """A clinician's acknowledgement of a suicidality alert: what was reviewed and done."""

    note: ClinicalNote = Field(
        min_length=ALERT_NOTE_MIN_CHARS,
        title="What was reviewed and done",
        description="What was reviewed and done (contact, risk assessment, safety plan)",
    )
