"""With ASSISTANT_TOKEN_SECRET set, only a signed token binds a chat to a customer.

A second Rasa server with the secret runs beside the test stack (sharing its
action server and database); the sidecar signs customers in.
"""

from __future__ import annotations

import uuid

import httpx
import pytest

from assistant.identity import mint_customer_token
from tests.conftest import TEST_PORTS, rasa_api_headers

SECRET = "token-mode-test-secret-0123456789abcdef"
PORT = 5106


@pytest.fixture(scope="module")
def secured_chat(stack, database_url):
    from scripts.model import train_if_changed
    from scripts.services import build_services, start_all, stop_all

    services = [
        s
        for s in build_services(
            model=train_if_changed(),
            rasa_port=PORT,
            actions_port=TEST_PORTS["actions_port"],
            api_port=TEST_PORTS["api_port"],
            extra_env={"DATABASE_URL": database_url, "ASSISTANT_TOKEN_SECRET": SECRET},
        )
        if s.name == "rasa"
    ]
    start_all(services, timeout=240)
    client = httpx.Client(timeout=30)

    def say(message: str, sender: str, metadata: dict, raw: bool = False):
        body = {"sender": sender, "message": message, "metadata": metadata}
        response = client.post(f"http://127.0.0.1:{PORT}/webhooks/rest/webhook", json=body)
        assert response.status_code == 200
        # replies go back to the id the client used (its socket.io room), not the keyed one
        assert all(m["recipient_id"] == sender for m in response.json())
        return response.json() if raw else " ".join(m.get("text", "") for m in response.json())

    yield say
    stop_all(services)


def sender() -> str:
    return f"tok-{uuid.uuid4().hex[:10]}"


def test_a_valid_token_binds_the_customer(secured_chat):
    token = mint_customer_token("C00001", SECRET)
    assert "ORD-100001" in secured_chat("where is my order", sender(), {"token": token})


def test_a_bare_customer_id_is_not_believed(secured_chat):
    reply = secured_chat("where is my order", sender(), {"customer_id": "C00001"})
    assert "ORD-100001" not in reply and "email" in reply.lower()


def test_a_forged_token_is_not_believed(secured_chat):
    forged = mint_customer_token("C00001", "not-the-secret")
    reply = secured_chat("why is my bill higher", sender(), {"token": forged})
    assert "£8.50" not in reply and "email" in reply.lower()


def test_sidecar_signs_in_with_email_and_postcode(database_url, monkeypatch):
    from fastapi.testclient import TestClient

    from api.main import app
    from assistant.identity import customer_token_secret, verify_customer_token

    with TestClient(app) as client:
        monkeypatch.delenv("ASSISTANT_TOKEN_SECRET", raising=False)
        demo = client.post("/api/chat-token", json={"email": "jane.doe@example.com", "postcode": "LS1 4AP"})
        assert demo.status_code == 200  # demo mode signs with the machine's key
        assert verify_customer_token(demo.json()["token"], customer_token_secret()) == "C00001"
        monkeypatch.setenv("ASSISTANT_TOKEN_SECRET", SECRET)
        wrong = client.post("/api/chat-token", json={"email": "jane.doe@example.com", "postcode": "M1 1AA"})
        assert wrong.status_code == 401 and "don't match" in wrong.json()["detail"]
        right = client.post("/api/chat-token", json={"email": "jane.doe@example.com", "postcode": "ls1 4ap"})
        assert right.status_code == 200
        assert verify_customer_token(right.json()["token"], SECRET) == "C00001"
        assert client.post("/api/chat-token", json={"email": "x"}).status_code == 422


def test_a_conversation_is_reachable_only_with_its_customers_token(secured_chat):
    conversation = sender()
    jane = mint_customer_token("C00001", SECRET)
    assert "ORD-100001" in secured_chat("where is my order", conversation, {"token": jane})
    no_token = secured_chat("where is my order", conversation, {})
    assert "ORD-100001" not in no_token and "email" in no_token.lower()
    sam = mint_customer_token("C00002", SECRET)
    as_sam = secured_chat("where is my order", conversation, {"token": sam})
    assert "ORD-100001" not in as_sam and "ORD-100003" in as_sam


def test_a_rep_message_reaches_the_token_holders_widget_over_socketio(secured_chat):
    """In token mode the tracker is keyed by customer; pushed messages still reach the widget's room."""
    import asyncio

    import socketio

    async def conversation():
        client = socketio.AsyncClient(reconnection=False)
        replies: asyncio.Queue = asyncio.Queue()
        confirmed = asyncio.Event()
        client.on("bot_uttered", lambda data: replies.put_nowait(data))
        given = []
        client.on("session_confirm", lambda room: (given.append(room), confirmed.set()))
        await client.connect(f"http://127.0.0.1:{PORT}", transports=["polling"])
        await client.emit("session_request", {})
        await asyncio.wait_for(confirmed.wait(), 10)
        session_id = given[-1]
        token = mint_customer_token("C00001", SECRET)
        await client.emit("user_uttered", {"message": "hi", "session_id": session_id, "customData": {"token": token}})
        greeting = await asyncio.wait_for(replies.get(), 30)
        async with httpx.AsyncClient() as rasa:
            pushed = await rasa.post(
                f"http://127.0.0.1:{PORT}/conversations/C00001:{session_id}/tracker/events",
                params={"output_channel": "socketio", "execute_side_effects": "true"},
                headers=rasa_api_headers(),
                json=[{"event": "bot", "text": "Priya here", "metadata": {"rep": "priya", "rep_name": "Priya Shah"}}],
            )
            assert pushed.status_code == 200
        rep_message = await asyncio.wait_for(replies.get(), 10)
        await client.disconnect()
        return greeting, rep_message

    greeting, rep_message = asyncio.run(conversation())
    assert "Jane" in greeting["text"]
    assert rep_message == {"text": "Priya here", "metadata": {"rep": "priya", "rep_name": "Priya Shah"}}


def test_a_conversation_identified_in_the_chat_cannot_be_borrowed_by_its_sender_id(secured_chat):
    """Email and postcode in the chat bind the conversation to the customer as a token does:
    it moves to the customer's key, the client gets a token, and the bare sender id reaches nothing."""
    from assistant.identity import verify_customer_token

    conversation = sender()
    assert "email" in secured_chat("where is my order", conversation, {}).lower()
    assert "postcode" in secured_chat("jane.doe@example.com", conversation, {}).lower()
    replies = secured_chat("LS1 4AP", conversation, {}, raw=True)
    assert "ORD-100001" in " ".join(m.get("text", "") for m in replies)
    given = [m["custom"] for m in replies if "custom" in m]
    assert len(given) == 1 and given[0]["customer_id"] == "C00001"
    assert verify_customer_token(given[0]["customer_token"], SECRET) == "C00001"
    # Another client naming the same sender id, without the token: a stranger's conversation.
    borrowed = secured_chat("where is my order", conversation, {})
    assert "ORD-100001" not in borrowed and "email" in borrowed.lower()
    assert "Jane" not in secured_chat("what is my name", conversation, {})
    # The customer, with the token they were given, carries on where they were.
    assert "ORD-100001" in secured_chat("where is my order", conversation, {"token": given[0]["customer_token"]})
