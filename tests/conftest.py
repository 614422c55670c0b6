"""Shared fixtures: a demo database, and the real servers started once per run."""

from __future__ import annotations

import os
from typing import Iterator, List, Optional

import httpx
import pytest
from sqlalchemy import text

from assistant import clock, db
from assistant.demo_data import prepare_database
from assistant.models import Base

# TEST_PORT_OFFSET moves the test servers, so two checkouts can run their suites side by side.
_OFFSET = int(os.environ.get("TEST_PORT_OFFSET", "0"))
TEST_PORTS = {"rasa_port": 5105 + _OFFSET, "actions_port": 5155 + _OFFSET, "api_port": 8100 + _OFFSET}
SERVER_FIXTURES = {"stack", "chat", "sidecar_url"}


def pytest_collection_modifyitems(items) -> None:
    """Tests that start the real servers are marked `servers` (`-m "not servers"` runs the fast ones)."""
    for item in items:
        if SERVER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.servers)


def rasa_api_headers() -> dict:
    """What the sidecar sends Rasa's HTTP API (a short-lived admin JWT); tests use the same."""
    from api.rasa_client import auth_headers

    return auth_headers()


def _build_demo_database(url: str) -> None:
    engine = db.make_engine(url)
    prepare_database(engine, customers=120, seed=7, today=clock.today())
    db.use_engine(engine)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """A demo database for the whole run (SQLite file, or DATABASE_URL if set to PostgreSQL)."""
    configured = os.environ.get("TEST_DATABASE_URL")
    if configured:
        url = configured
        engine = db.make_engine(url)
        Base.metadata.drop_all(engine)
        with engine.begin() as connection:  # so the migrations run again from the start
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        engine.dispose()
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'assistant.db'}"
    _build_demo_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ["OFFER_MODEL_PATH"] = str(_train_offer_model(tmp_path_factory.mktemp("offers") / "offers.json"))
    return url


def _train_offer_model(path):
    """The offer model learned from the test base, as `make db` does for the demo one."""
    from assistant.business import load_catalog
    from assistant.offers.profile import load_profiles
    from assistant.offers.propensity import train

    with db.session_scope() as session:
        profiles = load_profiles(session)
    train(profiles.values(), load_catalog()).save(path)
    return path


@pytest.fixture
def session(database_url) -> Iterator:
    with db.session_scope() as s:
        yield s


class Chat:
    """Talks to the real Rasa server over its REST channel."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.url = f"{base_url}/webhooks/rest/webhook"
        self.client = httpx.Client(timeout=30)

    def tracker(self, sender: str, **params) -> dict:
        """The conversation from Rasa's HTTP API, which needs the sidecar's credentials."""
        response = self.client.get(
            f"{self.base_url}/conversations/{sender}/tracker", params=params, headers=rasa_api_headers()
        )
        assert response.status_code == 200, response.text
        return response.json()

    def say(
        self, sender: str, text: str, customer_id: Optional[str] = None, metadata: Optional[dict] = None
    ) -> List[dict]:
        body = {"sender": sender, "message": text}
        meta = dict(metadata or {})
        if customer_id:
            meta["customer_id"] = customer_id
        if meta:
            body["metadata"] = meta
        response = self.client.post(self.url, json=body)
        assert response.status_code == 200, response.text
        return response.json()

    def text(self, sender: str, message: str, customer_id: Optional[str] = None, **kwargs) -> str:
        return " ".join(m.get("text", "") for m in self.say(sender, message, customer_id, **kwargs))


@pytest.fixture(scope="session")
def stack(database_url):
    """Rasa server, action server and sidecar on loopback, once per test run."""
    from scripts.model import train_if_changed
    from scripts.services import build_services, start_all, stop_all

    model = train_if_changed()
    services = build_services(model=model, extra_env={"DATABASE_URL": database_url}, **TEST_PORTS)
    start_all(services, timeout=240)
    yield {s.name: s for s in services}
    stop_all(services)


@pytest.fixture(scope="session")
def chat(stack) -> Chat:
    return Chat(f"http://127.0.0.1:{TEST_PORTS['rasa_port']}")


@pytest.fixture(scope="session")
def sidecar_url(stack) -> str:
    return f"http://127.0.0.1:{TEST_PORTS['api_port']}"


def records() -> dict:
    """Every application table's rows, to compare before and after a turn (the tracker store's excluded)."""
    snapshot = {}
    with db.get_engine().connect() as connection:
        for table in Base.metadata.sorted_tables:
            rows = connection.execute(table.select()).all()
            snapshot[table.name] = sorted(repr(tuple(row)) for row in rows)
    return snapshot


def changed_tables(before: dict, after: dict) -> dict:
    """{table: (rows gone, rows new)} for every table that changed."""
    changes = {}
    for name in set(before) | set(after):
        old, new = set(before.get(name, ())), set(after.get(name, ()))
        if old != new:
            changes[name] = (sorted(old - new), sorted(new - old))
    return changes
