"""One translation of input-validation errors into plain words a clinician (or patient) reads.

pydantic reports a bad field as an error entry: a ``type`` (``missing``, ``string_too_long``,
``int_parsing``...), a ``loc`` (the field's path), the ``input`` and a ``ctx`` with the limit.
Its own ``msg`` ("String should have at least 1 character") and the regexes it quotes are a
library's wording, never shown. :func:`plain_issue` turns one entry, with the field's human
label, into an :class:`~trdcare.core.errors.Issue` whose message names the field, says what is
allowed and what was given. The pages (beside each field), the API's 422 problem document and
the CLI all use it, so a user reads the same sentence wherever the input came from.

This module works on the entries as plain mappings (``ValidationError.errors()``), so the
kernel stays free of any web or library import.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from trdcare.core.errors import Issue, render_given

# Where the request part is named first in a location (FastAPI's "body", "query"...).
REQUEST_PARTS = frozenset({"body", "query", "path", "header", "cookie", "form"})

_DATE = "a date written YYYY-MM-DD, e.g. 2024-03-31"
_DATETIME = "a date and time written YYYY-MM-DD HH:MM, e.g. 2024-03-31 14:30"
_TIME = "a time written HH:MM, e.g. 14:30"


def humanize(name: str) -> str:
    """``family_name`` -> ``Family name``; ``intensity_pct_mt`` -> ``Intensity pct mt``."""
    text = name.replace("_", " ").strip()
    return text[:1].upper() + text[1:] if text else "This field"


def default_label(path: Sequence[str]) -> str:
    """A label from the path when the form or schema gives none.

    ``("antidepressant_trials", "0", "end")`` -> ``End (antidepressant trials, entry 1)``.
    """
    names = [p for p in path if not p.isdecimal()]
    if not names:
        return "The input"
    label = humanize(names[-1])
    positions = [i for i, p in enumerate(path) if p.isdecimal()]
    if positions:
        index = positions[-1]
        owner = path[index - 1] if index > 0 else ""
        if owner and owner != names[-1]:
            label += f" ({humanize(owner).lower()}, entry {int(path[index]) + 1})"
        elif owner:
            label += f" (entry {int(path[index]) + 1})"
    return label


def _quantity(count: object, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _expected(ctx: Mapping[str, Any]) -> str:
    """pydantic's ``'a', 'b' or 'c'`` -> ``a, b or c``."""
    return str(ctx.get("expected", "")).replace("'", "")


def _number(value: object) -> str:
    """``140.0`` -> ``140``; other numbers as written."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _given(value: object) -> str | None:
    if value is None or isinstance(value, dict | list | tuple | set):
        return None
    return render_given(value)


def plain_message(
    error: Mapping[str, Any], label: str, example: str | None = None
) -> tuple[str, str | None, str | None]:
    """Message, allowed and given of one error entry, in plain words naming ``label``.

    ``example`` is an accepted value shown instead of a pattern (never the regex itself).
    """
    kind = str(error.get("type", ""))
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    raw = error.get("input")
    given = _given(raw)

    if kind == "missing":
        return f"{label} is required.", None, None
    if kind == "string_too_short":
        least = ctx.get("min_length", 1)
        if least == 1:
            return f"{label} must not be empty.", None, None
        allowed = f"at least {_quantity(least, 'character', 'characters')}"
        return f"{label} must have {allowed}.", allowed, given
    if kind == "string_too_long":
        most = ctx.get("max_length")
        allowed = f"at most {_quantity(most, 'character', 'characters')}"
        size = len(raw) if isinstance(raw, str) else None
        given_size = None if size is None else _quantity(size, "character", "characters")
        text = f"{label} is too long: {allowed} are allowed"
        text += f", {given_size} were given." if given_size else "."
        return text, allowed, given_size
    if kind in ("too_short", "too_long") and isinstance(raw, str):  # text checked after a rule
        key = "min_length" if kind == "too_short" else "max_length"
        as_text = {**error, "type": f"string_{kind}", "ctx": {key: ctx.get(key)}}
        return plain_message(as_text, label)
    if kind in ("too_short", "too_long"):
        bound = ctx.get("min_length" if kind == "too_short" else "max_length")
        word = "at least" if kind == "too_short" else "at most"
        allowed = f"{word} {_quantity(bound, 'entry', 'entries')}"
        size = ctx.get("actual_length")
        given_size = None if size is None else _quantity(size, "entry", "entries")
        return f"{label} must have {allowed}.", allowed, given_size
    if kind in ("int_parsing", "int_type", "int_from_float", "int_parsing_size"):
        return f"{label} must be a whole number.", "a whole number", given
    if kind in ("float_parsing", "float_type", "decimal_parsing", "decimal_type", "finite_number"):
        return f"{label} must be a number.", "a number", given
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        word = {
            "greater_than_equal": "at least",
            "greater_than": "more than",
            "less_than_equal": "at most",
            "less_than": "less than",
        }[kind]
        bound = next(iter(v for k, v in ctx.items() if k in ("ge", "gt", "le", "lt")), "")
        allowed = f"{word} {_number(bound)}"
        return f"{label} must be {allowed}.", allowed, given
    if kind == "multiple_of":
        allowed = f"a multiple of {_number(ctx.get('multiple_of'))}"
        return f"{label} must be {allowed}.", allowed, given
    if kind in ("literal_error", "enum"):
        allowed = _expected(ctx)
        return f"{label} must be one of: {allowed}.", allowed, given
    if kind.startswith("date_from_datetime") or kind in ("date_parsing", "date_type"):
        return f"{label} must be {_DATE}.", _DATE, given
    if kind == "date_past":
        return f"{label} must be a date in the past.", "a date in the past", given
    if kind == "date_future":
        return f"{label} must be a date in the future.", "a date in the future", given
    if kind.startswith("datetime") or kind == "timezone_aware":
        return f"{label} must be {_DATETIME}.", _DATETIME, given
    if kind.startswith("time"):
        return f"{label} must be {_TIME}.", _TIME, given
    if kind in ("bool_parsing", "bool_type"):
        return f"{label} must be yes or no.", "yes or no", given
    if kind == "string_pattern_mismatch":
        # The regex is never shown; the field's own example, when it declares one, is.
        text = f"{label} is not written in the expected form"
        if example:
            return f"{text} (e.g. {example}).", f"e.g. {example}", given
        return f"{text}.", None, given
    if kind == "unsafe_character":  # core.text's character rule
        where = f"{ctx.get('character')}, at position {ctx.get('position')}"
        text = f"{label} contains a character that cannot be stored ({where})."
        return text, str(ctx.get("expected", "")) or None, None
    if kind == "string_type":
        return f"{label} must be text.", "text", None
    if kind == "extra_forbidden":
        return f"{label} is not a field this form accepts.", None, None
    if kind in ("value_error", "assertion_error"):
        # Our own validators raise ValueError with a plain sentence; show it as written.
        reason = str(ctx.get("error", "")).strip() or "is not accepted"
        reason = re.sub(r"^(Value error|Assertion failed),\s*", "", reason)
        # A sentence that ends "(allowed: X; given: Y)" (core.inputs.within, the planning
        # horizon) also says what is allowed as its own part, as the API's problems do.
        said = re.search(r"\(allowed: (.+?)(?:; given: [^)]*)?\)\.?$", reason)
        return (
            f"{label}: {reason[:1].lower()}{reason[1:]}".rstrip(".") + ".",
            said.group(1) if said else None,
            given,
        )
    if kind in ("dict_type", "model_type", "model_attributes_type", "list_type"):
        shape = "a list" if kind == "list_type" else "a set of named fields"
        return f"{label} must be {shape}.", shape, None
    if kind in ("json_invalid", "json_type"):
        return "The request body is not valid JSON.", "a JSON document", None
    if kind == "union_tag_invalid":
        allowed = _expected(ctx)
        return f"{label} must be one of: {allowed}.", allowed, given
    return f"{label} is not accepted.", None, given


def split_location(loc: Iterable[object]) -> tuple[str | None, list[str]]:
    """``("body", "items", 1)`` -> ``("body", ["items", "1"])``."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in REQUEST_PARTS:
        return parts[0], parts[1:]
    return None, parts


def _label_for(path: str, labels: Mapping[str, str]) -> str:
    """The declared label of ``path``, or of its entries (``"answers.*": "Question {key}"``)."""
    if path in labels:
        return labels[path]
    parent, _, key = path.rpartition(".")
    template = labels.get(f"{parent}.*") if parent else None
    if template is not None:
        return template.format(key=key)
    if parent in labels and key.isdecimal():  # an entry of a labelled list
        return f"{labels[parent]} (entry {int(key) + 1})"
    parts = path.split(".") if path else []
    positions = [i for i, p in enumerate(parts) if p.isdecimal()]
    if positions:  # a field of a list's entry: "trials.0.end" is labelled as "trials.end"
        generic = ".".join(p for p in parts if not p.isdecimal())
        if generic in labels:
            index = positions[-1]
            owner = ".".join(parts[:index])
            where = labels.get(owner) or humanize(parts[index - 1]) if index else ""
            number = int(parts[index]) + 1
            return (
                f"{labels[generic]} ({where.lower()}, entry {number})" if where else labels[generic]
            )
    return default_label(parts)


def plain_issue(
    error: Mapping[str, Any],
    labels: Mapping[str, str] | None = None,
    *,
    examples: Mapping[str, str] | None = None,
    prefix: str = "",
) -> Issue:
    """One pydantic error entry as an :class:`Issue` in plain words.

    Parameters
    ----------
    error : Mapping
        One entry of ``ValidationError.errors()`` (or FastAPI's ``RequestValidationError``).
    labels : Mapping[str, str], optional
        Human labels by dotted path (``{"given_name": "Given name"}``), or for every entry of
        a mapping (``{"answers.*": "Question {key}"}``); a path without one gets a label made
        from its last name.
    examples : Mapping[str, str], optional
        An accepted value by path, shown when a value does not match the field's pattern.
    prefix : str
        Prepended to the path (a CLI option or a nested record).
    """
    _, parts = split_location(error.get("loc", ()))
    # pydantic appends the failing branch of a union or a validator (e.g. "function-after[...]")
    parts = [p for p in parts if not p.endswith("]") and p not in ("literal", "lax-or-strict")]
    path = ".".join(parts)
    if prefix:
        path = f"{prefix}.{path}" if path else prefix
    label = _label_for(path, labels or {})
    message, allowed, given = plain_message(error, label, (examples or {}).get(path))
    return Issue(path, message, allowed, given)


def plain_issues(
    errors: Iterable[Mapping[str, Any]],
    labels: Mapping[str, str] | None = None,
    *,
    examples: Mapping[str, str] | None = None,
    prefix: str = "",
) -> list[Issue]:
    """Every error entry, in order, as plain issues (every problem, not the first only)."""
    return [plain_issue(err, labels, examples=examples, prefix=prefix) for err in errors]
