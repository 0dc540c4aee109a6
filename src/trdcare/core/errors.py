"""The single error model of trdcare.

Three kinds of error are never mixed (see docs/architecture.md):

* request validation (pydantic at the edges) -> HTTP 422 / CLI exit 2;
* domain-rule violations: :class:`DomainError` subclasses with a stable ``code``;
* programming errors -> HTTP 500, logged without patient data.

Every message names the field, what is allowed and what was given.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import ClassVar


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem with one field of an input.

    Parameters
    ----------
    path : str
        Dotted path of the field, e.g. ``"antidepressant_trials.0.end"``.
    message : str
        What is wrong, in the clinic's words.
    allowed : str | None
        What would have been accepted (range, options).
    given : str | None
        What was given, already rendered as text (never a whole patient record).
    """

    path: str
    message: str
    allowed: str | None = None
    given: str | None = None

    def render(self) -> str:
        text = f"{self.path}: {self.message}" if self.path else self.message
        details = []
        if self.allowed is not None:
            details.append(f"allowed: {self.allowed}")
        if self.given is not None:
            details.append(f"given: {self.given}")
        if details:
            text += " (" + "; ".join(details) + ")"
        return text


class DomainError(Exception):
    """Base of every expected, explainable error.

    ``code`` is stable (clients may switch on it); ``status`` is the HTTP status the web
    adapter uses. ``issues`` carries one entry per offending field.
    """

    code: ClassVar[str] = "domain_error"
    status: ClassVar[int] = 422
    title: ClassVar[str] = "The request breaks a clinical or data rule"

    def __init__(self, message: str, *, issues: Sequence[Issue] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.issues: tuple[Issue, ...] = tuple(issues)

    def render(self) -> str:
        """One line for a terminal: the first issue (with the count of others)."""
        if not self.issues:
            return self.message
        first = self.issues[0].render()
        if len(self.issues) > 1:
            first += f" (and {len(self.issues) - 1} more)"
        return first


class InvalidInput(DomainError):
    """Input that is well-formed but not acceptable (out of range, unknown option...)."""

    code = "invalid_input"
    status = 422
    title = "Invalid input"

    @classmethod
    def single(
        cls, path: str, message: str, *, allowed: str | None = None, given: object = None
    ) -> InvalidInput:
        issue = Issue(path, message, allowed, None if given is None else render_given(given))
        return cls(issue.render(), issues=[issue])


class NotFound(DomainError):
    code = "not_found"
    status = 404
    title = "Not found"


class Conflict(DomainError):
    """The request is valid but conflicts with the current state of the record."""

    code = "conflict"
    status = 409
    title = "Conflict with the current record"


class PermissionDenied(DomainError):
    code = "permission_denied"
    status = 403
    title = "Not permitted for this role"


class Contraindicated(DomainError):
    """A treatment step is refused because of an absolute contraindication."""

    code = "contraindicated"
    status = 409
    title = "Contraindicated"


class SafetyLimitExceeded(DomainError):
    """A stimulation or dosing parameter is past a published safety limit."""

    code = "safety_limit_exceeded"
    status = 409
    title = "Safety limit exceeded"


# "mrn: a patient with this MRN already exists": a message that names its field first.
_NAMED_MESSAGE = re.compile(r"^([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*): (.+)$", re.S)


def message_issue(message: str) -> Issue:
    """An error's one-line message as an issue: ``"mrn: a patient ..."`` -> path ``mrn``.

    A message that names no field first (``"no open threshold hunt: ..."``) is one issue about
    the whole input, with its first letter capitalised to read as a sentence.
    """
    named = _NAMED_MESSAGE.match(message)
    if named:
        return Issue(named.group(1), named.group(2))
    return Issue("", message[:1].upper() + message[1:])


def render_given(value: object, max_len: int = 60) -> str:
    """Render a given value for an error message, shortened."""
    text = repr(value) if isinstance(value, str) else str(value)
    if len(text) > max_len:
        text = text[: max_len - 3] + "..."
    return text


@dataclass
class IssueCollector:
    """Collect every issue of a whole record, then raise once (Medplum's validator style).

    Examples
    --------
    >>> issues = IssueCollector()
    >>> issues.add("end", "is before start", given="2024-01-01")
    >>> issues.raise_if_any()
    Traceback (most recent call last):
    ...
    trdcare.core.errors.InvalidInput: end: is before start (given: 2024-01-01)
    """

    prefix: str = ""
    issues: list[Issue] = field(default_factory=list)

    def add(
        self, path: str, message: str, *, allowed: str | None = None, given: object = None
    ) -> None:
        full = f"{self.prefix}.{path}" if self.prefix and path else (self.prefix or path)
        self.issues.append(
            Issue(full, message, allowed, None if given is None else render_given(given))
        )

    def extend(self, issues: Iterable[Issue]) -> None:
        self.issues.extend(issues)

    def __bool__(self) -> bool:
        return bool(self.issues)

    def raise_if_any(self, error: type[DomainError] = InvalidInput) -> None:
        if self.issues:
            first = self.issues[0].render()
            if len(self.issues) > 1:
                first += f" (and {len(self.issues) - 1} more)"
            raise error(first, issues=self.issues)
