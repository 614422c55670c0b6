"""Staff accounts (reps and supervisors) and their passwords.

Passwords are stored as PBKDF2-HMAC-SHA256 hashes with a random salt, at
OWASP's current count for it (600,000 iterations); a hash made with fewer is
replaced at the next successful sign-in. Nothing here caches a password or a
verdict about one. An unknown or disabled username costs the same hash as a
known one, so the answer's timing does not tell them apart. The demo accounts
below are created with the demo data (`init-db` on an empty database); a
company creates its own with `python -m assistant.cli add-staff`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Dict, Optional

from sqlalchemy.orm import Session

from assistant.models import StaffUser

ROLES = ("rep", "supervisor")
ITERATIONS = 600_000  # OWASP Password Storage Cheat Sheet, PBKDF2-HMAC-SHA256
DEMO_STAFF = (
    ("priya", "Priya Shah", "rep", "priya-demo"),
    ("marcus", "Marcus Reid", "rep", "marcus-demo"),
    ("sam", "Sam Okafor", "supervisor", "sam-demo"),
)


def hash_password(password: str, salt: Optional[str] = None, iterations: int = ITERATIONS) -> str:
    salt = salt or secrets.token_hex(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations).hex()
    return f"pbkdf2_sha256${iterations}${salt}${digest}"


def _matches(stored: str, password: str) -> bool:
    try:
        _, iterations, salt, digest = stored.split("$")
        rounds = int(iterations)
    except ValueError:
        return False
    candidate = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), rounds).hex()
    return hmac.compare_digest(candidate, digest)


def needs_rehash(stored: str) -> bool:
    parts = stored.split("$")
    return len(parts) != 4 or not parts[1].isdigit() or int(parts[1]) < ITERATIONS


_stand_in: Dict[str, str] = {}


def _stand_in_hash() -> str:
    """A hash of a random password, checked when the username is unknown (same cost, same time)."""
    if "hash" not in _stand_in:
        _stand_in["hash"] = hash_password(secrets.token_urlsafe(16))
    return _stand_in["hash"]


def authenticate(session: Session, username: str, password: str) -> Optional[StaffUser]:
    user = session.get(StaffUser, username) if username else None
    if user is None or not user.active:
        _matches(_stand_in_hash(), password)
        return None
    if not _matches(user.password_hash, password):
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        session.flush()
    return user


def add_staff(session: Session, username: str, display_name: str, role: str, password: str) -> StaffUser:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    from assistant.staff_sessions import end_all

    user = session.get(StaffUser, username) or StaffUser(username=username)
    user.display_name, user.role, user.password_hash, user.active = display_name, role, hash_password(password), True
    session.add(user)
    session.flush()
    end_all(session, username)  # a new password ends the sessions signed in with the old one
    return user


_demo_hashes: Dict[str, str] = {}


def _demo_hash(password: str) -> str:
    # Once per process for the published demo passwords: test databases are built often.
    if password not in _demo_hashes:
        _demo_hashes[password] = hash_password(password)
    return _demo_hashes[password]


def ensure_demo_staff(session: Session) -> None:
    for username, name, role, password in DEMO_STAFF:
        if session.get(StaffUser, username) is None:
            session.add(StaffUser(username=username, display_name=name, role=role, password_hash=_demo_hash(password)))
    session.flush()
