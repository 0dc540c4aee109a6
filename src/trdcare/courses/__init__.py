"""What every treatment course the clinic delivers shares (issue 10 item 6): adverse events
with seriousness, the pause a serious one causes and the physician's review of it, and the
course's outcome by the one outcome rule. The therapy rooms (esketamine, IV ketamine, VNS,
DBS, psilocybin, neurofeedback) call :mod:`trdcare.courses.service`; TMS keeps its own."""
