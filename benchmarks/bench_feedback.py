"""`make bench-feedback`: the feedback API's latency and throughput, scores over 1M answers,
the CSV export's memory and time, and the comment themes on a cold and a warm cache.

Starts its own sidecar on loopback (port 8300) over a throw-away SQLite
database, so it runs beside `make run`. Prints figures; the targets are in
the README. The export's memory is measured in a process of its own, which
sends 200,000 rows through the sidecar's app in process and keeps none of
the body (`--export-memory URL`).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
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


# Comments for the themes: written for this bench, most of them different, as real ones are.
SUBJECTS = (
    "The engineer", "My router", "The bill", "Priya", "The app", "The website", "The delivery", "The refund",
    "The wifi", "My broadband", "The parcel", "The modem", "Marcus", "The chat", "The new plan", "The price",
)  # fmt: skip
PREDICATES = (
    "was late again", "sorted it quickly", "keeps dropping every evening", "took three weeks", "was brilliant",
    "never arrived", "is far too expensive", "explained everything clearly", "did not answer my question",
    "made me wait for ages", "was friendly and patient", "charged me twice", "works fine now",
)  # fmt: skip
TAILS = ("", " Thanks.", " Not happy.", " Would recommend.", " Second time this month.", " Please call me back.")


def commented_answers(url: str, n: int, start: datetime, tag: str = "themes") -> None:
    """`n` answers with comments, about 200 a day from `start`; each `tag` writes other comments."""
    engine = db.make_engine(url)
    rng = random.Random(tag)
    rows = []
    for i in range(n):
        moment = start + timedelta(minutes=7 * i)
        day = moment.date()
        comment = (
            f"{rng.choice(SUBJECTS)} {rng.choice(PREDICATES)}.{rng.choice(TAILS)} Order {tag.upper()}-{200000 + i}."
        )
        rows.append(
            {
                "conversation_id": f"{tag}-{i}", "customer_id": None, "nps": rng.randint(0, 10), "csat": None,
                "ces": None, "comment": comment, "rep_id": None, "channel": "chat", "topic": None,
                "created_at": moment, "created_on": day, "week": day - timedelta(days=day.weekday()),
                "month": day.replace(day=1),
            }
        )  # fmt: skip
    with engine.begin() as connection:
        connection.execute(insert(Feedback), rows)
    engine.dispose()


def peak_memory_kb(pid: int) -> int:
    """The peak resident memory (VmHWM) of a process, in KB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def worker_pids(pid: int) -> list:
    """The worker processes uvicorn `pid` started."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and b"spawn_main" in (stat.parent / "cmdline").read_bytes():
            found.append(int(stat.parent.name))
    return found


def timed_export(client: httpx.Client, base: str, query: str) -> tuple:
    """(seconds to the first row, seconds in all, rows, how it ended) of one CSV export read as it arrives.

    The bench's comments hold no line breaks, so a line is a row."""
    started = time.perf_counter()
    first = None
    newlines, tail = 0, b""
    with client.stream("GET", f"{base}/api/feedback?format=csv{query}") as response:
        assert response.status_code == 200, response.status_code
        for chunk in response.iter_bytes():
            newlines += chunk.count(b"\n")
            if first is None and newlines > 1:  # past the header
                first = time.perf_counter() - started
            tail = (tail + chunk)[-300:]
    last_line = tail.rstrip(b"\r\n").rsplit(b"\n", 1)[-1].decode().strip('"')
    stopped = last_line if last_line.startswith("Export stopped") else ""
    return first, time.perf_counter() - started, newlines - 1 - bool(stopped), stopped


async def _export_in_process(app, query: str) -> tuple:
    """GET the CSV export through the ASGI app itself; the body is counted, never kept."""
    import base64

    counted = {"bytes": 0, "messages": 0}
    done = asyncio.Event()

    async def receive():
        if not counted.get("asked"):
            counted["asked"] = 1
            return {"type": "http.request", "body": b"", "more_body": False}
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message):
        if message["type"] == "http.response.body":
            counted["bytes"] += len(message.get("body", b""))
            counted["messages"] += 1
            if not message.get("more_body"):
                done.set()

    credentials = b"Basic " + base64.b64encode(":".join(SUPERVISOR).encode())
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": "/api/feedback", "raw_path": b"/api/feedback", "query_string": f"format=csv{query}".encode(),
        "root_path": "", "headers": [(b"host", b"bench"), (b"authorization", credentials)],
        "client": ("127.0.0.1", 50000), "server": ("bench", 80),
    }  # fmt: skip
    await app(scope, receive, send)
    return counted["bytes"], counted["messages"]


def export_memory(url: str) -> None:
    """In this process: the memory and time of exporting every answer in `url` (run by main)."""
    os.environ["DATABASE_URL"] = url
    from api.main import app

    asyncio.run(_export_in_process(app, "&to=2025-01-01"))  # a warm-up: sign-in, imports, compiled queries
    resident_before = int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
    started = time.perf_counter()
    size, messages = asyncio.run(_export_in_process(app, ""))
    seconds = time.perf_counter() - started
    peak_resident = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    asyncio.run(_export_in_process(app, ""))
    traced_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(
        f"export-memory: {size / 1e6:.1f} MB of CSV in {messages} body messages, {seconds:.1f} s; "
        f"resident {resident_before / 1024:.0f} MB before, peak {peak_resident / 1024:.0f} MB; "
        f"Python allocations (tracemalloc) peak {traced_peak / 1e6:.1f} MB"
    )


def export_memory_figures(rows: int) -> None:
    workdir = Path(tempfile.mkdtemp())
    try:
        url = f"sqlite:///{workdir / 'export.db'}"
        prepare_database(db.make_engine(url), customers=20, today=clock.today())
        bulk_answers(url, rows)
        result = subprocess.run(
            [sys.executable, "-m", "benchmarks.bench_feedback", "--export-memory", url],
            capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": rasa_env()["PYTHONPATH"]},
        )  # fmt: skip
        line = next((row for row in result.stdout.splitlines() if row.startswith("export-memory:")), None)
        print(f"CSV export of {rows:,} answers in process: {line[15:] if line else result.stderr[-500:]}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def themes_figures(client: httpx.Client, base: str, url: str) -> None:
    """The themes of a range of 20,000 comments on a cold cache, a warm one, after one new comment,
    and asked for all 20,000."""
    in_range = "?from=2026-01-01&to=2026-06-30"

    def themes(query: str = "") -> tuple:
        started = time.perf_counter()
        response = client.get(f"{base}/api/feedback/themes{query}", auth=SUPERVISOR, timeout=900)
        assert response.status_code == 200, response.text
        summary = response.json()
        # before the cap, the response said only how many comments each band had
        analysed = summary.get("comments_analysed", summary["all"]["comments"])
        total = f"{summary['comments_total']:,}" if "comments_total" in summary else "?"
        return time.perf_counter() - started, f"{analysed:,} of {total} analysed"

    themes("?from=2026-01-01&to=2026-01-01")  # loads spaCy (those comments are older than the ones asked next)
    cold, covered = themes(in_range)
    print(f"GET /api/feedback/themes{in_range}, cold cache: {cold:.2f} s ({covered})")
    warm = [themes(in_range)[0] for _ in range(5)]
    print(f"the same again: median {statistics.median(warm) * 1000:.0f} ms over 5")
    commented_answers(url, 1, datetime(2026, 5, 1), tag="new")  # the newest of the range
    after_new, covered = themes(in_range)
    print(f"the same after one new comment: {after_new * 1000:.0f} ms ({covered})")
    widest, covered = themes(in_range + "&limit=20000")
    print(f"GET /api/feedback/themes{in_range}&limit=20000: {widest:.2f} s ({covered})")
    themes()
    whole, covered = themes()
    print(f"GET /api/feedback/themes (the whole table), asked a second time: {whole * 1000:.0f} ms ({covered})")


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
    if sys.argv[1:2] == ["--export-memory"]:
        export_memory(sys.argv[2])
        return
    workers = int(os.environ.get("SIDECAR_WORKERS", "2"))
    answers = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    export_rows = int(os.environ.get("EXPORT_ROWS", "200000"))
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
        workers_before = {pid: peak_memory_kb(pid) for pid in worker_pids(sidecar.process.pid)}
        with httpx.Client(timeout=900, auth=SUPERVISOR) as client:
            for query in ("&from=2025-03-01&to=2025-03-31", ""):
                first, seconds, rows, stopped = timed_export(client, base, query)
                print(
                    f"GET /api/feedback?format=csv{query}: {rows:,} rows, the first after {first or 0:.2f} s, "
                    f"all in {seconds:.1f} s{f' (last line: {stopped})' if stopped else ''}"
                )
            peaks = ", ".join(
                f"{workers_before[pid] / 1024:.0f} -> {peak_memory_kb(pid) / 1024:.0f} MB" for pid in workers_before
            )
            print(f"sidecar workers' peak resident memory (VmHWM) before and after the exports: {peaks}")
        print("storing 20,000 answers with comments for the themes ...", flush=True)
        commented_answers(url, 20_000, datetime(2026, 1, 1))
        with httpx.Client(timeout=60) as client:  # one connection: the same worker, the same cache
            themes_figures(client, base, url)
    finally:
        sidecar.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    export_memory_figures(export_rows)


if __name__ == "__main__":
    main()
