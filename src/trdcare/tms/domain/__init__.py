"""Pure TMS domain (placeholder docstring replaced below)."""
