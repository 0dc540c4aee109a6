"""Rating scales, scoring, outcomes and the caseload view."""
