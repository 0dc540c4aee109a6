"""Psilocybin-assisted therapy: RESEARCH PROTOCOL OR REGULATED PROGRAMME ONLY (issue 10):
exclusion screening, medication washout against the record, preparation sessions, the
dosing-day record and integration sessions."""
