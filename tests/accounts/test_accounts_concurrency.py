"""Single-use and check-then-write paths of the accounts room under simultaneous requests
to a served app, on SQLite and PostgreSQL: a self-report link is used exactly once, the
sign-in lockout checks no more passwords than its limit, a link revoked while answered ends
either used or revoked (the alert acknowledgement's test
is tests/assessments/test_alert_concurrency.py). The assertions count winners, never timings."""

from __future__ import annotations

from collections import Counter

import httpx
from sqlalchemy import func, select

from concurrency_support import BURST, ServedApp, at_once, bearer_tokens, served_app
from trdcare.accounts import service as account_service
from trdcare.accounts.domain import LOCKOUT_POLICY
from trdcare.adapters.db.engine import unit_of_work
from trdcare.adapters.db.models import Assessment, AuditEvent, Patient, SelfReportLink
from trdcare.adapters.web.security import csrf_token
from web_support import SECRET, SETUP, add_patient, csrf_from, username_for

FIXTURES = (served_app,)
PHQ9 = {str(i): 1 for i in range(1, 10)}
LINK_BURST = 12


def _links(app: ServedApp, count: int) -> tuple[str, list[tuple[str, str]]]:
    """A patient and ``count`` open PHQ-9 links: (link ref, token) each."""
    ref = add_patient(app.engine)
    links = []
    with unit_of_work(app.engine) as session:
        patient = session.scalars(select(Patient).where(Patient.ref == ref)).one()
        for _ in range(count):
            link, raw = account_service.create_link(
                session, SETUP, patient, "phq9", expires_in_hours=24
            )
            links.append((link.ref, raw))
    return ref, links


def test_a_self_report_link_is_used_exactly_once(served_app: ServedApp) -> None:
    """Finding 1 of issue 14: 12 simultaneous answers to one link were accepted 4-8 times on
    PostgreSQL. Exactly one wins, through the API or the patient's page; every other gets
    an answer saying the link is no longer valid, and nothing of theirs is stored."""
    _, links = _links(served_app, 2)
    for i, (link_ref, token) in enumerate(links):
        via_page = i == 1

        def submit(
            _: int, link_ref: str = link_ref, token: str = token, via_page: bool = via_page
        ) -> httpx.Response:
            with served_app.client() as http:
                if via_page:
                    form = {f"item_{k}": str(v) for k, v in PHQ9.items()}
                    form["csrf_token"] = csrf_token(SECRET, "self_report", link_ref)
                    return http.post(f"/r/{token}", data=form)
                return http.post(f"/api/v1/self-report/{token}", json={"answers": PHQ9})

        answers = at_once(LINK_BURST, submit)
        statuses = Counter(r.status_code for r in answers)
        assert statuses[200] == 1, statuses
        assert set(statuses) <= {200, 404, 409}, statuses
        for refused in (r for r in answers if r.status_code != 200):
            if via_page:
                assert "this link was used" in refused.text or "not valid" in refused.text
            else:
                assert refused.json()["detail"].startswith("link: this link"), refused.text
    with unit_of_work(served_app.engine) as session:
        saved = session.scalar(select(func.count()).select_from(Assessment))
        used = session.scalars(select(SelfReportLink.assessment_id)).all()
    assert saved == len(links)
    assert None not in used and len(set(used)) == len(links)


def test_simultaneous_wrong_passwords_check_no_more_than_the_limit(
    served_app: ServedApp,
) -> None:
    """Finding 2 of issue 14: 20 simultaneous wrong passwords for one user, each from its own
    address, had 28 passwords checked before the lock (limit 5). Exactly the limit are
    checked; every other attempt is refused as locked without checking its password."""
    attempts = 20
    limit = LOCKOUT_POLICY.user_max_failures
    browsers = [served_app.client(follow_redirects=False) for _ in range(attempts)]
    try:
        forms = [csrf_from(b.get("/login").text) for b in browsers]

        def sign_in(i: int) -> httpx.Response:
            return browsers[i].post(
                "/login",
                data={
                    "csrf_token": forms[i],
                    "username": username_for("physician"),
                    "password": f"wrong guess number {i}",
                },
                headers={"X-Forwarded-For": f"198.51.100.{i + 1}"},
            )

        answers = at_once(attempts, sign_in)
    finally:
        for b in browsers:
            b.close()
    statuses = Counter(r.status_code for r in answers)
    assert set(statuses) <= {401, 429}, statuses
    with unit_of_work(served_app.engine) as session:
        reasons = Counter(
            d["reason"]
            for d in session.scalars(
                select(AuditEvent.detail).where(
                    AuditEvent.action == "denied", AuditEvent.entity == "login"
                )
            )
        )
    assert reasons == {"invalid": limit, "locked": attempts - limit}, reasons
    assert statuses == {401: limit - 1, 429: attempts - limit + 1}, statuses


def test_a_link_revoked_while_answered_ends_either_used_or_revoked(
    served_app: ServedApp,
) -> None:
    """A revocation racing the patient's answers: the link ends used (the answers kept, the
    revocation a no-op) or revoked (nothing kept), never both."""
    ref, [(link_ref, token)] = _links(served_app, 1)
    (staff_token,) = bearer_tokens(served_app, "front_desk", 1)

    def act(i: int) -> int:
        with served_app.client() as http:
            if i == 0:
                url = f"/api/v1/patients/{ref}/self-report-links/{link_ref}/revoke"
                r = http.post(url, headers={"authorization": f"Bearer {staff_token}"})
            else:
                r = http.post(f"/api/v1/self-report/{token}", json={"answers": PHQ9})
        assert r.status_code < 500, r.text
        return r.status_code

    statuses = Counter(at_once(BURST, act))
    with unit_of_work(served_app.engine) as session:
        link = session.scalars(select(SelfReportLink)).one()
        saved = session.scalar(select(func.count()).select_from(Assessment))
    if link.used_at is not None:
        assert (link.revoked_at, saved, statuses[200]) == (None, 1, 2), statuses
    else:
        assert link.revoked_at is not None and saved == 0 and statuses[200] == 1, statuses
