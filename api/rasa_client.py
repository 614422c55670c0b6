"""The sidecar's client of Rasa's HTTP API, the only one it has.

Rasa runs with `--jwt-secret` (scripts/rasa_server.py); each call carries an
admin JWT signed with the same key (`RASA_API_SECRET`, or `var/rasa-api.key`)
that expires a minute later. Used to push a rep's messages into a
conversation and to start the survey after a rep resolves it.
"""

from __future__ import annotations

import os
import time
from typing import Any, Callable, Dict, List, TypeVar
from urllib.parse import quote

import httpx
import jwt

from assistant.keys import secret

TOKEN_SECONDS = 60
# Waits between tries of a call that did not reach Rasa (it restarts, or one replica is gone).
RETRY_WAITS = (0.3, 1.0)
T = TypeVar("T")


def rasa_url() -> str:
    return os.environ.get("RASA_URL", "http://127.0.0.1:5005").rstrip("/")


def auth_headers() -> Dict[str, str]:
    """`Authorization` for one call to Rasa's API (an admin JWT, valid for a minute)."""
    now = int(time.time())
    claims = {"user": {"username": "sidecar", "role": "admin"}, "iat": now, "exp": now + TOKEN_SECONDS}
    return {"Authorization": f"Bearer {jwt.encode(claims, secret('rasa_api'), algorithm='HS256')}"}


def conversation_url(conversation_id: str) -> str:
    return f"{rasa_url()}/conversations/{quote(conversation_id, safe='')}"


def push_events(conversation_id: str, events: List[Dict[str, Any]]) -> None:
    """Add events to the conversation and send its bot messages to the customer's chat."""
    with httpx.Client(timeout=30, headers=auth_headers()) as client:
        client.post(
            f"{conversation_url(conversation_id)}/tracker/events",
            params={"output_channel": "socketio", "execute_side_effects": "true"},
            json=events,
        ).raise_for_status()


def trigger_intent(conversation_id: str, intent: str) -> Dict[str, Any]:
    """Run the conversation on as if the customer had said `intent`; Rasa's answer."""
    with httpx.Client(timeout=30, headers=auth_headers()) as client:
        triggered = client.post(
            f"{conversation_url(conversation_id)}/trigger_intent",
            params={"output_channel": "latest"},
            json={"name": intent},
        )
        triggered.raise_for_status()
        return triggered.json()


def not_reached(error: httpx.HTTPError) -> bool:
    """True when the call surely did nothing in Rasa: no connection, or a proxy's 502-504."""
    if isinstance(error, (httpx.ConnectError, httpx.ConnectTimeout)):
        return True
    return isinstance(error, httpx.HTTPStatusError) and error.response.status_code in (502, 503, 504)


def with_retries(call: Callable[[], T]) -> T:
    """`call()`, tried again after each of `RETRY_WAITS` while Rasa was not reached; the last error is raised."""
    for wait in RETRY_WAITS:
        try:
            return call()
        except httpx.HTTPError as error:
            if not not_reached(error):
                raise
        time.sleep(wait)
    return call()
