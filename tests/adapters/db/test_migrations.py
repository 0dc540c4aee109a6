"""The migrated schema matches the models, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine

import trdcare.adapters.db.models  # noqa: F401 - registers every table
from trdcare.adapters.db.base import Base
from trdcare.adapters.db.migrate import is_up_to_date


def test_migrations_create_exactly_the_models(engine: Engine) -> None:
    assert is_up_to_date(engine)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []
