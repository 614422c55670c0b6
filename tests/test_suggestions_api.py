"""The suggestions API for the rep console, suggestion use, and the offer report."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from assistant import clock
from assistant.models import Feedback, OfferEvent, RepSuggestion, Subscription
from assistant.offers.engine import Offer
from assistant.offers.log import record_offer_shown
from assistant.offers.profile import load_profile

REP = ("priya", "priya-demo")
OTHER_REP = ("marcus", "marcus-demo")
SUPERVISOR = ("sam", "sam-demo")


@pytest.fixture(scope="module")
def api(database_url):
    from fastapi.testclient import TestClient

    from api.main import app

    with TestClient(app, headers={"X-Console": "1"}) as client:  # as the pages send it
        yield client


def test_customer_suggestions_have_questions_offers_and_reasons(api, session):
    response = api.get("/api/customers/C00001/suggestions", auth=REP)
    assert response.status_code == 200, response.text
    body = response.json()
    assert len(body["questions"]) == 3
    assert any("ORD-100001" in q["text"] for q in body["questions"])
    assert body["offers"]
    # Other tests may have opened a ticket for Jane since, or stored a low score
    # for her (the API's property-based run); either holds offers back, and says so.
    profile = load_profile(session, "C00001")
    unresolved = profile.unresolved_tickets()
    detractor = [at for score, at in profile.nps_scores if score <= 6 and clock.now() - at <= timedelta(days=90)]
    if unresolved:
        assert unresolved[0].number in body["offers_held_back"]["message"]
    elif detractor:
        assert body["offers_held_back"]["rule"] == "recent_detractor"
    else:
        assert body["offers_held_back"] is None
    held = {n["code"] for n in body["not_offered"]}
    assert {"online_security", "device_protection"} <= held  # Jane already has both
    top = body["offers"][0]
    assert top["reason"] and 0 <= top["score"] <= 1 and top["monthly_price_cents"] > 0
    # Every suggestion shown is logged with the id returned.
    ids = [q["suggestion_id"] for q in body["questions"]] + [o["suggestion_id"] for o in body["offers"]]
    rows = session.execute(select(RepSuggestion).where(RepSuggestion.id.in_(ids))).scalars().all()
    assert len(rows) == len(ids) and all(r.rep_id == "priya" and r.use == "unused" for r in rows)
    assert {r.text for r in rows if r.kind == "offer"} == {o["reason"] for o in body["offers"]}


def test_open_ticket_holds_offers_back_and_says_why(api, session):
    body = api.get("/api/customers/C00003/suggestions", auth=REP).json()  # Aisha has an open ticket
    assert body["offers_held_back"]["rule"] == "unresolved_ticket"
    newest_open = load_profile(session, "C00003").unresolved_tickets()[0].number  # TKT-100001 or a newer one
    assert newest_open in body["offers_held_back"]["message"]


def test_unknown_customer_or_conversation_is_a_clear_404(api):
    response = api.get("/api/customers/C99999/suggestions", auth=REP)
    assert response.status_code == 404 and "C99999" in response.json()["detail"]
    response = api.get("/api/conversations/nobody-here/suggestions", auth=REP)
    assert response.status_code == 404 and "nobody-here" in response.json()["detail"]


def test_suggestions_need_a_signed_in_rep(api):
    assert api.get("/api/customers/C00001/suggestions").status_code == 401


def test_rep_records_using_a_suggestion_as_is_edited_or_not(api):
    body = api.get("/api/customers/C00002/suggestions", auth=REP).json()
    first, second, third = (q["suggestion_id"] for q in body["questions"])
    used = api.post(f"/api/suggestions/{first}/use", json={"use": "as_is"}, auth=REP).json()
    assert used["use"] == "as_is" and used["used_text"] == body["questions"][0]["text"]
    edited = api.post(f"/api/suggestions/{second}/use", json={"use": "edited", "text": "How's the router?"}, auth=REP)
    assert edited.json()["used_text"] == "How's the router?"
    empty = api.post(f"/api/suggestions/{third}/use", json={"use": "edited", "text": "  "}, auth=REP)
    assert empty.status_code == 422 and "text" in empty.json()["detail"]
    assert api.post(f"/api/suggestions/{third}/use", json={"use": "shouted"}, auth=REP).status_code == 422
    other = api.post(f"/api/suggestions/{third}/use", json={"use": "as_is"}, auth=OTHER_REP)
    assert other.status_code == 403
    assert api.post("/api/suggestions/999999999/use", json={"use": "as_is"}, auth=REP).status_code == 404


def test_offer_report_conversion_revenue_and_scores_with_and_without(api, session):
    def offer(conversation, status, nps, channel="chat"):
        shown = Offer("static_ip", "Static IP address", 500, 0.3, "On Fibre 900 a fixed address helps.")
        event = record_offer_shown(session, "C00003", shown, conversation, channel=channel)
        event.status = status
        now = clock.now()
        session.add(
            Feedback(
                conversation_id=conversation,
                customer_id="C00003",
                nps=nps,
                channel="chat",
                created_at=now,
                created_on=now.date(),
                week=now.date() - timedelta(days=now.weekday()),
                month=now.date().replace(day=1),
            )
        )

    before = api.get("/api/offers/report", auth=SUPERVISOR).json()
    tag = uuid.uuid4().hex[:8]
    offer(f"rep-{tag}-1", "accepted", 10)
    offer(f"rep-{tag}-2", "declined", 3)
    offer(f"rep-{tag}-3", "accepted", 9, channel="rep")
    session.commit()
    after = api.get("/api/offers/report", auth=SUPERVISOR).json()

    def addon(report):
        return next(
            (a for a in report["addons"] if a["code"] == "static_ip"),
            {"offered": 0, "accepted": 0, "declined": 0, "monthly_revenue_cents": 0},
        )

    b, a = addon(before), addon(after)
    assert (a["offered"] - b["offered"], a["accepted"] - b["accepted"], a["declined"] - b["declined"]) == (3, 2, 1)
    assert a["monthly_revenue_cents"] - b["monthly_revenue_cents"] == 1000
    assert a["conversion"] == pytest.approx(a["accepted"] / (a["accepted"] + a["declined"] + a["ignored"]), abs=1e-4)
    assert after["with_offer"]["nps"]["n"] - before["with_offer"]["nps"]["n"] == 3
    assert after["offer_declined"]["nps"]["detractors"] - before["offer_declined"]["nps"]["detractors"] == 1
    assert after["without_offer"]["nps"]["n"] == before["without_offer"]["nps"]["n"]

    # Who made the offer: the assistant in the chat, or a rep from the console.
    def channel(report, name):
        empty = {"offered": 0, "accepted": 0, "declined": 0, "scores": {"nps": {"n": 0, "promoters": 0}}}
        return next((c for c in report["channels"] if c["channel"] == name), empty)

    chat_b, chat_a = channel(before, "chat"), channel(after, "chat")
    rep_b, rep_a = channel(before, "rep"), channel(after, "rep")
    assert (chat_a["offered"] - chat_b["offered"], chat_a["declined"] - chat_b["declined"]) == (2, 1)
    assert (rep_a["offered"] - rep_b["offered"], rep_a["accepted"] - rep_b["accepted"]) == (1, 1)
    assert rep_a["scores"]["nps"]["n"] - rep_b["scores"]["nps"]["n"] == 1
    assert rep_a["scores"]["nps"]["promoters"] - rep_b["scores"]["nps"]["promoters"] == 1
    assert chat_a["scores"]["nps"]["n"] - chat_b["scores"]["nps"]["n"] == 2


def test_offer_report_is_for_supervisors_only(api):
    assert api.get("/api/offers/report", auth=REP).status_code == 403
    assert api.get("/api/offers/report?from=2026-02-01&to=2026-01-01", auth=SUPERVISOR).status_code == 422


def test_prompts_used_are_joined_to_their_conversations_scores(api, session):
    conversation = f"prompt-{uuid.uuid4().hex[:8]}"
    from assistant.offers.suggestions import suggestions_for

    shown = suggestions_for(session, "C00004", conversation_id=conversation)
    shown.log(session, "priya")
    question = shown.logged[0]
    session.commit()
    api.post(f"/api/suggestions/{question.id}/use", json={"use": "as_is"}, auth=REP)
    now = clock.now()
    session.add(
        Feedback(
            conversation_id=conversation,
            customer_id="C00004",
            nps=9,
            channel="chat",
            created_at=now,
            created_on=now.date(),
            week=now.date() - timedelta(days=now.weekday()),
            month=now.date().replace(day=1),
        )
    )
    session.commit()
    report = api.get("/api/offers/report", auth=SUPERVISOR).json()
    prompt = next(p for p in report["prompts"] if p["basis"] == question.basis)
    assert prompt["used_as_is"] >= 1 and prompt["scores"]["nps"]["promoters"] >= 1
    assert session.execute(select(OfferEvent).where(OfferEvent.conversation_id == conversation)).first() is None


def _customer_with_an_offer(api, skip=()):
    for number in range(6, 60):
        customer_id = f"C{number:05d}"
        body = api.get(f"/api/customers/{customer_id}/suggestions", auth=REP).json()
        if body["offers"] and body["offers_held_back"] is None and customer_id not in skip:
            return customer_id, body["offers"][0]
    pytest.fail("no customer in the test base has an offer to make")


def test_an_offer_a_rep_sends_is_logged_as_made_and_the_customers_yes_adds_it(api, session):
    customer_id, offer = _customer_with_an_offer(api)
    said = f"Since you asked: {offer['reason']}"
    used = api.post(f"/api/suggestions/{offer['suggestion_id']}/use", json={"use": "edited", "text": said}, auth=REP)
    assert used.status_code == 200, used.text
    offer_id = used.json()["offer_id"]
    event = session.get(OfferEvent, offer_id)
    assert (event.channel, event.status, event.customer_id, event.addon_code) == (
        "rep",
        "shown",
        customer_id,
        offer["code"],
    )
    assert event.reason == said and event.monthly_price_cents == offer["monthly_price_cents"]

    yes = api.post(f"/api/offers/{offer_id}/answer", json={"answer": "accepted"}, auth=REP)
    assert yes.status_code == 200, yes.text
    assert yes.json()["status"] == "accepted" and yes.json()["reference"].startswith("SUB-")
    session.expire_all()
    subscription = session.get(Subscription, session.get(OfferEvent, offer_id).subscription_id)
    assert (subscription.customer_id, subscription.addon_code, subscription.status) == (
        customer_id,
        offer["code"],
        "pending",
    )
    again = api.post(f"/api/offers/{offer_id}/answer", json={"answer": "declined"}, auth=REP)
    assert again.status_code == 409 and "already answered: accepted" in again.json()["detail"]


def test_a_no_to_a_reps_offer_is_recorded_and_questions_make_no_offer(api, session):
    customer_id, offer = _customer_with_an_offer(api)
    question = api.get(f"/api/customers/{customer_id}/suggestions", auth=REP).json()["questions"][0]
    asked = api.post(f"/api/suggestions/{question['suggestion_id']}/use", json={"use": "as_is"}, auth=REP)
    assert asked.json()["offer_id"] is None
    unused = api.post(f"/api/suggestions/{offer['suggestion_id']}/use", json={"use": "unused"}, auth=REP)
    assert unused.json()["offer_id"] is None
    offer_id = api.post(f"/api/suggestions/{offer['suggestion_id']}/use", json={"use": "as_is"}, auth=REP).json()[
        "offer_id"
    ]
    no = api.post(f"/api/offers/{offer_id}/answer", json={"answer": "declined"}, auth=REP)
    assert no.status_code == 200 and no.json()["status"] == "declined"
    session.expire_all()
    assert session.get(OfferEvent, offer_id).status == "declined"
    assert api.post(f"/api/offers/{offer_id}/answer", json={"answer": "maybe"}, auth=REP).status_code == 422
    assert api.post("/api/offers/999999999/answer", json={"answer": "accepted"}, auth=REP).status_code == 404
    assert api.post(f"/api/offers/{offer_id}/answer", json={"answer": "accepted"}).status_code == 401
