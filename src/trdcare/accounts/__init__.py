"""Accounts: users, roles, the permission matrix, sessions, API tokens and self-report links."""
