"""Signed, expiring customer tokens that bind a chat to one customer.

The sidecar mints a token at sign-in; the Rasa channels accept only a valid
token when a secret is configured (`ASSISTANT_TOKEN_SECRET`). The format is
`<customer_id>.<expires_unix>.<hex HMAC-SHA256>`: short enough for a URL, and
checkable without a database look-up.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import time
from typing import Optional

TOKEN_SECRET_ENV = "ASSISTANT_TOKEN_SECRET"
DEFAULT_TTL_SECONDS = 8 * 3600


class InvalidToken(ValueError):
    """The token is malformed, forged or expired."""


def configured_secret() -> Optional[str]:
    secret = os.environ.get(TOKEN_SECRET_ENV, "").strip()
    return secret or None


def _signature(secret: str, payload: str) -> str:
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


def mint_customer_token(
    customer_id: str, secret: str, ttl_seconds: int = DEFAULT_TTL_SECONDS, now: Optional[float] = None
) -> str:
    if "." in customer_id or not customer_id:
        raise ValueError("customer id must be non-empty and contain no '.'")
    expires = int((now if now is not None else time.time()) + ttl_seconds)
    payload = f"{customer_id}.{expires}"
    return f"{payload}.{_signature(secret, payload)}"


def verify_customer_token(token: str, secret: str, now: Optional[float] = None) -> str:
    """The customer id the token was minted for; raises InvalidToken otherwise."""
    parts = (token or "").split(".")
    if len(parts) != 3 or not parts[1].isdigit():
        raise InvalidToken("malformed token")
    customer_id, expires, signature = parts
    expected = _signature(secret, f"{customer_id}.{expires}")
    if not hmac.compare_digest(expected, signature):
        raise InvalidToken("bad signature")
    if int(expires) < (now if now is not None else time.time()):
        raise InvalidToken("token expired")
    return customer_id
