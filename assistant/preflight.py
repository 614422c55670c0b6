"""Checks made before any process starts: is each configured service reachable,
and may this deployment run in demo mode?

A wrong `DATABASE_URL` or an unreachable Redis is reported in one line that
names the setting, instead of a stack trace from the third process to start.
Demo mode (no `ASSISTANT_TOKEN_SECRET`: a chat may name any customer id) is
for one machine's loopback only: a cluster, or a server listening on another
address, refuses to start without the secret.
"""

from __future__ import annotations

from typing import List, Optional
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from assistant import clock
from assistant.db import database_url, make_engine, redis_url
from assistant.keys import KEYS, configured
from assistant.keys import problems as key_problems

DEMO_BANNER = (
    "DEMO MODE: customers are not authenticated (a chat may name any customer id). "
    f"Set {KEYS['customer'].env} for real customers."
)


def check_token_mode(why: str) -> Optional[str]:
    """None when customers are authenticated (ASSISTANT_TOKEN_SECRET set); else one line saying why it must be."""
    if configured("customer"):
        return None
    return f"{KEYS['customer'].env} is not set: {why} must not run in demo mode (customers would not be authenticated)"


def _first_line(error: BaseException) -> str:
    cause = getattr(error, "orig", None) or error
    lines = [line.strip() for line in str(cause).splitlines() if line.strip()]
    return lines[0] if lines else error.__class__.__name__


def check_database(url: Optional[str] = None) -> Optional[str]:
    url = url or database_url()
    try:
        shown = make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return f"DATABASE_URL={url!r} is not a database URL (expected e.g. postgresql+psycopg2://user@host:5432/db)"
    try:
        engine = make_engine(url)
    except (ArgumentError, ImportError, ValueError) as error:
        return f"DATABASE_URL={shown!r} cannot be used: {_first_line(error)}"
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        return f"DATABASE_URL={shown!r}: cannot connect: {_first_line(error)}"
    finally:
        engine.dispose()
    return None


def _masked(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))


def check_redis(url: Optional[str] = None) -> Optional[str]:
    url = url if url is not None else redis_url()
    if not url:
        return None
    import redis

    shown = _masked(url)
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    except ValueError as error:
        return f"REDIS_URL={shown!r} is not a Redis URL: {_first_line(error)}"
    try:
        client.ping()
    except redis.RedisError as error:
        return f"REDIS_URL={shown!r}: cannot connect: {_first_line(error)}"
    finally:
        client.close()
    return None


def problems() -> List[str]:
    """One line per configured service, key or setting that cannot be used."""
    checks = (clock.check_setting(), check_database(), check_redis())
    return key_problems() + [problem for problem in checks if problem]
