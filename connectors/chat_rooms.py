"""Socket.io rooms a socket may join: only the ones the server gave out.

Rasa's socket.io channel puts a socket in whatever room its `session_request`
names, and the room is the conversation: a socket naming someone else's
session id would receive their replies and a rep's messages. Here the server
issues each session id with a MAC of its own (`<random>.<mac>`, keyed by
`ASSISTANT_CHAT_ROOM_SECRET` or `var/chat-room.key`, held by the Rasa server
only); a widget coming back after a reload presents the id it was given, and
anything else gets a fresh one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Optional

from assistant.keys import secret

MAC_BYTES = 16


def _mac(random_part: str, key: Optional[str] = None) -> str:
    digest = hmac.new((key or secret("chat_room")).encode(), random_part.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:MAC_BYTES]).decode().rstrip("=")


def new_room(key: Optional[str] = None) -> str:
    random_part = secrets.token_urlsafe(16)
    return f"{random_part}.{_mac(random_part, key)}"


def is_issued(room: object, key: Optional[str] = None) -> bool:
    """True for a session id this server (or a replica sharing its key) gave out."""
    if not isinstance(room, str) or len(room) > 64:
        return False
    random_part, _, mac = room.partition(".")
    if not random_part or not mac:
        return False
    return hmac.compare_digest(_mac(random_part, key).encode(), mac.encode())
