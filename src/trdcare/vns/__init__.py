"""Vagus nerve stimulation (VNS) for treatment-resistant depression (issue 10, docs/vns.md)."""
