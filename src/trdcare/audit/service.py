"""Audit use cases: append sealed events to the chains, checkpoint their heads, verify.

Every service that reads or writes patient data calls :func:`record`. Details carry ids,
counts and field names only, never patient data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from trdcare.audit import checkpoint_file
from trdcare.audit.domain import (
    GENESIS_HASH,
    AuditKey,
    ChainBreak,
    ChainHead,
    ChainResult,
    Checkpoint,
    CheckpointRejected,
    ExpectedHead,
    checkpoint_line,
    entry_hash,
    parse_checkpoint_line,
    sign_checkpoint,
    walk_chain,
)
from trdcare.audit.keys import key_for
from trdcare.audit.repository import AuditRepository
from trdcare.core.actor import Actor
from trdcare.core.clock import utc_now

ACTIONS = ("read", "create", "update", "retire", "export", "login", "logout", "denied")


_PENDING_KEY = "trdcare.audit.pending"


@dataclass(frozen=True, slots=True)
class _PendingEvent:
    occurred_at: datetime
    actor: Actor
    action: str
    entity: str
    entity_id: str | None
    patient_ref: str | None
    detail: dict[str, Any]


def record(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    *,
    entity_id: str | int | None = None,
    patient_ref: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Queue one event; it is chained and written when the transaction commits.

    Writing at commit keeps the chain lock (needed so concurrent writers never fork the
    chain) for the moment of the commit only, instead of from the first audited read of a
    request to its end; a rolled-back transaction leaves no event, like its data.
    """
    pending: list[_PendingEvent] = session.info.setdefault(_PENDING_KEY, [])
    pending.append(
        _PendingEvent(
            occurred_at=utc_now(),
            actor=actor,
            action=action,
            entity=entity,
            entity_id=None if entity_id is None else str(entity_id),
            patient_ref=patient_ref,
            detail=dict(detail or {}),
        )
    )


def flush_pending(session: Session) -> int:
    """Chain, seal and insert the queued events of ``session`` (called before every commit)."""
    pending: list[_PendingEvent] = session.info.pop(_PENDING_KEY, [])
    if not pending:
        return 0
    # Without a key nothing is written (the commit fails): an unsealed event would weaken
    # the chain. Looked up before the chain lock is taken.
    key = key_for(session)
    # Write the request's own rows first: the chain lock is then held only for the
    # head read, the event insert and the commit.
    session.flush()
    repo = AuditRepository(session)
    chain = repo.lock_a_chain()
    prev = repo.last_hash(chain)
    rows = []
    for item in pending:
        digest = entry_hash(
            prev,
            occurred_at=item.occurred_at,
            actor=item.actor.username,
            role=item.actor.role,
            source=item.actor.source,
            action=item.action,
            entity=item.entity,
            entity_id=item.entity_id,
            patient_ref=item.patient_ref,
            detail=item.detail,
            key=key,
        )
        rows.append(
            {
                "chain": chain,
                "occurred_at": item.occurred_at,
                "actor": item.actor.username,
                "role": item.actor.role,
                "source": item.actor.source,
                "action": item.action,
                "entity": item.entity,
                "entity_id": item.entity_id,
                "patient_ref": item.patient_ref,
                "detail": item.detail,
                "prev_hash": prev,
                "hash": digest,
                "key_id": key.key_id,
            }
        )
        prev = digest
    repo.add_all(rows)
    return len(rows)


def discard_pending(session: Session) -> None:
    session.info.pop(_PENDING_KEY, None)


@event.listens_for(Session, "before_commit")
def _write_pending_before_commit(session: Session) -> None:
    flush_pending(session)


@event.listens_for(Session, "after_rollback")
def _discard_pending_after_rollback(session: Session) -> None:
    discard_pending(session)


# --- checkpoints and verification -------------------------------------------------------


class CheckpointRefused(RuntimeError):
    """No checkpoint was written: the log or the checkpoint file does not hold (the message
    says where; run `trdcare audit verify`)."""


@dataclass(frozen=True)
class CheckpointFile:
    """The checkpoints read from a file: the trusted ones, and each rejected line."""

    path: Path
    checkpoints: list[Checkpoint]
    problems: list[str]


def read_checkpoints(path: Path, key: AuditKey) -> CheckpointFile:
    checkpoints: list[Checkpoint] = []
    problems: list[str] = []
    for number, line in enumerate(checkpoint_file.read_lines(path), start=1):
        try:
            checkpoints.append(parse_checkpoint_line(line, key))
        except CheckpointRejected as exc:
            problems.append(f"checkpoint file {path}, line {number}: rejected, {exc}")
    return CheckpointFile(path, checkpoints, problems)


def _when(checkpoint: Checkpoint) -> str:
    return checkpoint.written_at.strftime("%Y-%m-%d %H:%M:%S UTC")


def write_checkpoint(
    session: Session,
    path: Path,
    *,
    key: AuditKey | None = None,
    only_if_changed: bool = False,
) -> tuple[Checkpoint, bool]:
    """Sign the current chain heads and append them to ``path``; return it and whether it
    was written (``only_if_changed``: not when every head equals the last checkpoint's).

    Nothing is signed unless the chains still hold: every head of the last checkpoint is
    still in place, and every entry since it links and carries a valid seal (only those are
    read, so a periodic checkpoint stays cheap). Raise :class:`CheckpointRefused` otherwise.
    """
    key = key or key_for(session)
    stored = read_checkpoints(path, key)
    if stored.problems:
        raise CheckpointRefused("; ".join(stored.problems))
    last = stored.checkpoints[-1] if stored.checkpoints else None
    repo = AuditRepository(session)
    chains = set(repo.chains()) | ({h.chain for h in last.heads} if last else set())
    heads: list[ChainHead] = []
    for chain in sorted(chains):
        before = last.head(chain) if last else None
        if last is not None and before is not None:
            _check_still_in_place(repo, before, last)
        start_count = before.count if before else 0
        walked = walk_chain(
            repo.iter_entries(chain, after_id=before.head_id if before else 0),
            key=key,
            start_hash=before.head_hash if before else GENESIS_HASH,
            start_count=start_count,
            # Once a checkpoint exists, nothing after it may be a plain-hash entry.
            plain_allowed_through=(before.head_id if before else 0) if last else None,
        )
        if walked.broken is not None:
            raise CheckpointRefused(
                f"audit chain {chain} is broken at entry {walked.broken.entry_id}: "
                f"{walked.broken.reason}"
            )
        if walked.head_id is not None:
            heads.append(
                ChainHead(chain, walked.head_id, start_count + walked.entries, walked.head_hash)
            )
        elif before is not None:
            heads.append(before)
    if only_if_changed and last is not None and tuple(heads) == last.heads:
        return last, False
    checkpoint = sign_checkpoint(key, utc_now(), heads)
    checkpoint_file.append_line(path, checkpoint_line(checkpoint))
    return checkpoint, True


def _check_still_in_place(repo: AuditRepository, head: ChainHead, checkpoint: Checkpoint) -> None:
    entry = repo.entry(head.head_id)
    if (
        entry is None
        or repo.chain_of(head.head_id) != head.chain
        or entry.hash != head.head_hash
        or repo.count_up_to(head.chain, head.head_id) != head.count
    ):
        raise CheckpointRefused(
            f"audit chain {head.chain} no longer matches the checkpoint of {_when(checkpoint)} at "
            f"entry {head.head_id} (entries deleted or rewritten)"
        )


@dataclass(frozen=True)
class Verification:
    """What `audit verify` read, what it found, and what it can and cannot vouch for."""

    entries: int
    chains: int
    keyed_entries: int
    plain_entries: int
    plain_entries_unanchored: int
    key_id: str | None
    broken: ChainBreak | None
    checkpoint_path: Path | None
    checkpoints: int
    last_checkpoint_at: datetime | None
    entries_after_last_checkpoint: int
    checkpoint_problems: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    not_checked: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return self.broken is None and not self.checkpoint_problems


def _expected_heads(
    checkpoints: list[Checkpoint], problems: list[str]
) -> dict[int, dict[int, ExpectedHead]]:
    """Every checkpointed head by chain and entry id (two checkpoints naming one entry
    differently is itself a problem: they cannot both describe this database)."""
    expected: dict[int, dict[int, ExpectedHead]] = {}
    for checkpoint in checkpoints:
        for head in checkpoint.heads:
            seen = expected.setdefault(head.chain, {}).get(head.head_id)
            if seen is not None and (seen.count, seen.head_hash) != (head.count, head.head_hash):
                problems.append(
                    f"checkpoints of {seen.checkpoint} and {_when(checkpoint)} disagree about "
                    f"entry {head.head_id} (not checkpoints of one database)"
                )
                continue
            expected[head.chain][head.head_id] = ExpectedHead(
                head.head_id, head.count, head.head_hash, _when(checkpoint)
            )
    return expected


def verify(
    session: Session,
    *,
    checkpoint_path: Path | None,
    key: AuditKey | None = None,
    checkpoint_minutes: int | None = None,
) -> Verification:
    """Walk every chain from its first entry and check it against every signed checkpoint
    in ``checkpoint_path`` (None: no checkpoints, and the result says what that leaves out).

    ``checkpoint_minutes`` (how often the server writes one) only shapes the wording.
    """
    key = key or key_for(session)
    repo = AuditRepository(session)
    stored = (
        read_checkpoints(checkpoint_path, key)
        if checkpoint_path is not None
        else CheckpointFile(Path(), [], [])
    )
    problems = list(stored.problems)
    expected = _expected_heads(stored.checkpoints, problems)
    chains = sorted(set(repo.chains()) | set(expected))
    results: dict[int, ChainResult] = {
        chain: walk_chain(
            repo.iter_entries(chain),
            key=key,
            expected_heads=expected.get(chain),
            # Once a checkpoint exists, no plain-hash entry may come after it.
            plain_allowed_through=(
                max(expected.get(chain, {}), default=0) if stored.checkpoints else None
            ),
        )
        for chain in chains
    }
    breaks = [r.broken for r in results.values() if r.broken is not None]
    broken = min(breaks, key=lambda b: b.entry_id, default=None)
    keyed = sum(r.keyed_entries for r in results.values())
    plain = sum(r.plain_entries for r in results.values())
    unanchored = 0
    for chain, result in results.items():
        if result.keyed_entries:
            continue  # the first keyed entry seals the plain ones before it
        newest = max(expected.get(chain, {}).values(), key=lambda h: h.count, default=None)
        unanchored += max(0, result.plain_entries - (newest.count if newest else 0))
    after = sum(
        r.after_checkpoint if expected.get(chain) else r.entries for chain, r in results.items()
    )
    last_at = stored.checkpoints[-1].written_at if stored.checkpoints else None
    entries = sum(r.entries for r in results.values())
    checked, not_checked = _guarantees(
        broken=broken is not None,
        entries=entries,
        chains=len(results),
        keyed=keyed,
        plain=plain,
        unanchored=unanchored,
        key=key,
        stored=stored if checkpoint_path is not None else None,
        after=after,
        checkpoint_minutes=checkpoint_minutes,
    )
    return Verification(
        entries=entries,
        chains=len(results),
        keyed_entries=keyed,
        plain_entries=plain,
        plain_entries_unanchored=unanchored,
        key_id=key.key_id,
        broken=broken,
        checkpoint_path=checkpoint_path,
        checkpoints=len(stored.checkpoints),
        last_checkpoint_at=last_at,
        entries_after_last_checkpoint=after,
        checkpoint_problems=problems,
        checked=checked,
        not_checked=not_checked,
    )


def _guarantees(
    *,
    broken: bool,
    entries: int,
    chains: int,
    keyed: int,
    plain: int,
    unanchored: int,
    key: AuditKey,
    stored: CheckpointFile | None,
    after: int,
    checkpoint_minutes: int | None,
) -> tuple[list[str], list[str]]:
    """The plain-words statement of what this verification vouches for (docs/security.md)."""
    checked = [
        f"links: each of the {entries} entries in {chains} chain(s) follows the entry before "
        "it (an entry removed from the middle of a chain, or reordered, is found)",
        f"seals: {keyed} entries are sealed with the audit key {key.key_id} (HMAC-SHA256); "
        "none was edited, and an edited entry cannot be resealed without the key",
    ]
    if broken:
        checked.insert(
            0,
            "a broken chain was read only up to its first break: what follows holds for the "
            "entries read before it",
        )
    not_checked = []
    if plain:
        anchored = plain - unanchored
        checked.append(
            f"older entries: {plain} entries written before the audit key existed carry plain "
            f"SHA-256 hashes; {anchored} of them are covered by a later keyed entry or a "
            "checkpoint"
        )
        if unanchored:
            not_checked.append(
                f"{unanchored} plain-hash entries are covered by no keyed entry or checkpoint: "
                "a database writer could have rewritten them and recomputed their hashes"
            )
    if stored is not None and stored.checkpoints:
        newest = stored.checkpoints[-1]
        checked.append(
            f"checkpoints: every chain head recorded in the {len(stored.checkpoints)} signed "
            f"checkpoint(s) of {stored.path} (newest {_when(newest)}) is still in its chain, "
            "at its position, with its seal (no entry up to those heads deleted, no "
            "checkpointed chain deleted)"
        )
        every = (
            f" (the server writes one every {checkpoint_minutes} min)" if checkpoint_minutes else ""
        )
        not_checked.append(
            f"entries written after the newest checkpoint ({after} now) can be deleted from "
            "the end of their chain, or a chain begun since then deleted whole, without "
            f"detection until the next checkpoint{every}"
        )
        not_checked.append(
            "the newest checkpoints, or the whole file, can be deleted without a trace in the "
            "file itself: keep a copy of the checkpoint file away from this host"
        )
    else:
        where = f" in {stored.path}" if stored is not None else ""
        not_checked.append(
            f"no signed checkpoint was read{where}: deleting the newest entries of a chain, or "
            "a whole chain, cannot be detected (run `trdcare audit checkpoint`)"
        )
    not_checked.append(
        "someone holding both the audit key and write access to the database and the "
        "checkpoint file can rewrite everything; keep the key where database administrators "
        "cannot read it"
    )
    not_checked.append("reads made directly in the database, outside trdcare, are not in the log")
    return checked, not_checked
