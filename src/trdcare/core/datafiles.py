"""Validate a packaged clinical data file with a pydantic model, naming file, entry and field.

Every catalogue under ``*/domain/data/`` is parsed by a pydantic model when it is loaded, so
a broken entry (a dose as text, an unknown status, a missing source, a typo in a key) stops
the program at start-up with one message per problem, instead of surfacing as a wrong
verdict later. The message names the file, the entry (its position and its ``name`` or
``id``) and the field, in plain words.

The models themselves live next to the domain that reads the file (they describe its data);
this module holds only the shared plumbing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from trdcare.core.errors import InvalidInput, IssueCollector

M = TypeVar("M", bound=BaseModel)


class DataModel(BaseModel):
    """Base of the data-file models: frozen, and an unknown key is an error (a typo in a key
    would otherwise silently drop a value)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


_TYPE_WORDS = {
    "string_type": "must be text",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "list_type": "must be a list",
    "tuple_type": "must be a list",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "dataclass_type": "must be an object",
    "date_type": "must be a date (YYYY-MM-DD)",
    "date_from_datetime_parsing": "must be a date (YYYY-MM-DD)",
    "missing": "is required",
    "extra_forbidden": "is not a field of this entry",
    "finite_number": "must be a finite number",
}


def plain_message(error: Mapping[str, Any]) -> tuple[str, str | None]:
    """A pydantic error entry in plain words: ``(message, allowed)``."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind in _TYPE_WORDS:
        return _TYPE_WORDS[kind], None
    bounds = {
        "greater_than": ("must be greater than", "gt"),
        "greater_than_equal": ("must be at least", "ge"),
        "less_than": ("must be less than", "lt"),
        "less_than_equal": ("must be at most", "le"),
    }
    if kind in bounds:
        words, key = bounds[kind]
        return f"{words} {ctx.get(key)}", f"{words.removeprefix('must be ')} {ctx.get(key)}"
    if kind == "literal_error":
        return "unknown value", str(ctx.get("expected", "")) or None
    if kind in ("string_too_short", "too_short"):
        return "is empty", "at least one character" if kind == "string_too_short" else None
    if kind == "string_pattern_mismatch":
        return "is not in the expected form", None
    if kind == "value_error":
        # Our own validators raise ValueError with a plain message; pydantic prefixes it.
        return str(error.get("msg", "")).removeprefix("Value error, "), None
    return str(error.get("msg", "is not valid")), None


def _entry_label(data: object, loc: Sequence[int | str]) -> str:
    """``antidepressants.5 (sertraline)``: the path of the innermost entry with an id or name."""
    label = ""
    node = data
    parts: list[str] = []
    for part in loc:
        parts.append(str(part))
        if isinstance(node, Mapping):
            node = node.get(part) if isinstance(part, str) else None
        elif isinstance(node, Sequence) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            break
        if isinstance(node, Mapping):
            name = node.get("id", node.get("name"))
            if isinstance(name, str) and name:
                label = f"{'.'.join(parts)} ({name})"
    return label


def parse_data_file(
    model: type[M], data: object, *, file: str, context: Mapping[str, Any] | None = None
) -> M:
    """Validate ``data`` (a parsed JSON document) as ``model``; refuse it naming every problem.

    Raises
    ------
    InvalidInput
        One issue per problem: its path (``antidepressants.5.max_daily_dose_mg``) and a
        message naming the file and the entry, e.g. ``antidepressants.json, entry
        antidepressants.5 (sertraline): must be a number``.
    """
    try:
        return model.model_validate(data, context=dict(context or {}))
    except ValidationError as exc:
        issues = IssueCollector()
        for error in exc.errors():
            loc = tuple(p for p in error.get("loc", ()) if isinstance(p, int | str))
            message, allowed = plain_message(error)
            entry = _entry_label(data, loc)
            where = f"{file}, entry {entry}" if entry else file
            given = error.get("input")
            issues.add(
                ".".join(str(p) for p in loc),
                f"{where}: {message}",
                allowed=allowed,
                given=None if isinstance(given, Mapping | list) else given,
            )
        issues.raise_if_any(InvalidInput)
        raise  # unreachable: a ValidationError always carries at least one error
