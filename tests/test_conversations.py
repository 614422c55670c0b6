"""End to end: the trained Rasa server, the action server and a real database.

Each test holds a conversation over the REST channel and checks that the
replies carry the right facts from the customer's own records.
"""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import select

from assistant import db
from assistant.models import Handoff, Refund, Subscription, Ticket

JANE, SAM = "C00001", "C00002"


def new_sender() -> str:
    return f"test-{uuid.uuid4().hex[:10]}"


def test_where_is_my_order_answers_with_the_status_from_the_record(chat):
    sender = new_sender()
    assert "Jane" in chat.text(sender, "hi", JANE)
    reply = chat.text(sender, "where is my order?", JANE)
    assert "ORD-100001" in reply and "out for delivery" in reply


def test_order_by_number_and_another_customers_number_is_not_disclosed(chat):
    sender = new_sender()
    reply = chat.text(sender, "what's the status of order ORD-100003", SAM)
    assert "ORD-100003" in reply and "delayed" in reply
    foreign = chat.text(sender, "and where is ORD-100001?", SAM)
    assert "can't find" in foreign
    assert "out for delivery" not in foreign and "Jane" not in foreign


def test_bill_explanation_names_the_changed_lines_and_the_difference(chat):
    reply = chat.text(new_sender(), "why is my bill higher this month?", JANE)
    assert "£8.50 more" in reply
    assert "£2.50" in reply and "£6.00" in reply


def test_refund_status_from_the_record(chat):
    reply = chat.text(new_sender(), "where is my refund", JANE)
    assert "RF-10001" in reply and "approved" in reply


def test_refund_request_inside_the_return_window_creates_one_refund_on_yes(chat, session):
    sender = new_sender()
    first = chat.text(sender, "I want a refund for order ORD-100004", "C00003")
    assert "£" in first and "ORD-100004" in first and "Shall I request it?" in first
    assert "RF-" in chat.text(sender, "yes", "C00003")
    again = chat.text(sender, "please refund ORD-100004", "C00003")
    assert "already a refund" in again
    refunds = session.execute(select(Refund).where(Refund.order_number == "ORD-100004")).scalars().all()
    assert len(refunds) == 1 and refunds[0].status == "requested"


def test_anonymous_customer_is_identified_by_email_and_postcode_then_answered(chat):
    sender = new_sender()
    ask = chat.text(sender, "where is my parcel")
    assert "email" in ask.lower()
    assert "postcode" in chat.text(sender, "jane.doe@example.com").lower()
    reply = chat.text(sender, "LS1 4AP")
    assert "found your account" in reply and "ORD-100001" in reply


def test_wrong_postcode_discloses_nothing(chat):
    sender = new_sender()
    chat.text(sender, "where is my order")
    chat.text(sender, "jane.doe@example.com")
    reply = chat.text(sender, "M1 1AA")
    assert "couldn't match" in reply and "ORD-" not in reply


def test_delivery_problem_opens_a_ticket_on_yes(chat, session):
    sender = new_sender()
    ask = chat.text(sender, "my order ORD-100003 is late, it still hasn't come", SAM)
    assert "ORD-100003" in ask and "Shall I" in ask
    reply = chat.text(sender, "yes", SAM)
    assert "TKT-" in reply
    ticket_number = reply[reply.index("TKT-") : reply.index("TKT-") + 10]
    ticket = session.get(Ticket, ticket_number)
    assert ticket is not None and ticket.order_number == "ORD-100003" and ticket.customer_id == SAM


def test_payment_problem_explains_the_failed_payment(chat):
    reply = chat.text(new_sender(), "my payment failed", SAM)
    assert "card expired" in reply


def test_cancellation_offers_one_fitting_alternative_then_honours_no(chat, session):
    sender = new_sender()
    ask = chat.say(sender, "I want to cancel my broadband", "C00004")
    assert any(m.get("buttons") for m in ask)
    offer = chat.text(sender, '/inform{"cancel_reason": "moving"}', "C00004")
    assert "new address" in offer
    confirm = chat.text(sender, "/deny", "C00004")
    assert "Shall I cancel it?" in confirm
    done = chat.text(sender, "/affirm", "C00004")
    assert "cancelled" in done
    subscription = (
        session.execute(
            select(Subscription).where(Subscription.customer_id == "C00004", Subscription.status == "cancelling")
        )
        .scalars()
        .first()
    )
    assert subscription is not None and subscription.cancel_reason == "moving"


def test_a_reason_typed_in_words_is_understood_after_a_side_question(chat):
    sender = new_sender()
    chat.say(sender, "I want to cancel my subscription", JANE)
    fee = chat.say(sender, "how much is the exit fee?", JANE)  # answered, then the reason is asked again
    assert "fee" in fee[0]["text"] and "why you're leaving" in fee[-1]["text"]
    alternative = chat.text(sender, "honestly it's just too expensive", JANE)
    assert "less than you pay" in alternative  # the price alternative, not the bill


def test_a_fault_typed_in_words_gets_its_own_first_step(chat):
    sender = new_sender()
    chat.say(sender, "I have a problem with my broadband", JANE)
    step = chat.text(sender, "the wifi keeps cutting out upstairs", JANE)
    assert "move it somewhere open" in step


def test_a_fault_named_in_the_first_message_is_not_asked_again(chat):
    first = chat.say(new_sender(), "my wifi keeps dropping out every evening", JANE)
    text = " ".join(m.get("text", "") for m in first)
    assert "move it somewhere open" in text and "Which of these is closest" not in text


def test_complaint_is_acknowledged_recorded_on_yes_and_no_selling(chat):
    sender = new_sender()
    ask = chat.text(sender, "I want to make a formal complaint, your service has been terrible", "C00003")
    assert "sorry" in ask.lower() and "£" not in ask
    reply = chat.text(sender, "yes", "C00003")
    assert "TKT-" in reply and "£" not in reply


def test_hand_off_marks_the_conversation_and_the_bot_stays_silent(chat, session):
    sender = new_sender()
    reply = chat.text(sender, "I want to talk to a real person", JANE)
    assert "queue" in reply or "offline" in reply
    assert chat.say(sender, "hello? anyone there?", JANE) == []
    handoff = session.execute(select(Handoff).where(Handoff.conversation_id == sender)).scalar_one()
    assert handoff.status == "waiting" and handoff.customer_id == JANE


def test_two_misses_in_a_row_offer_a_human(chat):
    sender = new_sender()
    first = chat.text(sender, "what's the weather like on mars", JANE)
    assert "can't help with that" in first or "another way" in first  # said plainly, no person yet
    assert "person" not in first
    second = chat.say(sender, "blorp zzkx qwv", JANE)
    assert any("person" in m.get("text", "") for m in second)


@pytest.mark.parametrize(
    "message",
    [
        "",
        "x" * 10_000,
        "😡😡😡📦❓",
        "¿Dónde está mi pedido? Lo pedí hace una semana.",
        "'; DROP TABLE customers; --",
        "ORD-999999",
    ],
)
def test_bad_input_gets_a_polite_reply_and_the_conversation_goes_on(chat, message):
    sender = new_sender()
    replies = chat.say(sender, message, JANE)
    text = " ".join(m.get("text", "") for m in replies)
    assert "Traceback" not in text and "Error" not in text
    assert text.strip(), "every message gets a reply"
    follow_up = chat.text(sender, "where is my order", JANE)
    assert "ORD-100001" in follow_up


def test_plan_change_lists_options_and_records_the_change(chat, session):
    sender = new_sender()
    ask = chat.say(sender, "I'd like to upgrade my broadband plan", "C00005")
    titles = [b["title"] for m in ask for b in m.get("buttons", [])]
    assert any("Fibre 500" in title and "£39.00" in title for title in titles)
    confirm = chat.text(sender, '/change_plan{"plan": "fibre_500"}', "C00005")
    assert "Fibre 500" in confirm and "£15.00 more" in confirm
    done = chat.text(sender, "yes please", "C00005")
    assert "Essential 36 to Fibre 500" in done
    pending = session.execute(
        select(Subscription).where(Subscription.customer_id == "C00005", Subscription.status == "pending")
    ).scalar_one()
    assert pending.plan_code == "fibre_500"


def test_troubleshooting_that_fails_opens_a_technical_ticket(chat):
    sender = new_sender()
    ask = chat.say(sender, "I have a problem with my broadband", "C00001")
    assert any(m.get("buttons") for m in ask)
    step = chat.text(sender, '/inform{"tech_issue": "no_connection"}', "C00001")
    assert "restart your router" in step
    assert "working now" in chat.text(sender, "/affirm", "C00001")
    ask = chat.text(sender, "/deny", "C00001")
    assert "technical team" in ask and "Shall I open it?" in ask
    reply = chat.text(sender, "/affirm", "C00001")
    assert "TKT-" in reply and "technical team" in reply


def test_faq_answers_come_from_the_policies(chat):
    reply = chat.text(new_sender(), "what is your returns policy?", "C00001")
    assert "30 days" in reply


@pytest.mark.parametrize(
    "message", ["would you send a parcel to Hungary", "shipments to Finland please", "do you deliver to Krakow?"]
)
def test_a_delivery_question_about_a_place_no_example_names_gets_the_shipping_options(chat, message):
    # The places are only in the lookup table (data/nlu/places.yml), never in an example.
    reply = chat.text(new_sender(), message, "C00001")
    assert "Standard delivery" in reply and "Next-day delivery" in reply


def test_password_help_names_the_masked_email(chat):
    reply = chat.text(new_sender(), "I forgot my password", "C00001")
    assert "j*******@example.com" in reply and "https://" in reply


def test_action_server_down_gets_a_polite_reply_then_recovers(chat, stack):
    actions = stack["actions"]
    sender = new_sender()
    chat.text(sender, "hi", JANE)
    actions.stop()
    try:
        reply = chat.text(sender, "why is my bill higher?", JANE)
        assert "something went wrong on our side" in reply
    finally:
        actions.start()
        actions.wait_ready(60)
    assert "£8.50" in chat.text(sender, "why is my bill higher?", JANE)


@pytest.mark.parametrize("bare", ["ok", "no"])
def test_a_bare_yes_or_no_with_nothing_asked_gets_a_prompt_and_the_chat_goes_on(chat, bare):
    """Once made Rasa call the fallback until its circuit breaker tripped, and the next message failed."""
    sender = new_sender()
    aisha = "C00003"  # her open ticket holds offers back, so nothing is asked after the bill
    chat.text(sender, "hi", aisha)
    chat.text(sender, "what is on my bill?", aisha)
    assert chat.text(sender, bare, aisha) == "Is there anything else I can help with?"
    reply = chat.text(sender, "where is my order?", aisha)
    assert "ORD-100004" in reply and "went wrong" not in reply
    assert "went wrong" not in chat.text(sender, "bye", aisha)


def _refuse_saving_events_for(prefix: str, engine) -> None:
    """Make the tracker store's database refuse this conversation's events (as one restarting would)."""
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql(
                f"CREATE TRIGGER refuse_unsaved BEFORE INSERT ON events WHEN NEW.sender_id LIKE '{prefix}%' "
                "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
            )
        else:
            connection.exec_driver_sql(
                "CREATE OR REPLACE FUNCTION refuse_unsaved() RETURNS trigger AS $$ BEGIN "
                f"IF NEW.sender_id LIKE '{prefix}%%' THEN RAISE EXCEPTION 'refused by the test'; END IF; "
                "RETURN NEW; END $$ LANGUAGE plpgsql"
            )
            connection.exec_driver_sql(
                "CREATE TRIGGER refuse_unsaved BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION refuse_unsaved()"
            )


def test_a_turn_the_tracker_store_could_not_save_is_reported_not_answered(chat, stack):
    """Answering from a turn that was never recorded would leave the customer and the record apart."""
    engine = db.get_engine()
    sender = f"unsaved-{uuid.uuid4().hex[:8]}"
    _refuse_saving_events_for(sender, engine)
    try:
        reply = chat.text(sender, "where is my order?", JANE)
    finally:
        with engine.begin() as connection:
            connection.exec_driver_sql(
                "DROP TRIGGER IF EXISTS refuse_unsaved" + ("" if engine.dialect.name == "sqlite" else " ON events")
            )
    assert "something went wrong on our side" in reply and "ORD-100001" not in reply
    assert "ORD-100001" in chat.text(sender, "where is my order?", JANE)  # the retry is answered
    tracker = chat.tracker(sender)
    assert [e["text"] for e in tracker["events"] if e["event"] == "user"] == ["where is my order?"]


def test_each_turn_is_stored_once_however_long_the_conversation(chat):
    """The tracker store saves only the events a turn added (it tracks how many it holds)."""
    sender = new_sender()
    messages = ["hi", "where is my order?", "thanks", "what is on my bill?", "ok", "when is my payment due?", "bye"]
    for message in messages:
        chat.text(sender, message, JANE)
    with db.get_engine().connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT type_name, data FROM events WHERE sender_id = ? ORDER BY id"
            if db.get_engine().dialect.name == "sqlite"
            else "SELECT type_name, data FROM events WHERE sender_id = %s ORDER BY id",
            (sender,),
        ).all()
    assert [json.loads(data)["text"] for kind, data in rows if kind == "user"] == messages
    assert len({data for _, data in rows}) == len(rows)  # no event written twice
    assert sum(kind == "bot" for kind, _ in rows) >= len(messages)


def test_a_message_sent_again_with_its_id_is_answered_again_not_handled_twice(chat):
    """A client retrying after a lost response (its replica died) must not double the turn."""
    sender = new_sender()
    chat.text(sender, "hi", JANE)
    first = chat.text(sender, "where is my order?", JANE, metadata={"message_id": "m-2"})
    again = chat.text(sender, "where is my order?", JANE, metadata={"message_id": "m-2"})
    assert "ORD-100001" in first and again == first
    other = chat.text(sender, "where's my laptop?", JANE, metadata={"message_id": "m-3"})  # a new message is handled
    assert "ORD-100001" in other
    tracker = chat.tracker(sender)
    users = [e for e in tracker["events"] if e["event"] == "user"]
    assert [e["text"] for e in users] == ["hi", "where is my order?", "where's my laptop?"]
    assert [e.get("message_id") for e in users[1:]] == ["m-2", "m-3"]
