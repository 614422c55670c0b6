"""Changes to the records, without Rasa: made once, undone where they can be (assistant/changes.py)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from assistant import clock
from assistant.business import load_policies
from assistant.changes import (
    ChangeNoLongerPossible,
    DoneChange,
    ProposedChange,
    describe_reports,
    make_change,
    undo_change,
)
from assistant.models import Customer, Order, OrderItem, Product, Refund, Subscription, Ticket
from assistant.plans import main_plan
from assistant.replies import Reply

POLICIES = load_policies()


def order_for(session, customer_id: str, status: str, **fields) -> Order:
    product = session.execute(select(Product).where(Product.sku == "TAB-10")).scalar_one()
    values = dict(
        number=f"ORD-{700000 + uuid.uuid4().int % 99999}",
        customer_id=customer_id,
        placed_at=clock.now() - timedelta(days=5),
        status=status,
        total_cents=product.price_cents,
        shipping_address="1 Old Lane, LS1 4AP",
    )
    values.update(fields)
    order = Order(**values)
    session.add(order)
    session.flush()
    session.add(OrderItem(order_number=order.number, sku=product.sku, quantity=1, unit_price_cents=product.price_cents))
    session.flush()
    return order


def test_a_proposed_change_survives_the_slot_and_garbage_is_no_change():
    change = ProposedChange("refund", {"amount": "£1.00"}, {"order_number": "ORD-1"}, "msg-1")
    assert ProposedChange.from_slot(change.to_slot()) == change
    for garbage in (None, "", "{", "[]", '{"kind": "launch_rockets"}', 42):
        assert ProposedChange.from_slot(garbage) is None
        assert DoneChange.from_slot(garbage) is None


def test_a_refund_asked_twice_is_made_once_and_cannot_be_undone(session):
    order = order_for(session, "C00090", "delivered", delivered_on=clock.today() - timedelta(days=2))
    customer = session.get(Customer, "C00090")
    change = ProposedChange("refund", {}, {"order_number": order.number, "reason": "faulty"})
    first = make_change(session, customer, change, POLICIES, "conv-1")
    second = make_change(session, customer, change, POLICIES, "conv-1")
    assert first.facts["refund_number"] == second.facts["refund_number"]
    count = session.execute(select(func.count()).select_from(Refund).where(Refund.order_number == order.number))
    assert count.scalar_one() == 1
    assert not undo_change(session, customer, first)
    session.rollback()


def test_an_order_gone_from_the_warehouse_between_question_and_yes_is_not_cancelled(session):
    order = order_for(session, "C00090", "processing")
    customer = session.get(Customer, "C00090")
    order.status = "shipped"  # it left while the customer was reading the question
    with pytest.raises(ChangeNoLongerPossible, match="left our warehouse") as stopped:
        make_change(
            session, customer, ProposedChange("cancel_order", {}, {"order_number": order.number}), POLICIES, "c"
        )
    assert stopped.value.reason == Reply("utter_part_order_left_warehouse", {"order_number": order.number})
    session.rollback()


def test_a_missing_delivery_is_promised_within_the_time_in_the_policies(session):
    order = order_for(session, "C00090", "delivered", delivered_on=clock.today() - timedelta(days=1))
    customer = session.get(Customer, "C00090")
    params = {"order_number": order.number, "details": "Customer said: it never arrived"}
    done = make_change(session, customer, ProposedChange("delivery_ticket", {}, params), POLICIES, "conv-d")
    expected = Reply("utter_next_step_missing", {"within": POLICIES.delivery_claim_within}).text()
    assert done.facts["next_step"] == expected and POLICIES.delivery_claim_within in expected
    session.rollback()


def test_another_customers_order_is_never_changed(session):
    order = order_for(session, "C00091", "delivered", delivered_on=clock.today())
    intruder = session.get(Customer, "C00090")
    with pytest.raises(ChangeNoLongerPossible, match="not on your account") as stopped:
        make_change(session, intruder, ProposedChange("refund", {}, {"order_number": order.number}), POLICIES, "c")
    assert stopped.value.reason.name == "utter_part_order_not_yours"
    session.rollback()


def test_a_plan_cancellation_is_undone_to_exactly_what_it_was(session):
    customer = session.get(Customer, "C00092")
    plan = main_plan(session, customer.id)
    before = (plan.status, plan.ends_on, plan.cancel_reason)
    done = make_change(session, customer, ProposedChange("cancel_plan", {}, {"reason": "price"}), POLICIES, "c")
    assert plan.status == "cancelling" and plan.ends_on == clock.today() + timedelta(
        days=POLICIES.cancellation_notice_days
    )
    assert undo_change(session, customer, done)
    assert (plan.status, plan.ends_on, plan.cancel_reason) == before
    assert not undo_change(session, customer, done)  # twice: nothing left to undo
    session.rollback()


def test_an_address_change_is_undone_with_the_orders_it_moved(session):
    customer = session.get(Customer, "C00093")
    waiting = order_for(session, customer.id, "processing", shipping_address=f"{customer.address}, {customer.postcode}")
    old = (customer.address, customer.postcode, waiting.shipping_address)
    change = ProposedChange("address", {}, {"address": "14 Park Road, Manchester", "postcode": "M20 2AB"})
    done = make_change(session, customer, change, POLICIES, "c")
    assert (customer.address, customer.postcode) == ("14 Park Road, Manchester", "M20 2AB")
    assert (
        waiting.shipping_address == "14 Park Road, Manchester, M20 2AB" and waiting.number in done.facts["redirected"]
    )
    assert undo_change(session, customer, done)
    assert (customer.address, customer.postcode, waiting.shipping_address) == old
    session.rollback()


def test_a_ticket_opened_in_this_chat_can_be_withdrawn_one_that_existed_cannot(session):
    customer = session.get(Customer, "C00094")
    for ticket in session.execute(select(Ticket).where(Ticket.customer_id == customer.id)).scalars():
        ticket.status = "closed"
    change = ProposedChange("complaint", {}, {"subject": "Engineer missed", "details": "nobody came"})
    done = make_change(session, customer, change, POLICIES, "conv-a")
    ticket = session.get(Ticket, done.facts["ticket_number"])
    assert ticket.status == "open" and ticket.priority == "high"
    # reported again in another chat: the same ticket, a second report, not withdrawable from there
    again = make_change(session, customer, change, POLICIES, "conv-b")
    assert again.facts["ticket_number"] == ticket.number and again.undo == {}
    assert undo_change(session, customer, done)
    assert ticket.status == "closed" and "Withdrawn by the customer" in ticket.details
    session.rollback()


def test_the_third_report_of_the_same_problem_is_escalated(session):
    customer = session.get(Customer, "C00095")
    ticket = Ticket(
        number=f"TKT-{uuid.uuid4().int % 899999 + 100000}",
        customer_id=customer.id,
        category="technical",
        subject="Wi-Fi drops",
        details="",
        status="open",
        priority="normal",
        created_at=clock.now() - timedelta(days=3),
        updated_at=clock.now() - timedelta(days=3),
    )
    session.add(ticket)
    session.flush()
    assert describe_reports(ticket)["reports"] == "second" and not describe_reports(ticket)["escalate"]
    note = ProposedChange("ticket_note", {}, {"ticket_number": ticket.number, "details": "still dropping"})
    make_change(session, customer, note, POLICIES, "c")
    assert (ticket.reports, ticket.priority) == (2, "normal") and "still dropping" in ticket.details
    assert describe_reports(ticket)["escalate"]
    make_change(session, customer, note, POLICIES, "c")
    assert (ticket.reports, ticket.priority) == (3, "urgent")
    session.rollback()


def test_the_plan_is_read_from_the_records_each_time(session):
    # the subscription the undo names must still be the customer's own
    customer = session.get(Customer, "C00096")
    other = session.execute(select(Subscription).where(Subscription.customer_id == "C00097")).scalars().first()
    forged = DoneChange("cancel_plan", {}, {"subscription_id": str(other.id), "status": "active"})
    assert not undo_change(session, customer, forged)
    session.rollback()
