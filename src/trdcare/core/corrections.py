"""Corrections and entered-in-error: the reason every change to a kept record must give.

A clinical record is never overwritten or deleted: a correction is a new version and the
old one is kept with who, when and why; a record entered in error (or a course cancelled)
is retired with a reason. This module holds the pure rule for that reason, shared by the
API, the pages and the CLI so each says the same thing.

References
----------
.. [1] Issue #14 finding 10 (clinic workflow: DESIGN). Records are never lost:
   docs/architecture.md, "Records are never lost".
"""

from __future__ import annotations

from trdcare.core.errors import InvalidInput, IssueCollector

#: Shortest reason accepted: a word, not a keystroke ("x").
REASON_MIN_CHARS = 3
#: Longest reason kept (the stored column holds 500 with its "entered in error: " prefix).
REASON_MAX_CHARS = 400


def correction_reason(
    reason: str | None, *, field: str = "reason", issues: IssueCollector | None = None
) -> str:
    """The stripped reason for a correction, cancellation or entered-in-error.

    Raises
    ------
    InvalidInput
        Missing, shorter than :data:`REASON_MIN_CHARS` or longer than
        :data:`REASON_MAX_CHARS` characters (collected into ``issues`` when given).

    Examples
    --------
    >>> correction_reason("  wrong patient ")
    'wrong patient'
    """
    text = (reason or "").strip()
    allowed = f"why, in {REASON_MIN_CHARS} to {REASON_MAX_CHARS} characters"
    problem = None
    if len(text) < REASON_MIN_CHARS:
        problem = "is required: say why the record is changed"
    elif len(text) > REASON_MAX_CHARS:
        problem = "is too long"
    if problem is None:
        return text
    given = f"{len(text)} characters" if text else None
    if issues is not None:
        issues.add(field, problem, allowed=allowed, given=given)
        return text
    raise InvalidInput.single(field, problem, allowed=allowed, given=given)
