"""Pure pathway rules: every therapy's option status for one patient, with reasons and sources."""
