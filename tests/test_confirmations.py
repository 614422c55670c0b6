"""Nothing is written to a customer's records without their yes, and nothing twice (issue 16).

Every conversation here runs over the REST channel against the real Rasa
server, action server and database, and compares every application table
before and after each turn: what was written, and that nothing else was.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from assistant import clock, db
from assistant.models import Customer, Order, OrderItem, Plan, Product, Refund, Subscription, Ticket
from tests.conftest import changed_tables, records


def new_sender() -> str:
    return f"confirm-{uuid.uuid4().hex[:10]}"


def add_order(customer_id: str, status: str, **fields) -> str:
    """An order of this test's own, so tests never change each other's records."""
    number = f"ORD-{800000 + uuid.uuid4().int % 99999}"
    today = clock.today()
    with db.session_scope() as session:
        product = session.execute(select(Product).where(Product.sku == "TAB-10")).scalar_one()
        values = dict(
            number=number,
            customer_id=customer_id,
            placed_at=clock.now() - timedelta(days=6),
            status=status,
            carrier="DPD",
            tracking_number="TRK1234567890GB",
            estimated_delivery=today + timedelta(days=2),
            shipping_address="1 Old Lane, LS1 4AP",
            total_cents=product.price_cents,
        )
        values.update(fields)
        session.add(Order(**values))
        session.flush()
        session.add(OrderItem(order_number=number, sku=product.sku, quantity=1, unit_price_cents=product.price_cents))
    return number


def close_open_tickets(customer_id: str) -> None:
    """Start from a customer with no open problem, whatever the generator gave them."""
    with db.session_scope() as session:
        session.execute(
            update(Ticket)
            .where(Ticket.customer_id == customer_id, Ticket.status.in_(("open", "pending")))
            .values(status="closed")
        )


class Turns:
    """A conversation whose every turn is checked against the records."""

    def __init__(self, chat, customer_id: str) -> None:
        self.chat, self.customer_id, self.sender = chat, customer_id, new_sender()

    def say(self, text: str):
        """(reply text, tables changed by this turn)."""
        before = records()
        reply = self.chat.text(self.sender, text, self.customer_id)
        return reply, changed_tables(before, records())

    def say_nothing_written(self, text: str) -> str:
        reply, changed = self.say(text)
        assert changed == {}, f"{text!r} wrote {changed}"
        return reply


def only_table(changed: dict, table: str) -> tuple:
    """The rows gone and new in `table`, asserting no other table changed."""
    assert set(changed) == {table}, f"expected only {table} to change, got {sorted(changed)}"
    return changed[table]


# --- refunds ---------------------------------------------------------------------


def test_a_refund_is_stated_asked_and_made_once_on_yes(chat, stack):
    number = add_order("C00060", "delivered", delivered_on=clock.today() - timedelta(days=3))
    turns = Turns(chat, "C00060")
    ask = turns.say_nothing_written(f"I want a refund for {number}")
    assert number in ask and "£" in ask and "Shall I request it?" in ask
    done, changed = turns.say("yes please")
    gone, new = only_table(changed, "refunds")
    assert gone == [] and len(new) == 1 and number in new[0]
    assert "RF-" in done and number in done
    again = turns.say_nothing_written(f"please refund {number}")
    assert "already a refund" in again


@pytest.mark.parametrize(
    "reply",
    [
        "no",
        "never mind",
        "wait",
        "how long does a refund take?",
        "ok ive got money in now, can i just pay it here",
        "where is my order?",
    ],
)
def test_anything_but_a_yes_to_a_refund_writes_nothing(chat, stack, reply):
    number = add_order("C00061", "delivered", delivered_on=clock.today() - timedelta(days=2))
    turns = Turns(chat, "C00061")
    assert "Shall I request it?" in turns.say_nothing_written(f"refund order {number} please")
    answer = turns.say_nothing_written(reply)
    if "Shall I request it?" in answer:  # not an answer: the question was asked again, still nothing written
        assert "haven't done anything yet" in answer or "haven't made that change" in answer
        turns.say_nothing_written("no")
    # and a yes that comes later, to nothing asked, writes nothing either
    turns.say_nothing_written("yes")
    with db.session_scope() as session:
        assert session.execute(select(Refund).where(Refund.order_number == number)).first() is None


def test_moving_on_from_a_question_says_nothing_was_changed(chat, stack):
    number = add_order("C00062", "delivered", delivered_on=clock.today() - timedelta(days=2))
    turns = Turns(chat, "C00062")
    turns.say_nothing_written(f"I'd like my money back for {number}")
    reply = turns.say_nothing_written("why is my bill higher this month?")
    assert "haven't made that change" in reply and "bill" in reply.lower()


# --- deliveries -----------------------------------------------------------------------


def test_a_late_order_gets_an_apology_and_an_offer_to_chase_it_then_one_ticket(chat, stack):
    customer_id = "C00063"
    close_open_tickets(customer_id)
    number = add_order(customer_id, "delayed", estimated_delivery=clock.today() - timedelta(days=2))
    turns = Turns(chat, customer_id)
    ask = turns.say_nothing_written(f"where is my order {number}?")
    assert "sorry" in ask.lower() and "TRK1234567890GB" in ask and "Shall I chase it?" in ask
    done, changed = turns.say("yes")
    gone, new = only_table(changed, "tickets")
    assert gone == [] and len(new) == 1 and number in new[0]
    assert "TKT-" in done
    ticket_number = done[done.index("TKT-") : done.index("TKT-") + 10]

    # the second report is acknowledged and added to the same ticket
    second = Turns(chat, customer_id)
    ask = second.say_nothing_written(f"my order {number} still hasn't arrived, it's late")
    assert ticket_number in ask and "won't open another" in ask
    _, changed = second.say("yes")
    gone, new = only_table(changed, "tickets")
    assert len(gone) == 1 and len(new) == 1 and ticket_number in new[0]

    # the third is escalated and a person is offered
    third = Turns(chat, customer_id)
    ask = third.say_nothing_written(f"this is ridiculous, {number} is still late")
    assert "third time" in ask and "agent" in ask
    third.say("yes")
    with db.session_scope() as session:
        tickets = session.execute(select(Ticket).where(Ticket.order_number == number)).scalars().all()
        assert [(t.number, t.reports, t.priority) for t in tickets] == [(ticket_number, 3, "urgent")]


def test_a_correction_of_an_order_number_opens_no_ticket(chat, stack):
    returned = add_order("C00064", "returned", delivered_on=clock.today() - timedelta(days=20))
    turns = Turns(chat, "C00064")
    turns.say_nothing_written("where is my order?")
    reply = turns.say_nothing_written(f"sorry wrong number, i meant {returned}")
    assert "replacement" not in reply.lower()


def test_a_delivery_problem_for_a_returned_order_says_where_it_stands(chat, stack):
    returned = add_order("C00065", "returned", delivered_on=clock.today() - timedelta(days=20))
    turns = Turns(chat, "C00065")
    reply = turns.say_nothing_written(f"order {returned} arrived damaged")
    assert "returned" in reply and "Shall I" not in reply


# --- complaints and faults ------------------------------------------------------------


def test_a_complaint_is_recorded_on_yes_and_a_second_one_is_added_to_it(chat, stack):
    customer_id = "C00066"
    close_open_tickets(customer_id)
    turns = Turns(chat, customer_id)
    ask = turns.say_nothing_written("I want to make a formal complaint, your service has been terrible")
    assert "sorry" in ask.lower() and "Shall I record it?" in ask and "£" not in ask
    done, changed = turns.say("yes")
    gone, new = only_table(changed, "tickets")
    assert gone == [] and len(new) == 1 and "'complaint'" in new[0]
    ticket_number = done[done.index("TKT-") : done.index("TKT-") + 10]
    again = Turns(chat, customer_id).say_nothing_written("I'm making another complaint, still awful service")
    assert ticket_number in again and "won't open another" in again


def test_no_to_recording_a_complaint_writes_nothing(chat, stack):
    close_open_tickets("C00067")
    turns = Turns(chat, "C00067")
    turns.say_nothing_written("I want to complain about the engineer who never turned up")
    assert "haven't changed anything" in turns.say_nothing_written("no")


def test_typed_still_broken_in_troubleshooting_is_the_answer_not_a_delivery_problem(chat, stack):
    customer_id = "C00068"
    close_open_tickets(customer_id)
    add_order(customer_id, "delivered", delivered_on=clock.today() - timedelta(days=4))
    turns = Turns(chat, customer_id)
    turns.say_nothing_written("my internet is not working at all")
    assert "working now" in turns.say_nothing_written("done")
    ask = turns.say_nothing_written("no still broken")
    assert "technical team" in ask and "Shall I open it?" in ask and "delivery" not in ask.lower()
    done, changed = turns.say("yes please")
    gone, new = only_table(changed, "tickets")
    assert gone == [] and len(new) == 1 and "'technical'" in new[0] and "TKT-" in done


# --- cancelling the plan ----------------------------------------------------------------


def main_plan_row(customer_id: str):
    with db.session_scope() as session:
        sub = session.execute(
            select(Subscription)
            .where(Subscription.customer_id == customer_id, Subscription.plan_code.like("%fibre%"))
            .where(Subscription.status.in_(("active", "cancelling")))
        ).scalar_one()
        return sub.status, sub.ends_on, sub.cancel_reason


def test_cancellation_asks_the_reason_offers_one_alternative_confirms_then_can_be_undone(chat, stack):
    customer_id = "C00004"  # Tom: fibre 100 and mobile
    before_all = records()
    assert main_plan_row(customer_id)[0] == "active"
    turns = Turns(chat, customer_id)
    assert "why you're leaving" in turns.say_nothing_written("i wanna cancel my subscription")
    alternative = turns.say_nothing_written("I'm moving house")
    assert "new address" in alternative
    ask = turns.say_nothing_written("no, just cancel it")
    assert "Shall I cancel it?" in ask and "Fibre 100" in ask
    done, changed = turns.say("yes")
    assert set(changed) == {"subscriptions"} and "cancelled" in done
    assert main_plan_row(customer_id)[:1] == ("cancelling",)
    undone, changed = turns.say("actually never mind, ill stay")
    assert "undone" in undone and set(changed) == {"subscriptions"}
    assert main_plan_row(customer_id) == ("active", None, None)
    assert changed_tables(before_all, records()) == {}


def test_no_to_the_cancellation_question_keeps_the_plan(chat, stack):
    turns = Turns(chat, "C00069")
    turns.say_nothing_written("I want to cancel my broadband")
    turns.say_nothing_written('/inform{"cancel_reason": "switching_provider"}')  # no alternative fits
    turns.say_nothing_written("hmm what would the fee be?")
    turns.say_nothing_written("no")


# --- addresses ----------------------------------------------------------------------------


def test_an_address_is_parsed_confirmed_and_can_be_undone(chat, stack):
    customer_id = "C00070"
    with db.session_scope() as session:
        customer = session.get(Customer, customer_id)
        old = (customer.address, customer.postcode)
    turns = Turns(chat, customer_id)
    assert "What's the new address" in turns.say_nothing_written("I need to change my address")
    ask = turns.say_nothing_written("its 14 Park Road, Manchester M20 2AB")
    assert "14 Park Road, Manchester, M20 2AB" in ask and "Shall I make the change?" in ask
    done, changed = turns.say("yes")
    assert "customers" in changed and "14 Park Road, Manchester, M20 2AB" in done
    with db.session_scope() as session:
        customer = session.get(Customer, customer_id)
        assert (customer.address, customer.postcode) == ("14 Park Road, Manchester", "M20 2AB")
    undone = turns.say("put my old address back")[0]
    assert old[0] in undone
    with db.session_scope() as session:
        customer = session.get(Customer, customer_id)
        assert (customer.address, customer.postcode) == old


def test_a_move_next_month_is_not_written_today(chat, stack):
    turns = Turns(chat, "C00071")
    turns.say_nothing_written("we're moving, can you update my address")
    reply = turns.say_nothing_written("its 14 Park Road, Manchester M20 2AB from next month")
    assert "haven't changed it" in reply


# --- every write stops at its question -------------------------------------------------------


WRITES = [
    ("refund", "C00072", lambda: f"I want a refund for {add_order('C00072', 'delivered', delivered_on=clock.today())}"),
    ("cancel order", "C00073", lambda: f"please cancel order {add_order('C00073', 'processing')}"),
    ("close account", "C00074", lambda: "please close my account"),
    ("complaint", "C00075", lambda: "I want to make a complaint about your service"),
    ("chase", "C00076", lambda: f"where is {add_order('C00076', 'delayed', estimated_delivery=clock.today())}"),
]


@pytest.mark.parametrize("kind, customer_id, opening", WRITES, ids=[w[0] for w in WRITES])
def test_a_conversation_that_stops_at_the_question_leaves_every_table_unchanged(
    chat, stack, kind, customer_id, opening
):
    close_open_tickets(customer_id)
    message = opening()  # the test's own order is made before the snapshot
    turns = Turns(chat, customer_id)
    reply = turns.say_nothing_written(message)
    assert "Shall I" in reply


def test_yes_but_why_to_the_chase_is_answered_and_asked_again_then_taken_back_in_words(chat, stack):
    customer_id = "C00064"
    close_open_tickets(customer_id)
    number = add_order(customer_id, "delayed", estimated_delivery=clock.today() - timedelta(days=3))
    turns = Turns(chat, customer_id)
    assert "Shall I chase it?" in turns.say_nothing_written(f"why hasn't {number} come yet")
    # agreement with a question in it is neither a yes nor a no: nothing written, the question stands
    again = turns.say_nothing_written("yeah but why is it so late, it's been days")
    assert "haven't done anything yet" in again and "Shall I chase it?" in again and number in again
    done, changed = turns.say("just chase it then")
    gone, new = only_table(changed, "tickets")
    assert gone == [] and len(new) == 1 and number in new[0] and "TKT-" in done
    ticket_number = done[done.index("TKT-") : done.index("TKT-") + 10]
    # "actually no, I'll wait" right after it is done takes it back, once, and the chat goes on
    undone, changed = turns.say("actually no, ill wait a bit longer")
    gone, new = only_table(changed, "tickets")
    assert len(gone) == 1 and len(new) == 1 and ticket_number in new[0] and "closed" in new[0]
    assert f"withdrawn ticket {ticket_number}" in undone and "another way" not in undone
    assert number in turns.say_nothing_written("where is it now")


def test_i_want_to_return_the_item_asks_before_a_refund_and_no_writes_nothing(chat, stack):
    with db.session_scope() as session:
        with_tablets = set(
            session.execute(
                select(Order.customer_id)
                .join(OrderItem, OrderItem.order_number == Order.number)
                .where(OrderItem.sku == "TAB-10")
            ).scalars()
        )
    customer_id = next(
        f"C{n:05d}" for n in range(65, 120) if f"C{n:05d}" not in with_tablets
    )  # "the tablet" is one order
    number = add_order(customer_id, "delivered", delivered_on=clock.today() - timedelta(days=3))
    turns = Turns(chat, customer_id)
    ask = turns.say_nothing_written("i want to return the tablet")
    assert number in ask and "Shall I request it?" in ask
    assert "haven't changed anything" in turns.say_nothing_written("hmm actually nah leave it")


# --- the session of 2026-12-07 (fourth): a third blind set's findings ---------------------------


def _customer_with_mobile_and_broadband() -> str:
    with db.session_scope() as session:
        rows = session.execute(
            select(Subscription.customer_id, Subscription.plan_code).where(Subscription.status == "active")
        ).all()
    kinds: dict = {}
    for customer_id, code in rows:
        if code:
            kinds.setdefault(customer_id, set()).add("mobile" if "mobile" in code else "broadband")
    personas = {f"C{n:05d}" for n in range(1, 90)}  # the personas and the ids other tests here take
    return next(c for c in sorted(kinds) if kinds[c] >= {"mobile", "broadband"} and c not in personas)


def plan_rows(customer_id: str) -> dict:
    with db.session_scope() as session:
        subs = session.execute(
            select(Subscription).where(Subscription.customer_id == customer_id, Subscription.plan_code.is_not(None))
        ).scalars()
        return {sub.plan_code: (sub.status, sub.ends_on) for sub in subs}


def test_cancelling_the_mobile_cancels_the_mobile_not_the_broadband(chat, stack):
    customer_id = _customer_with_mobile_and_broadband()
    before = plan_rows(customer_id)
    mobile = next(code for code in before if "mobile" in code)
    turns = Turns(chat, customer_id)
    assert "why you're leaving" in turns.say_nothing_written("cancel my mobile")
    # no alternative is offered for the mobile (the cheaper plans are broadband): straight to the question
    with db.session_scope() as session:
        mobile_name = session.get(Plan, mobile).name
    ask = turns.say_nothing_written("barely use it to be honest")
    assert mobile_name in ask and "Shall I cancel it?" in ask and "Fibre" not in ask
    done, changed = turns.say("yes")
    assert set(changed) == {"subscriptions"} and mobile_name in done
    after = plan_rows(customer_id)
    assert after[mobile][0] == "cancelling"
    assert {code: row for code, row in after.items() if code != mobile} == {
        code: row for code, row in before.items() if code != mobile
    }
    turns.say("actually never mind, ill stay")
    assert plan_rows(customer_id) == before


def test_ok_thanks_to_the_chase_question_is_thanks_not_a_yes(chat, stack):
    customer_id = "C00062"
    close_open_tickets(customer_id)
    number = add_order(customer_id, "delayed", estimated_delivery=clock.today() - timedelta(days=2))
    turns = Turns(chat, customer_id)
    assert "Shall I chase it?" in turns.say_nothing_written(f"wheres my order {number} at")
    # a question about the order in between: answered, the chase asked again, not "haven't made that change"
    again = turns.say_nothing_written("which courier has it")
    assert "DPD" in again and "Shall I chase it?" in again and "haven't made that change" not in again
    for thanks in ("ok ta", "lovely, cheers"):
        assert "welcome" in turns.say_nothing_written(thanks).lower()


def test_a_late_order_asked_with_another_request_answers_both_and_asks_last(chat, stack):
    """ "wheres my order X and whats my bill": the bill is answered too (it used to be dropped), the chase
    question comes last, nothing is written before the yes, and the yes writes one ticket."""
    customer_id = "C00061"
    close_open_tickets(customer_id)
    number = add_order(customer_id, "delayed", estimated_delivery=clock.today() - timedelta(days=2))
    turns = Turns(chat, customer_id)
    ask = turns.say_nothing_written(f"wheres my order {number} and whats my bill")
    assert "bill" in ask.lower() and "£" in ask and number in ask
    assert ask.rstrip().endswith("Shall I chase it?"), ask
    done, changed = turns.say("yes")
    gone, new = only_table(changed, "tickets")
    assert gone == [] and len(new) == 1 and number in new[0] and "TKT-" in done


def test_what_an_order_came_to_then_whether_it_can_still_go_back_writes_nothing(chat, stack):
    customer_id = "C00077"
    number = add_order(customer_id, "delivered", delivered_on=clock.today() - timedelta(days=3))
    turns = Turns(chat, customer_id)
    assert number in turns.say_nothing_written(f"did {number} get delivered")
    price = turns.say_nothing_written("how much did that come to all in")
    with db.session_scope() as session:
        total = session.get(Order, number).total_cents
    assert f"£{total / 100:.2f}" in price and "payment" not in price
    window = turns.say_nothing_written("could i still send it back if i dont get on with it")
    deadline = clock.today() + timedelta(days=27)
    assert "until" in window and f"{deadline.day} {deadline:%B}" in window and "Shall I request it?" in window
    assert "haven't changed anything" in turns.say_nothing_written("no")


def test_where_to_pay_and_the_weather_while_a_chase_is_asked(chat, stack):
    customer_id = "C00078"
    close_open_tickets(customer_id)
    number = add_order(customer_id, "delayed", estimated_delivery=clock.today() - timedelta(days=2))
    turns = Turns(chat, customer_id)
    assert "Shall I chase it?" in turns.say_nothing_written(f"wheres my order {number} at")
    paying = turns.say_nothing_written("where do i go to pay it")
    assert "northwind.example/account/pay" in paying or "nothing has failed" in paying, paying
    assert "Shall I chase it?" not in paying  # the chase was left, saying so
    assert "Shall I chase it?" in turns.say_nothing_written(f"where is {number} now")
    weather = turns.say_nothing_written("whats the weather gonna be like in manchester tomorrow")
    assert "can't help with that" in weather and "haven't changed anything" not in weather
