"""Reference numbers customers read out (TKT-123456, RF-12345): random, never reused."""

from __future__ import annotations

import secrets

from sqlalchemy.orm import Session


def unused_reference(session: Session, model, prefix: str, digits: int) -> str:
    """A `prefix` + `digits`-digit number that no `model` row has as its key yet."""
    low = 10 ** (digits - 1)
    while True:
        number = f"{prefix}{low + secrets.randbelow(9 * low)}"
        if session.get(model, number) is None:
            return number
