"""Signed, expiring customer tokens that bind a chat to one customer.

The sidecar mints a token at sign-in; the Rasa channels accept only a valid
token when a secret is configured (`ASSISTANT_TOKEN_SECRET`), and in demo
mode a token signed with the machine's key as well as a bare customer id. The format is
`<customer_id>.<expires_unix>.<hex HMAC-SHA256>`: short enough for a URL, and
checkable without a database look-up.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from typing import Any, Dict, Optional

TOKEN_SECRET_ENV = "ASSISTANT_TOKEN_SECRET"
DEFAULT_TTL_SECONDS = 8 * 3600


class InvalidToken(ValueError):
    """The token is malformed, forged or expired."""


def configured_secret() -> Optional[str]:
    secret = os.environ.get(TOKEN_SECRET_ENV, "").strip()
    return secret or None


def customer_token_secret() -> str:
    """The key customer tokens are signed with.

    `ASSISTANT_TOKEN_SECRET` when set (then only tokens are believed); in demo
    mode the machine's signing key, so the demo web page signs customers in
    with a token too, while a bare `customer_id` is still accepted.
    """
    return configured_secret() or signing_secret()


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
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        raise InvalidToken("bad signature")
    if int(expires) < (now if now is not None else time.time()):
        raise InvalidToken("token expired")
    return customer_id


# --- survey tokens ----------------------------------------------------------
# The action server signs one per conversation when it asks the survey; the
# sidecar accepts feedback for that conversation only with it.

SIGNING_SECRET_ENV = "ASSISTANT_SIGNING_SECRET"
SURVEY_TTL_SECONDS = 7 * 24 * 3600


def signing_secret() -> str:
    """The server-side secret for survey tokens.

    From `ASSISTANT_SIGNING_SECRET`, or else a random key kept in
    `var/signing.key` (created once, readable only by its owner), which the
    action server and the sidecar on one machine share.
    """
    configured = os.environ.get(SIGNING_SECRET_ENV, "").strip()
    if configured:
        return configured
    from assistant.db import PROJECT_ROOT

    path = PROJECT_ROOT / "var" / "signing.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def mint_survey_token(
    conversation_id: str, customer_id: Optional[str], secret: str, now: Optional[float] = None
) -> str:
    payload = _b64(
        json.dumps(
            {
                "c": conversation_id,
                "u": customer_id,
                "e": int((now if now is not None else time.time()) + SURVEY_TTL_SECONDS),
            },
            separators=(",", ":"),
        ).encode()
    )
    return f"{payload}.{_signature(secret, 'survey:' + payload)}"


def verify_survey_token(token: str, secret: str, now: Optional[float] = None) -> Dict[str, Any]:
    """{"conversation_id", "customer_id"} the token was signed for; raises InvalidToken."""
    payload, _, signature = (token or "").partition(".")
    if not payload or not signature:
        raise InvalidToken("malformed token")
    if not hmac.compare_digest(_signature(secret, "survey:" + payload).encode(), signature.encode()):
        raise InvalidToken("bad signature")
    try:
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, TypeError) as error:
        raise InvalidToken("malformed token") from error
    if int(data.get("e", 0)) < (now if now is not None else time.time()):
        raise InvalidToken("token expired")
    return {"conversation_id": data.get("c"), "customer_id": data.get("u")}


# --- staff sessions ---------------------------------------------------------
# The console and dashboard pages sign staff in once and keep a cookie.

STAFF_SESSION_SECONDS = 10 * 3600


def mint_staff_session(username: str, secret: str, now: Optional[float] = None) -> str:
    expires = int((now if now is not None else time.time()) + STAFF_SESSION_SECONDS)
    payload = f"{_b64(username.encode())}.{expires}"
    return f"{payload}.{_signature(secret, 'staff:' + payload)}"


def verify_staff_session(token: str, secret: str, now: Optional[float] = None) -> str:
    """The username the cookie was signed for; raises InvalidToken."""
    parts = (token or "").split(".")
    if len(parts) != 3 or not parts[1].isdigit():
        raise InvalidToken("malformed session")
    payload = f"{parts[0]}.{parts[1]}"
    if not hmac.compare_digest(_signature(secret, "staff:" + payload).encode(), parts[2].encode()):
        raise InvalidToken("bad signature")
    if int(parts[1]) < (now if now is not None else time.time()):
        raise InvalidToken("session expired")
    try:
        return base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4)).decode()
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidToken("malformed session") from error
