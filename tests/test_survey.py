"""The post-chat survey, end to end: asked at goodbye, skippable, stored once."""

from __future__ import annotations

import time
import uuid

import pytest
from sqlalchemy import select

from actions.survey import SKIPPED, parse_score
from assistant.cx import outbox
from assistant.models import Feedback, FeedbackOutbox, FollowUp


def new_sender() -> str:
    return f"survey-{uuid.uuid4().hex[:10]}"


@pytest.mark.parametrize(
    "slot, text, expected",
    [("survey_nps", "9", 9), ("survey_nps", " 10 ", 10), ("survey_nps", "7/10", 7), ("survey_nps", "0", 0),
     ("survey_nps", "nine out of ten", 9), ("survey_nps", "a solid 8", 8), ("survey_nps", "10!", 10),
     ("survey_nps", "11", None), ("survey_csat", "0", None), ("survey_nps", "skip", SKIPPED),
     ("survey_nps", "4 out of 5", None), ("survey_csat", "pretty good", 4), ("survey_csat", "not great", 2),
     ("survey_csat", "excellent", 5), ("survey_ces", "very easy", 1), ("survey_ces", "not easy", 5),
     ("survey_nps", "great service", None), ("survey_nps", None, None), ("survey_nps", "maybe later", None),
     ("survey_nps", "i never signed up for cloud backup, take it off", None),
     # everyday words around a score: still the score; words that are not one are still no answer
     ("survey_nps", "prob a 9", 9), ("survey_nps", "defo a 10 tbh", 10), ("survey_nps", "i reckon 7 mate", 7),
     ("survey_ces", "dead easy tbh", 1), ("survey_csat", "very good thanks", 5), ("survey_ces", "skip", SKIPPED),
     ("survey_nps", "i have 2 orders", None), ("survey_nps", "ok thanks", None), ("survey_nps", "its 9 i think", 9)],
)  # fmt: skip
def test_scores_in_digits_or_words_skips_and_what_is_not_an_answer(slot, text, expected):
    assert parse_score(text, slot) == expected


def feedback_for(session, sender):
    session.expire_all()
    return session.execute(select(Feedback).where(Feedback.conversation_id == sender)).scalars().all()


def test_goodbye_asks_the_survey_and_stores_it_as_written(chat, session):
    sender = new_sender()
    chat.text(sender, "why is my bill higher?", "C00001")
    ask = chat.say(sender, "bye", "C00001")
    assert any(b["payload"] == "10" for m in ask for b in m.get("buttons", []))
    assert "satisfied" in chat.text(sender, "3", "C00001")
    assert "easy" in chat.text(sender, "2", "C00001")
    assert "own words" in chat.text(sender, "6", "C00001")
    comment = "<script>alert(1)</script> it took far too long"
    thanks = chat.text(sender, comment, "C00001")
    assert "sorry" in thanks.lower()
    [stored] = feedback_for(session, sender)
    assert (stored.nps, stored.csat, stored.ces, stored.comment) == (3, 2, 6, comment)
    assert stored.customer_id == "C00001" and stored.topic == "explain_bill" and stored.channel == "rest"
    followup = session.execute(select(FollowUp).where(FollowUp.feedback_id == stored.id)).scalar_one()
    assert followup.status == "open"
    assert "Thanks for chatting" in chat.text(sender, "bye", "C00001")  # asked once per conversation


def test_every_question_can_be_skipped(chat, session):
    sender = new_sender()
    chat.text(sender, "goodbye", "C00002")
    for _ in range(3):
        chat.text(sender, "skip", "C00002")
    assert "Thank you" in chat.text(sender, "skip", "C00002")
    assert feedback_for(session, sender) == []


def test_sidecar_down_feedback_waits_in_the_outbox_and_arrives_once(chat, session, stack):
    sidecar = stack["sidecar"]
    sender = new_sender()
    sidecar.stop()
    try:
        chat.text(sender, "bye", "C00003")
        chat.text(sender, "9", "C00003")
        chat.text(sender, "skip", "C00003")
        chat.text(sender, "skip", "C00003")
        assert "Thank you" in chat.text(sender, "quick and friendly", "C00003")
        assert feedback_for(session, sender) == []
        session.expire_all()
        waiting = session.execute(select(FeedbackOutbox).where(FeedbackOutbox.conversation_id == sender)).scalar_one()
        assert waiting.delivered_at is None
    finally:
        sidecar.start()
        sidecar.wait_ready(60)
    deadline = time.monotonic() + 20
    while not feedback_for(session, sender) and time.monotonic() < deadline:
        time.sleep(0.5)
    [stored] = feedback_for(session, sender)
    assert stored.nps == 9 and stored.comment == "quick and friendly"
    assert outbox.drain(session).dead == 0
    assert len(feedback_for(session, sender)) == 1


def test_nothing_else_after_thanks_also_ends_with_the_survey(chat):
    sender = new_sender()
    chat.text(sender, "where is my order", "C00001")
    assert "anything else" in chat.text(sender, "thanks!", "C00001")
    assert "recommend" in chat.text(sender, "no, that's all", "C00001")


def test_rep_resolving_a_hand_off_resumes_the_assistant_and_asks_the_survey(chat, session, sidecar_url):
    import httpx

    sender = new_sender()
    chat.text(sender, "I need to speak to a person", "C00004")
    assert chat.say(sender, "hello?", "C00004") == []  # with a rep: the assistant is silent
    resolved = httpx.post(
        f"{sidecar_url}/api/conversations/{sender}/resolve",
        auth=("priya", "priya-demo"),
        headers={"X-Console": "1"},
        timeout=30,
    )
    assert resolved.status_code == 200, resolved.text
    body = resolved.json()
    assert body["handoffs_closed"] == 1 and any("recommend" in m.get("text", "") for m in body["messages"]), body
    chat.text(sender, "8", "C00004")
    chat.text(sender, "skip", "C00004")
    chat.text(sender, "skip", "C00004")
    chat.text(sender, "Priya fixed it", "C00004")
    [stored] = feedback_for(session, sender)
    assert (stored.nps, stored.rep_id) == (8, "priya")


def test_resolve_needs_a_rep_and_says_when_the_assistant_is_unreachable(database_url, monkeypatch):
    from fastapi.testclient import TestClient

    from api.main import app

    monkeypatch.setenv("RASA_URL", "http://127.0.0.1:1")
    with TestClient(app, headers={"X-Console": "1"}) as client:
        assert client.post("/api/conversations/x/resolve").status_code == 401
        # A rep acts only on a conversation waiting for a person or held by them; a supervisor on any.
        assert client.post("/api/conversations/x/resolve", auth=("priya", "priya-demo")).status_code == 403
        down = client.post("/api/conversations/x/resolve", auth=("sam", "sam-demo"))
        assert down.status_code == 503 and "could not be reached" in down.json()["detail"]


def test_a_question_typed_for_a_score_is_answered_and_the_survey_asks_again(chat, session):
    sender = new_sender()
    chat.text(sender, "why is my bill higher?", "C00001")
    chat.say(sender, "bye", "C00001")
    assert "satisfied" in chat.text(sender, "nine out of ten", "C00001")
    text = chat.text(sender, "why is my bill so high, I never signed up for device protection", "C00001")
    assert "£" in text  # the bill question is answered
    assert "Back to the survey" in text and "satisfied" in text  # then the question it interrupted, again
    assert feedback_for(session, sender) == []  # nothing stored mid-survey, the question not taken as a score
    assert "leave the survey" in chat.text(sender, "stop", "C00001")
    [stored] = feedback_for(session, sender)
    assert (stored.nps, stored.csat, stored.ces, stored.comment or "") == (9, None, None, "")
    assert "ORD-100001" in chat.text(sender, "where is my order?", "C00001")  # and the chat goes on


def test_a_question_inside_the_survey_keeps_the_scores_on_either_side(chat, session):
    sender = new_sender()
    chat.text(sender, "is my ticket still open?", "C00003")
    chat.say(sender, "that's all, bye", "C00003")
    assert "satisfied" in chat.text(sender, "skip", "C00003")
    text = chat.text(sender, "wait, when did my phone get delivered", "C00003")
    assert "ORD-100004" in text and "Back to the survey" in text and "satisfied" in text
    assert "easy" in chat.text(sender, "4", "C00003")
    assert "ORD-100004" not in chat.text(sender, "2", "C00003")
    assert "Thank you" in chat.text(sender, "skip", "C00003")
    [stored] = feedback_for(session, sender)
    assert (stored.nps, stored.csat, stored.ces, stored.comment or "") == (None, 4, 2, "")


def test_a_new_request_typed_for_a_score_ends_the_survey_and_is_handled(chat, session):
    sender = new_sender()
    chat.text(sender, "why is my bill higher?", "C00001")
    chat.say(sender, "bye", "C00001")
    assert "satisfied" in chat.text(sender, "nine out of ten", "C00001")
    text = chat.text(sender, "I want to cancel my broadband", "C00001")
    assert "leave the survey" in text and "why you're leaving" in text
    [stored] = feedback_for(session, sender)
    assert (stored.nps, stored.csat, stored.ces) == (9, None, None)  # the request is not a score or a skip


def test_typed_words_are_scores_on_their_scale(chat, session):
    sender = new_sender()
    chat.say(sender, "bye", "C00002")
    chat.text(sender, "8/10", "C00002")
    chat.text(sender, "pretty good", "C00002")
    chat.text(sender, "very easy", "C00002")
    chat.text(sender, "skip", "C00002")
    [stored] = feedback_for(session, sender)
    assert (stored.nps, stored.csat, stored.ces, stored.comment or "") == (8, 4, 1, "")


def test_scores_typed_in_everyday_words_are_kept_not_taken_as_leaving(chat, session):
    """ "prob a 9", "pretty good", "dead easy tbh", "skip": four answers, one stored row; before, the first
    ended the survey and the rest went to the fallback."""
    sender = new_sender()
    chat.text(sender, "is my refund for the tv sorted", "C00004")
    assert "recommend" in chat.text(sender, "right, bye then", "C00004")
    assert "satisfied" in chat.text(sender, "prob a 9", "C00004")
    assert "easy" in chat.text(sender, "pretty good", "C00004")
    assert "in your own words" in chat.text(sender, "dead easy tbh", "C00004")
    assert "Thank you" in chat.text(sender, "skip", "C00004")
    [stored] = feedback_for(session, sender)
    assert (stored.nps, stored.csat, stored.ces, stored.comment or "") == (9, 4, 1, "")
