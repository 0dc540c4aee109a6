"""Apply the Alembic migrations programmatically (no alembic.ini needed after pip install).

Each room owns its migrations; rooms that grow in parallel may branch from the same parent, so
we upgrade to *all* heads and compare the set of heads.
"""

from __future__ import annotations

from importlib.resources import files

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(files("trdcare.adapters.db") / "migrations"))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Bring the database schema to ``revision`` (default: every newest head)."""
    command.upgrade(alembic_config(engine), revision)


def current_revisions(engine: Engine) -> tuple[str, ...]:
    with engine.connect() as connection:
        return tuple(sorted(MigrationContext.configure(connection).get_current_heads()))


def head_revisions(engine: Engine) -> tuple[str, ...]:
    return tuple(sorted(ScriptDirectory.from_config(alembic_config(engine)).get_heads()))


def is_up_to_date(engine: Engine) -> bool:
    return current_revisions(engine) == head_revisions(engine)
