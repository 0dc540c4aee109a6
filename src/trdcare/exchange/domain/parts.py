"""The parts of the record a FHIR export may carry, and the ``include`` list naming them."""

from __future__ import annotations

from collections.abc import Mapping

from trdcare.core.errors import InvalidInput

#: The parts, in the order the Bundle carries them (the Patient always comes first).
PARTS: tuple[str, ...] = ("pgx", "labs")

#: The permission that lets a user read each part (an export carries only what its user may
#: read: the room's own read permission, from the one matrix).
READ_PERMISSION: Mapping[str, str] = {"pgx": "pgx.read", "labs": "labs.read"}


def parse_include(value: str) -> tuple[str, ...]:
    """The parts named by ``value`` (comma-separated, any order, repeats ignored), in
    :data:`PARTS` order.

    Raises
    ------
    InvalidInput
        Empty, or a name that is not a part (``include``, with the allowed names).

    Examples
    --------
    >>> parse_include("labs, pgx")
    ('pgx', 'labs')
    >>> parse_include("labs")
    ('labs',)
    """
    names = [n.strip().lower() for n in value.split(",")]
    unknown = [n for n in names if n not in PARTS]
    if not value.strip() or unknown:
        raise InvalidInput.single(
            "include",
            "must name parts of the record, separated by commas" if unknown else "is empty",
            allowed=", ".join(PARTS),
            given=value,
        )
    return tuple(p for p in PARTS if p in names)
