"""The DBS room's input model (the edge: CLI now; the API and pages when they are built).

Numbers are parsed here (a non-number is refused in plain words naming the field); the
rules (one amplitude mode, impedance with a voltage, the design input bounds) are the
domain's (:mod:`trdcare.dbs.domain.charge`), so every edge refuses the same input the same way.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from trdcare.core.inputs import InputModel

FiniteNumber = Annotated[float, Field(allow_inf_nan=False)]

CHARGE_LABELS = {
    "amplitude_ma": "Amplitude (mA)",
    "amplitude_v": "Amplitude (V)",
    "impedance_ohm": "Impedance (ohm)",
    "pulse_width_us": "Pulse width (µs)",
    "contact_area_cm2": "Contact area (cm²)",
    "frequency_hz": "Frequency (Hz)",
}
"""Each field's label as a clinician reads it in an error message."""


class ChargeInput(InputModel):
    """One DBS setting to compute the charge of."""

    pulse_width_us: FiniteNumber
    amplitude_ma: FiniteNumber | None = None
    amplitude_v: FiniteNumber | None = None
    impedance_ohm: FiniteNumber | None = None
    contact_area_cm2: FiniteNumber | None = None
    frequency_hz: FiniteNumber | None = None
