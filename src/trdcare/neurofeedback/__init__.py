"""Neurofeedback: real-time EEG feedback, recording and course outcomes (issue 11)."""
