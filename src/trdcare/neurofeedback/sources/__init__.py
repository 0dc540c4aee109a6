"""Signal sources behind one interface (:class:`~trdcare.neurofeedback.sources.base.Source`):
EDF/EDF+/BDF files (MNE), Lab Streaming Layer inlets (pylsl), BrainFlow boards, and the
seeded synthetic generator. Adapters: they read devices, networks and files."""
