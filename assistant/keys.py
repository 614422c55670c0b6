"""The server-side keys, one per purpose, and which process holds which.

Each key comes from its environment variable when set (a deployment keeps
them in its secret store); otherwise a random key is generated once into
`var/<name>.key` (readable only by its owner), so `make run` and the tests
need no setup. The launcher (`scripts/services.py`) reads them and hands each
process only the keys it needs:

| key | signs | held by |
| --- | --- | --- |
| `rasa_api` | the sidecar's calls to Rasa's HTTP API (JWT) | Rasa, sidecar |
| `customer` | customer tokens (chat sign-in) | Rasa, sidecar |
| `survey` | survey tokens (one conversation's feedback) | action server, sidecar |
| `chat_room` | socket.io room tickets (which socket may join which conversation) | Rasa |

Staff sessions need no key: they are random ids stored server-side
(`assistant/staff_sessions.py`).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Optional


@dataclass(frozen=True)
class Key:
    name: str
    env: str
    file: str
    purpose: str
    # Setting it changes the product's mode (ASSISTANT_TOKEN_SECRET: token mode), so the
    # launcher passes it on only when it is configured; the demo key stays in var/.
    sets_mode: bool = False


KEYS: Dict[str, Key] = {
    key.name: key
    for key in (
        Key("rasa_api", "RASA_API_SECRET", "rasa-api.key", "JWTs for Rasa's HTTP API (--jwt-secret)"),
        Key("customer", "ASSISTANT_TOKEN_SECRET", "customer-token.key", "customer tokens", sets_mode=True),
        Key("survey", "ASSISTANT_SURVEY_SECRET", "survey.key", "survey tokens"),
        Key("chat_room", "ASSISTANT_CHAT_ROOM_SECRET", "chat-room.key", "socket.io room tickets"),
    )
}
# Which process needs which key; every other key is kept out of its environment.
HELD_BY = {
    "rasa": ("rasa_api", "customer", "chat_room"),
    "actions": ("survey",),
    "sidecar": ("rasa_api", "customer", "survey"),
}
MIN_LENGTH = 32


def key_directory() -> Path:
    from assistant.db import PROJECT_ROOT

    return Path(os.environ.get("ASSISTANT_KEY_DIR") or PROJECT_ROOT / "var")


def configured(name: str) -> Optional[str]:
    """The key from its environment variable, or None."""
    value = os.environ.get(KEYS[name].env, "").strip()
    return value or None


def secret(name: str) -> str:
    """The key `name`: its environment variable, or else the one generated in var/."""
    value = configured(name)
    if value:
        return value
    path = key_directory() / KEYS[name].file
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it meanwhile
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def problems() -> list:
    """One line per configured key that is too short to be a key."""
    found = []
    for key in KEYS.values():
        value = configured(key.name)
        if value is not None and len(value) < MIN_LENGTH:
            found.append(f"{key.env} is {len(value)} characters long: use at least {MIN_LENGTH} random characters")
    return found


def all_key_variables() -> tuple:
    return tuple(key.env for key in KEYS.values())
