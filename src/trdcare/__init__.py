"""trdcare: clinical decision support for treatment-resistant depression.

It informs a clinician, shows its reasoning, and never decides alone.
"""

__version__ = "0.1.0"
