"""`make bench`: training time, start-up, memory and reply latency on this machine.

    python -m benchmarks.bench_assistant [--no-training] [--no-stock]

Figures, not pass/fail: compare them with the targets in README.md. Uses its
own ports and a throw-away copy of the demo database, so it can run beside
`make run`.

In the same run, the same way (one sender at a time over the REST channel,
280 messages after one to warm up), it measures Rasa's stock starter bot
(benchmarks/stock_bot.py) and prints the assistant's p50 and p95 as ratios
to the starter bot's beside the milliseconds: a ratio moves much less from
one machine to another. `--no-stock` skips it, `--no-training` the
training from scratch, for a quick run.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import httpx

from assistant import clock, db
from assistant.demo_data import prepare_database
from benchmarks import machine, stock_bot
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
ROUNDS = 5  # each customer's conversation, from the start, this many times: 8 x 5 x 7 = 280 messages


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def rss_mb(pid: int) -> float:
    total = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            total += int(line.split()[1])
    return total / 1024


def send_ms(client: httpx.Client, webhook: str, sender: str, text: str, metadata: Dict[str, str]) -> float:
    """One message's reply time in ms."""
    started = time.perf_counter()
    response = client.post(webhook, json={"sender": sender, "message": text, "metadata": metadata})
    response.raise_for_status()
    return (time.perf_counter() - started) * 1000


def replies_ms(
    client: httpx.Client, webhook: str, conversations: List[Tuple[str, Dict[str, str]]], turns: List[str]
) -> List[float]:
    """Every turn's reply time, one conversation after another; `conversations` are (sender, metadata)."""
    return [send_ms(client, webhook, sender, text, metadata) for sender, metadata in conversations for text in turns]


def latency_figures(ours: List[float], stock: Optional[List[float]] = None) -> dict:
    """p50 and p95 of the assistant's replies; with the starter bot's, theirs and the ratios."""
    figures = {
        "messages": len(ours),
        "p50_ms": round(statistics.median(ours), 1),
        "p95_ms": round(percentile(ours, 95), 1),
    }
    if stock:
        theirs = {
            "messages": len(stock),
            "p50_ms": round(statistics.median(stock), 1),
            "p95_ms": round(percentile(stock, 95), 1),
        }
        figures["stock"] = theirs
        figures["p50_vs_stock"] = stock_bot.ratio(figures["p50_ms"], theirs["p50_ms"])
        figures["p95_vs_stock"] = stock_bot.ratio(figures["p95_ms"], theirs["p95_ms"])
    return figures


def measure_stock() -> Tuple[List[float], dict]:
    """The starter bot's reply times, measured as the assistant's are: 8 senders x 5 rounds x 7 turns."""
    started = time.monotonic()
    bot = stock_bot.ensure_trained()
    service = stock_bot.stock_service(bot, "stock-rasa", stock_bot.BENCH_PORT)
    print(f"starting Rasa's stock starter bot on port {stock_bot.BENCH_PORT} ...", flush=True)
    start_all([service], timeout=300)
    try:
        webhook = f"http://127.0.0.1:{stock_bot.BENCH_PORT}/webhooks/rest/webhook"
        conversations = [(f"bench-stock-{user}-{round_no}", {}) for round_no in range(ROUNDS) for user in range(8)]
        with httpx.Client(timeout=60) as client:
            send_ms(client, webhook, "warm-up", "hi", {})
            latencies = replies_ms(client, webhook, conversations, stock_bot.TURNS)
        details = {"ready_s": round(service.ready_after, 1), "rasa_rss_mb": round(rss_mb(service.process.pid), 0)}
    finally:
        stop_all([service])
    if bot.trained_s is not None:
        details["trained_s"] = bot.trained_s
    details["seconds"] = round(time.monotonic() - started, 1)  # what the starter bot added to this run
    return latencies, details


def time_training() -> float:
    out = Path(tempfile.mkdtemp())
    started = time.monotonic()
    train(out, "bench", quiet=True)
    elapsed = time.monotonic() - started
    shutil.rmtree(out, ignore_errors=True)
    return elapsed


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_assistant", description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-training", action="store_true", help="skip training a model from scratch (timing)")
    parser.add_argument("--no-stock", action="store_true", help="skip Rasa's stock starter bot and the ratios")
    args = parser.parse_args(argv)
    results = {"machine": machine()}
    print(f"machine: {results['machine']}")
    if not args.no_training:
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
        send_ms(client, webhook, "warm-up", "hi", {"customer_id": "C00001"})
        conversations = [
            (f"bench-{customer}-{round_no}", {"customer_id": customer})
            for round_no in range(ROUNDS)
            for customer in CUSTOMERS
        ]
        latencies = replies_ms(client, webhook, conversations, TURNS)
        results.update(latency_figures(latencies))
        print(
            f"reply latency over {len(latencies)} REST messages, 8 customers, one sender at a time: "
            f"p50 {results['p50_ms']} ms, p95 {results['p95_ms']} ms"
        )

        long_turns = [TURNS[1 + turn % (len(TURNS) - 2)] for turn in range(100)]
        long_latencies = replies_ms(client, webhook, [("bench-long", {"customer_id": "C00001"})], long_turns)
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

    if not args.no_stock:  # after the assistant's servers are stopped: one Rasa at a time on the cores
        stock_latencies, details = measure_stock()
        results.update(latency_figures(latencies, stock_latencies))
        results["stock"].update(details)
        stock = results["stock"]
        print(
            f"Rasa's stock starter bot, the same way ({stock['messages']} messages): p50 {stock['p50_ms']} ms, "
            f"p95 {stock['p95_ms']} ms; {stock['rasa_rss_mb']:.0f} MB; start to ready {stock['ready_s']} s; "
            f"{stock['seconds']} s added to this run"
        )
        print(
            f"the assistant against the stock starter bot: p50 "
            f"{stock_bot.beside(results['p50_ms'], stock['p50_ms'], 'ms')}, "
            f"p95 {stock_bot.beside(results['p95_ms'], stock['p95_ms'], 'ms')}"
        )
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench_assistant.json").write_text(json.dumps(results, indent=2))
    print(f"written to {out.relative_to(ROOT) / 'bench_assistant.json'}")


if __name__ == "__main__":
    main()
