"""Rasa's stock starter bot (`rasa init`): the reference `make bench` and `make load` measure beside the assistant.

Milliseconds and messages a second move with the machine (the same code
measured 2x apart on two CPUs of the same size here); the assistant's figures
as ratios to the starter bot's, measured with the same Rasa in the same run,
move much less (issue 19).

The bot is made by the installed Rasa (`rasa init --no-prompt`, which also
trains it; its default pipeline needs no download) and kept, trained, in
var/stock-bot/rasa-<version>/: made once, and again only for another Rasa
version. It needs no action server (its actions.py is all comments, its
endpoints.yml names none, its domain declares no custom action); that is
checked when it is made.

Ports, clear of the project's (5005/5055/8000), the tests' (5105/5155/8100,
moved by TEST_PORT_OFFSET) and the other benchmarks' (52xx-54xx, 8180-8481):
5505 for `make bench`; 5510 and up, behind nginx on 8580, for `make load`.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

import yaml

from scripts.cluster import SINGLE_THREADED, Ports, nginx_config, nginx_service
from scripts.model import ROOT, rasa_bin, rasa_env, rasa_version
from scripts.services import LOGS, LOOPBACK, Service

STOCK_ROOT = ROOT / "var" / "stock-bot"
MODEL_NAME = "stock.tar.gz"
BENCH_PORT = 5505
# Only the public port and the Rasa replicas listen; nginx_config's other upstreams are never called.
LOAD_PORTS = Ports(public=8580, rasa=5510, actions=5560, sidecar=8510)
# The bot runs as in a project of its own: nothing of ours on its import path.
OWN_PATH = {"PYTHONPATH": ""}

# What the starter bot's users say (its own intents, in the order of its
# stories): one sender's conversation in `make bench`, 7 turns like the
# assistant's.
TURNS = ["hi", "I am sad", "yes", "are you a bot?", "hello there", "I am great", "bye"]
# `make load`'s conversations, as long as the assistant's (6, 6, 5, 5 turns),
# no message twice in one, so the tracker check can tell a doubled message.
SCRIPTS = [
    ["hi", "I am sad", "yes", "are you a bot?", "great", "bye"],
    ["hello", "my day was horrible", "no", "hey there", "I am feeling very good", "goodbye"],
    ["hey", "am I talking to a bot?", "I'm so sad", "of course", "see you later"],
    ["good morning", "I am great", "are you a human?", "not really", "bye bye"],
]

# Two processes need one place for conversations, as the assistant's replicas
# have: see `load_cluster`.
SHARED_TRACKER_ENDPOINTS = """\
# Written by benchmarks/stock_bot.py: the starter bot's endpoints.yml (which
# names nothing) with Rasa's own SQL tracker store, so two processes serve
# the same conversations.
tracker_store:
  type: SQL
  url: ${STOCK_TRACKER_STORE_URL}
"""


@dataclass
class StockBot:
    directory: Path  # the `rasa init` project
    model: Path
    trained_s: Optional[float] = None  # set when this run made and trained it


def cache_key(rasa: str) -> str:
    """The folder of one Rasa version's starter bot: another version makes and trains its own."""
    return "rasa-" + re.sub(r"[^A-Za-z0-9._-]", "_", rasa)


def cache_dir(rasa: Optional[str] = None, root: Path = STOCK_ROOT) -> Path:
    return root / cache_key(rasa or rasa_version())


def needs_action_server(project: Path) -> List[str]:
    """Why a `rasa init` project would need an action server; empty for the stock one."""
    reasons = []
    endpoints = yaml.safe_load((project / "endpoints.yml").read_text(encoding="utf-8")) or {}
    if endpoints.get("action_endpoint"):
        reasons.append("endpoints.yml names an action server")
    domain = yaml.safe_load((project / "domain.yml").read_text(encoding="utf-8")) or {}
    if domain.get("actions") or domain.get("forms"):
        reasons.append("domain.yml declares actions or forms")
    for file in sorted((project / "actions").glob("*.py")):
        code = [line for line in file.read_text(encoding="utf-8").splitlines() if line.split("#", 1)[0].strip()]
        if code:
            reasons.append(f"actions/{file.name} holds code")
    return reasons


def ensure_trained(root: Path = STOCK_ROOT) -> StockBot:
    """The starter bot of the installed Rasa, made and trained now if this version has none yet."""
    target = cache_dir(root=root)
    if (target / "models" / MODEL_NAME).exists():
        return StockBot(target, target / "models" / MODEL_NAME)
    # Made aside and moved into place at the end: an interrupted run leaves no half-made bot behind.
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    LOGS.mkdir(parents=True, exist_ok=True)
    log_path = LOGS / "stock-bot-init.log"
    print(f"making Rasa's starter bot (rasa init, Rasa {rasa_version()}) and training it, once ...", flush=True)
    started = time.monotonic()
    with open(log_path, "wb") as log:
        done = subprocess.run(
            [rasa_bin(), "init", "--no-prompt", "--init-dir", str(partial)],
            cwd=partial,
            env={**rasa_env(), **OWN_PATH},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    if done.returncode:
        raise RuntimeError(f"rasa init failed (exit {done.returncode}); see {log_path}")
    reasons = needs_action_server(partial)
    if reasons:
        raise RuntimeError("this Rasa's starter bot needs an action server: " + "; ".join(reasons))
    trained = sorted((partial / "models").glob("*.tar.gz"))
    if len(trained) != 1:
        raise RuntimeError(f"rasa init left {len(trained)} models in {partial / 'models'}; see {log_path}")
    trained[0].rename(partial / "models" / MODEL_NAME)
    shutil.rmtree(partial / ".rasa", ignore_errors=True)  # training's cache (34 MB): never trained again
    partial.rename(target)
    elapsed = time.monotonic() - started
    for old in root.glob("rasa-*"):
        if old != target and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
    print(f"starter bot trained in {elapsed:.0f} s: {target.relative_to(ROOT)}", flush=True)
    return StockBot(target, target / "models" / MODEL_NAME, trained_s=round(elapsed, 1))


def stock_service(
    bot: StockBot, name: str, port: int, endpoints: Optional[Path] = None, env: Optional[Dict[str, str]] = None
) -> Service:
    """`rasa run` in the bot's own project: its credentials.yml (the REST channel), no API, no actions."""
    command = [
        rasa_bin(), "run", "--model", str(bot.model), "--interface", LOOPBACK, "--port", str(port),
        "--credentials", "credentials.yml", "--endpoints", str(endpoints or "endpoints.yml"),
    ]  # fmt: skip
    # "/" answers once the model is loaded (Rasa loads it before the server starts serving).
    return Service(name, command, f"http://127.0.0.1:{port}/", env={**(env or {}), **OWN_PATH}, cwd=bot.directory)


def load_cluster(
    bot: StockBot, tracker_store_url: str, directory: Path, replicas: int = 2, ports: Ports = LOAD_PORTS
) -> List[Service]:
    """`replicas` starter-bot processes behind the assistant's own nginx configuration.

    The processes share Rasa's stock SQL tracker store, on the assistant's
    PostgreSQL server (a database of its own), and nginx sends each message
    to the least busy one (`least_conn`), exactly as for the assistant's
    replicas, so the ratio compares like with like. Sender-sticky balancing
    over each process's in-memory store would keep conversations whole too,
    but 8 conversations hashed onto 2 processes split unevenly 73% of the
    time (6/2 or worse 29%), which would move the reference from run to run.
    Locks stay in each process's memory: a customer sends the next message
    only once the last is answered, so no two processes hold one
    conversation at once. Both processes create the store's table at start;
    the one that loses that race logs a warning and tries again 5 s later,
    as Rasa means it to.
    """
    (directory / "tmp").mkdir(parents=True, exist_ok=True)
    config = directory / "nginx.conf"
    config.write_text(nginx_config(ports, replicas, 1, directory))
    endpoints = directory / "endpoints.yml"
    endpoints.write_text(SHARED_TRACKER_ENDPOINTS)
    # One TensorFlow thread per pool, as the assistant's replicas run (scripts/cluster.py).
    env = {**SINGLE_THREADED, "STOCK_TRACKER_STORE_URL": tracker_store_url}
    services = [stock_service(bot, f"stock-rasa-{i + 1}", ports.rasa + i, endpoints, env) for i in range(replicas)]
    services.append(nginx_service(config, directory, ports, name="nginx-stock"))  # "nginx" in the CPU line
    return services


# --- the assistant's figures beside the starter bot's ----------------------------


def ratio(ours: Optional[float], stock: Optional[float]) -> Optional[float]:
    """ours / stock to two places; None when either is missing or the stock figure is not positive."""
    if ours is None or stock is None or math.isnan(ours) or math.isnan(stock) or stock <= 0:
        return None
    return round(ours / stock, 2)


def beside(ours: float, stock: Optional[float], unit: str, digits: int = 1) -> str:
    """'34.4 ms (0.64x stock 54.0 ms)': the assistant's figure with its ratio to the starter bot's."""
    shown = f"{ours:.{digits}f} {unit}"
    factor = ratio(ours, stock)
    if factor is None:
        return f"{shown} (stock not measured)"
    return f"{shown} ({factor:.2f}x stock {stock:.{digits}f} {unit})"
