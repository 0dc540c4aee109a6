"""The demo clinic's neurofeedback course: one patient without another course trains frontal
alpha asymmetry twice a week over the last four weeks.

Each session is a real run of the live pipeline and session rules (``nf run``'s path:
:func:`trdcare.neurofeedback.preparation.prepare`, :func:`runtime.run`, stored by
:func:`trdcare.neurofeedback.service.record_session`) on one minute of the seeded synthetic
signal, replayed as fast as possible, with a baseline of 20 s and blocks of 20 s (a demo's
length, not a clinical one; the stored header says so). The synthetic asymmetry rises a
little from session to session, so the course page has a learning curve to show; one
session in three carries a burst of muscle artifact. No recording file is kept (the demo
loader has no data folder); the patient is fictitious.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from trdcare.adapters.db.models import Patient
from trdcare.assessments import service as assessment_service
from trdcare.core.actor import Actor
from trdcare.core.clock import utc_now
from trdcare.demo.generator import _answers
from trdcare.neurofeedback import runtime
from trdcare.neurofeedback import service as nf_service
from trdcare.neurofeedback.domain import config
from trdcare.neurofeedback.domain.synthetic import Artifact, spec_with
from trdcare.neurofeedback.preparation import prepare
from trdcare.neurofeedback.schemas import SessionInput
from trdcare.neurofeedback.sources.synthetic import SyntheticSource

#: Which patient without a course gets it (the psilocybin room takes every third from the
#: first; this one is the second).
NEUROFEEDBACK_AT = 2
SESSIONS = 8
_SESSION_TIME = time(15, 0, tzinfo=UTC)


def neurofeedback_course(
    session: Session, actor: Actor, patient: Patient, *, seed: int, today: date
) -> int:
    """Store ``SESSIONS`` demo sessions; returns how many."""
    rng = random.Random(seed)
    first = today - timedelta(days=27)
    days = [first + timedelta(days=(k // 2) * 7 + (k % 2) * 3) for k in range(SESSIONS)]
    for k, day in enumerate(days):
        artifacts = (
            (Artifact("muscle", rng.uniform(25, 50), rng.uniform(1.0, 3.0)),) if k % 3 == 1 else ()
        )
        spec = spec_with(
            seed=seed * 100 + k,
            asymmetry=0.05 + 0.03 * k + rng.uniform(-0.02, 0.02),
            swing=0.25,
            swing_period_s=20.0,
            artifacts=artifacts,
        )
        source = SyntheticSource(spec, realtime=False, duration_s=60.0)
        settings, used = config.pipeline_settings({}, None)
        protocol = config.protocol_from("faa", None, None, None, None, None)
        given = SessionInput(baseline_s=20.0, block_s=20.0, duration_s=60.0)
        prepared = prepare(source, protocol, settings, used, given, realtime=False)
        prepared.header["demo"] = "one minute of the seeded synthetic signal (demo length)"
        result = runtime.run(
            prepared.source,
            prepared.pipeline,
            prepared.session,
            prepared.recorder,
            duration_s=60.0,
            recording_path=None,
        )
        nf_service.record_session(
            session,
            actor,
            patient,
            started_at=datetime.combine(day, _SESSION_TIME),
            header=prepared.header,
            summary=result.summary,
            ended=result.ended,
            recording="",
        )
    # PHQ-9 before the first session, at mid-course and after the last: a modest change, as
    # the pilot evidence would lead one to expect (no efficacy is claimed)
    for on, level in ((first - timedelta(days=2), 0.62), (days[3], 0.58), (days[-1], 0.52)):
        assessment_service.record_assessment(
            session,
            actor,
            patient,
            "phq9",
            _answers(rng, "phq9", level),
            administered_at=min(datetime.combine(on, time(9, 0, tzinfo=UTC)), utc_now()),
        )
    return SESSIONS
