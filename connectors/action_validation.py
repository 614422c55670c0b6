"""Rasa's calls to the action server: a timeout a customer would wait for, and its
check of the responses, with its schema checked once.

Rasa 3.6 waits up to 300 s for an action (`DEFAULT_REQUEST_TIMEOUT`, read by
`RemoteAction.run` at each call). A customer would not: after
`ACTION_SERVER_TIMEOUT` seconds (10 by default) the call fails, Rasa carries on
without that action's events, and the channel answers politely
(connectors/channels.py) instead of leaving the chat silent.

Rasa validates every response of the action server with `jsonschema.validate`,
which first checks the schema itself, on every call. Profiled under load
(`make load`, py-spy on a replica) that was a fifth of a Rasa replica's CPU.
This checks responses against the same schema with a validator built once,
and raises the same error for a response that does not fit.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any, Dict, Text

from jsonschema import ValidationError
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions import action as rasa_action
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


@lru_cache(maxsize=1)
def _validator():
    schema = RemoteAction.action_response_format_spec()
    kind = validator_for(schema)
    kind.check_schema(schema)
    return kind(schema)


def validate_action_result(_action: RemoteAction, result: Dict[Text, Any]) -> bool:
    error = best_match(_validator().iter_errors(result))  # what jsonschema.validate raises
    if error is None:
        return True
    error.message += (
        f". Failed to validate Action server response from API, make sure your response from the Action endpoint "
        f"is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
    )
    raise error


def action_timeout() -> float:
    """Seconds Rasa waits for one action (`ACTION_SERVER_TIMEOUT`, default 10)."""
    try:
        seconds = float(os.environ.get("ACTION_SERVER_TIMEOUT", "10"))
    except ValueError:
        raise SystemExit("ACTION_SERVER_TIMEOUT must be a number of seconds") from None
    if not 0 < seconds <= 300:
        raise SystemExit("ACTION_SERVER_TIMEOUT must be more than 0 and at most 300 seconds")
    return seconds


def install() -> None:
    RemoteAction._validate_action_result = validate_action_result
    rasa_action.DEFAULT_REQUEST_TIMEOUT = action_timeout()


__all__ = ["ValidationError", "action_timeout", "install", "validate_action_result"]
