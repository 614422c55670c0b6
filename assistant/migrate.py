"""Schema migrations (Alembic) for the application database.

`upgrade(engine)` brings any database to the newest schema in place:
- an empty database gets every migration;
- a database made by release 1 or 2, which created its tables without a
  version table, is recognised by its tables, stamped with that release's
  revision, then upgraded;
- a versioned database gets the migrations it lacks.
Each step runs in one transaction, so a failed upgrade leaves the database as
it was (PostgreSQL and SQLite both have transactional DDL).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

# Tables that first appeared in each release made without Alembic, newest first.
UNVERSIONED_RELEASES = (
    ("0002_offers_and_prompts", "offer_events"),
    ("0001_release_1", "customers"),
)


class SchemaError(Exception):
    """The database holds tables this project cannot place in its history."""


@dataclass(frozen=True)
class Upgrade:
    before: Optional[str]  # revision found (None: empty database)
    after: str
    stamped: bool  # an unversioned release database was recognised


def _config(connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head() -> str:
    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def current(engine: Engine) -> Optional[str]:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _unversioned_release(tables: set) -> Optional[str]:
    for revision, marker in UNVERSIONED_RELEASES:
        if marker in tables:
            return revision
    return None


def upgrade(engine: Engine) -> Upgrade:
    """Upgrade the database behind `engine` to the newest schema."""
    with engine.begin() as connection:
        before = MigrationContext.configure(connection).get_current_revision()
        stamped = False
        if before is None:
            tables = set(inspect(connection).get_table_names())
            before = _unversioned_release(tables)
            if before is None and tables & {"plans", "feedback", "handoffs"}:
                raise SchemaError(
                    "the database has some of the assistant's tables but not the customers table; "
                    "it was not made by any release of this project"
                )
            if before is not None:
                command.stamp(_config(connection), before)
                stamped = True
        command.upgrade(_config(connection), "head")
    return Upgrade(before=before, after=head(), stamped=stamped)
