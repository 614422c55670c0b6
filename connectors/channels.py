"""Chat channels that bind every message to one customer, and never go silent.

Demo mode (no `ASSISTANT_TOKEN_SECRET`): the page may send
`metadata: {"customer_id": "C00001"}`. With a secret set, only
`metadata: {"token": "<signed customer token>"}` is believed; a customer id
sent in the clear is dropped, so nobody can read another customer's records
by naming their id. A conversation that proves who it is in the chat (email
and postcode) is moved to that customer's key, as a token one is, and the
client gets a token for the rest of it: its old sender id reaches nothing.

Each channel guards its own door, since Rasa's API (`--jwt-secret`) is not
theirs: cross-origin requests only from `CHAT_ALLOWED_ORIGINS` (default: the
sidecar's own origin, which serves the widget), bodies of at most
MAX_BODY_BYTES, sender ids of at most MAX_SENDER_CHARS, only the metadata the
product reads, and socket.io rooms only as the server gave them out
(connectors/chat_rooms.py).

If a turn produces no reply while the conversation is not with a rep (the
action server crashed or is down), the customer gets a polite message instead
of silence.
"""

from __future__ import annotations

import json
import logging
import os
import re
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text
from urllib.parse import urlsplit

from rasa.core.channels.channel import CollectingOutputChannel, OutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from rasa.shared.core.events import Restarted
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import response as sanic_response
from socketio import AsyncRedisManager

from assistant.customers import is_customer_id
from assistant.db import redis_url
from assistant.identity import (
    InvalidToken,
    configured_secret,
    customer_token_secret,
    mint_customer_token,
    verify_customer_token,
)
from assistant.long_lived import settle_long_lived_objects
from connectors import action_validation, chat_rooms
from connectors.tracker_store import answer_retries_once, client_message_id, refuse_silent_fallback

logger = logging.getLogger(__name__)
action_validation.install()  # Rasa loads this module at start: see action_validation.py

MAX_MESSAGE_CHARS = 2000
MAX_SENDER_CHARS = 128
MAX_BODY_BYTES = 64 * 1024  # a message is at most 2,000 characters; Sanic's default is 100 MB
# What the product reads from a message's metadata (besides the token or demo
# customer id, which become `customer_id`); everything else is dropped rather
# than stored with every event. `client_address` is set by the channel itself.
KEPT_METADATA = ("message_id", "client_address")
EMPTY_MESSAGE = "Your message came through empty. What can I help you with?"
SOMETHING_WENT_WRONG = (
    "Sorry, something went wrong on our side and I couldn't finish that. "
    'Please try again in a moment, or say "agent" to reach a person.'
)
SENDER_TOO_LONG = f"The conversation id (sender) must be 1 to {MAX_SENDER_CHARS} characters long."
NOT_IN_THIS_SESSION = "This chat session has ended. Please reload the page to start a new one."


def allowed_origins() -> List[str]:
    """Web origins whose pages may use the chat channels from a browser.

    `CHAT_ALLOWED_ORIGINS` (comma-separated), or else the sidecar's own origin
    (`SIDECAR_URL`), which serves the widget; on loopback both spellings of it.
    """
    configured = [o.strip().rstrip("/") for o in os.environ.get("CHAT_ALLOWED_ORIGINS", "").split(",") if o.strip()]
    if configured:
        return configured
    parts = urlsplit(os.environ.get("SIDECAR_URL", "http://127.0.0.1:8000"))
    origins = [f"{parts.scheme}://{parts.netloc}"]
    if parts.hostname in ("127.0.0.1", "localhost"):
        twin = "localhost" if parts.hostname == "127.0.0.1" else "127.0.0.1"
        origins.append(f"{parts.scheme}://{twin}" + (f":{parts.port}" if parts.port else ""))
    return origins


def client_address(peer: Optional[str], forwarded_for: Optional[str]) -> str:
    """The customer's address: the peer's, or the proxy's `X-Forwarded-For` when the
    peer is a proxy on this machine (nginx of `make run-cluster`, or an ingress sidecar)."""
    peer = peer or ""
    if forwarded_for and (peer.startswith("127.") or peer == "::1"):
        return forwarded_for.split(",")[-1].strip()[:64]
    return peer[:64]


def bind_identity(metadata: Any, secret: Optional[str] = None) -> Dict[str, Any]:
    """The metadata the product uses, with a trustworthy `customer_id` or none at all."""
    secret = secret if secret is not None else configured_secret()
    sent: Dict[str, Any] = metadata if isinstance(metadata, dict) else {}
    bound: Dict[str, Any] = {
        key: sent[key] for key in KEPT_METADATA if isinstance(sent.get(key), str) and len(sent[key]) <= 64
    }
    claimed = sent.get("customer_id")
    token = sent.get("token")
    if secret:
        if token:
            try:
                bound["customer_id"] = verify_customer_token(str(token), secret)
            except InvalidToken as error:
                bound["identity_error"] = str(error)
    elif token:  # demo mode: the web page's sign-in token, signed with this machine's key
        try:
            bound["customer_id"] = verify_customer_token(str(token), customer_token_secret())
        except InvalidToken as error:
            bound["identity_error"] = str(error)
    elif is_customer_id(claimed):
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


class ChannelState:
    """What a channel learns once the server has started: the agent (for its tracker store)."""

    agent: Any = None


async def _key_by_verified_customer(state: ChannelState, key: Text, reply_to: Text, output: OutputChannel) -> None:
    """A token-mode conversation that identified itself in the chat (email and
    postcode) moves to `<customer>:<sender>`, and the client gets a customer
    token for its next messages; the anonymous tracker starts over, so the bare
    sender id reaches nothing of the customer's."""
    secret = configured_secret()
    store = getattr(state.agent, "tracker_store", None)
    if not secret or store is None or not key.startswith("anonymous:"):
        return
    tracker = await store.retrieve(key)
    customer_id = tracker.get_slot("customer_id") if tracker is not None else None
    if not is_customer_id(str(customer_id or "")):
        return
    moved = DialogueStateTracker.from_events(
        f"{customer_id}:{reply_to}", list(tracker.events), state.agent.domain.slots
    )
    await store.save(moved)
    tracker.update(Restarted())
    await store.save(tracker)
    custom = {"customer_token": mint_customer_token(str(customer_id), secret), "customer_id": customer_id}
    if isinstance(output, SocketIOOutput):
        await output.sio.emit(output.bot_message_evt, {"custom": custom}, room=reply_to)
    else:
        await output.send_custom_json(reply_to, custom)
    logger.info("conversation %s identified in the chat: moved to its customer's key", key)


def guarded(
    on_new_message: Callable[[UserMessage], Awaitable[Any]], state: Optional[ChannelState] = None
) -> Callable[[UserMessage], Awaitable[Any]]:
    state = state or ChannelState()

    async def handle(message: UserMessage) -> None:
        secret = configured_secret()
        reply_to = message.sender_id
        if not isinstance(reply_to, str) or not 1 <= len(reply_to) <= MAX_SENDER_CHARS:
            await message.output_channel.send_text_message(str(reply_to)[:MAX_SENDER_CHARS], SENDER_TOO_LONG)
            return
        message.text = clean_text(message.text if isinstance(message.text, str) else "")
        message.metadata = bind_identity(message.metadata, secret=secret or "")
        message.message_id = client_message_id(message.metadata) or message.message_id
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
        try:
            await _key_by_verified_customer(state, message.sender_id, reply_to, counting.inner)
        except Exception:  # the reply is out; the move is tried again on the next message
            logger.exception("could not move %s to its customer's key", message.sender_id)

    return handle


def strict_tracker_store(blueprint, state: Optional[ChannelState] = None):
    """Once the model is loaded (Rasa loads it before the server starts): tracker store
    errors fail messages (refuse_silent_fallback), a retried message is answered once
    (answer_retries_once), and the loaded objects leave the collector's walks. Request
    bodies are capped at MAX_BODY_BYTES (413 beyond)."""

    async def adjust_agent(app, _loop) -> None:
        agent = getattr(app.ctx, "agent", None)
        if state is not None:
            state.agent = agent
        refuse_silent_fallback(agent)
        answer_retries_once(agent)
        settle_long_lived_objects()

    async def limit_bodies(app, _loop) -> None:
        app.config.REQUEST_MAX_SIZE = MAX_BODY_BYTES  # read by each new connection

    blueprint.listener("before_server_start")(limit_bodies)
    blueprint.listener("after_server_start")(adjust_agent)
    return blueprint


def _cors_headers(request) -> Dict[str, str]:
    origin = request.headers.get("origin")
    if not origin or origin not in allowed_origins():
        return {}
    return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}


def _bad_request(detail: str):
    return sanic_response.json({"error": "BadRequest", "message": detail}, status=400)


def _check_rest_body(request):
    """A clear 400 for a body the REST channel cannot use (instead of Rasa's 500 or a shared "default" sender)."""
    try:
        body = request.json
    except Exception:  # Sanic's own parse error names nothing useful
        body = None
    if not isinstance(body, dict):
        return _bad_request('The body must be a JSON object: {"sender": "...", "message": "..."}.')
    sender = body.get("sender")
    if not isinstance(sender, str) or not 1 <= len(sender) <= MAX_SENDER_CHARS:
        return _bad_request(SENDER_TOO_LONG.replace("must be", "is required and must be"))
    if not isinstance(body.get("message", ""), str):
        return _bad_request("The message must be text.")
    if not isinstance(body.get("metadata") or {}, dict):
        return _bad_request("The metadata must be a JSON object.")
    return None


class IdentifiedRestInput(RestInput):
    """Rasa's REST channel (`/webhooks/rest/webhook`) with identity binding."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def get_metadata(self, request) -> Optional[Dict[Text, Any]]:
        sent = request.json.get("metadata")
        metadata = dict(sent) if isinstance(sent, dict) else {}
        metadata["client_address"] = client_address(request.ip, request.headers.get("x-forwarded-for"))
        return metadata

    def blueprint(self, on_new_message):
        state = ChannelState()
        blueprint = strict_tracker_store(super().blueprint(guarded(on_new_message, state)), state)

        @blueprint.route("/webhook", methods=["OPTIONS"])
        async def preflight(request):
            headers = _cors_headers(request)
            if headers:
                headers.update({"Access-Control-Allow-Methods": "POST", "Access-Control-Allow-Headers": "Content-Type"})
            return sanic_response.empty(status=204, headers=headers)

        @blueprint.middleware("request")
        async def check_body(request):
            if request.method == "POST":
                return _check_rest_body(request)
            return None

        @blueprint.middleware("response")
        async def cors(request, response):
            for name, value in _cors_headers(request).items():
                response.headers[name] = value

        return blueprint


class _ToClientRoom(OutputChannel):
    """Sends server-pushed messages to the widget's own room."""

    def __init__(self, inner: OutputChannel) -> None:
        self.inner = inner

    @classmethod
    def name(cls) -> Text:
        return "socketio"

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        owner, _, session_id = recipient_id.partition(":")
        room = session_id if session_id and is_customer_id(owner) else recipient_id
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
        state = ChannelState()
        handle = guarded(on_new_message, state)
        blueprint = strict_tracker_store(super().blueprint(handle), state)
        self._guard_rooms(handle)
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

    def _guard_rooms(self, handle: Callable[[UserMessage], Awaitable[Any]]) -> None:
        """Rasa's `session_request` and message handlers, replaced: a socket joins only a
        room the server issued (connectors/chat_rooms.py), and speaks only in its own."""
        sio, namespace = self.sio, self.namespace
        # engine.io answers cross-origin requests itself: the listed origins only, without
        # credentials (the widget sends none); another Origin is refused with a 400.
        sio.eio.cors_allowed_origins = allowed_origins()
        sio.eio.cors_credentials = False
        sio.eio.max_http_buffer_size = MAX_BODY_BYTES

        @sio.on("session_request", namespace=namespace)
        async def session_request(sid: Text, data: Any) -> None:
            asked = data.get("session_id") if isinstance(data, dict) else None
            room = asked if chat_rooms.is_issued(asked) else chat_rooms.new_room()
            for joined in sio.rooms(sid, namespace=namespace):
                if joined != sid:
                    sio.leave_room(sid, joined, namespace=namespace)
            sio.enter_room(sid, room, namespace=namespace)
            await sio.emit("session_confirm", room, room=sid, namespace=namespace)

        @sio.on(self.user_message_evt, namespace=namespace)
        async def handle_message(sid: Text, data: Any) -> None:
            data = data if isinstance(data, dict) else {}
            room = data.get("session_id")
            if not isinstance(room, str) or room == sid or room not in sio.rooms(sid, namespace=namespace):
                await sio.emit(self.bot_message_evt, {"text": NOT_IN_THIS_SESSION}, room=sid, namespace=namespace)
                return
            metadata = data.get(self.metadata_key) or {}
            if isinstance(metadata, str):
                try:
                    metadata = json.loads(metadata)
                except ValueError:
                    metadata = {}
            metadata = dict(metadata) if isinstance(metadata, dict) else {}
            environ = sio.get_environ(sid, namespace=namespace) or {}
            peer = getattr(environ.get("sanic.request"), "ip", None)
            metadata["client_address"] = client_address(peer, environ.get("HTTP_X_FORWARDED_FOR"))
            text = data.get("message")
            await handle(
                UserMessage(
                    text if isinstance(text, str) else "",
                    SocketIOOutput(sio, self.bot_message_evt),
                    room,
                    input_channel=self.name(),
                    metadata=metadata,
                )
            )

    def get_output_channel(self) -> Optional[OutputChannel]:
        """For messages pushed by the server (a rep's reply, the survey after a rep resolves).

        In token mode the tracker is keyed `<customer>:<session>`; the widget's
        socket listens in the room named after its own session id.
        """
        inner = super().get_output_channel()
        return _ToClientRoom(inner) if inner is not None else None
