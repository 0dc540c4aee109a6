"""The neurofeedback pages' check-then-write paths under simultaneous requests to a served
app, on SQLite and PostgreSQL: six clinicians starting a session for one patient at once
start one (the process's registry checks and registers under one lock); six stops at once
store the session once (the service takes the patient's lock). Counts winners, never
timings."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from concurrency_support import BURST, ServedApp, at_once, bearer_tokens, served_app
from trdcare.adapters.db.engine import unit_of_work
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
