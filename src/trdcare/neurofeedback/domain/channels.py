"""Channel names as a clinician reads them: 10-10 labels, whatever the recorder wrote.

Recorders spell one electrode many ways (``F3..`` in PhysioNet's eegmmidb, ``EEG F3`` in
eegmat, ``F3-REF``, ``FP1``); :func:`normalise` gives the 10-10 spelling (``F3``, ``Fp1``)
so that protocols can name their channels once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from trdcare.core.errors import InvalidInput

# The 10-10 system (Chatrian 1985 / ACNS 2006 names; T3/T4/T5/T6 kept as the 10-20 aliases
# recorders still write), earlobes and mastoids.
TEN_TEN = [
    "Fp1",
    "Fpz",
    "Fp2",
    "AF9",
    "AF7",
    "AF5",
    "AF3",
    "AF1",
    "AFz",
    "AF2",
    "AF4",
    "AF6",
    "AF8",
    "AF10",
    "F9",
    "F7",
    "F5",
    "F3",
    "F1",
    "Fz",
    "F2",
    "F4",
    "F6",
    "F8",
    "F10",
    "FT9",
    "FT7",
    "FC5",
    "FC3",
    "FC1",
    "FCz",
    "FC2",
    "FC4",
    "FC6",
    "FT8",
    "FT10",
    "T9",
    "T7",
    "C5",
    "C3",
    "C1",
    "Cz",
    "C2",
    "C4",
    "C6",
    "T8",
    "T10",
    "TP9",
    "TP7",
    "CP5",
    "CP3",
    "CP1",
    "CPz",
    "CP2",
    "CP4",
    "CP6",
    "TP8",
    "TP10",
    "P9",
    "P7",
    "P5",
    "P3",
    "P1",
    "Pz",
    "P2",
    "P4",
    "P6",
    "P8",
    "P10",
    "PO9",
    "PO7",
    "PO5",
    "PO3",
    "PO1",
    "POz",
    "PO2",
    "PO4",
    "PO6",
    "PO8",
    "PO10",
    "O1",
    "Oz",
    "O2",
    "O9",
    "O10",
    "I1",
    "Iz",
    "I2",
    "T3",
    "T4",
    "T5",
    "T6",
    "A1",
    "A2",
    "M1",
    "M2",
]
_CANONICAL = {name.upper(): name for name in TEN_TEN}
# Frontopolar sites where blinks are largest; any channel named EOG counts too.
BLINK_SITES = ("Fp1", "Fpz", "Fp2", "AF7", "AF8")
EAR_PAIRS = (("A1", "A2"), ("M1", "M2"))

_PREFIX = re.compile(r"^(EEG|EOG)[\s_-]+", re.IGNORECASE)
_SUFFIX = re.compile(r"[\s_-]*(REF|LE|AVG|AR)$", re.IGNORECASE)


def normalise(label: str) -> str:
    """The 10-10 spelling of a recorder's channel label; other labels are only trimmed.

    >>> normalise("Fc5."), normalise("EEG F3"), normalise("FP1-REF"), normalise("EEG A2-A1")
    ('FC5', 'F3', 'Fp1', 'A2-A1')
    """
    text = label.strip().rstrip(".").strip()
    is_eog = bool(re.match(r"^EOG", text, re.IGNORECASE))
    core = _SUFFIX.sub("", _PREFIX.sub("", text))
    found = _CANONICAL.get(core.upper())
    if found is not None:
        return found
    return f"EOG {core}" if is_eog and core else core or text


def is_eog(name: str) -> bool:
    return "EOG" in name.upper()


def unique_names(labels: Sequence[str]) -> tuple[str, ...]:
    """Normalised names, refusing two labels that mean the same electrode."""
    names = tuple(normalise(label) for label in labels)
    seen: dict[str, str] = {}
    for label, name in zip(labels, names, strict=True):
        if name in seen:
            raise InvalidInput.single(
                "channels",
                f"two channels name the electrode {name}",
                allowed="one channel per electrode",
                given=f"{seen[name]!r} and {label!r}",
            )
        seen[name] = label
    return names


def pick(names: Sequence[str], wanted: Sequence[str], *, field: str = "channels") -> list[int]:
    """Indices of ``wanted`` (any spelling) in ``names``; refuse naming what is missing."""
    index = {name: i for i, name in enumerate(names)}
    missing = [w for w in wanted if normalise(w) not in index]
    if missing:
        raise InvalidInput.single(
            field,
            f"the recording has no channel {', '.join(missing)}",
            allowed=", ".join(names) or "no channels",
            given=", ".join(wanted),
        )
    return [index[normalise(w)] for w in wanted]
