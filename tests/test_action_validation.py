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


def test_rasa_gives_up_on_a_slow_action_server_after_the_timeout(monkeypatch):
    """A real HTTP server that answers after 5 s; Rasa's own RemoteAction gives up after the timeout."""
    import asyncio
    import time

    from aiohttp import web
    from rasa.core.actions import action as rasa_action
    from rasa.core.channels.channel import CollectingOutputChannel
    from rasa.core.nlg import TemplatedNaturalLanguageGenerator
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import EndpointConfig

    from connectors.action_validation import action_timeout, install

    assert rasa_action.DEFAULT_REQUEST_TIMEOUT == action_timeout() == 10  # installed at start, not Rasa's 300
    monkeypatch.setenv("ACTION_SERVER_TIMEOUT", "0.5")
    install()

    async def slow(_request):
        await asyncio.sleep(5)
        return web.json_response(GOOD)

    async def call() -> float:
        app = web.Application()
        app.router.add_post("/webhook", slow)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        remote = RemoteAction("action_x", EndpointConfig(f"http://127.0.0.1:{port}/webhook"))
        started = time.monotonic()
        try:
            with pytest.raises(Exception):
                await remote.run(
                    CollectingOutputChannel(),
                    TemplatedNaturalLanguageGenerator({}),
                    DialogueStateTracker("timeout-test", []),
                    Domain.empty(),
                )
            return time.monotonic() - started
        finally:
            await runner.cleanup()

    try:
        assert asyncio.run(call()) < 3
    finally:
        monkeypatch.delenv("ACTION_SERVER_TIMEOUT")
        install()


@pytest.mark.parametrize("value", ["soon", "0", "900"])
def test_a_timeout_that_makes_no_sense_stops_the_start(monkeypatch, value):
    from connectors.action_validation import action_timeout

    monkeypatch.setenv("ACTION_SERVER_TIMEOUT", value)
    with pytest.raises(SystemExit, match="ACTION_SERVER_TIMEOUT"):
        action_timeout()
