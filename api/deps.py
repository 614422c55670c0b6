"""Dependencies shared by the routers: settings and a database session."""

from __future__ import annotations

import fcntl
import hashlib
import os
import threading
import time
from contextlib import contextmanager
from typing import Annotated, Dict, Iterator, Optional, Tuple

from fastapi import Cookie, Depends, HTTPException, Request
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from sqlalchemy.orm import Session

from assistant import sign_in_limits, staff_sessions
from assistant.db import session_scope
from assistant.models import StaffUser
from assistant.staff import authenticate


def get_session() -> Iterator[Session]:
    with session_scope() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


security = HTTPBasic(auto_error=False, description="Staff username and password")


# A rep's console sends Basic credentials with every request; a sign-in
# checked in the last few seconds is trusted again without a database read.
# So a deactivated account keeps access for at most this long.
VERIFIED_FOR_SECONDS = 10.0
_recently_verified: Dict[Tuple[str, str], Tuple[float, StaffUser]] = {}  # (user, password digest) or ("cookie", user)


def client_address(request: Request) -> str:
    """The client's address (uvicorn takes X-Forwarded-For from a proxy on this machine only)."""
    return request.client.host if request.client else "unknown"


def refuse_if_limited(session: Session, scope: str, address: str, account: str) -> None:
    """429 with Retry-After when this address or account has tried too often (assistant/sign_in_limits.py)."""
    refusal = sign_in_limits.check(session, scope, address, account)
    if refusal is not None:
        minutes = max(1, round(refusal.retry_after / 60))
        raise HTTPException(
            status_code=429,
            detail=f"{refusal.reason} Try again in {minutes} minute{'s' if minutes > 1 else ''}.",
            headers={"Retry-After": str(refusal.retry_after)},
        )


def note_sign_in(session: Session, scope: str, address: str, account: str, succeeded: bool) -> None:
    """Record a try and commit it now: a refusal that follows must not roll it back."""
    with sqlite_write_lock(session):
        sign_in_limits.record(session, scope, address, account, succeeded)
        session.commit()


def _verified(session: Session, username: str, password: str, address: str) -> Optional[StaffUser]:
    key = (username, hashlib.sha256(password.encode()).hexdigest())
    now = time.monotonic()
    hit = _recently_verified.get(key)
    if hit and now - hit[0] < VERIFIED_FOR_SECONDS:
        return hit[1]
    refuse_if_limited(session, "staff", address, username)
    user = authenticate(session, username, password)
    note_sign_in(session, "staff", address, username, user is not None)
    if user is None:
        _recently_verified.pop(key, None)
        return None
    session.expunge(user)  # a read-only snapshot, safe to share between requests
    if len(_recently_verified) > 1000:
        _recently_verified.clear()
    _recently_verified[key] = (now, user)
    return user


SESSION_COOKIE = "staff_session"
# Pages send this header with every change they make; a form posted from
# another site cannot, so neither the session cookie nor cached Basic
# credentials alone ever change anything.
PAGE_HEADER = "X-Console"


def staff_from_cookie(session: Session, cookie: Optional[str]) -> Optional[StaffUser]:
    """The signed-in staff member of a page session cookie (a live server-side session), or None.

    Looked up on every request, so a session ended by sign-out or an administrator
    is refused at once, by every worker."""
    user = staff_sessions.user_for(session, cookie)
    if user is not None:
        session.expunge(user)
    return user


SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def require_page_header(request: Request) -> None:
    """403 for a change without the page header, whatever the credential: a browser sends a
    cookie, and Basic credentials it has cached, with a form from any site, but not this header."""
    if request.method not in SAFE_METHODS and request.headers.get(PAGE_HEADER) != "1":
        raise HTTPException(status_code=403, detail=f"Changes need the {PAGE_HEADER}: 1 header.")


def _staff(
    request: Request,
    session: SessionDep,
    credentials: Optional[HTTPBasicCredentials] = Depends(security),
    staff_session: Optional[str] = Cookie(None, include_in_schema=False),
) -> StaffUser:
    # No WWW-Authenticate challenge on a 401: a browser would offer its own sign-in
    # box and then send the credentials with every request, from any site.
    if credentials is None:
        user = staff_from_cookie(session, staff_session)
        if user is None:
            raise HTTPException(status_code=401, detail="Sign in as a rep or supervisor.")
    else:
        user = _verified(session, credentials.username, credentials.password, client_address(request))
        if user is None:
            raise HTTPException(status_code=401, detail="Wrong username or password.")
    require_page_header(request)
    return user


def https_deployment() -> bool:
    """`ASSISTANT_HTTPS=1`: the deployment is served over HTTPS, so cookies are marked Secure."""
    return os.environ.get("ASSISTANT_HTTPS", "").strip().lower() in ("1", "true", "yes")


# Pure checks run on the event loop (async), sparing a thread hop per request.
async def rep_or_supervisor(user: StaffUser = Depends(_staff)) -> StaffUser:
    return user


async def supervisor(user: StaffUser = Depends(_staff)) -> StaffUser:
    if user.role != "supervisor":
        raise HTTPException(status_code=403, detail="Supervisors only.")
    return user


_SQLITE_WRITES = threading.Lock()
_WRITER_FILES: Dict[str, int] = {}


def _writers_file(session: Session) -> Optional[int]:
    """An open lock file beside this SQLite database (None in memory). Called under _SQLITE_WRITES."""
    database = session.get_bind().url.database
    if not database or database == ":memory:":
        return None
    if database not in _WRITER_FILES:
        _WRITER_FILES[database] = os.open(f"{database}-writers.lock", os.O_RDWR | os.O_CREAT, 0o600)
    return _WRITER_FILES[database]


@contextmanager
def sqlite_write_lock(session: Session) -> Iterator[None]:
    """One writer at a time on SQLite, in this process and across the workers.

    SQLite allows one writer; threads that race for it wait on each other's
    locks and some fail with "database is locked". Queuing them here is
    faster and loses nothing. Between processes (the sidecar's workers) the
    queue is a lock on a file beside the database: SQLite's own busy wait
    sleeps 1, 2, 5, 10 ms… between tries, while a waiter on the file lock is
    woken the moment it is free. PostgreSQL needs no such queue. Hold it from
    the first write to the commit.
    """
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    with _SQLITE_WRITES:
        writers = _writers_file(session)
        if writers is not None:
            fcntl.flock(writers, fcntl.LOCK_EX)
        try:
            yield
        finally:
            if writers is not None:
                fcntl.flock(writers, fcntl.LOCK_UN)


RepDep = Annotated[StaffUser, Depends(rep_or_supervisor)]
SupervisorDep = Annotated[StaffUser, Depends(supervisor)]
