"""Test helpers: answer vectors that reach a given total (written independently of the
domain's own scoring data, from the published item ranges and the QIDS formula)."""

from __future__ import annotations

# Highest scored answer of each item, from the reference note (not from the domain data).
ITEM_MAX: dict[str, dict[str, int]] = {
    "phq9": {str(i): 3 for i in range(1, 10)},
    "gad7": {str(i): 3 for i in range(1, 8)},
    "qids_sr16": {str(i): 3 for i in range(1, 17)},
    "hamd17": {str(i): (2 if i in (4, 5, 6, 12, 13, 14, 16, 17) else 4) for i in range(1, 18)},
    "madrs": {str(i): 6 for i in range(1, 11)},
}

# QIDS-SR16: one representative item per domain of total =
# max(1-4) + 5 + max(6-9) + 10 + 11 + 12 + 13 + 14 + max(15,16).
QIDS_DOMAIN_FIRST_ITEMS = ("1", "5", "6", "10", "11", "12", "13", "14", "15")


def vector_for_total(scale_id: str, total: int, *, avoid: tuple[str, ...] = ()) -> dict[str, int]:
    """A complete answer set of ``scale_id`` whose total is ``total``.

    Items in ``avoid`` (e.g. the suicide item) are filled last so they stay 0 whenever
    the total can be reached without them.
    """
    maxima = ITEM_MAX[scale_id]
    answers = dict.fromkeys(maxima, 0)
    fill_order = QIDS_DOMAIN_FIRST_ITEMS if scale_id == "qids_sr16" else tuple(maxima)
    fill_order = tuple(k for k in fill_order if k not in avoid) + tuple(
        k for k in fill_order if k in avoid
    )
    remaining = total
    for key in fill_order:
        value = min(maxima[key], remaining)
        answers[key] = value
        remaining -= value
    if remaining:
        raise ValueError(f"{scale_id} cannot reach {total}")
    return answers


SUICIDE_ITEM = {"phq9": "9", "qids_sr16": "12", "hamd17": "3", "madrs": "10"}
