"""Re-referencing: the same recording seen against another reference.

FAA depends strongly on the reference (Allen et al. 2004; neurofeedback.md §2), so the
scheme is chosen per session, stored with it and printed with every result:

* ``as_recorded`` - the recording's own reference (the default for ``nf analyze``);
* ``average`` - minus the mean of all EEG channels (EOG channels excluded);
* ``linked_ears`` - minus the mean of A1 and A2 (or M1 and M2, linked mastoids);
* ``cz`` - minus Cz (Baehr and Rosenfeld's ALAY montage).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, get_args

import numpy as np
import numpy.typing as npt

from trdcare.core.errors import InvalidInput
from trdcare.neurofeedback.domain.channels import EAR_PAIRS, is_eog

FloatArray = npt.NDArray[np.float64]
Reference = Literal["as_recorded", "average", "linked_ears", "cz"]
REFERENCES: tuple[str, ...] = get_args(Reference)


def check_reference(value: str) -> Reference:
    if value not in REFERENCES:
        raise InvalidInput.single(
            "reference", "unknown reference", allowed=", ".join(REFERENCES), given=value
        )
    return value  # type: ignore[return-value]


def matrix(names: Sequence[str], reference: str) -> FloatArray | None:
    """The ``(n, n)`` matrix ``M`` with ``rereferenced = data @ M.T``; ``None`` for as recorded."""
    scheme = check_reference(reference)
    n = len(names)
    if scheme == "as_recorded":
        return None
    eye = np.eye(n)
    weights = np.zeros(n)
    if scheme == "average":
        eeg = [i for i, name in enumerate(names) if not is_eog(name)]
        if len(eeg) < 2:
            raise InvalidInput.single(
                "reference",
                "an average reference needs at least two EEG channels",
                given=", ".join(names),
            )
        weights[eeg] = 1.0 / len(eeg)
    elif scheme == "linked_ears":
        for left, right in EAR_PAIRS:
            if left in names and right in names:
                weights[[names.index(left), names.index(right)]] = 0.5
                break
        else:
            raise InvalidInput.single(
                "reference",
                "linked ears need both ear (A1, A2) or both mastoid (M1, M2) channels",
                allowed="a recording with A1 and A2, or M1 and M2",
                given=", ".join(names),
            )
    else:
        if "Cz" not in names:
            raise InvalidInput.single(
                "reference", "the recording has no Cz channel", given=", ".join(names)
            )
        weights[names.index("Cz")] = 1.0
    # EOG channels keep their own (bipolar or recorded) reference.
    rows = eye - weights[None, :]
    for i, name in enumerate(names):
        if is_eog(name):
            rows[i] = eye[i]
    return rows


def apply(data: FloatArray, m: FloatArray | None) -> FloatArray:
    """``data`` (samples x channels) re-referenced by :func:`matrix`'s ``m``."""
    if m is None:
        return data
    return np.asarray(data @ m.T, dtype=np.float64)
