"""PostgreSQL waits are bounded: a connection that never answers and a statement that runs too long fail, fast."""

from __future__ import annotations

import os
import socket
import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from assistant.db import make_engine, postgres_timeouts

LOCAL_PG = os.environ.get("TEST_DATABASE_URL") or "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"


def postgres_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


def test_the_timeouts_keep_other_options_and_can_be_switched_off(monkeypatch):
    assert postgres_timeouts() == {"connect_timeout": 5, "options": "-c statement_timeout=15000"}
    assert postgres_timeouts("-csearch_path=shop")["options"] == "-csearch_path=shop -c statement_timeout=15000"
    monkeypatch.setenv("DATABASE_STATEMENT_TIMEOUT_MS", "0")
    monkeypatch.setenv("DATABASE_CONNECT_TIMEOUT", "2")
    assert postgres_timeouts() == {"connect_timeout": 2}


def test_a_server_that_never_answers_fails_the_connection_after_the_timeout(monkeypatch):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # accepts the TCP connection, never says a word
    monkeypatch.setenv("DATABASE_CONNECT_TIMEOUT", "1")
    engine = make_engine(f"postgresql+psycopg2://nobody@127.0.0.1:{silent.getsockname()[1]}/none")
    started = time.monotonic()
    try:
        with pytest.raises(OperationalError):
            with engine.connect():
                pass
        assert time.monotonic() - started < 4  # without the timeout libpq waits for as long as the socket lives
    finally:
        engine.dispose()
        silent.close()


@pytest.mark.skipif(not postgres_reachable(), reason="no PostgreSQL on 127.0.0.1:5432")
def test_a_statement_that_runs_too_long_is_cancelled(monkeypatch):
    monkeypatch.setenv("DATABASE_STATEMENT_TIMEOUT_MS", "300")
    engine = make_engine(LOCAL_PG)
    started = time.monotonic()
    try:
        with engine.connect() as connection:
            with pytest.raises(OperationalError, match="statement timeout"):
                connection.execute(text("SELECT pg_sleep(5)"))
        assert time.monotonic() - started < 3
    finally:
        engine.dispose()
