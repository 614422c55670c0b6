"""`make bench-conversations`: the project's multi-turn conversation set, by kind of turn.

Replays benchmarks/conversations.yml (or the set given with `--set PATH`)
over the REST channel against the real Rasa server, action server and a
fresh demo database, and prints, per kind of turn (follow-up, correction, a
question inside a form, two requests in one message, typed answers, a
question about an offer, repair, out of scope), the turns right out of all,
with the reply latency, then each turn missed: what was said, the reply and
its buttons. Figures, not pass/fail.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path

import httpx
import yaml

from assistant import clock, db
from assistant.demo_data import prepare_database
from benchmarks import machine
from scripts.model import ROOT, train_if_changed
from scripts.services import build_services, start_all, stop_all

PORTS = {"rasa_port": 5305, "actions_port": 5355, "api_port": 8300}
SET = Path(__file__).parent / "conversations.yml"
RESULTS = Path(__file__).parent / "results"


def turn_right(turn: dict, reply: str, titles: list | None = None) -> bool:
    """All of `expect`, one of `expect_any`, none of `avoid` in the reply; one of
    `buttons_any` in a button's title and none of `buttons_avoid`."""
    titles = titles or []
    if any(expected not in reply for expected in turn.get("expect", [])):
        return False
    if turn.get("expect_any") and not any(expected in reply for expected in turn["expect_any"]):
        return False
    if turn.get("buttons_any") and not any(e in title for e in turn["buttons_any"] for title in titles):
        return False
    if any(avoided in title for avoided in turn.get("buttons_avoid", []) for title in titles):
        return False
    return not any(avoided in reply for avoided in turn.get("avoid", []))


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=SET, help="the conversation set (default: %(default)s)")
    parser.add_argument(
        "--transcript",
        type=Path,
        default=None,
        help="also write every turn, said and answered, to this file (for reading misses in context)",
    )
    args = parser.parse_args()
    chosen = args.set
    conversations = yaml.safe_load(chosen.read_text())
    model = train_if_changed()
    workdir = Path(tempfile.mkdtemp())
    url = f"sqlite:///{workdir / 'conversations.db'}"
    prepare_database(db.make_engine(url), customers=120, seed=7, today=clock.today())
    services = build_services(model=model, extra_env={"DATABASE_URL": url}, **PORTS)
    start_all(services, timeout=300)
    right, total, latencies, misses, lines = defaultdict(int), defaultdict(int), [], [], []
    try:
        client = httpx.Client(timeout=60)
        webhook = f"http://127.0.0.1:{PORTS['rasa_port']}/webhooks/rest/webhook"
        for conversation in conversations:
            sender = f"bench-{uuid.uuid4().hex[:10]}"
            lines.append(f"\n== {conversation['kind']} {conversation['customer']}")
            for turn in conversation["turns"]:
                body = {"sender": sender, "message": turn["say"], "metadata": {"customer_id": conversation["customer"]}}
                started = time.perf_counter()
                response = client.post(webhook, json=body)
                latencies.append((time.perf_counter() - started) * 1000)
                messages = response.json() if response.status_code == 200 else []
                reply = " ".join(m.get("text", "") for m in messages)
                titles = [b["title"] for m in messages for b in m.get("buttons") or []]
                kind = conversation["kind"]
                total[kind] += 1
                good = turn_right(turn, reply, titles)
                lines.append(
                    f"{'  ' if good else 'XX'} > {turn['say']}\n     < {reply}" + (f" {titles}" if titles else "")
                )
                if good:
                    right[kind] += 1
                else:
                    misses.append(
                        {
                            "kind": kind,
                            "customer": conversation["customer"],
                            "said": turn["say"],
                            "reply": reply,
                            "buttons": titles,
                        }
                    )
    finally:
        stop_all(services)
    if args.transcript:
        args.transcript.write_text("\n".join(lines) + "\n")
    all_right, all_total = sum(right.values()), sum(total.values())
    print(f"machine: {machine()}")
    print(f"{'kind of turn':<16} right / total")
    for kind in sorted(total):
        print(f"{kind:<16} {right[kind]:>3} / {total[kind]:<3} ({right[kind] / total[kind]:.0%})")
    print(f"{'all':<16} {all_right:>3} / {all_total:<3} ({all_right / all_total:.0%})")
    print(f"reply latency: p50 {statistics.median(latencies):.1f} ms, p95 {percentile(latencies, 95):.1f} ms")
    print(f"set: {chosen}, {len(conversations)} conversations; {len(misses)} turns missed:")
    for miss in misses:
        print(f"  missed [{miss['kind']}] {miss['customer']} {miss['said']!r}")
        print(f"      -> {miss['reply']!r}")
        if miss["buttons"]:
            print(f"      buttons: {miss['buttons']}")
    results = RESULTS / f"{chosen.stem}.json"
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(
        json.dumps(
            {
                "machine": machine(),
                "by_kind": {k: {"right": right[k], "total": total[k]} for k in sorted(total)},
                "right": all_right,
                "total": all_total,
                "p50_ms": round(statistics.median(latencies), 1),
                "p95_ms": round(percentile(latencies, 95), 1),
                "misses": misses,
            },
            indent=2,
        )
    )
    print(f"written {results.resolve().relative_to(ROOT)}")


if __name__ == "__main__":
    main()
