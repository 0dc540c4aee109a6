"""Exchange: a patient's records in a standard format for another system (FHIR R4 Bundle)."""
