"""Rate limits and lockouts for everything that checks a secret a person knows.

Two scopes: `customer` (email and postcode, at `POST /api/chat-token` and in
the chat's identity form: one budget, since both guess the same thing) and
`staff` (username and password, at `POST /api/session` and in Basic
credentials). Each try is a row in the database (`SignInAttempt`), so the
sidecar's workers, the action servers and every replica count together.

- Per client address: at most ADDRESS_ATTEMPTS tries a minute, and at most
  ADDRESS_FAILURES failures in the lockout window (someone trying many
  accounts).
- Per account: locked after ACCOUNT_FAILURES failures in a row within the
  lockout window (someone trying many passwords or postcodes for one), until
  the oldest of them leaves it. A success ends the run.

A refused try is not itself counted, so waiting the `retry_after` always works.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from assistant.models import SignInAttempt

SCOPES = ("customer", "staff")
ADDRESS_WINDOW = timedelta(minutes=1)
ADDRESS_ATTEMPTS = 60
LOCKOUT_WINDOW = timedelta(minutes=15)
ADDRESS_FAILURES = 50
ACCOUNT_FAILURES = 5
KEEP = timedelta(days=1)


@dataclass(frozen=True)
class Refusal:
    """Why a try is refused now, and how many seconds until it may be made."""

    reason: str
    retry_after: int


def _seconds_until(oldest: datetime, window: timedelta, now: datetime) -> int:
    return max(1, math.ceil((oldest + window - now).total_seconds()))


def normalise_account(account: Optional[str]) -> str:
    return (account or "").strip().lower()[:200]


def check(
    session: Session, scope: str, address: str, account: str, now: Optional[datetime] = None
) -> Optional[Refusal]:
    """None if this try may go ahead; else the refusal with its Retry-After."""
    now = now or datetime.utcnow()
    account = normalise_account(account)
    attempts = SignInAttempt
    recent = session.execute(
        select(func.count(), func.min(attempts.attempted_at)).where(
            attempts.scope == scope, attempts.address == address, attempts.attempted_at > now - ADDRESS_WINDOW
        )
    ).one()
    if recent[0] >= ADDRESS_ATTEMPTS:
        return Refusal("Too many sign-in attempts from this address.", _seconds_until(recent[1], ADDRESS_WINDOW, now))
    since = now - LOCKOUT_WINDOW
    failed = session.execute(
        select(func.count(), func.min(attempts.attempted_at)).where(
            attempts.scope == scope,
            attempts.address == address,
            attempts.succeeded.is_(False),
            attempts.attempted_at > since,
        )
    ).one()
    if failed[0] >= ADDRESS_FAILURES:
        return Refusal("Too many failed sign-ins from this address.", _seconds_until(failed[1], LOCKOUT_WINDOW, now))
    last_success = session.execute(
        select(func.max(attempts.attempted_at)).where(
            attempts.scope == scope, attempts.account == account, attempts.succeeded.is_(True)
        )
    ).scalar_one_or_none()
    run_start = max(since, last_success) if last_success else since
    run = session.execute(
        select(attempts.attempted_at)
        .where(
            attempts.scope == scope,
            attempts.account == account,
            attempts.succeeded.is_(False),
            attempts.attempted_at > run_start,
        )
        .order_by(attempts.attempted_at.desc())
        .limit(ACCOUNT_FAILURES)
    ).scalars()
    run = list(run)
    if len(run) >= ACCOUNT_FAILURES:
        # Unlocked when the oldest of the last ACCOUNT_FAILURES failures leaves the window.
        return Refusal(
            "This account is locked after repeated failed sign-ins.", _seconds_until(run[-1], LOCKOUT_WINDOW, now)
        )
    return None


def record(
    session: Session, scope: str, address: str, account: str, succeeded: bool, now: Optional[datetime] = None
) -> None:
    """Note a try (commit is the caller's); rows older than KEEP go at each failure."""
    now = now or datetime.utcnow()
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {', '.join(SCOPES)}")
    session.add(
        SignInAttempt(
            scope=scope,
            address=(address or "unknown")[:64],
            account=normalise_account(account),
            succeeded=succeeded,
            attempted_at=now,
        )
    )
    if not succeeded:
        session.execute(delete(SignInAttempt).where(SignInAttempt.attempted_at < now - KEEP))
    session.flush()
