"""The pure shared kernel: errors, checks, clock and identifiers. No I/O here."""
