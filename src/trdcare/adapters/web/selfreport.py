"""The patient's side of a self-report link: the link itself is the credential.

The ``patient`` role has exactly one permission, ``self_report.submit``, and holds it only
through an open link: ``LinkHolder`` resolves the token in the path to its link (unknown,
used, expired and revoked links all answer the same 404), audits the read as
``patient:L-...`` and hands the link to the route. A submission must answer every item;
it is scored and stored through the assessments service like any other form, the link is
used up (one conditional UPDATE: of simultaneous submissions exactly one is kept, the
others are refused with ``link_used``), and a positive suicide item raises a dashboard alert until a clinician
acknowledges it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from trdcare.accounts import service as account_service
from trdcare.accounts.domain import PERMISSIONS
from trdcare.adapters.db.models import Patient, SelfReportLink
from trdcare.adapters.web.auth import client_source
from trdcare.adapters.web.db import get_db
from trdcare.assessments import service as assessment_service
from trdcare.assessments.domain import get_scale
from trdcare.core.errors import NotFound

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,100}$")
INVALID_LINK = "link: this link is not valid (it was used, has expired or is unknown)"


@dataclass(frozen=True)
class OpenLink:
    link: SelfReportLink
    patient: Patient
    source: str


class LinkHolder:
    """Dependency: the request's path token opens a valid self-report link."""

    permission = "self_report.submit"

    def __init__(self) -> None:
        assert self.permission in PERMISSIONS

    def __repr__(self) -> str:
        return "LinkHolder('self_report.submit')"

    def __call__(
        self, request: Request, db: Annotated[Session, Depends(get_db, scope="function")]
    ) -> OpenLink:
        token = request.path_params.get("token", "")
        if not isinstance(token, str) or not _TOKEN.match(token):
            raise NotFound(INVALID_LINK)
        source = client_source(request)
        link, patient = account_service.open_link(db, token, source=source)
        return OpenLink(link=link, patient=patient, source=source)


def link_url(request: Request, raw_token: str) -> str:
    """The absolute URL to give the patient (``TRDCARE_PUBLIC_URL`` or this server)."""
    base = request.app.state.settings.public_url or str(request.base_url).rstrip("/")
    return f"{base}/r/{raw_token}"


def submit_self_report(
    db: Session, opened: OpenLink, answers: Mapping[str, int], *, source: str
) -> bool:
    """Score and store the answers, use the link up; return whether suicidal ideation showed."""
    scale = get_scale(opened.link.scale_id)
    account_service.require_complete_answers(scale.item_keys, answers)
    row, result = assessment_service.record_assessment(
        db,
        account_service.link_actor(opened.link, source),
        opened.patient,
        scale.id,
        dict(answers),
        source="self_report",
        course=account_service.link_course(db, opened.link),
    )
    flagged = any(f.code == "suicidal_ideation" for f in result.flags)
    # Last, after every check that can refuse the answers: a refusal leaves the link open.
    account_service.claim_link(db, opened.link)
    account_service.mark_link_used(db, opened.link, assessment_id=row.id, suicidal_ideation=flagged)
    return flagged
