"""Part of a message read by the assistant's own NLU, for several requests in one message.

The Rasa server's `/model/parse` reads a part ("whats ur returns policy")
with the same classifier, gates and FAQ selector as a whole message; the
action server asks it only for messages with joined parts
(assistant/requests.py), and keeps the answers for parts seen before. If
Rasa does not answer in time the part is read by plain cues instead.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from typing import Optional

import httpx

from api.rasa_client import auth_headers, rasa_url

logger = logging.getLogger(__name__)

PARSE_SECONDS = 2.0
KEPT = 4096
_seen: "OrderedDict[str, Optional[str]]" = OrderedDict()
_lock = threading.Lock()


def job_label(parse: dict) -> Optional[str]:
    """The job a parse names: the intent, or "faq/<answer>" for an FAQ with its selected answer."""
    intent = (parse.get("intent") or {}).get("name")
    if intent != "faq":
        return intent
    picked = ((parse.get("response_selector") or {}).get("faq") or {}).get("response") or {}
    key = picked.get("intent_response_key")
    return key if key and key.startswith("faq/") else intent


def read_part(text: str) -> Optional[str]:
    """The job a part of a message asks for, by the NLU; None when Rasa could not be asked."""
    with _lock:
        if text in _seen:
            _seen.move_to_end(text)
            return _seen[text]
    try:
        response = httpx.post(
            f"{rasa_url()}/model/parse", json={"text": text}, headers=auth_headers(), timeout=PARSE_SECONDS
        )
        response.raise_for_status()
        label = job_label(response.json())
    except (httpx.HTTPError, ValueError) as error:
        logger.warning("could not read part of a message with the NLU: %s", error)
        return None  # not kept: the next message asks again
    with _lock:
        _seen[text] = label
        while len(_seen) > KEPT:
            _seen.popitem(last=False)
    return label
