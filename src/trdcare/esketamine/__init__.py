"""Esketamine (nasal, SPRAVATO) for treatment-resistant depression: the US label's schedule,
dose steps, pre-dose blood pressure, observation, discharge and the REMS monitoring form.

The clinical rules live in :mod:`trdcare.esketamine.domain` (pure); this package's other
modules are the thin edges (so far the CLI only).
"""
