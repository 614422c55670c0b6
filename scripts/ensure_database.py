"""Create the PostgreSQL database named in a URL if it does not exist yet.

`python -m scripts.ensure_database postgresql+psycopg2://postgres@127.0.0.1/assistant_test`
"""

from __future__ import annotations

import sys

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError


def ensure_database(url: str) -> None:
    target = make_url(url)
    server = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT", future=True)
    with server.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}
        ).first()
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    server.dispose()


if __name__ == "__main__":
    try:
        ensure_database(sys.argv[1])
    except OperationalError as error:
        sys.exit(f"cannot reach PostgreSQL for {sys.argv[1]}: {str(error.orig).strip().splitlines()[0]}")
