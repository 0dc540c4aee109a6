"""Plumbing: the database and (later) the web. Nothing clinical is decided here."""
