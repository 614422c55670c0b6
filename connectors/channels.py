"""Chat channels that bind every message to one customer, and never go silent.

Demo mode (no `ASSISTANT_TOKEN_SECRET`): the page may send
`metadata: {"customer_id": "C00001"}`. With a secret set, only
`metadata: {"token": "<signed customer token>"}` is believed; a customer id
sent in the clear is dropped, so nobody can read another customer's records
by naming their id.

If a turn produces no reply while the conversation is not with a rep (the
action server crashed or is down), the customer gets a polite message instead
of silence.
"""

from __future__ import annotations

import logging
import os
import re
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, OutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.channels.socketio import SocketIOInput
from socketio import AsyncRedisManager

from assistant.db import redis_url
from assistant.identity import InvalidToken, configured_secret, signing_secret, verify_customer_token
from assistant.long_lived import settle_long_lived_objects
from connectors import action_validation
from connectors.tracker_store import answer_retries_once, client_message_id, refuse_silent_fallback

logger = logging.getLogger(__name__)
action_validation.install()  # Rasa loads this module at start: see action_validation.py

MAX_MESSAGE_CHARS = 2000
CUSTOMER_ID = re.compile(r"^[A-Za-z0-9_-]{1,20}$")
EMPTY_MESSAGE = "Your message came through empty. What can I help you with?"
SOMETHING_WENT_WRONG = (
    "Sorry, something went wrong on our side and I couldn't finish that. "
    'Please try again in a moment, or say "agent" to reach a person.'
)


def bind_identity(metadata: Any, secret: Optional[str] = None) -> Dict[str, Any]:
    """Metadata with a trustworthy `customer_id`, or none at all."""
    secret = secret if secret is not None else configured_secret()
    bound: Dict[str, Any] = dict(metadata) if isinstance(metadata, dict) else {}
    claimed = bound.pop("customer_id", None)
    token = bound.pop("token", None)
    if secret:
        if token:
            try:
                bound["customer_id"] = verify_customer_token(str(token), secret)
            except InvalidToken as error:
                bound["identity_error"] = str(error)
    elif token:  # demo mode: the web page's sign-in token, signed with this machine's key
        try:
            bound["customer_id"] = verify_customer_token(str(token), signing_secret())
        except InvalidToken as error:
            bound["identity_error"] = str(error)
    elif isinstance(claimed, str) and CUSTOMER_ID.match(claimed):
        bound["customer_id"] = claimed
    return bound


def conversation_key(sender_id: Text, metadata: Dict[str, Any], secret: Optional[str]) -> Text:
    """The tracker a message belongs to.

    With a secret set, a conversation is keyed by the verified customer too, so
    knowing someone's sender id reaches nothing of theirs without their token.
    """
    if not secret:
        return sender_id
    owner = metadata.get("customer_id") or "anonymous"
    prefix = f"{owner}:"
    return sender_id if sender_id.startswith(prefix) else prefix + sender_id


def clean_text(text: Optional[Text]) -> Text:
    """Trimmed, without control characters, at most MAX_MESSAGE_CHARS long."""
    text = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", " ", text or "").strip()
    return text[:MAX_MESSAGE_CHARS]


class _CountingOutput(OutputChannel):
    """Passes every reply through, to the sender id the client used, and counts them."""

    def __init__(self, inner: OutputChannel, reply_to: Text) -> None:
        self.inner = inner
        self.reply_to = reply_to  # the client's own id (socket.io room), not the keyed one
        self.sent = 0

    @classmethod
    def name(cls) -> Text:
        return "counting"

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        self.sent += 1
        await self.inner.send_response(self.reply_to, message)


def _is_with_rep(conversation_id: Text) -> bool:
    try:
        from assistant.db import session_scope
        from assistant.handoff import is_with_rep

        with session_scope() as session:
            return is_with_rep(session, conversation_id)
    except Exception:  # the database may be what failed; say sorry anyway
        logger.exception("could not check hand-off state of %s", conversation_id)
        return False


def guarded(on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Callable[[UserMessage], Awaitable[Any]]:
    async def handle(message: UserMessage) -> None:
        secret = configured_secret()
        message.text = clean_text(message.text)
        message.metadata = bind_identity(message.metadata, secret=secret or "")
        message.message_id = client_message_id(message.metadata) or message.message_id
        reply_to = message.sender_id
        message.sender_id = conversation_key(message.sender_id, message.metadata, secret)
        if not message.text:
            await message.output_channel.send_text_message(reply_to, EMPTY_MESSAGE)
            return
        counting = _CountingOutput(message.output_channel, reply_to)
        message.output_channel = counting
        try:
            await on_new_message(message)
        except Exception:
            # The conversation may not have been saved (its database restarting,
            # say): replies held back for the response are dropped, so the
            # customer is told to try again rather than answered from a turn
            # that was never recorded.
            logger.exception("message from %s failed", message.sender_id)
            if isinstance(counting.inner, CollectingOutputChannel):
                counting.inner.messages.clear()
            await counting.inner.send_text_message(reply_to, SOMETHING_WENT_WRONG)
            return
        if counting.sent == 0 and not _is_with_rep(message.sender_id):
            await counting.inner.send_text_message(reply_to, SOMETHING_WENT_WRONG)

    return handle


def strict_tracker_store(blueprint):
    """Once the model is loaded (Rasa loads it before the server starts): tracker store
    errors fail messages (refuse_silent_fallback), a retried message is answered once
    (answer_retries_once), and the loaded objects leave the collector's walks."""

    async def adjust_agent(app, _loop) -> None:
        agent = getattr(app.ctx, "agent", None)
        refuse_silent_fallback(agent)
        answer_retries_once(agent)
        settle_long_lived_objects()

    blueprint.listener("after_server_start")(adjust_agent)
    return blueprint


class IdentifiedRestInput(RestInput):
    """Rasa's REST channel (`/webhooks/rest/webhook`) with identity binding."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def blueprint(self, on_new_message):
        return strict_tracker_store(super().blueprint(guarded(on_new_message)))


class _ToClientRoom(OutputChannel):
    """Sends server-pushed messages to the widget's own room."""

    def __init__(self, inner: OutputChannel) -> None:
        self.inner = inner

    @classmethod
    def name(cls) -> Text:
        return "socketio"

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        owner, _, session_id = recipient_id.partition(":")
        room = session_id if session_id and CUSTOMER_ID.match(owner) else recipient_id
        if message.get("rep") and message.get("text"):
            # A rep's message: the widget shows who wrote it (Rasa's output would drop the metadata).
            data = {"text": message["text"], "metadata": {"rep": message["rep"], "rep_name": message.get("rep_name")}}
            await self.inner.sio.emit(self.inner.bot_message_evt, data, room=room)
            return
        await self.inner.send_response(room, message)


class IdentifiedSocketIOInput(SocketIOInput):
    """Rasa's socket.io channel with identity binding (token in `customData`).

    With `REDIS_URL` set, the replicas of a cluster share socket.io rooms
    through Redis: a reply or a rep's message emitted by any replica reaches
    the widget, whichever replica its socket is connected to.
    """

    @classmethod
    def name(cls) -> Text:
        return "socketio"

    def blueprint(self, on_new_message):
        blueprint = strict_tracker_store(super().blueprint(guarded(on_new_message)))
        route = os.environ.get("SOCKETIO_ROUTE")
        if route and self.sio is not None:
            # Engine.io session ids name this replica, so a load balancer can send
            # every request of a session back here, even after the replica that a
            # session id hashes to has come back from a restart (scripts/cluster.py).
            generate = self.sio.eio.generate_id
            self.sio.eio.generate_id = lambda: f"{route}-{generate()}"
        url = redis_url()
        if url and self.sio is not None:
            manager = AsyncRedisManager(url, channel="assistant-socketio")
            manager.set_server(self.sio)
            self.sio.manager = manager
            sio = self.sio

            async def listen_from_the_start(_app, _loop) -> None:
                # python-socketio subscribes on the first connection, and what is
                # published before that subscription lands is lost: a replica that
                # takes over a reconnecting widget would drop its first replies.
                if not sio.manager_initialized:
                    sio.manager_initialized = True
                    sio.manager.initialize()

            blueprint.listener("after_server_start")(listen_from_the_start)
        return blueprint

    def get_output_channel(self) -> Optional[OutputChannel]:
        """For messages pushed by the server (a rep's reply, the survey after a rep resolves).

        In token mode the tracker is keyed `<customer>:<session>`; the widget's
        socket listens in the room named after its own session id.
        """
        inner = super().get_output_channel()
        return _ToClientRoom(inner) if inner is not None else None
