"""The patient record: patients, episodes."""
