"""Pure DSP and protocols of the neurofeedback room (no I/O): see docs/neurofeedback.md."""
