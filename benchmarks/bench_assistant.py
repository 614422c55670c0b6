"""`make bench`: training time, start-up, memory and reply latency on this machine.

Figures, not pass/fail: compare them with the targets in README.md. Uses its
own ports and a throw-away copy of the demo database, so it can run beside
`make run`.
"""

from __future__ import annotations

import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from assistant import clock, db
from assistant.demo_data import prepare_database
from benchmarks import machine
from scripts.model import ROOT, train, train_if_changed
from scripts.services import build_services, start_all, stop_all

PORTS = {"rasa_port": 5205, "actions_port": 5255, "api_port": 8200}
CUSTOMERS = ["C00001", "C00002", "C00003", "C00004", "C00005", "C00010", "C00020", "C00030"]
TURNS = [
    "hi",
    "where is my order?",
    "why is my bill higher this month",
    "what's the status of my refund",
    "my payment failed",
    "what are your opening hours",
    "thanks",
]


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def rss_mb(pid: int) -> float:
    total = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            total += int(line.split()[1])
    return total / 1024


def time_training() -> float:
    out = Path(tempfile.mkdtemp())
    started = time.monotonic()
    train(out, "bench", quiet=True)
    elapsed = time.monotonic() - started
    shutil.rmtree(out, ignore_errors=True)
    return elapsed


def main() -> None:
    results = {"machine": machine()}
    print(f"machine: {results['machine']}")
    print("training a throw-away model from scratch (timing only) ...", flush=True)
    results["training_s"] = round(time_training(), 1)
    print(f"training: {results['training_s']} s")

    model = train_if_changed()
    workdir = Path(tempfile.mkdtemp())
    url = f"sqlite:///{workdir / 'bench.db'}"
    prepare_database(db.make_engine(url), customers=500, seed=7, today=clock.today())

    services = build_services(model=model, extra_env={"DATABASE_URL": url}, **PORTS)
    start_all(services, timeout=300)
    try:
        rasa = next(s for s in services if s.name == "rasa")
        results["ready_s"] = round(rasa.ready_after, 1)
        webhook = f"http://127.0.0.1:{PORTS['rasa_port']}/webhooks/rest/webhook"
        client = httpx.Client(timeout=60)

        def send(sender, text, customer):
            started = time.perf_counter()
            response = client.post(
                webhook, json={"sender": sender, "message": text, "metadata": {"customer_id": customer}}
            )
            response.raise_for_status()
            return (time.perf_counter() - started) * 1000

        send("warm-up", "hi", "C00001")
        latencies = []
        for round_no in range(5):
            for customer in CUSTOMERS:
                sender = f"bench-{customer}-{round_no}"
                for text in TURNS:
                    latencies.append(send(sender, text, customer))
        results["messages"] = len(latencies)
        results["p50_ms"] = round(statistics.median(latencies), 1)
        results["p95_ms"] = round(percentile(latencies, 95), 1)
        print(
            f"reply latency over {len(latencies)} REST messages, 8 customers, one sender at a time: "
            f"p50 {results['p50_ms']} ms, p95 {results['p95_ms']} ms"
        )

        long_latencies = []
        for turn in range(100):
            long_latencies.append(send("bench-long", TURNS[1 + turn % (len(TURNS) - 2)], "C00001"))
        results["long_first10_p95_ms"] = round(percentile(long_latencies[:10], 95), 1)
        results["long_last10_p95_ms"] = round(percentile(long_latencies[-10:], 95), 1)
        print(
            f"one 100-turn conversation: p95 turns 1-10 {results['long_first10_p95_ms']} ms, "
            f"turns 91-100 {results['long_last10_p95_ms']} ms"
        )
        results["rasa_rss_mb"] = round(rss_mb(rasa.process.pid), 0)
        print(f"Rasa server resident memory: {results['rasa_rss_mb']:.0f} MB; start to ready: {results['ready_s']} s")
    finally:
        stop_all(services)
        shutil.rmtree(workdir, ignore_errors=True)
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench_assistant.json").write_text(json.dumps(results, indent=2))
    print(f"written to {out.relative_to(ROOT) / 'bench_assistant.json'}")


if __name__ == "__main__":
    main()
