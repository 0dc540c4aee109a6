"""The neurofeedback pages' check-then-write paths under simultaneous requests to a served
app, on SQLite and PostgreSQL: six clinicians starting a session for one patient at once
start one (the process's registry checks and registers under one lock); six stops at once
store the session once (the service takes the patient's lock); six physicians marking one
stored session entered in error at once mark it once (the patient's lock and a conditional
update on the version), the others are refused naming who did. Counts winners, never
timings."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select
from test_nf_retire import three_sessions

from concurrency_support import BURST, ServedApp, at_once, bearer_tokens, served_app
from trdcare.adapters.db.engine import unit_of_work
from trdcare.adapters.db.models import RecordVersion
from trdcare.adapters.db.models.neurofeedback import NfSession
from web_support import add_patient

FIXTURES = (served_app,)


def test_one_session_starts_and_is_stored_once(served_app: ServedApp) -> None:
    ref = add_patient(served_app.engine, "NF-CONC-1")
    tokens = bearer_tokens(served_app, "technician", BURST)
    form = {"source": "synthetic", "protocol": "faa", "baseline_s": "2"}

    def start(i: int) -> tuple[int, str]:
        with served_app.client(headers={"authorization": f"Bearer {tokens[i]}"}) as http:
            r = http.post(f"/patients/{ref}/neurofeedback/start", data=form)
        assert r.status_code < 500, r.text
        return r.status_code, r.headers.get("location", "")

    results = at_once(BURST, start)
    statuses = Counter(status for status, _ in results)
    assert statuses[303] == 1 and statuses[303] + statuses[422] + statuses[409] == BURST
    (live_url,) = [location for status, location in results if status == 303]

    def stop(i: int) -> int:
        with served_app.client(headers={"authorization": f"Bearer {tokens[i]}"}) as http:
            r = http.post(f"{live_url}/stop")
        assert r.status_code < 500, r.text
        return r.status_code

    assert set(at_once(BURST, stop)) == {303}
    with unit_of_work(served_app.engine) as db:
        assert db.scalar(select(func.count()).select_from(NfSession)) == 1


def test_a_session_is_marked_entered_in_error_once(served_app: ServedApp) -> None:
    ref = three_sessions(served_app.engine, "NF-CONC-2")
    tokens = bearer_tokens(served_app, "physician", BURST)
    body = {"reason": "run on the wrong patient", "version": 1}

    def retire(i: int) -> tuple[int, str]:
        with served_app.client(headers={"authorization": f"Bearer {tokens[i]}"}) as http:
            r = http.post(f"/api/v1/patients/{ref}/neurofeedback/sessions/2/retire", json=body)
        assert r.status_code < 500, r.text
        return r.status_code, r.text

    results = at_once(BURST, retire)
    assert Counter(status for status, _ in results) == {200: 1, 409: BURST - 1}, results
    assert all("physician.test" in text for status, text in results if status == 409)
    with unit_of_work(served_app.engine) as db:
        row = db.scalars(select(NfSession).where(NfSession.session_number == 2)).one()
        assert row.version == 2 and row.retired_at is not None
        kept = db.scalar(
            select(func.count())
            .select_from(RecordVersion)
            .where(RecordVersion.table_name == "nf_sessions")
        )
        assert kept == 1
