"""Retention and erasure: old transcripts go, a closed account is erased after its notice
period, and the anonymous scores stay. Transcripts are written by Rasa's own tracker store."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import func, select, text
from sqlalchemy.orm import sessionmaker

from assistant import cli, db
from assistant.business import load_policies
from assistant.cx.feedback import record_feedback, scores
from assistant.demo_data import prepare_database
from assistant.models import Customer, Feedback, Order, Ticket
from assistant.retention import close_account
from assistant.tickets import open_ticket
from connectors.retention import apply_retention
from connectors.transcripts import EVENTS, conversation_customers, transcript

TODAY = date(2026, 11, 2)
DAY = 24 * 3600


@pytest.fixture
def store(tmp_path, monkeypatch):
    path = tmp_path / "retention.db"
    engine = db.make_engine(f"sqlite:///{path}")
    prepare_database(engine, customers=10, today=TODAY)
    tracker_store = SQLTrackerStore(domain=Domain.empty(), dialect="sqlite", db=str(path))
    with sessionmaker(engine, future=True)() as session:
        yield session, tracker_store
    engine.dispose()


def chat(tracker_store, sender: str, customer_id: str, said: str, at: float) -> None:
    events = [
        UserUttered(said, timestamp=at),
        SlotSet("customer_id", customer_id, timestamp=at),
        BotUttered(f"Hello, {said}", timestamp=at + 1),
    ]
    asyncio.run(tracker_store.save(DialogueStateTracker.from_events(sender, events)))


def senders(session) -> set:
    return set(session.execute(select(EVENTS.c.sender_id).distinct()).scalars())


def test_a_closed_account_is_erased_after_its_notice_period_and_its_scores_stay(store):
    session, tracker_store = store
    now = datetime(2026, 11, 2, 12).timestamp()
    gone, kept, closing = session.get(Customer, "C00003"), session.get(Customer, "C00004"), "C00005"
    kept_fields = (kept.first_name, kept.email, kept.address)
    chat(tracker_store, "web-1", "C00003", "my email is jo@example.com", now - 50 * DAY)
    chat(tracker_store, "C00003:web-2", "C00003", "close my account please", now - 45 * DAY)
    chat(tracker_store, "web-3", "C00004", "where is my order", now - DAY)
    chat(tracker_store, "web-4", closing, "close my account", now - 12 * DAY)
    record_feedback(session, conversation_id="web-1", customer_id="C00003", nps=3, comment="I'm Jo, call me")
    record_feedback(session, conversation_id="web-3", customer_id="C00004", nps=10, comment="great")
    open_ticket(session, "C00003", "account_closure", "Close the account", details="Customer said: I'm Jo")
    [before] = scores(session)
    close_account(session, "C00003", TODAY - timedelta(days=40))
    close_account(session, closing, TODAY - timedelta(days=10))  # still inside the 30 days
    session.commit()

    done = apply_retention(session, load_policies(), TODAY)
    session.commit()
    assert (done.customers_erased, done.conversations_expired) == (1, 0)
    session.expire_all()
    assert senders(session) == {"web-3", "web-4"}  # both of C00003's conversations, and nothing else
    assert transcript(session, "web-1") == [] and conversation_customers(session, ["web-3"]) == {"web-3": "C00004"}
    assert (gone.first_name, gone.last_name, gone.email, gone.phone, gone.postcode, gone.address) == (
        "Erased", "", None, "", "", ""
    )  # fmt: skip
    assert gone.erased_on == TODAY and gone.region  # the region stays, for regional figures
    assert {
        o.shipping_address for o in session.execute(select(Order).where(Order.customer_id == "C00003")).scalars()
    } <= {""}
    assert {t.details for t in session.execute(select(Ticket).where(Ticket.customer_id == "C00003")).scalars()} == {""}
    erased_feedback = session.execute(select(Feedback).where(Feedback.customer_id == "C00003")).scalar_one()
    assert (erased_feedback.nps, erased_feedback.comment) == (3, "")
    [after] = scores(session)
    assert after.nps.n == before.nps.n and after.nps.score == before.nps.score  # the scores are untouched
    assert (kept.first_name, kept.email, kept.address) == kept_fields
    assert session.get(Customer, closing).erased_on is None and session.get(Customer, closing).email
    # Again: nothing more to do.
    assert apply_retention(session, load_policies(), TODAY).customers_erased == 0
    # The other closed account's notice ends: its turn.
    later = apply_retention(session, load_policies(), TODAY + timedelta(days=21))
    assert later.customers_erased == 1 and senders(session) == {"web-3"}


def test_a_transcript_is_deleted_after_the_retention_period(store):
    session, tracker_store = store
    policies = replace(load_policies(), conversation_retention_days=90)
    now = datetime(2026, 11, 2, 12).timestamp()
    chat(tracker_store, "old", "C00001", "hello from long ago", now - 100 * DAY)
    chat(tracker_store, "recent", "C00001", "hello", now - 80 * DAY)
    done = apply_retention(session, policies, TODAY)
    assert done.conversations_expired == 1 and done.events_deleted == 3
    assert senders(session) == {"recent"}
    assert session.execute(select(func.count()).select_from(Customer)).scalar_one() == 10  # records untouched


def test_close_account_from_the_command_line(store, monkeypatch, capsys):
    session, _ = store
    monkeypatch.setattr(db, "_engine", db._engine)  # the run's own engine comes back after this test
    monkeypatch.setattr(db, "_sessionmaker", db._sessionmaker)
    db.use_engine(session.get_bind())
    assert cli.main(["close-account", "C00002"]) == 0
    assert "erased from" in capsys.readouterr().out
    session.expire_all()
    assert session.get(Customer, "C00002").closed_on is not None
    assert cli.main(["close-account", "C99999"]) == 2
    assert "no customer 'C99999'" in capsys.readouterr().err


def test_the_console_poll_reads_through_its_index(store):
    from connectors.transcripts import POLL_INDEX, ensure_indexes, live_conversations

    session, tracker_store = store
    chat(tracker_store, "live", "C00001", "hi", time.time())
    ensure_indexes(session.get_bind())
    plan = " ".join(
        str(row[-1])
        for row in session.execute(
            text(
                "EXPLAIN QUERY PLAN SELECT sender_id, max(timestamp) FROM events "
                "WHERE type_name = 'user' AND timestamp >= :since GROUP BY sender_id"
            ),
            {"since": time.time() - 60},
        )
    )
    assert POLL_INDEX in plan
    assert [c["conversation_id"] for c in live_conversations(session, time.time() - 60)] == ["live"]
