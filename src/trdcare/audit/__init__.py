"""The tamper-evident audit log: every read and write of patient data, hash-chained."""
