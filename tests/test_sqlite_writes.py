"""The sidecar's workers queue their SQLite writes on one lock (api/deps.py)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy.orm import Session

from api.deps import sqlite_write_lock
from assistant.db import make_engine

ROOT = Path(__file__).resolve().parents[1]

OTHER_WORKER = """
import sys, time
from sqlalchemy.orm import Session
from api.deps import sqlite_write_lock
from assistant.db import make_engine
with Session(make_engine(sys.argv[1])) as session:
    print("waiting", flush=True)
    with sqlite_write_lock(session):
        print(f"got {time.time():.3f}", flush=True)
"""


def test_a_second_process_waits_for_the_first_ones_write_and_gets_it_when_released(tmp_path):
    url = f"sqlite:///{tmp_path / 'writes.db'}"
    with Session(make_engine(url)) as session:
        with sqlite_write_lock(session):
            other = subprocess.Popen(
                [sys.executable, "-c", OTHER_WORKER, url], cwd=ROOT, stdout=subprocess.PIPE, text=True
            )
            assert other.stdout.readline().strip() == "waiting"
            time.sleep(1.0)
            released = time.time()
        out, _ = other.communicate(timeout=60)
    assert other.returncode == 0
    got = float(out.split()[-1])
    assert got >= released - 0.05, "the other process wrote while this one held the lock"
    assert got - released < 1.0, "the other process was not woken when the lock was freed"
    assert (tmp_path / "writes.db-writers.lock").exists()


def test_a_database_in_memory_needs_no_lock_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with Session(make_engine("sqlite://")) as session:
        with sqlite_write_lock(session):
            pass
    assert not list(tmp_path.iterdir())
