"""Database connection: one engine per process, one session per unit of work.

The default is a SQLite file under `var/` so the product runs with no server;
`DATABASE_URL` (for example `postgresql+psycopg2://user@host/db`) switches to
PostgreSQL without a code change. Rasa's tracker store reads the same setting
(see `connectors/tracker_store.py`), so transcripts live beside the records.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "var" / "assistant.db"

_engine: Optional[Engine] = None
_sessionmaker: Optional[sessionmaker] = None


def database_url() -> str:
    """The configured database URL; SQLite under var/ when none is set."""
    url = os.environ.get("DATABASE_URL", "").strip()
    return url or f"sqlite:///{DEFAULT_SQLITE_PATH}"


def redis_url() -> Optional[str]:
    """The configured Redis URL (shared locks and socket.io rooms), or None for one process."""
    return os.environ.get("REDIS_URL", "").strip() or None


def shown_url() -> str:
    """`database_url()` with any password masked, for messages."""
    return make_url(database_url()).render_as_string(hide_password=True)


def _tune_sqlite(dbapi_connection, _record) -> None:
    # WAL lets the Rasa server, the action server and the sidecar read while
    # one of them writes; the busy timeout makes writers queue, not fail.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: Optional[str] = None) -> Engine:
    """Create an engine for `url` (default: `database_url()`)."""
    url = url or database_url()
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        on_file = bool(parsed.database) and parsed.database != ":memory:"
        if on_file:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # SQLAlchemy 1.4 would open and close (and re-tune) a connection per
        # session on a SQLite file; a small pool keeps them, like 2.0 does.
        pooling = {"poolclass": QueuePool, "pool_size": 5, "max_overflow": 10} if on_file else {}
        engine = create_engine(url, future=True, connect_args={"check_same_thread": False, "timeout": 5}, **pooling)
        event.listen(engine, "connect", _tune_sqlite)
        return engine
    return create_engine(
        url, future=True, pool_pre_ping=True, pool_size=5, max_overflow=5, connect_args=postgres_timeouts()
    )


def postgres_timeouts(options: str = "") -> dict:
    """psycopg2 connect arguments that bound the wait for PostgreSQL: a connection gives up after
    `DATABASE_CONNECT_TIMEOUT` seconds (5), a statement after `DATABASE_STATEMENT_TIMEOUT_MS`
    milliseconds (15000; 0 for none, as a long import may need). `options` are kept (a search path)."""
    connect = int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "5"))
    statement_ms = int(os.environ.get("DATABASE_STATEMENT_TIMEOUT_MS", "15000"))
    if statement_ms > 0:
        options = f"{options} -c statement_timeout={statement_ms}".strip()
    return {"connect_timeout": connect, **({"options": options} if options else {})}


def get_engine() -> Engine:
    """The process-wide engine, created on first use."""
    global _engine, _sessionmaker
    if _engine is None:
        _engine = make_engine()
        _sessionmaker = sessionmaker(_engine, future=True, expire_on_commit=False)
    return _engine


def use_engine(engine: Engine) -> None:
    """Point this process at another engine (tests, tools)."""
    global _engine, _sessionmaker
    _engine = engine
    _sessionmaker = sessionmaker(engine, future=True, expire_on_commit=False)


@contextmanager
def session_scope() -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    get_engine()
    assert _sessionmaker is not None
    session = _sessionmaker()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
