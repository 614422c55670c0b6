"""`make load`: simulated customers chatting through nginx to a cluster of Rasa replicas.

    python -m benchmarks.load [--levels 1,8,32,64] [--seconds 30] [--no-faults] [--no-stock]

Starts its own cluster (scripts/cluster.py: 2 Rasa replicas, 2 action servers,
the sidecar, nginx) on loopback ports 8480 and up, over its own PostgreSQL
database (`LOAD_DATABASE_URL`, default `assistant_load` on the local server,
emptied first) and Redis database (`LOAD_REDIS_URL`, default db 4, flushed).

At each level N, N customers at once hold multi-turn conversations with no
pause between turns, each sending its next message when the last one is
answered; after each conversation the customer answers the survey through the
sidecar. A level runs for `--seconds` (and at most 4,000 messages). A message
that fails to reach a replica (connection error, 502-504) is sent once more,
with the same message id (so a turn the first attempt got recorded is not
handled twice);
a second failure counts as an error, as does any other status or the
assistant's "something went wrong" reply.

Afterwards, from the tracker store itself: every conversation holds each
message it was answered for exactly once, in the order sent, and nothing
else; every survey answer is stored once (each tenth is sent twice, as a
double click would).

Faults (unless --no-faults), each under 8 concurrent conversations:
- one Rasa replica is killed (SIGKILL) 5 s in and started again: conversations
  go on through the other with at most one retried message each;
- PostgreSQL is restarted 5 s in (`pg_ctlcluster`, needs root and a local
  cluster): messages fail with the assistant's clear apology for a few
  seconds, then recover; no turn answered normally is lost or doubled.

Then, unless --no-stock, with the assistant's cluster stopped: Rasa's stock
starter bot (benchmarks/stock_bot.py), the same Rasa in two processes behind
the same nginx configuration, at 8 conversations for `--seconds` with the
same kind of customers (its own words, no survey), its trackers checked the
same way; the assistant's messages/s and p95 at 8 are printed as ratios to
its figures, which move much less with the machine than the figures do.

Prints one table row per level and per fault. Exits 1 if a correctness check
fails or a target is missed: ≥ 50 messages/s with p95 ≤ 300 ms and no errors
at 8 conversations, no errors and no lost or doubled messages at any level
(the starter bot's run included).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url

from assistant import clock
from assistant.db import make_engine
from assistant.identity import mint_survey_token
from assistant.preflight import check_database, check_redis
from benchmarks import machine, stock_bot
from scripts.cluster import Ports, build_cluster
from scripts.ensure_database import ensure_database
from scripts.model import ROOT, train_if_changed
from scripts.services import start_all, stop_all

PORTS = Ports(public=8480, rasa=5410, actions=5460, sidecar=8410)
PUBLIC = f"http://127.0.0.1:{PORTS.public}"
SECRET = "load-test-survey-secret-0123456789abcdef"
DATABASE_URL = os.environ.get("LOAD_DATABASE_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/assistant_load")
REDIS_URL = os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/4")
# The starter bot's conversations: a database of its own beside the assistant's, emptied first.
_load_url = make_url(DATABASE_URL)
STOCK_DATABASE_URL = _load_url.set(database=f"{_load_url.database}_stock").render_as_string(hide_password=False)
STOCK_PUBLIC = f"http://127.0.0.1:{stock_bot.LOAD_PORTS.public}"
CUSTOMERS = 500
MAX_MESSAGES_PER_LEVEL = 4000
APOLOGY = "something went wrong on our side"
RETRYABLE = {502, 503, 504}

# What customers say, turn by turn; no message twice in one conversation, so
# the tracker check can tell a doubled message from a repeated one.
SCRIPTS = [
    ["hi", "where is my order?", "thanks", "what is on my bill?", "no thanks", "bye"],
    ["hello", "why is my bill higher this month?", "ok", "when is my payment due?", "thank you", "goodbye"],
    ["hey", "what plan am I on?", "what's the status of my order?", "great, thanks", "bye"],
    ["good morning", "has my payment gone through?", "where is my parcel?", "cheers", "that's all"],
]


@dataclass
class Turn:
    text: str
    status: str  # ok | failed (clear error) | error (anything else)
    seconds: float
    retried: bool
    at: float = 0.0  # when the answer came (perf_counter)


@dataclass
class Conversation:
    sender: str
    customer: str
    turns: List[Turn] = field(default_factory=list)
    feedback: Optional[str] = None  # "stored" or what went wrong
    feedback_posts: int = 0


@dataclass
class Run:
    name: str
    concurrency: int
    seconds: float = 0.0
    public: str = PUBLIC  # the load balancer driven
    scripts: List[List[str]] = field(default_factory=lambda: SCRIPTS)
    survey: bool = True  # the assistant's post-chat survey after each conversation
    conversations: List[Conversation] = field(default_factory=list)
    feedback_seconds: List[float] = field(default_factory=list)

    @property
    def turns(self) -> List[Turn]:
        return [turn for conversation in self.conversations for turn in conversation.turns]


def percentile(values: List[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


async def send(client: httpx.AsyncClient, conversation: Conversation, message: str, public: str = PUBLIC) -> Turn:
    # The same id on the retry: a message the first attempt got recorded is answered, not handled again.
    message_id = f"m{len(conversation.turns) + 1}"
    metadata = {"customer_id": conversation.customer, "message_id": message_id}
    body = {"sender": conversation.sender, "message": message, "metadata": metadata}
    started = time.perf_counter()
    retried = False
    for attempt in (1, 2):
        try:
            response = await client.post(f"{public}/webhooks/rest/webhook", json=body)
        except httpx.TransportError:
            response = None
        if response is not None and response.status_code not in RETRYABLE:
            break
        if attempt == 1:
            retried = True
            await asyncio.sleep(0.2)
    seconds = time.perf_counter() - started
    if response is None or response.status_code != 200:
        return Turn(message, "error", seconds, retried, time.perf_counter())
    replies = " ".join(m.get("text", "") for m in response.json())
    return Turn(message, "failed" if APOLOGY in replies.lower() else "ok", seconds, retried, time.perf_counter())


async def answer_survey(client: httpx.AsyncClient, conversation: Conversation, run: Run, twice: bool) -> None:
    body = {
        "conversation_id": conversation.sender,
        "customer_id": conversation.customer,
        "nps": len(conversation.sender) % 11,
        "csat": 4,
        "ces": 2,
        "comment": "load test",
        "token": mint_survey_token(conversation.sender, conversation.customer, SECRET),
    }
    for _ in range(2 if twice else 1):
        started = time.perf_counter()
        try:
            response = await client.post(f"{PUBLIC}/api/feedback", json=body)
        except httpx.TransportError as error:
            conversation.feedback = f"transport error: {error}"
            return
        run.feedback_seconds.append(time.perf_counter() - started)
        conversation.feedback_posts += 1
        if response.status_code not in (200, 201):
            conversation.feedback = f"{response.status_code}: {response.text[:120]}"
            return
    conversation.feedback = "stored"


async def customer(
    client: httpx.AsyncClient, run: Run, worker: int, deadline: float, budget: List[int], rng: random.Random
) -> None:
    number = 0
    while time.perf_counter() < deadline and budget[0] > 0:
        number += 1
        conversation = Conversation(
            sender=f"load-{run.name}-{worker}-{number}-{rng.randrange(16**6):06x}",
            customer=f"C{rng.randint(1, CUSTOMERS):05d}",
        )
        run.conversations.append(conversation)
        for message in rng.choice(run.scripts):
            if time.perf_counter() >= deadline or budget[0] <= 0:
                return
            budget[0] -= 1
            conversation.turns.append(await send(client, conversation, message, run.public))
        if run.survey:
            await answer_survey(client, conversation, run, twice=number % 10 == 0)


async def drive(run: Run, seconds: float, during=None) -> Run:
    """`run.concurrency` customers for `seconds`; `during(started)` runs alongside (a fault)."""
    limits = httpx.Limits(max_connections=run.concurrency + 8, max_keepalive_connections=run.concurrency + 8)
    async with httpx.AsyncClient(timeout=90, limits=limits) as client:
        started = time.perf_counter()
        deadline = started + seconds
        budget = [MAX_MESSAGES_PER_LEVEL]
        rng = random.Random(f"{run.name}")
        tasks = [
            customer(client, run, w, deadline, budget, random.Random(rng.random())) for w in range(run.concurrency)
        ]
        if during is not None:
            tasks.append(asyncio.to_thread(during))
        await asyncio.gather(*tasks)
        run.seconds = time.perf_counter() - started
    return run


# --- checks, from the databases themselves --------------------------------------


def tracker_messages(engine, prefix: str) -> Dict[str, List[str]]:
    """Each conversation's user messages, in the order the tracker store holds them."""
    found: Dict[str, List[str]] = defaultdict(list)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT sender_id, data FROM events WHERE type_name = 'user' AND sender_id LIKE :p ORDER BY id"),
            {"p": f"{prefix}%"},
        )
        for sender, data in rows:
            found[sender].append(json.loads(data).get("text"))
    return found


def check_trackers(run: Run, stored: Dict[str, List[str]]) -> Tuple[int, int, int]:
    """(lost, doubled, out of order): answered turns must be there once, in order;
    turns that failed may be there at most once."""
    lost = doubled = disordered = 0
    for conversation in run.conversations:
        held = stored.get(conversation.sender, [])
        doubled += len(held) - len(set(held))
        answered = [t.text for t in conversation.turns if t.status == "ok"]
        lost += len(set(answered) - set(held))
        sent = [t.text for t in conversation.turns]
        order = [sent.index(message) for message in held if message in sent]
        disordered += int(order != sorted(order))
        doubled += sum(1 for message in held if message not in sent)  # nothing that was not sent
    return lost, doubled, disordered


def check_feedback(engine, run: Run) -> Tuple[int, int]:
    """(submissions not stored once, stored that were never accepted)."""
    submitted = {c.sender for c in run.conversations if c.feedback == "stored"}
    with engine.connect() as connection:
        counts = dict(
            connection.execute(
                text("SELECT conversation_id, count(*) FROM feedback WHERE conversation_id LIKE :p GROUP BY 1"),
                {"p": f"load-{run.name}-%"},
            ).all()
        )
    wrong = sum(1 for sender in submitted if counts.get(sender) != 1)
    extra = sum(1 for sender in counts if sender not in submitted and counts[sender] != 1)
    return wrong, extra


# --- where the CPU goes ------------------------------------------------------------

TICKS = os.sysconf("SC_CLK_TCK")


def _processes():
    """(process folder, command name, stat fields after the name) of every process now."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        yield entry, stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :].split()


def cpu_seconds(services) -> Dict[str, float]:
    """CPU used so far by each service (its whole process group), the databases and this client."""
    groups = {service.process.pid: service.name.rsplit("-", 1)[0] for service in services if service.process}
    used: Dict[str, float] = defaultdict(float)
    for _entry, name, fields in _processes():
        pgid, ticks = int(fields[2]), int(fields[11]) + int(fields[12])
        if pgid in groups:
            used[groups[pgid]] += ticks / TICKS
        elif name.startswith(("postgres", "redis-server")):
            used[name.split(":")[0].split("-")[0]] += ticks / TICKS
    times = os.times()
    used["load client"] = times.user + times.system
    return used


def resident_mb(services) -> Dict[str, float]:
    """Resident memory of each service's process group, in MB."""
    groups = {service.process.pid: service.name for service in services if service.process}
    used: Dict[str, float] = defaultdict(float)
    for entry, _name, fields in _processes():
        if int(fields[2]) not in groups:
            continue
        try:
            rss = next(line for line in (entry / "status").read_text().splitlines() if line.startswith("VmRSS"))
        except (OSError, StopIteration):
            continue
        used[groups[int(fields[2])]] += int(rss.split()[1]) / 1024
    return used


def database_connections(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(
            text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
        ).scalar_one()


def cpu_line(before: Dict[str, float], after: Dict[str, float], messages: int) -> str:
    parts = [f"{name} {(after[name] - before.get(name, 0)) * 1000 / max(messages, 1):.1f}" for name in sorted(after)]
    return "  CPU ms per message: " + ", ".join(parts)


# --- reporting ---------------------------------------------------------------------

HEADER = (
    f"{'run':<14}{'conv':>6}{'msgs':>7}{'msg/s':>8}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}"
    f"{'errors':>7}{'apol.':>6}{'retried':>8}{'lost':>5}{'dup':>5}{'order':>6}{'fb':>6}{'fb p95':>7}{'fb bad':>7}"
)


def row(run: Run, checks: Tuple[int, int, int], feedback_bad: int) -> str:
    turns = run.turns
    ms = [t.seconds * 1000 for t in turns if t.status == "ok"]
    errors = sum(t.status == "error" for t in turns)
    failed = sum(t.status == "failed" for t in turns)
    retried = sum(t.retried for t in turns)
    posts = sum(c.feedback_posts for c in run.conversations)
    fb95 = percentile([s * 1000 for s in run.feedback_seconds], 95)
    return (
        f"{run.name:<14}{len(run.conversations):>6}{len(turns):>7}{len(turns) / run.seconds:>8.1f}"
        f"{percentile(ms, 50):>8.0f}{percentile(ms, 95):>8.0f}{percentile(ms, 99):>8.0f}"
        f"{errors:>7}{failed:>6}{retried:>8}{checks[0]:>5}{checks[1]:>5}{checks[2]:>6}{posts:>6}{fb95:>7.0f}"
        f"{feedback_bad:>7}"
    )


# --- the cluster and the faults ------------------------------------------------------


def prepare_stores() -> None:
    engine = make_engine(DATABASE_URL)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    from assistant.demo_data import prepare_database

    prepare_database(engine, customers=CUSTOMERS, seed=7, today=clock.today())
    engine.dispose()
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


def kill_replica(replica, after: float = 5.0, down_for: float = 5.0):
    def fault() -> None:
        time.sleep(after)
        os.killpg(replica.process.pid, signal.SIGKILL)
        replica.process.wait()
        print(f"  {time.strftime('%X')} killed {replica.name}", flush=True)
        time.sleep(down_for)
        replica.start()
        replica.wait_ready(180)
        print(f"  {time.strftime('%X')} {replica.name} is back", flush=True)

    return fault


def restart_postgresql(after: float = 5.0):
    def fault() -> None:
        time.sleep(after)
        print(f"  {time.strftime('%X')} restarting PostgreSQL", flush=True)
        started = time.perf_counter()
        done = subprocess.run(postgresql_restart_command(), capture_output=True, text=True)
        print(f"  {time.strftime('%X')} PostgreSQL restarted in {time.perf_counter() - started:.1f} s "
              f"(exit {done.returncode}{': ' + done.stderr.strip() if done.returncode else ''})", flush=True)  # fmt: skip

    return fault


def postgresql_restart_command() -> Optional[List[str]]:
    if not shutil.which("pg_ctlcluster") or os.geteuid() != 0:
        return None
    url = make_url(DATABASE_URL)
    if url.host not in ("127.0.0.1", "localhost", None):
        return None
    listing = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True).stdout.split("\n")
    for line in listing:
        parts = line.split()
        if len(parts) >= 3 and parts[2] == str(url.port or 5432):
            return ["pg_ctlcluster", "--skip-systemctl-redirect", parts[0], parts[1], "restart"]
    return None


def recovery(run: Run) -> str:
    """Over what span messages failed, and whether every later one went through."""
    turns = sorted(run.turns, key=lambda turn: turn.at)
    failed = [turn for turn in turns if turn.status != "ok"]
    if not failed:
        return "no message failed"
    first, last, begin = failed[0].at, failed[-1].at, turns[0].at
    answered_after = sum(1 for turn in turns if turn.at > last)
    return (
        f"{len(failed)} messages failed, from {first - begin:.1f} s to {last - begin:.1f} s into the run; "
        f"{answered_after} answered after that"
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--levels", default="1,8,32,64", help="concurrent conversations per level")
    parser.add_argument("--seconds", type=float, default=30, help="length of each level")
    parser.add_argument("--no-faults", action="store_true", help="skip the replica kill and PostgreSQL restart")
    parser.add_argument("--no-stock", action="store_true", help="skip Rasa's stock starter bot and the ratios to it")
    args = parser.parse_args(argv)
    levels = [int(level) for level in args.levels.split(",")]

    try:
        ensure_database(DATABASE_URL)  # the first run creates it
    except Exception:  # noqa: BLE001 - the check below says what is wrong, in one line
        pass
    for problem in filter(None, (check_database(DATABASE_URL), check_redis(REDIS_URL))):
        print(f"error: LOAD_{problem}", file=sys.stderr)
        return 2
    prepare_stores()
    env = {"DATABASE_URL": DATABASE_URL, "REDIS_URL": REDIS_URL, "ASSISTANT_SURVEY_SECRET": SECRET}
    services = build_cluster(2, 2, PORTS, directory=ROOT / "var" / "load", extra_env=env, model=train_if_changed())
    print(f"starting 2 Rasa replicas, 2 action servers, the sidecar and nginx on {PUBLIC} ...", flush=True)
    start_all(services, timeout=240)
    engine = make_engine(DATABASE_URL)
    failures: List[str] = []
    runs: List[Run] = []
    try:
        asyncio.run(drive(Run("warm-up", 4), 8))  # both replicas build their TensorFlow graphs
        print(f"\n{machine()}; {args.seconds:.0f} s per level\n{HEADER}", flush=True)
        for level in levels:
            before = cpu_seconds(services)
            runs.append(asyncio.run(drive(Run(f"c{level}", level), args.seconds)))
            report(runs[-1], engine, failures)
            print(cpu_line(before, cpu_seconds(services), len(runs[-1].turns)), flush=True)
            memory = ", ".join(f"{name} {mb:.0f}" for name, mb in sorted(resident_mb(services).items()))
            print(f"  resident MB: {memory}; connections to the database: {database_connections(engine)}", flush=True)
        if not args.no_faults:
            replicas = {service.name: service for service in services}
            print("fault: a Rasa replica is killed 5 s in, and started again 5 s later", flush=True)
            run = asyncio.run(drive(Run("kill-replica", 8), 25, kill_replica(replicas["rasa-1"])))
            report(run, engine, failures, fault=True)
            most = max((sum(t.retried for t in c.turns) for c in run.conversations), default=0)
            print(f"  most retried messages in one conversation: {most}")
            if most > 1:
                failures.append(f"kill-replica: a conversation retried {most} messages")
            command = postgresql_restart_command()
            if command is None:
                print("fault: PostgreSQL restart skipped (needs root and a local cluster managed by pg_ctlcluster)")
            else:
                print("fault: PostgreSQL is restarted 5 s in", flush=True)
                run = asyncio.run(drive(Run("restart-pg", 8), 25, restart_postgresql()))
                report(run, engine, failures, fault=True)
                print(f"  {recovery(run)}")
        for target in targets(runs):
            failures.append(target)
    finally:
        engine.dispose()
        stop_all(services)
    ours = next((run for run in runs if run.concurrency == 8), None)
    if not args.no_stock and ours is None:
        print("the stock starter bot is measured at 8 conversations only: not with these levels")
    elif not args.no_stock:
        measure_stock(ours, args.seconds, failures)
    for failure in failures:
        print(f"FAILED: {failure}")
    return 1 if failures else 0


def measure_stock(ours: Run, seconds: float, failures: List[str]) -> None:
    """Rasa's starter bot in two processes behind nginx at 8 conversations, and the assistant's
    figures at 8 as ratios to its (benchmarks/stock_bot.py says how it is put together)."""
    started = time.monotonic()
    ensure_database(STOCK_DATABASE_URL)
    engine = make_engine(STOCK_DATABASE_URL)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    services: List = []
    try:
        bot = stock_bot.ensure_trained()
        services = stock_bot.load_cluster(bot, STOCK_DATABASE_URL, ROOT / "var" / "load" / "stock")
        print(f"\nstarting Rasa's stock starter bot: 2 processes and nginx on {STOCK_PUBLIC} ...", flush=True)
        start_all(services, timeout=240)
        stock = Run("stock-c8", 8, public=STOCK_PUBLIC, scripts=stock_bot.SCRIPTS, survey=False)
        asyncio.run(drive(Run("stock-warm-up", 4, public=STOCK_PUBLIC, scripts=stock_bot.SCRIPTS, survey=False), 8))
        print(HEADER, flush=True)
        before = cpu_seconds(services)
        asyncio.run(drive(stock, seconds))
        report(stock, engine, failures, feedback=False)
        print(cpu_line(before, cpu_seconds(services), len(stock.turns)), flush=True)
    except (RuntimeError, TimeoutError) as error:
        failures.append(f"stock starter bot: {error}")
        return
    finally:
        engine.dispose()
        stop_all(services)
    print(stock_comparison(*rate_and_p95(ours), *rate_and_p95(stock)), flush=True)
    print(f"  the stock starter bot added {time.monotonic() - started:.0f} s to this run", flush=True)


def rate_and_p95(run: Run) -> Tuple[float, float]:
    """Messages a second and the p95 of the answered ones in ms, as the table shows them."""
    return len(run.turns) / run.seconds, percentile([t.seconds * 1000 for t in run.turns if t.status == "ok"], 95)


def stock_comparison(rate: float, p95: float, stock_rate: float, stock_p95: float) -> str:
    """The assistant's messages/s and p95 at 8 conversations, each with its ratio to the starter bot's."""
    return (
        "the assistant at 8 conversations against the stock starter bot (2 processes, nginx): "
        f"{stock_bot.beside(rate, stock_rate, 'msg/s')}, p95 {stock_bot.beside(p95, stock_p95, 'ms', digits=0)}"
    )


def report(run: Run, engine, failures: List[str], fault: bool = False, feedback: bool = True) -> None:
    checks = check_trackers(run, tracker_messages(engine, f"load-{run.name}-"))
    wrong, extra = check_feedback(engine, run) if feedback else (0, 0)
    print(row(run, checks, wrong + extra), flush=True)
    name = run.name
    if any(checks):
        failures.append(f"{name}: lost {checks[0]}, doubled {checks[1]}, out of order {checks[2]}")
    if wrong or extra:
        failures.append(f"{name}: {wrong + extra} survey answers not stored exactly once")
    errors = [t for t in run.turns if t.status == "error"]
    unsent = [c.feedback for c in run.conversations if c.feedback not in (None, "stored")]
    if not fault and (errors or any(t.status == "failed" for t in run.turns)):
        failures.append(f"{name}: {len(errors)} errors and some apologies with nothing broken")
    if fault and errors:
        failures.append(f"{name}: {len(errors)} messages failed without the clear apology")
    if unsent and not fault:
        failures.append(f"{name}: survey answers refused: {unsent[:3]}")


def targets(runs: List[Run]) -> List[str]:
    missed = []
    for run in runs:
        if run.concurrency == 8:
            ms = [t.seconds * 1000 for t in run.turns]
            rate = len(run.turns) / run.seconds
            if rate < 50 or percentile(ms, 95) > 300:
                missed.append(f"target at 8 conversations: {rate:.1f} msg/s, p95 {percentile(ms, 95):.0f} ms "
                              f"(wanted ≥ 50 msg/s, p95 ≤ 300 ms)")  # fmt: skip
    return missed


if __name__ == "__main__":
    sys.exit(main())
