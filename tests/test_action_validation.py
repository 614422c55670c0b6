"""Action server responses are checked as strictly as Rasa does, without re-checking the schema each time."""

from __future__ import annotations

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

import connectors.channels  # noqa: F401 - what Rasa imports at start, installing the check
from connectors.action_validation import validate_action_result

GOOD = {
    "events": [{"event": "slot", "name": "order_number", "value": "ORD-100001"}],
    "responses": [{"text": "Order ORD-100001 is on its way."}],
}
BAD = [
    {"events": [{"name": "order_number"}], "responses": []},  # an event without its type
    {"events": "slot", "responses": []},
    {"events": [], "responses": ["a bare string"]},
]


def test_the_running_assistant_uses_this_check():
    assert RemoteAction._validate_action_result is validate_action_result


def test_a_well_formed_response_passes():
    assert validate_action_result(RemoteAction("action_x", None), GOOD) is True


@pytest.mark.parametrize("response", BAD)
def test_a_malformed_response_fails_with_the_error_jsonschema_gives(response):
    with pytest.raises(jsonschema.ValidationError) as ours:
        validate_action_result(RemoteAction("action_x", None), response)
    with pytest.raises(jsonschema.ValidationError) as theirs:
        jsonschema.validate(response, RemoteAction.action_response_format_spec())
    assert ours.value.message.startswith(theirs.value.message)
    assert "Failed to validate Action server response" in ours.value.message
