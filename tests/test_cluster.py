"""The cluster of `make run-cluster`: two Rasa replicas, two action servers, the
sidecar and nginx, on PostgreSQL (tracker store and records) and Redis (locks
and socket.io rooms). Real processes on loopback, started once for this module.

Runs in the PostgreSQL pass (`make test-postgres`, which CI runs); the cluster
needs a PostgreSQL database and a Redis server.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import socketio
from sqlalchemy import text
from sqlalchemy.engine import make_url

from assistant import clock
from assistant.db import make_engine
from assistant.identity import mint_customer_token
from assistant.preflight import check_redis
from scripts.cluster import Ports, build_cluster
from scripts.ensure_database import ensure_database
from scripts.services import start_all, stop_all
from tests.conftest import rasa_api_headers

ROOT = Path(__file__).resolve().parent.parent
PORTS = Ports(public=8180, rasa=5210, actions=5260, sidecar=8110)
PUBLIC = f"http://127.0.0.1:{PORTS.public}"
INTERNAL = f"http://127.0.0.1:{PORTS.internal}"
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/3")
TOKEN_SECRET = "cluster-test-token-secret-0123456789abcdef"


def token(customer_id: str = "C00001") -> str:
    return mint_customer_token(customer_id, TOKEN_SECRET)


pytestmark = [
    pytest.mark.servers,
    pytest.mark.skipif(
        not (os.environ.get("TEST_DATABASE_URL") or "").startswith("postgresql"),
        reason="the cluster runs on PostgreSQL: `make test-postgres` (CI runs it)",
    ),
]


@pytest.fixture(scope="module")
def cluster_env(database_url):
    if check_redis(REDIS_URL):
        pytest.fail(check_redis(REDIS_URL))
    url = make_url(os.environ["TEST_DATABASE_URL"])
    url = url.set(database=f"{url.database}_cluster").render_as_string(hide_password=False)
    ensure_database(url)
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))

    from assistant.demo_data import prepare_database

    prepare_database(engine, customers=40, seed=7, today=clock.today())
    engine.dispose()
    return {
        "DATABASE_URL": url,
        "REDIS_URL": REDIS_URL,
        "OFFER_MODEL_PATH": os.environ["OFFER_MODEL_PATH"],
        "ASSISTANT_TOKEN_SECRET": TOKEN_SECRET,  # a cluster refuses demo mode
    }


@pytest.fixture(scope="module")
def cluster(cluster_env, tmp_path_factory):
    from scripts.model import train_if_changed

    services = build_cluster(
        2, 2, PORTS, directory=tmp_path_factory.mktemp("cluster"), extra_env=cluster_env, model=train_if_changed()
    )
    start_all(services, timeout=240)
    yield {service.name: service for service in services}
    stop_all(services)


def say(client: httpx.Client, sender: str, message: str, customer_id: str = "C00001"):
    response = client.post(
        f"{PUBLIC}/webhooks/rest/webhook",
        json={"sender": sender, "message": message, "metadata": {"token": token(customer_id)}},
    )
    assert response.status_code == 200, response.text
    return response.headers.get("X-Upstream"), " ".join(m.get("text", "") for m in response.json())


def user_texts(sender: str, customer_id: str = "C00001"):
    """The customer's messages in the conversation's tracker (token mode: keyed
    `<customer>:<sender>`), in order, and whether each one was answered before the next arrived."""
    tracker = httpx.get(
        f"{INTERNAL}/conversations/{customer_id}:{sender}/tracker",
        params={"include_events": "ALL"},
        headers=rasa_api_headers(),
        timeout=30,
    )
    assert tracker.status_code == 200, tracker.text
    events = tracker.json()["events"]
    texts, answered = [], []
    for event in events:
        if event["event"] == "user":
            texts.append(event["text"])
            answered.append(False)
        elif event["event"] == "bot" and answered:
            answered[-1] = True
    return texts, answered


def restart(service) -> None:
    service.start()
    service.wait_ready(180)


def test_messages_are_spread_over_both_replicas_and_one_conversation_stays_whole(cluster):
    sender = f"spread-{uuid.uuid4().hex[:8]}"
    messages = ["hi", "where is my order?", "thanks", "what is on my bill?", "ok", "bye"]
    with httpx.Client(timeout=60) as client:
        replies = [say(client, sender, message) for message in messages]
    assert {upstream for upstream, _ in replies} == {f"127.0.0.1:{PORTS.rasa}", f"127.0.0.1:{PORTS.rasa + 1}"}
    assert "ORD-100001" in replies[1][1]  # answered from Jane's records, whichever replica took it
    texts, answered = user_texts(sender)
    assert texts == messages
    assert all(answered), replies


def test_concurrent_messages_to_one_conversation_take_turns_across_replicas(cluster):
    """Without a shared lock two replicas would load the same tracker and save over each other."""
    sender = f"race-{uuid.uuid4().hex[:8]}"
    messages = [f"where is order ORD-10000{n}?" for n in range(1, 9)]

    def send(message):
        with httpx.Client(timeout=120) as client:
            return say(client, sender, message)

    with ThreadPoolExecutor(8) as pool:
        upstreams = {upstream for upstream, _ in pool.map(send, messages)}
    assert len(upstreams) == 2
    texts, answered = user_texts(sender)
    assert sorted(texts) == sorted(messages)  # each message once: none lost, none doubled
    assert all(answered)  # each answered before the next was handled: no interleaving


async def _socket_conversation(session_id: str, before: list, after: list, between) -> tuple:
    """Chat over socket.io through nginx (long-polling, which needs the sticky route).

    The server gives the room's id at the first `session_request` (a socket cannot
    join a room it was not given); after the reconnect the widget presents it again."""
    client = socketio.AsyncClient(reconnection=True, reconnection_delay=0.5, reconnection_delay_max=2)
    replies: asyncio.Queue = asyncio.Queue()
    confirmed = asyncio.Event()
    rooms = []
    client.on("bot_uttered", lambda data: replies.put_nowait(data))
    client.on("session_confirm", lambda room: (rooms.append(room), confirmed.set()))

    async def on_connect():
        await client.emit("session_request", {"session_id": rooms[-1] if rooms else session_id})

    client.on("connect", on_connect)
    await client.connect(f"{PUBLIC}?session_id={session_id}", transports=["polling"])
    await asyncio.wait_for(confirmed.wait(), 15)

    async def exchange(text):
        await client.emit("user_uttered", {"message": text, "session_id": rooms[-1], "customData": {"token": token()}})
        return (await asyncio.wait_for(replies.get(), 60))["text"]

    first = [await exchange(text) for text in before]
    confirmed.clear()
    await asyncio.to_thread(between)
    await asyncio.wait_for(confirmed.wait(), 60)  # reconnected, through nginx, to a replica that is up
    second = [await exchange(text) for text in after]
    await client.disconnect()
    assert len(set(rooms)) == 1, rooms  # the same room after the reconnect
    return first, second, rooms[-1]


def _replica_for(session_id: str) -> str:
    handshake = httpx.get(f"{PUBLIC}/socket.io/", params={"EIO": 4, "transport": "polling", "session_id": session_id})
    assert handshake.status_code == 200
    return handshake.headers["X-Upstream"]


def test_a_socket_chat_survives_the_restart_of_its_replica(cluster):
    session_id = f"sock-{uuid.uuid4().hex[:10]}"
    upstream = _replica_for(session_id)
    assert _replica_for(session_id) == upstream  # sticky: the same replica every time
    replica = cluster[f"rasa-{int(upstream.rsplit(':', 1)[1]) - PORTS.rasa + 1}"]

    def kill_and_restart():
        os.killpg(replica.process.pid, signal.SIGKILL)
        replica.process.wait()
        restart(replica)

    first, second, room = asyncio.run(
        _socket_conversation(session_id, ["hi"], ["where is my order?"], kill_and_restart)
    )
    assert "Jane" in first[0]
    assert "ORD-100001" in second[0]
    texts, answered = user_texts(room)
    assert texts == ["hi", "where is my order?"]
    assert all(answered)


def test_a_killed_action_server_is_routed_around(cluster):
    actions = cluster["actions-1"]
    os.killpg(actions.process.pid, signal.SIGKILL)
    actions.process.wait()
    try:
        # a conversation each: the same question twice in one conversation gets an apology, not the same answer
        with httpx.Client(timeout=60) as client:
            answers = [say(client, f"actions-{uuid.uuid4().hex[:8]}", "where is my order?")[1] for _ in range(4)]
        assert all("ORD-100001" in answer for answer in answers)
    finally:
        restart(actions)


def _run_cluster(env: dict, timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "scripts.cluster", "--rasa", "1", "--actions", "1", "--port", "8190",
         "--rasa-port", "5290", "--actions-port", "5295", "--sidecar-port", "8195"],
        cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


@pytest.mark.parametrize(
    "setting, value",
    [
        ("DATABASE_URL", "postgresql+psycopg2://postgres@127.0.0.1:1/nowhere"),
        ("DATABASE_URL", "not a url"),
        ("REDIS_URL", "redis://127.0.0.1:1/0"),
    ],
)
def test_a_wrong_setting_stops_the_start_with_one_line_naming_it(cluster_env, setting, value):
    done = _run_cluster({**cluster_env, setting: value}, timeout=60)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {setting}="), done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_a_half_started_cluster_is_stopped_not_left_running(cluster_env):
    blocker = socket.socket()
    blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    blocker.bind(("127.0.0.1", 8190))  # nginx, started last, cannot listen here
    blocker.listen()
    try:
        done = _run_cluster(cluster_env)
    finally:
        blocker.close()
    assert done.returncode == 1
    assert "could not start: nginx" in done.stderr and "Traceback" not in done.stderr
    time.sleep(1)
    assert not any(_listening(port) for port in (5290, 5295, 8195)), "a process of the failed start is still up"


def test_run_cluster_starts_every_part_and_stops_them_all_on_sigterm(cluster_env):
    command = [sys.executable, "-m", "scripts.cluster", "--rasa", "1", "--actions", "1", "--port", "8190",
               "--rasa-port", "5290", "--actions-port", "5295", "--sidecar-port", "8195"]  # fmt: skip
    started = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **cluster_env}, stdout=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and not all(_listening(p) for p in (8190, 8191, 5290, 5295, 8195)):
            assert started.poll() is None, "the cluster exited while starting"
            time.sleep(1)
        reply = httpx.post(
            "http://127.0.0.1:8190/webhooks/rest/webhook",
            json={"sender": f"stop-{uuid.uuid4().hex[:8]}", "message": "hi", "metadata": {"token": token()}},
            timeout=60,
        )
        assert reply.status_code == 200 and "Jane" in reply.text
    finally:
        started.send_signal(signal.SIGTERM)
        assert started.wait(60) == 0
    time.sleep(1)
    assert not any(_listening(port) for port in (8190, 8191, 5290, 5295, 8195)), "a part of the cluster is still up"
