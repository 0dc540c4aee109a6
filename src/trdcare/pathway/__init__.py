"""The pathway across therapies: the treatment-options engine (issue 13, docs/pathway.md)."""
