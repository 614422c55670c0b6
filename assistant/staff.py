"""Staff accounts (reps and supervisors) and their passwords.

Passwords are stored as PBKDF2-SHA256 hashes with a random salt. The demo
accounts below are created by `init-db` for a fresh database; a company
creates its own with `python -m assistant.cli add-staff`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import lru_cache
from typing import Optional

from sqlalchemy.orm import Session

from assistant.models import StaffUser

ROLES = ("rep", "supervisor")
ITERATIONS = 200_000
DEMO_STAFF = (
    ("priya", "Priya Shah", "rep", "priya-demo"),
    ("marcus", "Marcus Reid", "rep", "marcus-demo"),
    ("sam", "Sam Okafor", "supervisor", "sam-demo"),
)


def hash_password(password: str, salt: Optional[str] = None) -> str:
    salt = salt or secrets.token_hex(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), ITERATIONS).hex()
    return f"pbkdf2_sha256${ITERATIONS}${salt}${digest}"


@lru_cache(maxsize=1024)
def _matches(stored: str, password: str) -> bool:
    # Cached so that an API client sending Basic credentials on every request
    # pays the deliberate slowness of PBKDF2 once, not per request.
    try:
        _, iterations, salt, digest = stored.split("$")
    except ValueError:
        return False
    candidate = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), int(iterations)).hex()
    return hmac.compare_digest(candidate, digest)


def authenticate(session: Session, username: str, password: str) -> Optional[StaffUser]:
    user = session.get(StaffUser, username)
    if user is None or not user.active or not _matches(user.password_hash, password):
        return None
    return user


def add_staff(session: Session, username: str, display_name: str, role: str, password: str) -> StaffUser:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    user = session.get(StaffUser, username) or StaffUser(username=username)
    user.display_name, user.role, user.password_hash, user.active = display_name, role, hash_password(password), True
    session.add(user)
    session.flush()
    return user


@lru_cache(maxsize=None)
def _demo_hash(password: str) -> str:
    return hash_password(password)  # once per process: test databases are built often


def ensure_demo_staff(session: Session) -> None:
    for username, name, role, password in DEMO_STAFF:
        if session.get(StaffUser, username) is None:
            session.add(StaffUser(username=username, display_name=name, role=role, password_hash=_demo_hash(password)))
    session.flush()
