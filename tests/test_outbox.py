"""The feedback outbox: one bad row holds back nothing, retries wait longer, and what keeps
failing (or was refused) is kept where supervisors see it; hand-back retries or rolls back."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from assistant.cx import outbox
from assistant.handoff import request_handoff, take_handoff
from assistant.models import Feedback, FeedbackDeadLetter, FeedbackOutbox, Handoff
from tests.test_feedback import fresh  # noqa: F401  (fixture)

NOW = datetime(2026, 11, 2, 10, 0)
SUPERVISOR = ("sam", "sam-demo")
REP = ("priya", "priya-demo")


def waiting(session, conversation_id, payload) -> FeedbackOutbox:
    row = FeedbackOutbox(
        conversation_id=conversation_id,
        payload=payload if isinstance(payload, str) else json.dumps(payload),
        created_at=NOW - timedelta(minutes=5),
        attempts=1,
    )
    session.add(row)
    session.flush()
    return row


def survey(conversation_id, **answers) -> dict:
    return {"conversation_id": conversation_id, "customer_id": "C00001", "nps": 9, **answers}


def test_a_poison_row_does_not_block_the_next_and_lands_in_the_dead_letters(fresh):  # noqa: F811
    poison = waiting(fresh, "c-poison", "{not json")
    out_of_range = waiting(fresh, "c-range", survey("c-range", nps=42))
    good = waiting(fresh, "c-good", survey("c-good", comment="quick"))
    drained = outbox.drain(fresh, now=NOW)
    assert (drained.delivered, drained.retrying, drained.dead) == (1, 0, 2)
    [stored] = fresh.execute(select(Feedback)).scalars().all()
    assert (stored.conversation_id, stored.nps, stored.comment) == ("c-good", 9, "quick")
    assert good.delivered_at == NOW
    letters = {letter.conversation_id: letter for letter in outbox.dead_letters(fresh)}
    assert set(letters) == {"c-poison", "c-range"}
    assert "not JSON" in letters["c-poison"].last_error and letters["c-poison"].payload == "{not json"
    assert "nps must be a whole number from 0 to 10" in letters["c-range"].last_error
    left = fresh.execute(select(FeedbackOutbox.id)).scalars().all()
    assert poison.id not in left and out_of_range.id not in left and good.id in left


def test_a_row_that_fails_for_now_waits_longer_each_time_then_moves_to_the_dead_letters(fresh, monkeypatch):  # noqa: F811
    row = waiting(fresh, "c-flaky", survey("c-flaky"))
    other = waiting(fresh, "c-other", survey("c-other", nps=3))
    real = outbox.record_feedback

    def failing_for_flaky(session, **answers):
        if answers["conversation_id"] == "c-flaky":
            raise RuntimeError("disk full")
        return real(session, **answers)

    monkeypatch.setattr(outbox, "record_feedback", failing_for_flaky)
    first = outbox.drain(fresh, now=NOW)
    assert (first.delivered, first.retrying) == (1, 1) and other.delivered_at == NOW
    # The failed POST was the first attempt, this the second: 10 s, then 20 s, 40 s, …
    assert row.attempts == 2 and row.next_attempt_at == NOW + 2 * outbox.FIRST_WAIT and "disk full" in row.last_error
    # Not due yet: left alone; due: tried again, and the wait doubles.
    assert outbox.drain(fresh, now=NOW + timedelta(seconds=5)).retrying == 0
    moment = row.next_attempt_at
    outbox.drain(fresh, now=moment)
    assert row.next_attempt_at - moment == 4 * outbox.FIRST_WAIT
    while fresh.get(FeedbackOutbox, row.id) is not None:
        outbox.drain(fresh, now=row.next_attempt_at)
    [letter] = outbox.dead_letters(fresh)
    assert (letter.conversation_id, letter.attempts) == ("c-flaky", outbox.MAX_ATTEMPTS)
    assert outbox.wait_after(30) == outbox.LONGEST_WAIT
    # The cause fixed, a supervisor sends it back and it is recorded once.
    monkeypatch.setattr(outbox, "record_feedback", real)
    sent_back = outbox.send_back(fresh, letter.id)
    assert outbox.drain(fresh, now=NOW + timedelta(days=1)).delivered == 1
    assert sent_back.delivered_at is not None and outbox.dead_letters(fresh) == []
    assert [f.conversation_id for f in fresh.execute(select(Feedback).order_by(Feedback.id)).scalars()] == [
        "c-other",
        "c-flaky",
    ]


def test_different_feedback_already_recorded_is_kept_not_dropped(fresh):  # noqa: F811
    outbox.record_feedback(fresh, **survey("c-twice", nps=2))
    waiting(fresh, "c-twice", survey("c-twice", nps=10))
    assert outbox.drain(fresh, now=NOW).dead == 1
    [letter] = outbox.dead_letters(fresh)
    assert "FeedbackConflict" in letter.last_error and json.loads(letter.payload)["nps"] == 10
    [stored] = fresh.execute(select(Feedback)).scalars().all()
    assert stored.nps == 2


def test_the_drain_loop_logs_an_error_and_goes_on(monkeypatch, caplog):
    import api.main

    calls = []

    def drain_once():
        calls.append(1)
        if len(calls) == 1:
            raise KeyError("not a database error")
        raise asyncio.CancelledError

    monkeypatch.setattr(api.main, "drain_outbox", drain_once)
    with pytest.raises(asyncio.CancelledError):
        asyncio.run(api.main.keep_draining(every=0))
    assert len(calls) == 2 and "could not drain the feedback outbox" in caplog.text


def test_a_survey_the_sidecar_refuses_is_kept_for_supervisors(sidecar_url, session, monkeypatch):
    from actions.survey import ActionSubmitSurvey

    monkeypatch.setenv("SIDECAR_URL", sidecar_url)
    conversation = f"refused-{uuid.uuid4().hex[:8]}"
    before = session.execute(select(FeedbackOutbox.id)).scalars().all()
    asyncio.run(ActionSubmitSurvey().deliver(survey(conversation, customer_id="C99999", comment="hello")))
    session.expire_all()
    [letter] = session.execute(
        select(FeedbackDeadLetter).where(FeedbackDeadLetter.conversation_id == conversation)
    ).scalars()
    assert "404" in letter.last_error and json.loads(letter.payload)["comment"] == "hello"
    assert session.execute(select(FeedbackOutbox.id)).scalars().all() == before  # not retried
    assert session.execute(select(Feedback).where(Feedback.conversation_id == conversation)).first() is None
    # Supervisors see it, reps do not.
    listed = httpx.get(f"{sidecar_url}/api/feedback/dead-letters", auth=SUPERVISOR).json()
    assert any(item["conversation_id"] == conversation and item["answers"]["comment"] == "hello" for item in listed)
    assert httpx.get(f"{sidecar_url}/api/feedback/dead-letters", auth=REP).status_code == 403

    def retry(letter_id):
        return httpx.post(
            f"{sidecar_url}/api/feedback/dead-letters/{letter_id}/retry", auth=SUPERVISOR, headers={"X-Console": "1"}
        )

    assert retry(999999).status_code == 404
    sent = retry(letter.id)
    assert sent.status_code == 200
    # Back in the outbox, once. The sidecar's drain may already be sending it again and, the customer
    # being unknown, be refused again: then it is one dead letter again. Never lost, never doubled.
    deadline = time.monotonic() + 10
    while True:
        session.expire_all()
        queued = session.get(FeedbackOutbox, sent.json()["outbox_id"])
        letters = (
            session.execute(select(FeedbackDeadLetter).where(FeedbackDeadLetter.conversation_id == conversation))
            .scalars()
            .all()
        )
        assert len(letters) <= 1 and not (queued is not None and letters)
        settled = (queued is not None and queued.conversation_id == conversation) or len(letters) == 1
        if settled or time.monotonic() > deadline:
            break
        time.sleep(0.1)  # taken by the drain, between the outbox and its answer
    assert settled
    assert session.execute(select(Feedback).where(Feedback.conversation_id == conversation)).first() is None


@pytest.fixture
def console(database_url):
    from fastapi.testclient import TestClient

    from api.main import app

    with TestClient(app, headers={"X-Console": "1"}) as client:
        yield client


def held_by_priya(session) -> str:
    conversation = f"back-{uuid.uuid4().hex[:8]}"
    request_handoff(session, conversation, "C00002", reason="wants a person")
    take_handoff(session, conversation, "priya")
    session.commit()
    return conversation


def handoff_of(session, conversation):
    session.expire_all()
    return session.execute(select(Handoff.status, Handoff.rep_id).where(Handoff.conversation_id == conversation)).one()


def test_hand_back_to_an_unreachable_assistant_leaves_the_conversation_with_the_rep(console, session, monkeypatch):
    monkeypatch.setenv("RASA_URL", "http://127.0.0.1:1")
    monkeypatch.setattr("api.rasa_client.RETRY_WAITS", (0.01, 0.01))
    conversation = held_by_priya(session)
    for action in ("return", "resolve"):
        down = console.post(f"/api/conversations/{conversation}/{action}", auth=REP)
        assert down.status_code == 503 and "still with you" in down.json()["detail"]
        assert tuple(handoff_of(session, conversation)) == ("with_rep", "priya")


def test_hand_back_tries_again_when_the_first_push_does_not_reach_the_assistant(console, session, monkeypatch):
    import api.conversations

    conversation = held_by_priya(session)
    pushed = []

    def flaky_push(conversation_id, events):
        pushed.append(conversation_id)
        if len(pushed) == 1:
            raise httpx.ConnectError("connection refused")

    monkeypatch.setattr(api.conversations, "push_events", flaky_push)
    monkeypatch.setattr("api.rasa_client.RETRY_WAITS", (0.01, 0.01))
    back = console.post(f"/api/conversations/{conversation}/return", auth=REP)
    assert back.status_code == 200 and back.json()["handoffs_closed"] == 1
    assert pushed == [conversation, conversation]
    assert tuple(handoff_of(session, conversation)) == ("returned", "priya")
