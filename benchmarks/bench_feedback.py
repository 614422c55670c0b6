"""`make bench-feedback`: the feedback API's latency and throughput, and scores over 1M answers.

Starts its own sidecar on loopback (port 8300) over a throw-away SQLite
database, so it runs beside `make run`. Prints figures; the targets are in
the README.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import insert

from assistant import clock, db
from assistant.demo_data import prepare_database
from assistant.identity import mint_survey_token
from assistant.models import Feedback
from scripts.model import ROOT, rasa_env
from scripts.services import Service

PORT = 8300
SECRET = "bench-feedback-survey-secret-0123456789"
SUPERVISOR = ("sam", "sam-demo")


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def body(i: int, tag: str) -> dict:
    conversation = f"bench-{tag}-{i}"
    return {
        "conversation_id": conversation,
        "customer_id": "C00001",
        "nps": i % 11,
        "csat": 1 + i % 5,
        "ces": 1 + i % 7,
        "comment": "bench",
        "channel": "chat",
        "token": mint_survey_token(conversation, "C00001", SECRET),
    }


def bulk_answers(url: str, n: int) -> None:
    engine = db.make_engine(url)
    rng = random.Random(0)
    start = datetime(2025, 1, 1)
    reps = [f"rep{i}" for i in range(20)] + [None]
    topics = ["explain_bill", "track_order", "technical_problem", "request_refund", None]
    batch = []
    with engine.begin() as connection:
        for i in range(n):
            moment = start + timedelta(minutes=i // 2)
            day = moment.date()
            batch.append(
                {
                    "conversation_id": f"bulk-{i}",
                    "customer_id": None,
                    "nps": rng.randint(0, 10),
                    "csat": rng.choice([None, 1, 2, 3, 4, 5]),
                    "ces": rng.choice([None, 1, 2, 3, 4, 5, 6, 7]),
                    "comment": "",
                    "rep_id": rng.choice(reps),
                    "channel": rng.choice(["chat", "rest", "socketio"]),
                    "topic": rng.choice(topics),
                    "created_at": moment,
                    "created_on": day,
                    "week": day - timedelta(days=day.weekday()),
                    "month": day.replace(day=1),
                }
            )
            if len(batch) == 20_000:
                connection.execute(insert(Feedback), batch)
                batch.clear()
        if batch:
            connection.execute(insert(Feedback), batch)


async def concurrent_posts(base: str, total: int, clients: int) -> float:
    queue = list(range(total))

    async def worker(client: httpx.AsyncClient):
        while queue:
            i = queue.pop()
            response = await client.post(f"{base}/api/feedback", json=body(i, "conc"))
            assert response.status_code == 201, response.text

    started = time.perf_counter()
    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=clients)) as client:
        await asyncio.gather(*(worker(client) for _ in range(clients)))
    return total / (time.perf_counter() - started)


def wrk_run(base: str, workdir: Path, seconds: int = 10, connections: int = 32, threads: int = 2) -> None:
    """The same load from wrk (C, from Debian's `wrk` package), if it is installed."""
    wrk = shutil.which("wrk")
    if wrk is None:
        print("wrk not installed (apt-get install wrk): skipping the wrk run")
        return
    bodies = workdir / "bodies.jsonl"
    with bodies.open("w") as handle:
        for i in range(60_000):
            handle.write(json.dumps(body(i, "wrk")) + "\n")
    script = ROOT / "benchmarks" / "feedback_post.lua"
    result = subprocess.run(
        [
            wrk,
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "-s",
            str(script),
            base,
            "--",
            str(bodies),
            str(threads),
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
    )
    line = next((row for row in result.stdout.splitlines() if row.startswith("wrk:")), result.stdout[-300:])
    print(f"POST /api/feedback, {connections} connections from wrk for {seconds} s: {line[5:]} (target >= 500/s)")


def main() -> None:
    workers = int(os.environ.get("SIDECAR_WORKERS", "2"))
    answers = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    workdir = Path(tempfile.mkdtemp())
    url = f"sqlite:///{workdir / 'feedback.db'}"
    prepare_database(db.make_engine(url), customers=20, today=clock.today())
    sidecar = Service(
        "bench-sidecar",
        [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1", "--port", str(PORT),
         "--workers", str(workers), "--log-level", "warning"],
        f"http://127.0.0.1:{PORT}/health",
        env={"DATABASE_URL": url, "ASSISTANT_SURVEY_SECRET": SECRET, **{"PYTHONPATH": rasa_env()["PYTHONPATH"]}},
        kind="sidecar",
    )  # fmt: skip
    sidecar.start()
    try:
        sidecar.wait_ready(60)
        base = f"http://127.0.0.1:{PORT}"
        print(f"machine: {os.cpu_count()} cores; sidecar: uvicorn, {workers} workers, SQLite")
        with httpx.Client(timeout=30) as client:
            latencies = []
            for i in range(600):
                started = time.perf_counter()
                response = client.post(f"{base}/api/feedback", json=body(i, "seq"))
                latencies.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 201, response.text
        latencies = latencies[100:]  # after warm-up
        print(
            f"POST /api/feedback, one client: p50 {statistics.median(latencies):.1f} ms, "
            f"p95 {percentile(latencies, 95):.1f} ms over {len(latencies)} requests (target p95 <= 20 ms)"
        )
        rate = asyncio.run(concurrent_posts(base, 2000, 32))
        print(
            f"POST /api/feedback, 32 concurrent Python clients: {rate:.0f} requests/s over 2000 "
            "(the Python load generator shares the 2 cores and is itself a limit)"
        )
        wrk_run(base, workdir)

        print(f"storing {answers:,} answers for the scores query ...", flush=True)
        bulk_answers(url, answers)
        with httpx.Client(timeout=120, auth=SUPERVISOR) as client:
            for query in ("", "?group_by=week", "?group_by=rep", "?group_by=month&from=2025-03-01&to=2025-12-31"):
                timings = []
                for _ in range(3):
                    started = time.perf_counter()
                    response = client.get(f"{base}/api/scores{query}")
                    timings.append(time.perf_counter() - started)
                    assert response.status_code == 200
                n = sum(g["nps"]["n"] for g in response.json()["groups"])
                print(
                    f"GET /api/scores{query or ' (overall)'}: median {statistics.median(timings):.2f} s "
                    f"over {n:,} answers (target <= 1 s)"
                )
    finally:
        sidecar.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
