from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from trdcare.audit.domain import GENESIS_HASH, AuditEntry, entry_hash, verify_chain


def make_chain(n: int) -> list[AuditEntry]:
    entries = []
    prev = GENESIS_HASH
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(1, n + 1):
        fields = {
            "occurred_at": t0 + timedelta(seconds=i),
            "actor": "nurse",
            "role": "clinician",
            "source": "cli",
            "action": "read",
            "entity": "patient",
            "entity_id": str(i),
            "patient_ref": "P-0000000001",
            "detail": {"purpose": "view", "n": i},
        }
        digest = entry_hash(prev, **fields)  # type: ignore[arg-type]
        entries.append(AuditEntry(id=i, prev_hash=prev, hash=digest, **fields))  # type: ignore[arg-type]
        prev = digest
    return entries


def test_intact_chain_verifies() -> None:
    assert verify_chain(make_chain(20)) is None
    assert verify_chain([]) is None


def test_edited_entry_is_named() -> None:
    chain = make_chain(10)
    chain[4] = replace(chain[4], actor="intruder")
    broken = verify_chain(chain)
    assert broken is not None and broken.entry_id == 5 and "edited" in broken.reason


def test_deleted_entry_breaks_the_next_link() -> None:
    chain = make_chain(10)
    del chain[3]
    broken = verify_chain(chain)
    assert broken is not None and broken.entry_id == 5 and "removed" in broken.reason


@given(st.integers(min_value=1, max_value=15), st.data())
def test_any_single_edit_is_detected(n: int, data: st.DataObject) -> None:
    chain = make_chain(n)
    index = data.draw(st.integers(min_value=0, max_value=n - 1))
    chain[index] = replace(chain[index], detail={"tampered": True})
    broken = verify_chain(chain)
    assert broken is not None and broken.entry_id == index + 1
