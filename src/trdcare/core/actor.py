"""Who is acting: every write is stamped with an actor, every read of patient data audited."""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("admin", "physician", "clinician", "technician", "front_desk", "patient", "system")


@dataclass(frozen=True, slots=True)
class Actor:
    """The person or process behind a request.

    Parameters
    ----------
    username : str
        Login name (or ``system:<job>`` for jobs such as the demo loader).
    role : str
        One of :data:`ROLES`.
    source : str
        Where the request came from: ``cli``, an IP address, ``job``.
    """

    username: str
    role: str
    source: str = "cli"
