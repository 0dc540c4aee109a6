"""IV racemic ketamine for depression (OFF-LABEL): weight-based dose, the infusion series,
the infusion record with vital signs, dissociation monitoring and discharge (issue 10)."""
