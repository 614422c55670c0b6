"""Jobs finished in the chat: cancel an order, move address, the cost of leaving,
closing the account, leaving a review. Through the real Rasa and action servers,
checked against the records they change."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from assistant import clock, db
from assistant.accounts import CLOSURE_CATEGORY, ClosureCheck
from assistant.dates import add_months
from assistant.models import Bill, Customer, Order, OrderItem, Product, Refund, Subscription, Ticket
from assistant.money import format_money
from assistant.orders import parse_address, why_not_cancellable
from assistant.plans import current_plans, exit_costs

JANE, SAM, TOM, MIA = "C00001", "C00002", "C00004", "C00005"


def new_sender() -> str:
    return f"self-{uuid.uuid4().hex[:10]}"


def add_order(customer_id: str, status: str) -> str:
    """A fresh order for this test alone, so tests never change each other's records."""
    number = f"ORD-{900000 + uuid.uuid4().int % 99999}"
    with db.session_scope() as session:
        product = session.execute(select(Product).limit(1)).scalar_one()
        session.add(
            Order(
                number=number,
                customer_id=customer_id,
                placed_at=clock.now(),
                status=status,
                estimated_delivery=clock.today() + timedelta(days=3),
                shipping_address="1 Old Lane, LS1 4AP",
                total_cents=product.price_cents,
            )
        )
        session.flush()
        session.add(OrderItem(order_number=number, sku=product.sku, quantity=1, unit_price_cents=product.price_cents))
    return number


def order_and_refunds(number: str):
    with db.session_scope() as session:
        order = session.get(Order, number)
        refunds = session.execute(select(Refund).where(Refund.order_number == number)).scalars().all()
        return order.status, order.shipping_address, [(r.amount_cents, r.status) for r in refunds], order.total_cents


# --- cancelling an order ---------------------------------------------------------


def test_an_order_still_in_the_warehouse_is_cancelled_on_yes_and_refunded_once(chat, stack):
    number = add_order("C00010", "processing")
    sender = new_sender()
    ask = chat.text(sender, f"please cancel order {number}", "C00010")
    assert number in ask and "Shall I cancel it?" in ask
    assert order_and_refunds(number)[0] == "processing"  # nothing happens before the yes
    done = chat.text(sender, "yes", "C00010")
    assert f"order {number} is cancelled" in done and "RF-" in done
    status, _, refunds, total = order_and_refunds(number)
    assert status == "cancelled" and refunds == [(total, "approved")]
    again = chat.text(sender, f"cancel order {number}", "C00010")
    assert "already cancelled" in again
    assert len(order_and_refunds(number)[2]) == 1


def test_no_to_cancelling_leaves_the_order_alone(chat, stack):
    number = add_order("C00011", "processing")
    sender = new_sender()
    assert "Shall I cancel it?" in chat.text(sender, f"I want to cancel my order {number}", "C00011")
    assert "haven't changed anything" in chat.text(sender, "no", "C00011")
    assert order_and_refunds(number)[0] == "processing" and order_and_refunds(number)[2] == []


def test_an_order_with_the_courier_cannot_be_cancelled_and_the_customer_hears_what_to_do(chat):
    reply = chat.text(new_sender(), "cancel my order ORD-100001", JANE)
    assert "ORD-100001" in reply and "already left our warehouse" in reply and "return" in reply
    assert order_and_refunds("ORD-100001")[0] == "out_for_delivery"


def test_another_customers_order_cannot_be_cancelled(chat):
    number = add_order("C00012", "processing")
    reply = chat.text(new_sender(), f"cancel order {number}", SAM)
    assert "can't find" in reply
    assert order_and_refunds(number)[0] == "processing"


def test_why_not_cancellable_by_status():
    order = Order(number="ORD-1", status="processing")
    assert why_not_cancellable(order, 30) is None
    for status, response, words in [
        ("shipped", "utter_order_left_warehouse", "refuse"),
        ("cancelled", "utter_order_already_cancelled", "already cancelled"),
        ("delivered", "utter_order_delivered_not_cancellable", "return it"),
        ("returned", "utter_order_not_cancellable", "was returned to us"),
    ]:
        order.status, order.delivered_on = status, date(2026, 1, 5)
        reply = why_not_cancellable(order, 30)
        assert reply.name == response and reply.values["order_number"] == "ORD-1"
        assert words in reply.text()
    assert why_not_cancellable(Order(number="ORD-1", status="shipped"), 14).values["window_days"] == 14


def test_what_closing_the_account_means_is_said_from_the_records():
    check = ClosureCheck(plans=["Fibre 500", "TV Basics"], unpaid_cents=1050, open_orders=["ORD-1"])
    replies = check.replies()
    assert [r.name for r in replies] == ["utter_closure_plans", "utter_closure_unpaid", "utter_closure_order"]
    assert replies[0].values == {"plans": "Fibre 500 and TV Basics"} and replies[2].values == {"orders": "ORD-1"}
    assert replies[1].text() == "There is £10.50 unpaid on your bills, which still has to be paid."
    one = ClosureCheck(plans=["Fibre 500"], open_orders=["ORD-1", "ORD-2"]).replies()
    assert [r.name for r in one] == ["utter_closure_plan", "utter_closure_orders"]
    assert one[1].text() == "Orders ORD-1, ORD-2 would still be delivered."
    assert ClosureCheck().replies() == []


# --- address -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("12 Park Road, Leeds LS6 2AB", ("12 Park Road, Leeds", "LS6 2AB")),
        ("my new address is 4 High St, Bristol bs1 5tr please", ("4 High St, Bristol", "BS1 5TR")),
        ("Flat 3, 22 Queen Street, Cardiff CF10 2BU", ("Flat 3, 22 Queen Street, Cardiff", "CF10 2BU")),
        ("LS6 2AB", None),  # a postcode alone is not an address
        ("I moved last week", None),  # no postcode
    ],
)
def test_an_address_is_read_from_a_message_only_with_a_uk_postcode(text, expected):
    assert parse_address(text) == expected


def test_address_change_moves_the_account_and_orders_not_yet_dispatched(chat, stack):
    customer_id = "C00013"
    waiting, shipped = add_order(customer_id, "processing"), add_order(customer_id, "shipped")
    sender = new_sender()
    ask = chat.text(sender, "I've moved house, can you update my address?", customer_id)
    assert "The address on your account is" in ask and waiting in ask
    retry = chat.text(sender, "somewhere in Leeds", customer_id)
    assert "postcode" in retry  # asked again, nothing changed
    ask = chat.text(sender, "27 Canal Wharf, Leeds LS11 5PS", customer_id)
    assert "27 Canal Wharf, Leeds, LS11 5PS" in ask and "Shall I make the change?" in ask
    with db.session_scope() as session:
        assert session.get(Customer, customer_id).postcode != "LS11 5PS"  # nothing before the yes
    done = chat.text(sender, "yes", customer_id)
    assert "27 Canal Wharf, Leeds, LS11 5PS" in done and waiting in done and shipped in done
    with db.session_scope() as session:
        customer = session.get(Customer, customer_id)
        assert (customer.address, customer.postcode) == ("27 Canal Wharf, Leeds", "LS11 5PS")
    assert order_and_refunds(waiting)[1] == "27 Canal Wharf, Leeds, LS11 5PS"
    assert order_and_refunds(shipped)[1] == "1 Old Lane, LS1 4AP"  # with the courier: not rewritten


def test_a_question_in_the_middle_of_an_address_change_is_answered_then_the_address_taken(chat, stack):
    customer_id = "C00015"
    sender = new_sender()
    assert "What's the new address" in chat.text(sender, "I need to change my address", customer_id)
    side = chat.say(sender, "what are your opening hours?", customer_id)
    assert "Monday to Friday" in side[0]["text"] and "postcode" not in side[0]["text"]
    assert "What's the new address" in side[-1]["text"]  # and back to the address
    assert "8 Mill Lane, York, YO1 7HH" in chat.text(sender, "8 Mill Lane, York YO1 7HH", customer_id)
    done = chat.text(sender, "yes please", customer_id)
    assert "8 Mill Lane, York, YO1 7HH" in done
    with db.session_scope() as session:
        assert session.get(Customer, customer_id).postcode == "YO1 7HH"


def test_stopping_an_address_change_keeps_the_address(chat, stack):
    customer_id = "C00014"
    with db.session_scope() as session:
        before = session.get(Customer, customer_id).address
    sender = new_sender()
    assert "What's the new address" in chat.text(sender, "change my delivery address", customer_id)
    assert "kept the address" in chat.text(sender, "stop", customer_id)
    with db.session_scope() as session:
        assert session.get(Customer, customer_id).address == before
    after = chat.text(sender, "where is my order?", customer_id)  # the form is over: a question is a question
    assert "postcode" not in after and ("ORD-" in after or "any orders" in after)


# --- what leaving costs ------------------------------------------------------------


def test_exit_fee_counts_the_whole_months_left_after_notice(session):
    today = date(2026, 3, 10)
    sub = session.execute(
        select(Subscription).where(Subscription.customer_id == SAM, Subscription.plan_code.is_not(None))
    ).scalar_one()
    started, sub.started_on = sub.started_on, date(2026, 1, 15)
    try:
        cost = exit_costs(session, SAM, minimum_term_months=12, notice_days=30, today=today)[0]
        # notice ends 9 April; the term runs to 15 January 2027: 10 months, the last part counted whole
        assert cost.term_ends == date(2027, 1, 15) and cost.months_left == 10
        assert cost.fee_cents == 10 * sub.monthly_price_cents
        later = exit_costs(session, SAM, minimum_term_months=12, notice_days=30, today=date(2027, 1, 1))[0]
        fee = cost.reply()
        assert fee.name == "utter_exit_cost_fee" and fee.values["months_left"] == 10
        assert fee.values["fee"] == format_money(10 * sub.monthly_price_cents)
        assert later.months_left == 0 and later.fee_cents == 0
        assert later.reply().name in ("utter_exit_cost_term_ends", "utter_exit_cost_term_ended")
        assert "no fee" in later.reply().text()
    finally:
        sub.started_on = started


def test_add_months_keeps_the_day_or_takes_the_month_end():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 15), 3) == date(2027, 2, 15)


def test_the_cancellation_fee_is_answered_from_the_customers_plan(chat):
    new = chat.text(new_sender(), "how much is the early termination fee?", SAM)  # joined 20 days ago
    assert "early exit fee would be £" in new and "Fibre 100" in new
    old = chat.text(new_sender(), "what would it cost me to cancel my contract?", JANE)  # six years in
    assert "no fee" in old and "£" not in old.split("no fee")[0].split("Fibre 500")[-1]


# --- closing the account -------------------------------------------------------------


def closure_tickets(customer_id: str):
    with db.session_scope() as session:
        return session.execute(
            select(Ticket.number).where(Ticket.customer_id == customer_id, Ticket.category == CLOSURE_CATEGORY)
        ).all()


def test_closing_the_account_says_what_it_means_and_files_one_request_on_yes(chat, stack):
    with db.session_scope() as session:  # other tests may have cancelled one of Tom's plans
        running = [sub.plan.name for sub in current_plans(session, TOM) if sub.status == "active"]
    assert running
    sender = new_sender()
    ask = chat.text(sender, "I want to delete my account", TOM)
    assert all(name in ask for name in running) and "Shall I ask them to close it?" in ask
    assert closure_tickets(TOM) == []
    done = chat.text(sender, "yes please", TOM)
    assert "TKT-" in done and "tom.evans@example.com" in done
    chat.text(sender, "close my account", TOM)
    chat.text(sender, "yes", TOM)
    assert len(closure_tickets(TOM)) == 1  # asking twice files one request


def test_no_to_closing_keeps_the_account_and_files_nothing(chat, stack):
    sender = new_sender()
    chat.text(sender, "please close my online account", MIA)
    assert "haven't changed anything" in chat.text(sender, "no", MIA)
    assert closure_tickets(MIA) == []


# --- reviews ---------------------------------------------------------------------------


def test_a_review_is_taken_as_the_survey(chat):
    reply = chat.text(new_sender(), "I'd like to leave a review of your service", JANE)
    assert "0 to 10" in reply or "recommend" in reply.lower()


# --- what the customer has ----------------------------------------------------------------


def test_what_plan_am_i_on_is_answered_from_the_records_not_a_plan_change(chat):
    sender = new_sender()
    reply = chat.text(sender, "what plan am I on?", JANE)
    assert "Fibre 500" in reply and "£41.50" in reply and "Online Security" in reply
    assert "Which plan would you like instead?" not in reply
    # the next question is answered, not taken as an answer to a form
    assert "ORD-100001" in chat.text(sender, "where is my order?", JANE)
    sam = chat.text(new_sender(), "how long is left on my contract?", SAM)  # joined 20 days ago
    assert "Fibre 100" in sam and "minimum term to" in sam


def test_the_bill_answer_says_when_it_is_due_or_that_it_is_paid(chat):
    assert "due on" in chat.text(new_sender(), "when is my payment due?", SAM)  # Sam's bill is overdue
    with db.session_scope() as session:
        latest = session.execute(
            select(Bill).where(Bill.customer_id == JANE).order_by(Bill.issued_on.desc()).limit(1)
        ).scalar_one()
        status = latest.status
    reply = chat.text(new_sender(), "what is on my bill?", JANE)
    assert ("It's paid." in reply) == (status == "paid") and ("due on" in reply) == (status != "paid")
