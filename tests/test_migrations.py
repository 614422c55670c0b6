"""Schema migrations: databases made by earlier releases upgrade in place, losing nothing.

The fixtures under tests/fixtures/release1 and release2 are databases made by
those releases' own `init-db` (commits 81bb945 and db69830), with feedback,
follow-ups, hand-offs and an outbox entry added through their own functions,
then dumped (`sqlite3 .dump`; `pg_dump --inserts --no-owner --no-privileges`).
Each test loads one into an empty database of the dialect under test
(TEST_DATABASE_URL picks PostgreSQL), as that release left it: no version table.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import event, inspect, select, table, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from assistant import migrate
from assistant.cx.feedback import scores
from assistant.db import make_engine
from assistant.models import Base
from scripts.ensure_database import ensure_database

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def engine(tmp_path):
    configured = os.environ.get("TEST_DATABASE_URL")
    if configured:
        url = make_url(configured)
        url = url.set(database=f"{url.database}_migrations")
        ensure_database(str(url))
        engine = make_engine(url.render_as_string(hide_password=False))
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    else:
        engine = make_engine(f"sqlite:///{tmp_path / 'release.db'}")
    yield engine
    engine.dispose()


def load_release(engine, release: str) -> None:
    sql = (FIXTURES / release / f"{engine.dialect.name}.sql").read_text()
    raw = engine.raw_connection()
    try:
        if engine.dialect.name == "sqlite":
            raw.executescript(sql)
        else:
            with raw.cursor() as cursor:
                cursor.execute(sql)
        raw.commit()
    finally:
        raw.invalidate()  # the dump changed this connection's settings (search_path)


def snapshot(engine, only_columns: dict = None) -> dict:
    """Every row of every table, in a stable order (of the columns given per table, if given)."""
    rows = {}
    with engine.connect() as connection:
        for name in inspect(connection).get_table_names():
            if name == "alembic_version":
                continue
            columns = [column["name"] for column in inspect(connection).get_columns(name)]
            if only_columns and name in only_columns:
                columns = [c for c in columns if c in only_columns[name]]
            query = select(*[text(f'"{c}"') for c in columns]).select_from(table(name))
            rows[name] = sorted(tuple(map(repr, row)) for row in connection.execute(query))
    return rows


def schema_differences(engine) -> list:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return [
            change
            for change in compare_metadata(context, Base.metadata)
            if not (change[0] == "remove_table" and change[1].name not in Base.metadata.tables)
        ]


def test_an_empty_database_gets_exactly_the_models_schema(engine):
    result = migrate.upgrade(engine)
    assert (result.before, result.stamped) == (None, False)
    assert migrate.current(engine) == migrate.head()
    assert schema_differences(engine) == []


@pytest.mark.parametrize(
    "release, recognised", [("release1", "0001_release_1"), ("release2", "0002_offers_and_prompts")]
)
def test_a_database_made_by_an_earlier_release_upgrades_in_place_and_keeps_every_row(engine, release, recognised):
    load_release(engine, release)
    before = snapshot(engine)
    with engine.connect() as connection:
        old_columns = {n: [c["name"] for c in inspect(connection).get_columns(n)] for n in before}
    assert before["customers"] and before["feedback"] and before["handoffs"] and before["feedback_outbox"]
    assert migrate.current(engine) is None  # those releases kept no version

    result = migrate.upgrade(engine)

    assert (result.before, result.after, result.stamped) == (recognised, migrate.head(), True)
    after = snapshot(engine)
    kept = snapshot(engine, only_columns=old_columns)  # columns added since only add values
    for name, rows in before.items():
        assert kept[name] == rows, f"rows of {name} changed"
    with engine.connect() as connection:  # 0006: every earlier ticket was reported once
        assert set(connection.execute(text("SELECT reports FROM tickets")).scalars()) == {1}
    assert schema_differences(engine) == []
    again = migrate.upgrade(engine)  # a second run changes nothing
    assert (again.before, again.stamped) == (migrate.head(), False)
    assert snapshot(engine) == after


def test_the_upgraded_release_1_database_serves_the_new_features(engine):
    from sqlalchemy.orm import Session

    from assistant.business import load_catalog
    from assistant.offers.engine import ConversationContext, decide
    from assistant.offers.log import offers_made_in, record_offer_shown
    from assistant.offers.profile import load_profiles
    from assistant.offers.propensity import train

    load_release(engine, "release1")
    migrate.upgrade(engine)
    catalog = load_catalog()
    with Session(engine, future=True) as session:
        profiles = load_profiles(session)
        assert len(profiles) == 25
        model = train(profiles.values(), catalog)
        context = ConversationContext(conversation_id="after-upgrade", request_answered=True)
        offers = [offer for p in profiles.values() for offer in decide(p, context, catalog, model).offers]
        assert offers, "release 1's customers get offers once upgraded"
        record_offer_shown(session, next(iter(profiles)), offers[0], "after-upgrade")
        session.commit()
        assert offers_made_in(session, "after-upgrade") == 1


def test_make_migrate_upgrades_the_database_named_by_database_url(engine):
    load_release(engine, "release1")
    url = engine.url.render_as_string(hide_password=False)
    done = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "migrate"],
        cwd=ROOT, env={**os.environ, "DATABASE_URL": url}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"0001_release_1 -> {migrate.head()}" in done.stdout
    assert migrate.current(engine) == migrate.head()


def test_tables_from_somewhere_else_are_refused_not_guessed(engine):
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE feedback (id INTEGER PRIMARY KEY, note TEXT)"))
    with pytest.raises(migrate.SchemaError, match="not made by any release"):
        migrate.upgrade(engine)
    with engine.connect() as connection:
        assert set(inspect(connection).get_table_names()) == {"feedback"}


@pytest.mark.parametrize("group", ["rep", "topic", "channel"])
def test_scores_by_rep_topic_or_channel_are_read_from_an_index_alone(engine, group):
    """The upgraded schema's covering indexes serve the grouped scores (SQLite's plan)."""
    if engine.dialect.name != "sqlite":
        pytest.skip("the query plan checked is SQLite's")
    load_release(engine, "release1")
    migrate.upgrade(engine)
    seen = []
    event.listen(engine, "before_cursor_execute", lambda *args: seen.append((args[2], args[3])))
    with Session(engine) as session:
        scores(session, group)
    statement, parameters = next((sql, params) for sql, params in seen if "GROUP BY" in sql)
    with engine.connect() as connection:
        plan = " ".join(row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters))
    column = {"rep": "rep_id"}.get(group, group)
    assert f"USING COVERING INDEX ix_feedback_{column}_scores" in plan, plan
