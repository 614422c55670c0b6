"""Rasa's SQL tracker store, pointed at the application database.

`DATABASE_URL` decides for the app and the tracker store alike (SQLite file
under var/ by default), so one setting moves both to PostgreSQL.
"""

from __future__ import annotations

from typing import Any, Optional

from rasa.core.tracker_store import SQLTrackerStore
from sqlalchemy.engine import make_url

from assistant.db import database_url


class DatabaseUrlTrackerStore(SQLTrackerStore):
    def __init__(self, domain: Optional[Any] = None, host: Optional[str] = None, **kwargs: Any) -> None:
        url = make_url(database_url())
        dialect = url.drivername
        super().__init__(
            domain=domain,
            dialect=dialect,
            host=url.host,
            port=url.port,
            db=url.database,
            username=url.username,
            password=url.password,
            event_broker=kwargs.get("event_broker"),
            query=dict(url.query) or None,
        )
