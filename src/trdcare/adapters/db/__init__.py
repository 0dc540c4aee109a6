"""SQLAlchemy 2 engine, sessions, ORM models and Alembic migrations."""
