"""A per-transaction memo of repository reads.

A page is put together by several rooms, and each asks for what it needs (the patient's
current TMS plan, courses, assessments): without a memo the same rows are selected two or
three times per request. A repository wraps such a read in :func:`memoized`; the answer is
kept on the session until anything is written (a flush, or an INSERT/UPDATE/DELETE
statement), the transaction ends, or it is rolled back, so a read never returns rows older
than the transaction's own writes.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

T = TypeVar("T")
_MEMO_KEY = "trdcare.read_memo"


def memoized(session: Session, key: Hashable, load: Callable[[], T]) -> T:
    """``load()`` once per transaction for ``key`` (lists come back as fresh copies)."""
    memo: dict[Hashable, Any] = session.info.setdefault(_MEMO_KEY, {})
    if key not in memo:
        memo[key] = load()
    value = memo[key]
    return list(value) if isinstance(value, list) else value  # type: ignore[return-value]


def forget(session: Session) -> None:
    session.info.pop(_MEMO_KEY, None)


@event.listens_for(Session, "after_flush")
def _forget_after_flush(session: Session, _flush_context: Any) -> None:
    forget(session)


@event.listens_for(Session, "after_transaction_end")
def _forget_after_transaction(session: Session, _transaction: Any) -> None:
    forget(session)


@event.listens_for(Session, "do_orm_execute")
def _forget_before_write(state: ORMExecuteState) -> None:
    if not state.is_select:
        forget(state.session)
