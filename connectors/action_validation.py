"""Rasa's check of action server responses, with its schema checked once.

Rasa validates every response of the action server with `jsonschema.validate`,
which first checks the schema itself, on every call. Profiled under load
(`make load`, py-spy on a replica) that was a fifth of a Rasa replica's CPU.
This checks responses against the same schema with a validator built once,
and raises the same error for a response that does not fit.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, Text

from jsonschema import ValidationError
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
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


def install() -> None:
    RemoteAction._validate_action_result = validate_action_result


__all__ = ["ValidationError", "install", "validate_action_result"]
