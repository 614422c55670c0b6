"""`make bench-offers`: how fast suggestions are, in process and through the sidecar.

- suggestions for one customer (profile read, guardrails, ranking, reasons,
  three questions) with the model loaded: p50/p95 over every demo customer;
- `GET /api/customers/{id}/suggestions` under load from wrk (32 connections),
  signed in as a rep, each response also logging what was shown.
Runs on a throw-away SQLite database and its own sidecar (port 8400).
"""

from __future__ import annotations

import base64
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from assistant import clock, db
from assistant.business import load_catalog
from assistant.demo_data import prepare_database
from assistant.offers.engine import ConversationContext, decide
from assistant.offers.profile import load_profile, load_profiles
from assistant.offers.propensity import ModelStore, train
from assistant.offers.questions import open_questions
from benchmarks.bench_feedback import percentile
from scripts.model import ROOT, rasa_env
from scripts.services import Service

PORT = 8400
CUSTOMERS = 500
REP = ("priya", "priya-demo")


def in_process(model_file: Path) -> None:
    catalog, store = load_catalog(), ModelStore(model_file)
    store.get()
    timings = []
    with db.session_scope() as session:
        for round_ in range(4):
            for n in range(1, CUSTOMERS + 1):
                started = time.perf_counter()
                profile = load_profile(session, f"C{n:05d}")
                decide(profile, ConversationContext(request_answered=True), catalog, store.get())
                open_questions(profile)
                timings.append((time.perf_counter() - started) * 1000)
    timings = timings[CUSTOMERS:]  # the first round warms caches
    print(
        f"suggestions for one customer, in process: p50 {statistics.median(timings):.2f} ms, "
        f"p95 {percentile(timings, 95):.2f} ms over {len(timings)} (target p95 <= 20 ms)"
    )


def through_sidecar(url: str, model_file: Path, seconds: int = 10, connections: int = 32) -> None:
    wrk = shutil.which("wrk")
    if wrk is None:
        print("wrk not installed (apt-get install wrk): skipping the throughput run")
        return
    workers = os.environ.get("SIDECAR_WORKERS", "2")
    sidecar = Service(
        "bench-sidecar",
        [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1", "--port", str(PORT),
         "--workers", workers, "--log-level", "warning"],
        f"http://127.0.0.1:{PORT}/health",
        env={"DATABASE_URL": url, "OFFER_MODEL_PATH": str(model_file), "PYTHONPATH": rasa_env()["PYTHONPATH"]},
    )  # fmt: skip
    sidecar.start()
    try:
        sidecar.wait_ready(60)
        auth = "Basic " + base64.b64encode(f"{REP[0]}:{REP[1]}".encode()).decode()
        script = ROOT / "benchmarks" / "suggestions_get.lua"
        command = [wrk, "-t2", f"-c{connections}", f"-d{seconds}s", "-s", str(script), f"http://127.0.0.1:{PORT}"]
        subprocess.run(command[:-3] + ["-d2s"] + command[-3:] + ["--", auth, str(CUSTOMERS)], capture_output=True)
        result = subprocess.run(
            command + ["--", auth, str(CUSTOMERS)], capture_output=True, text=True, timeout=seconds + 60
        )
        line = next((row for row in result.stdout.splitlines() if row.startswith("wrk:")), result.stdout[-300:])
        print(
            f"GET /api/customers/{{id}}/suggestions, {connections} connections from wrk for {seconds} s, "
            f"{workers} sidecar workers: {line[5:]} (target >= 200/s)"
        )
    finally:
        sidecar.stop()


def main() -> None:
    workdir = Path(tempfile.mkdtemp())
    url = f"sqlite:///{workdir / 'offers.db'}"
    engine = db.make_engine(url)
    prepare_database(engine, customers=CUSTOMERS, today=clock.today())
    db.use_engine(engine)
    print(f"machine: {os.cpu_count()} cores; {CUSTOMERS} demo customers on SQLite")
    started = time.perf_counter()
    with db.session_scope() as session:
        profiles = load_profiles(session)
    model_file = workdir / "offers.json"
    train(profiles.values(), load_catalog()).save(model_file)
    print(f"training the offer model on {len(profiles)} customers: {time.perf_counter() - started:.2f} s")
    in_process(model_file)
    through_sidecar(url, model_file)


if __name__ == "__main__":
    main()
