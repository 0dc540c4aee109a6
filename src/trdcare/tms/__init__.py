"""The TMS pathway: screening, protocols, safety limits, motor threshold, targeting,
course calendar, session log and decision points.

The clinical rules live in :mod:`trdcare.tms.domain` (pure); this package's other modules
are the thin edges (service, repository, CLI).
"""
