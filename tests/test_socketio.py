"""The socket.io channel the web chat uses: replies arrive, bound to the customer."""

from __future__ import annotations

import asyncio
import uuid

import socketio

from tests.conftest import TEST_PORTS


async def _conversation(messages, custom_data):
    client = socketio.AsyncClient(reconnection=False)
    replies: asyncio.Queue = asyncio.Queue()
    confirmed = asyncio.Event()
    client.on("bot_uttered", lambda data: replies.put_nowait(data))
    given = []
    client.on("session_confirm", lambda room: (given.append(room), confirmed.set()))
    # Long-polling: python-engineio's websocket client needs a newer aiohttp than Rasa pins.
    await client.connect(f"http://127.0.0.1:{TEST_PORTS['rasa_port']}", transports=["polling"])
    await client.emit("session_request", {"session_id": f"sio-{uuid.uuid4().hex[:10]}"})
    await asyncio.wait_for(confirmed.wait(), 10)
    session_id = given[-1]  # the server's room id, not the one asked for
    answers = []
    for text in messages:
        await client.emit("user_uttered", {"message": text, "session_id": session_id, "customData": custom_data})
        answers.append(await asyncio.wait_for(replies.get(), 30))
    await client.disconnect()
    return answers


def test_socketio_chat_answers_from_the_customers_records(stack):
    answers = asyncio.run(_conversation(["hi", "where is my order?"], {"customer_id": "C00001"}))
    assert "Jane" in answers[0]["text"]
    assert "ORD-100001" in answers[1]["text"]


def test_socketio_quick_replies_carry_buttons(stack):
    answers = asyncio.run(_conversation(["I want to cancel my contract"], {"customer_id": "C00004"}))
    assert answers[0].get("quick_replies") or answers[0].get("buttons")
