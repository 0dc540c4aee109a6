from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trdcare.audit.domain import (
    GENESIS_HASH,
    AuditEntry,
    AuditKey,
    ChainHead,
    CheckpointRejected,
    ExpectedHead,
    checkpoint_line,
    entry_hash,
    parse_checkpoint_line,
    sign_checkpoint,
    verify_chain,
    walk_chain,
)


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


# --- keyed seals and signed checkpoints (issue 14, finding 3) ----------------------------

KEY = AuditKey(b"k" * 48)
OTHER = AuditKey(b"o" * 48)


def make_keyed_chain(n: int, key: AuditKey = KEY) -> list[AuditEntry]:
    chain = []
    prev = GENESIS_HASH
    for entry in make_chain(n):
        fields = {
            "occurred_at": entry.occurred_at,
            "actor": entry.actor,
            "role": entry.role,
            "source": entry.source,
            "action": entry.action,
            "entity": entry.entity,
            "entity_id": entry.entity_id,
            "patient_ref": entry.patient_ref,
            "detail": entry.detail,
        }
        digest = entry_hash(prev, key=key, **fields)  # type: ignore[arg-type]
        chain.append(replace(entry, prev_hash=prev, hash=digest, key_id=key.key_id))
        prev = digest
    return chain


def reseal_plain(chain: list[AuditEntry], start: int, *, drop_key_id: bool) -> list[AuditEntry]:
    """Recompute the hashes from ``start`` on with the plain function (no key)."""
    out = chain[:start]
    prev = chain[start - 1].hash if start else GENESIS_HASH
    for entry in chain[start:]:
        digest = entry_hash(
            prev,
            occurred_at=entry.occurred_at,
            actor=entry.actor,
            role=entry.role,
            source=entry.source,
            action=entry.action,
            entity=entry.entity,
            entity_id=entry.entity_id,
            patient_ref=entry.patient_ref,
            detail=entry.detail,
        )
        key_id = None if drop_key_id else entry.key_id
        out.append(replace(entry, prev_hash=prev, hash=digest, key_id=key_id))
        prev = digest
    return out


def test_the_key_is_named_but_never_shown() -> None:
    assert len(KEY.key_id) == 16 and KEY.key_id != OTHER.key_id
    assert "k" * 10 not in repr(KEY)
    with pytest.raises(ValueError, match="at least 32 bytes"):
        AuditKey(b"short")


def test_a_keyed_chain_verifies_only_with_its_key() -> None:
    chain = make_keyed_chain(8)
    assert verify_chain(chain, key=KEY) is None
    wrong = verify_chain(chain, key=OTHER)
    assert wrong is not None and wrong.entry_id == 1 and "wrong key" in wrong.reason
    none = verify_chain(chain)
    assert none is not None and "no audit key is set" in none.reason


def test_an_edit_resealed_with_the_plain_hash_is_found() -> None:
    chain = make_keyed_chain(8)
    chain[3] = replace(chain[3], actor="intruder")
    broken = verify_chain(reseal_plain(chain, 3, drop_key_id=False), key=KEY)
    assert broken is not None and broken.entry_id == 4 and "edited" in broken.reason
    downgraded = verify_chain(reseal_plain(chain, 3, drop_key_id=True), key=KEY)
    assert downgraded is not None and downgraded.entry_id == 4
    assert "plain-hash entry follows keyed entries" in downgraded.reason


def test_plain_entries_before_the_key_are_sealed_by_the_first_keyed_entry() -> None:
    plain = make_chain(3)
    keyed = make_keyed_chain(3)
    # The keyed part continues the plain chain: re-link it onto the plain head.
    joined = plain + reseal_keyed(keyed, plain[-1].hash, first_id=4)
    result = walk_chain(joined, key=KEY)
    assert result.broken is None and (result.plain_entries, result.keyed_entries) == (3, 3)
    edited = [*joined]
    edited[1] = replace(edited[1], actor="intruder")
    rehashed = reseal_plain(edited, 1, drop_key_id=True)[:3] + joined[3:]
    broken = walk_chain(rehashed, key=KEY).broken
    assert broken is not None and broken.entry_id == 4 and "removed" in broken.reason


def reseal_keyed(chain: list[AuditEntry], prev: str, *, first_id: int) -> list[AuditEntry]:
    out = []
    for offset, entry in enumerate(chain):
        digest = entry_hash(
            prev,
            occurred_at=entry.occurred_at,
            actor=entry.actor,
            role=entry.role,
            source=entry.source,
            action=entry.action,
            entity=entry.entity,
            entity_id=entry.entity_id,
            patient_ref=entry.patient_ref,
            detail=entry.detail,
            key=KEY,
        )
        out.append(replace(entry, id=first_id + offset, prev_hash=prev, hash=digest))
        prev = digest
    return out


def test_checkpointed_heads_must_still_be_there() -> None:
    chain = make_keyed_chain(10)
    heads = {6: ExpectedHead(6, 6, chain[5].hash, "yesterday")}
    result = walk_chain(chain, key=KEY, expected_heads=heads)
    assert result.broken is None and result.after_checkpoint == 4
    truncated = walk_chain(chain[:4], key=KEY, expected_heads=heads)
    assert truncated.broken is not None and truncated.broken.entry_id == 6
    assert "deleted from the end of the chain" in truncated.broken.reason
    gone = walk_chain([], key=KEY, expected_heads=heads)
    assert gone.broken is not None and "or the whole chain" in gone.broken.reason
    moved = {6: ExpectedHead(6, 5, chain[5].hash, "yesterday")}
    shifted = walk_chain(chain, key=KEY, expected_heads=moved)
    assert shifted.broken is not None and "differs from the checkpoint" in shifted.broken.reason


def test_a_checkpoint_line_is_trusted_only_with_its_signature() -> None:
    written_at = datetime(2026, 12, 5, 8, tzinfo=UTC)
    checkpoint = sign_checkpoint(
        KEY, written_at, [ChainHead(1, 9, 4, "a" * 64), ChainHead(0, 7, 5, "b" * 64)]
    )
    line = checkpoint_line(checkpoint)
    assert parse_checkpoint_line(line, KEY) == checkpoint
    assert checkpoint.entries == 9 and checkpoint.head(1) == ChainHead(1, 9, 4, "a" * 64)
    tampered = json.loads(line)
    tampered["chains"][0]["count"] = 3
    with pytest.raises(CheckpointRejected, match="signature does not match"):
        parse_checkpoint_line(json.dumps(tampered), KEY)
    with pytest.raises(CheckpointRejected, match="not with the configured key"):
        parse_checkpoint_line(line, OTHER)
    # A forger who knows the format but not the key: right key id, wrong signature.
    forged = json.loads(checkpoint_line(sign_checkpoint(OTHER, written_at, [])))
    forged["key_id"] = KEY.key_id
    with pytest.raises(CheckpointRejected, match="signature does not match"):
        parse_checkpoint_line(json.dumps(forged), KEY)
    for junk in ("not json", "[]", '{"format": "trdcare-audit-checkpoint/1"}'):
        with pytest.raises(CheckpointRejected):
            parse_checkpoint_line(junk, KEY)


def test_no_plain_entry_after_the_checkpointed_head() -> None:
    plain = make_chain(4)
    assert walk_chain(plain, key=KEY, plain_allowed_through=4).broken is None
    broken = walk_chain(plain, key=KEY, plain_allowed_through=2).broken
    assert broken is not None and broken.entry_id == 3 and "forged" in broken.reason
    unknown_chain = walk_chain(plain, key=KEY, plain_allowed_through=0).broken
    assert unknown_chain is not None and unknown_chain.entry_id == 1
