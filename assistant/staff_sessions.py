"""Staff page sessions: a random id in an HttpOnly cookie, the session itself in the database.

Server-side, so a session ends when the rep signs out, when an administrator
ends it (`python -m assistant.cli end-sessions USER`), when the password is
changed or the account disabled, and at SESSION_SECONDS at the latest. Only
the SHA-256 of the id is stored. The cookie is not a token anything else
accepts, and no token (a customer's or a survey's) is a session id.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from assistant.models import StaffSession, StaffUser

SESSION_SECONDS = 10 * 3600


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def start(session: Session, username: str, now: Optional[datetime] = None) -> str:
    """A new session for `username`; returns the id for the cookie (commit is the caller's)."""
    now = now or datetime.utcnow()
    session_id = secrets.token_urlsafe(32)
    session.execute(delete(StaffSession).where(StaffSession.expires_at < now - timedelta(days=1)))
    session.add(
        StaffSession(
            id_hash=_hash(session_id),
            username=username,
            created_at=now,
            expires_at=now + timedelta(seconds=SESSION_SECONDS),
        )
    )
    session.flush()
    return session_id


def user_for(session: Session, session_id: Optional[str], now: Optional[datetime] = None) -> Optional[StaffUser]:
    """The active staff member a live session id belongs to, or None."""
    if not session_id or len(session_id) > 200:
        return None
    now = now or datetime.utcnow()
    return session.execute(
        select(StaffUser)
        .join(StaffSession, StaffSession.username == StaffUser.username)
        .where(
            StaffSession.id_hash == _hash(session_id),
            StaffSession.ended_at.is_(None),
            StaffSession.expires_at > now,
            StaffUser.active.is_(True),
        )
    ).scalar_one_or_none()


def end(session: Session, session_id: Optional[str]) -> bool:
    """Sign-out: the session ends now. True if there was a live one."""
    if not session_id:
        return False
    ended = session.execute(
        update(StaffSession)
        .where(StaffSession.id_hash == _hash(session_id), StaffSession.ended_at.is_(None))
        .values(ended_at=datetime.utcnow())
    )
    return ended.rowcount > 0


def end_all(session: Session, username: str) -> int:
    """End every live session of `username` (an administrator's command, a new password); how many."""
    ended = session.execute(
        update(StaffSession)
        .where(StaffSession.username == username, StaffSession.ended_at.is_(None))
        .values(ended_at=datetime.utcnow())
    )
    return ended.rowcount
