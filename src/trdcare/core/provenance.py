"""How a source and its status read to a clinician: one label for every page and command.

Every room cites a source for each rule and number with a status mark (``VERIFIED``,
``SECONDARY``, ``UNVERIFIED``, ``DERIVED``, ``DESIGN``, possibly with a qualifier such as
``"UNVERIFIED (proxy: ...)"``). Some catalogue entries use the status word itself as the
source's tag, so printing "tag status" gave "UNVERIFIED UNVERIFIED". This module writes the
label once, in one way, and drops what the label would say twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

STATUS_WORDS: tuple[str, ...] = ("VERIFIED", "SECONDARY", "UNVERIFIED", "DERIVED", "DESIGN")


def _leading_word(text: str) -> str:
    return text.strip().split(" ", 1)[0].split("(", 1)[0].strip().upper()


def provenance_label(source: str | None, status: str | None) -> str:
    """``source`` and ``status`` as one label, without repeating the status.

    Parameters
    ----------
    source : str or None
        The source's tag or citation (``"[R]"``, ``"S8"``, ``"Chen 1997"``); may itself be a
        status mark (``"UNVERIFIED"``, ``"VERIFIED (abstract)"``).
    status : str or None
        The status mark.

    Returns
    -------
    str
        ``"source status"``; only the status when the source is empty or is the status
        mark itself (the longer of the two when both start with the same status word); only
        the source when there is no status; ``"source not stated"`` when both are empty.

    Examples
    --------
    >>> provenance_label("[R]", "UNVERIFIED")
    '[R] UNVERIFIED'
    >>> provenance_label("UNVERIFIED", "UNVERIFIED")
    'UNVERIFIED'
    >>> provenance_label("VERIFIED (abstract)", "VERIFIED")
    'VERIFIED (abstract)'
    >>> provenance_label("", "DESIGN")
    'DESIGN'
    """
    src = (source or "").strip()
    stat = (status or "").strip()
    if not src and not stat:
        return "source not stated"
    if not src:
        return stat
    if not stat:
        return src
    word = _leading_word(stat)
    if word in STATUS_WORDS and _leading_word(src) == word:
        return src if len(src) >= len(stat) else stat
    return f"{src} {stat}"


def provenance_labels(sources: Iterable[Mapping[str, object]]) -> str:
    """The labels of several sources (``tag`` or else ``citation``, and ``status``), joined
    by ``"; "``, each once and in order.

    Examples
    --------
    >>> provenance_labels([
    ...     {"tag": "UNVERIFIED", "citation": "x", "status": "UNVERIFIED"},
    ...     {"tag": "[V]", "citation": "y", "status": "VERIFIED"},
    ...     {"tag": "[V]", "citation": "z", "status": "VERIFIED"},
    ... ])
    'UNVERIFIED; [V] VERIFIED'
    """
    labels: list[str] = []
    for s in sources:
        name = str(s.get("tag") or s.get("citation") or "")
        label = provenance_label(name, str(s.get("status") or ""))
        if label not in labels:
            labels.append(label)
    return "; ".join(labels)
