"""The procedure codes in use: the packaged file, or the clinic's own (same format) named by
``TRDCARE_BILLING_CODES_FILE``, e.g. once its billing staff have checked the codes and marked
them VERIFIED. Read here, in the room's adapter, never in the pure domain."""

from __future__ import annotations

import json
import os
from pathlib import Path

from trdcare.core.errors import InvalidInput
from trdcare.reports.domain import CodeSet, packaged_codes, parse_codes

ENV = "TRDCARE_BILLING_CODES_FILE"


def code_set() -> CodeSet:
    """The clinic's codes when ``TRDCARE_BILLING_CODES_FILE`` names a file, else the
    packaged ones.

    Raises
    ------
    InvalidInput
        The named file cannot be read, is not JSON, or breaks the format (each problem named).
    """
    name = os.environ.get(ENV, "").strip()
    if not name:
        return packaged_codes()
    path = Path(name)
    try:
        data = json.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise InvalidInput.single(
            ENV,
            f"cannot read the codes file ({exc.strerror or exc.__class__.__name__})",
            given=name,
        ) from None
    except ValueError as exc:
        raise InvalidInput.single(ENV, f"is not JSON ({exc})", given=name) from None
    return parse_codes(data, file=path.name, origin=f"the clinic's file {path.name}")
