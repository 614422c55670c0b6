"""Offers in the chat, end to end: the real Rasa server, action server and database.

Never in the first answer: once the customer's request is answered and they
say their need is met ("thanks"), the assistant may make one offer with its
reason; "yes" adds the add-on (pending from the next bill) with a
confirmation, "no", "not now" or "maybe later" is a decline that stops all
offers for 30 days; "what is it?" or "how much?" is answered with the offer
still open. Never in a conversation the assistant misread.
"""

from __future__ import annotations

import uuid
from typing import List

import pytest
from sqlalchemy import select

from assistant.business import load_catalog
from assistant.models import OfferEvent, Subscription
from assistant.offers.engine import ConversationContext, decide
from assistant.offers.profile import load_profiles
from assistant.offers.propensity import load_model, model_path
from tests.conftest import changed_tables, records


def new_sender() -> str:
    return f"offer-{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="module")
def offerable(database_url) -> List[tuple]:
    """(customer, delivered order) pairs the engine would make an offer to, personas excluded."""
    from assistant.db import session_scope

    model, catalog = load_model(model_path()), load_catalog()
    with session_scope() as session:
        profiles = load_profiles(session)
    found = []
    for customer_id, profile in sorted(profiles.items()):
        if customer_id <= "C00005":
            continue
        delivered = [o for o in profile.orders if o.status == "delivered"]
        decision = decide(profile, ConversationContext(request_answered=True), catalog, model)
        if delivered and decision.offer_to_make and not profile.declines:
            found.append((customer_id, delivered[0].number))
    assert len(found) >= 10, "the test base should have customers an offer suits"
    return found


def offers_in(session, sender):
    session.expire_all()
    return session.execute(select(OfferEvent).where(OfferEvent.conversation_id == sender)).scalars().all()


def solved_then_thanks(chat, session, sender, customer, order):
    """The customer's own question answered first, with no offer; then "thanks"."""
    first = chat.say(sender, f"where is order {order}?", customer)
    texts = " ".join(m.get("text", "") for m in first)
    assert order in texts and "delivered" in texts
    assert offers_in(session, sender) == [] and not any(m.get("buttons") for m in first)  # never in the first answer
    return chat.say(sender, "thanks, that's great", customer)


def test_the_offer_comes_after_thanks_with_its_reason_and_yes_adds_it(chat, session, offerable):
    customer, order = offerable[0]
    sender = new_sender()
    messages = solved_then_thanks(chat, session, sender, customer, order)
    (event,) = offers_in(session, sender)
    offer = messages[-1]
    assert event.reason in offer["text"] and "a month" in offer["text"]
    assert [b["payload"] for b in offer["buttons"]] == ["/affirm", "/deny", "/deny"]

    before = records()
    done = chat.text(sender, "/affirm", customer)
    changed = changed_tables(before, records())
    assert set(changed) == {"offer_events", "subscriptions"}
    assert "Done:" in done and "SUB-" in done
    (event,) = offers_in(session, sender)
    assert event.status == "accepted"
    subscription = session.get(Subscription, event.subscription_id)
    assert (subscription.customer_id, subscription.addon_code, subscription.status) == (
        customer,
        event.addon_code,
        "pending",
    )
    assert f"SUB-{subscription.id}" in done


def test_a_no_is_a_decline_that_stops_every_offer_for_30_days(chat, session, offerable):
    customer, order = offerable[1]
    sender = new_sender()
    solved_then_thanks(chat, session, sender, customer, order)
    (event,) = offers_in(session, sender)
    reply = chat.text(sender, "no thanks", customer)
    assert "won't suggest it again" in reply
    (event,) = offers_in(session, sender)
    assert event.status == "declined"
    # Another solved request and thanks in the same conversation: no second offer.
    chat.say(sender, f"where is order {order}?", customer)
    again = chat.say(sender, "thank you", customer)
    assert not any(m.get("buttons") for m in again) and len(offers_in(session, sender)) == 1
    # A new conversation within 30 days offers nothing at all, not only another add-on.
    later = new_sender()
    solved_then_thanks(chat, session, later, customer, order)
    assert offers_in(session, later) == []


def test_maybe_later_is_a_decline_not_a_goodbye(chat, session, offerable):
    customer, order = offerable[2]
    sender = new_sender()
    solved_then_thanks(chat, session, sender, customer, order)
    reply = chat.text(sender, "maybe later", customer)
    assert "won't suggest it again" in reply and "recommend" not in reply  # not the survey
    (event,) = offers_in(session, sender)
    assert event.status == "declined"


@pytest.mark.parametrize("question", ["what is it?", "how much is that?", "what does it include?"])
def test_questions_about_the_offer_are_answered_and_it_stays_open(chat, session, offerable, question):
    customer, order = offerable[3 + ["what is it?", "how much is that?", "what does it include?"].index(question)]
    sender = new_sender()
    solved_then_thanks(chat, session, sender, customer, order)
    (event,) = offers_in(session, sender)
    spec = load_catalog().addons[event.addon_code]
    before = records()
    reply = chat.text(sender, question, customer)
    assert spec.name in reply and f"£{spec.monthly_price_cents / 100:.2f}" in reply and spec.description in reply
    assert changed_tables(before, records()) == {}
    (event,) = offers_in(session, sender)
    assert event.status == "shown"
    chat.text(sender, "no", customer)
    (event,) = offers_in(session, sender)
    assert event.status == "declined"


def test_moving_on_without_answering_counts_as_ignored(chat, session, offerable):
    customer, order = offerable[6]
    sender = new_sender()
    solved_then_thanks(chat, session, sender, customer, order)
    chat.text(sender, "can you explain my bill?", customer)
    (event,) = offers_in(session, sender)
    assert event.status == "ignored"


def test_no_offer_in_a_conversation_the_assistant_misread(chat, session, offerable):
    customer, order = offerable[7]
    sender = new_sender()
    chat.say(sender, "blorp zzkx qwv flibber", customer)
    solved_then_thanks(chat, session, sender, customer, order)
    assert offers_in(session, sender) == []


def test_no_offer_while_a_complaint_is_under_way(chat, session, offerable):
    customer, order = offerable[-1]
    sender = new_sender()
    chat.text(sender, "I want to make a formal complaint, the engineer never turned up", customer)
    chat.text(sender, "no", customer)  # not recorded, but the complaint is still what the chat is about
    replies = chat.say(sender, f"where is order {order}?", customer)
    assert order in " ".join(m.get("text", "") for m in replies)
    chat.say(sender, "thanks", customer)
    assert offers_in(session, sender) == []


def test_no_offer_while_their_own_problem_is_still_being_sorted_out(chat, session, offerable):
    customer, order = offerable[-2]
    sender = new_sender()
    assert any(m.get("buttons") for m in chat.say(sender, "I have a problem with my broadband", customer))
    replies = chat.say(sender, f"where is order {order}?", customer)  # a side question mid-diagnosis
    assert order in " ".join(m.get("text", "") for m in replies)
    assert offers_in(session, sender) == []
    assert [b["payload"] for b in replies[-1].get("buttons", [])][:1] != ["/affirm"]  # the fault question, not an offer
    assert "restart your router" in chat.text(sender, '/inform{"tech_issue": "no_connection"}', customer)


def test_no_offer_to_a_customer_with_an_open_ticket(chat, session):
    sender = new_sender()  # Aisha has an open technical ticket
    replies = chat.say(sender, "where is order ORD-100004?", "C00003")
    assert "ORD-100004" in " ".join(m.get("text", "") for m in replies)
    chat.say(sender, "thanks", "C00003")
    assert offers_in(session, sender) == []


def test_a_second_question_and_can_i_cancel_it_any_time_are_about_the_offer_not_the_plan(chat, session, offerable):
    customer, order = offerable[6]
    sender = new_sender()
    solved_then_thanks(chat, session, sender, customer, order)
    (event,) = offers_in(session, sender)
    spec = load_catalog().addons[event.addon_code]
    before = records()
    assert spec.description in chat.text(sender, "what do i get with it", customer)
    again = chat.text(sender, "can i cancel it whenever i like?", customer)
    assert "any time" in again and "why you're leaving" not in again  # not the plan's cancellation
    assert changed_tables(before, records()) == {}
    chat.text(sender, "no thanks", customer)
    (event,) = offers_in(session, sender)
    assert event.status == "declined"


def test_a_plan_question_answered_then_thanks_brings_the_offer_and_a_casual_yes_takes_it(chat, session, offerable):
    customer, _ = offerable[8]
    sender = new_sender()
    assert "You're on" in chat.text(sender, "what plan am i on", customer)
    assert offers_in(session, sender) == []  # never in the first answer
    chat.say(sender, "ok ta", customer)
    (event,) = offers_in(session, sender)
    assert event.status == "shown"
    before = records()
    done = chat.text(sender, "yeah go on, stick it on", customer)
    assert set(changed_tables(before, records())) == {"offer_events", "subscriptions"}
    (event,) = offers_in(session, sender)
    assert event.status == "accepted" and "Done:" in done and f"SUB-{event.subscription_id}" in done


def test_a_no_in_everyday_words_after_a_question_about_the_offer_is_a_decline(chat, session, offerable):
    customer, order = offerable[9]
    sender = new_sender()
    solved_then_thanks(chat, session, sender, customer, order)
    (event,) = offers_in(session, sender)
    chat.text(sender, "what is it?", customer)
    before = records()
    reply = chat.text(sender, "maybe another time", customer)
    assert "won't suggest it again" in reply
    assert set(changed_tables(before, records())) == {"offer_events"}
    (event,) = offers_in(session, sender)
    assert event.status == "declined"


def test_a_message_read_as_nothing_after_the_offer_gets_one_reply_and_the_chat_goes_on(chat, session, offerable):
    # The offer's answer action hands such a message to the fallback; the fallback must then listen,
    # not be called again by the core fallback until Rasa's circuit breaker trips (nine apologies).
    customer, order = offerable[-3]
    sender = new_sender()
    solved_then_thanks(chat, session, sender, customer, order)
    before = records()
    messages = chat.say(sender, "zqx vlorp gnaff", customer)
    assert len(messages) == 1 and "another way" in messages[0]["text"]
    assert set(changed_tables(before, records())) == {"offer_events"}
    (event,) = offers_in(session, sender)
    assert event.status == "ignored"
    after = chat.text(sender, f"where is order {order}?", customer)
    assert order in after and "went wrong" not in after


def test_a_vague_question_about_the_offer_gets_its_details_then_nah_declines(chat, session, offerable):
    customer, order = offerable[-4]
    sender = new_sender()
    solved_then_thanks(chat, session, sender, customer, order)
    (event,) = offers_in(session, sender)
    addon = load_catalog().addons[event.addon_code]
    before = records()
    details = chat.text(sender, "wots that then", customer)
    assert addon.name in details and "another way" not in details
    assert changed_tables(before, records()) == {}  # the offer stays open
    # a question opening with a hold ("wait") is still a question, not a no
    again = chat.text(sender, "wait what do i actually get for that", customer)
    assert addon.name in again and "won't suggest it again" not in again
    assert changed_tables(before, records()) == {}
    reply = chat.text(sender, "nah im good", customer)
    assert "won't suggest it again" in reply
    assert set(changed_tables(before, records())) == {"offer_events"}
    (event,) = offers_in(session, sender)
    assert event.status == "declined"


def test_a_refund_asked_for_again_is_answered_with_its_state_and_thanks_may_bring_the_offer(chat, session, offerable):
    from datetime import timedelta

    from assistant import clock
    from assistant.db import session_scope
    from assistant.models import Refund

    customer, order = offerable[-1]
    number = f"RF-{90000 + uuid.uuid4().int % 9999}"
    with session_scope() as writing:
        writing.add(
            Refund(
                number=number, customer_id=customer, order_number=order, amount_cents=1999, reason="test",
                status="paid", requested_at=clock.now() - timedelta(days=5), resolved_on=clock.today(),
            )
        )  # fmt: skip
    sender = new_sender()
    before = records()
    answer = chat.text(sender, f"did i get my money back for order {order}", customer)
    assert number in answer and "already a refund" in answer
    assert changed_tables(before, records()) == {}  # the state said, no second refund
    offer = chat.say(sender, "lovely thanks", customer)
    (event,) = offers_in(session, sender)  # their question was answered: an offer may follow thanks
    assert "Would you like me to add it?" in offer[-1]["text"] and event.status == "shown"


@pytest.mark.parametrize("question", ["is there a minimum contract on it", "is it tied into a contract"])
def test_a_contract_question_is_about_the_offer_and_a_yes_after_it_takes_it(chat, session, offerable, question):
    """ "Is there a minimum contract on it" with an offer open is the offer's terms, not the customer's plan;
    the offer stays open, and "go on then, add it" takes it: one subscription, nothing else."""
    assert len(offerable) > 11, "the test base should have customers an offer suits"
    customer, order = offerable[
        10 + ["is there a minimum contract on it", "is it tied into a contract"].index(question)
    ]
    sender = new_sender()
    solved_then_thanks(chat, session, sender, customer, order)
    (event,) = offers_in(session, sender)
    spec = load_catalog().addons[event.addon_code]
    before = records()
    reply = chat.text(sender, question, customer)
    assert spec.name in reply and "cancel it any time" in reply
    assert changed_tables(before, records()) == {}
    done = chat.text(sender, "go on then, add it", customer)
    assert spec.name in done
    changed = changed_tables(before, records())
    assert set(changed) == {"offer_events", "subscriptions"}, sorted(changed)
    (event,) = offers_in(session, sender)
    assert event.status == "accepted"
