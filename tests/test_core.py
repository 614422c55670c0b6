"""The customer-history queries and business rules in assistant/, without Rasa."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from assistant import clock
from assistant.billing import (
    PaymentSituation,
    bill_explained,
    compare_bills,
    explain_latest_bill,
    payment_reply,
    payment_situation,
)
from assistant.customers import mask_email, verify_identity
from assistant.history import customer_history, history_as_dict
from assistant.models import Bill, BillLine, Order, Payment, Plan, Subscription
from assistant.money import format_money
from assistant.orders import (
    classify_delivery_issue,
    describe_status,
    find_order,
    items_summary,
    normalise_order_number,
)
from assistant.plans import (
    asks_about_alternative,
    cancel_main_plan,
    change_plan,
    main_plan,
    retention_offer,
    retention_offer_details,
)
from assistant.refunds import request_refund
from assistant.tickets import open_ticket

TODAY = clock.today()


@pytest.fixture(scope="module")
def database():
    """A demo database of this module's own, so other tests' chats don't change it."""
    from sqlalchemy.orm import sessionmaker

    from assistant import db
    from assistant.business import load_catalog
    from assistant.demo_data import load_demo_data, sync_catalog
    from assistant.models import Base

    engine = db.make_engine("sqlite://")
    Base.metadata.create_all(engine)
    make_session = sessionmaker(engine, future=True)
    with make_session.begin() as session:
        sync_catalog(session, load_catalog())
        load_demo_data(session, seed=7, customers=120, today=TODAY)
    return make_session


@pytest.fixture
def session(database):
    with database() as session:
        yield session
        session.rollback()


@pytest.mark.parametrize(
    "text, expected",
    [
        ("ORD-482913", "ORD-482913"),
        ("ord482913", "ORD-482913"),
        ("#482913", "ORD-482913"),
        ("no number", None),
        ("113542617735", "113542617735"),  # another shop's long number: kept whole, not cut to six digits
    ],
)
def test_order_numbers_are_normalised(text, expected):
    assert normalise_order_number(text) == expected


def test_orders_are_scoped_to_their_customer(session):
    assert find_order(session, "C00001", "ORD-100001").number == "ORD-100001"
    assert find_order(session, "C00002", "ORD-100001") is None


def test_latest_order_when_no_number_is_given(session):
    latest = find_order(session, "C00001", None)
    placed = (
        session.execute(select(Order.placed_at).where(Order.customer_id == "C00001").order_by(Order.placed_at.desc()))
        .scalars()
        .first()
    )
    assert latest.placed_at == placed


@pytest.mark.parametrize(
    "status, words",
    [
        ("processing", "being prepared"),
        ("shipped", "has shipped"),
        ("out_for_delivery", "out for delivery"),
        ("delivered", "was delivered"),
        ("delayed", "is delayed"),
        ("lost", "lost in transit"),
        ("cancelled", "was cancelled"),
        ("returned", "was returned"),
    ],
)
def test_every_order_status_is_described_from_the_record(session, status, words):
    order = session.execute(select(Order).where(Order.status == status).limit(1)).scalars().first()
    assert order is not None, f"demo data has an order with status {status}"
    reply = describe_status(order, TODAY)
    tracked = order.carrier and order.tracking_number and status in ("shipped", "out_for_delivery", "delayed")
    assert reply.name == f"utter_order_status_{status}" + ("_tracked" if tracked else "")
    assert reply.values["order_number"] == order.number and reply.values["items"] == items_summary(order)
    assert order.number in reply.text() and words in reply.text()


def test_a_status_the_assistant_does_not_know_is_named_as_it_is():
    reply = describe_status(Order(number="ORD-123456", status="held_at_customs", items=[]), TODAY)
    assert reply.name == "utter_order_status_other" and reply.values["status"] == "held_at_customs"
    assert reply.text() == "Order ORD-123456 (your items) has the status 'held_at_customs'."


def test_the_tracking_number_is_given_only_when_the_record_has_one():
    order = Order(number="ORD-123456", status="shipped", estimated_delivery=TODAY + timedelta(days=2), items=[])
    assert describe_status(order, TODAY).name == "utter_order_status_shipped"
    order.carrier, order.tracking_number = "DPD", "TRK123"
    reply = describe_status(order, TODAY)
    assert reply.name == "utter_order_status_shipped_tracked"
    assert (reply.values["carrier"], reply.values["tracking_number"]) == ("DPD", "TRK123")
    assert "with DPD (tracking TRK123)" in reply.text()


def test_the_next_step_of_a_delivery_problem_keeps_the_policies_promises(session):
    from assistant.business import load_policies
    from assistant.dates import by_date
    from assistant.orders import report_delivery_issue

    policies = load_policies()
    delayed = find_order(session, "C00002", "ORD-100003")
    late = report_delivery_issue(session, "C00002", delayed, "still waiting", policies, today=TODAY)
    assert late.issue == "late" and late.next_step.name == "utter_next_step_late"
    deadline = by_date(TODAY + timedelta(days=policies.late_delivery_grace_days), TODAY)
    assert late.next_step.values == {"carrier": delayed.carrier or "the carrier", "by_day": deadline}
    delivered = find_order(session, "C00003", "ORD-100004")
    missing = report_delivery_issue(session, "C00003", delivered, "it never arrived", policies, today=TODAY)
    assert missing.next_step.name == "utter_next_step_missing"
    assert missing.next_step.values == {"within": policies.delivery_claim_within}
    assert missing.next_step.text().endswith(f"within {policies.delivery_claim_within}.")
    session.rollback()


def test_delivery_issue_uses_the_customers_words_then_the_record(session):
    delayed = find_order(session, "C00002", "ORD-100003")
    assert classify_delivery_issue("the box came smashed", delayed, TODAY) == "damaged"
    assert classify_delivery_issue("it never arrived", delayed, TODAY) == "late"
    assert classify_delivery_issue("help", delayed, TODAY) == "late"


def test_bill_comparison_explains_the_whole_difference(session):
    comparison = explain_latest_bill(session, "C00001")
    assert comparison.delta_cents == 850
    assert sum(change.delta_cents for change in comparison.changes) == comparison.delta_cents
    kinds = {change.code: change.kind for change in comparison.changes}
    assert kinds == {"addon:device_protection": "new", "plan:fibre_500": "changed"}


def test_bill_comparison_reports_removed_lines():
    before = Bill(number="A", total_cents=1500)
    before.lines = [
        BillLine(code="plan:x", description="Plan", amount_cents=1000),
        BillLine(code="addon:y", description="Add-on", amount_cents=500),
    ]
    after = Bill(number="B", total_cents=1000)
    after.lines = [BillLine(code="plan:x", description="Plan", amount_cents=1000)]
    comparison = compare_bills(after, before)
    assert [(c.code, c.kind, c.delta_cents) for c in comparison.changes] == [("addon:y", "removed", -500)]


def test_the_bill_explanation_names_each_change_and_when_it_is_due():
    before = Bill(number="A", total_cents=1500)
    before.lines = [
        BillLine(code="plan:x", description="Plan", amount_cents=1000),
        BillLine(code="addon:y", description="Add-on", amount_cents=500),
    ]
    after = Bill(
        number="B",
        total_cents=1200,
        status="overdue",
        due_on=TODAY - timedelta(days=1),
        period_start=date(2026, 11, 1),
        period_end=date(2026, 11, 30),
    )
    after.lines = [BillLine(code="plan:x", description="Plan", amount_cents=1200)]
    reply = bill_explained(compare_bills(after, before))
    assert reply.name == "utter_bill_explained"
    assert reply.values["delta_text"] == "£3.00 less than"
    assert (
        reply.values["changes_text"]
        == "Add-on: £5.00 last time, not on this bill; Plan: up £2.00 (from £10.00 to £12.00)"
    )
    assert reply.values["due_text"] == "It was due yesterday."
    assert reply.text() == (
        "Your latest bill (B, 01 Nov to 30 Nov 2026) is £12.00, £3.00 less than your previous bill of £15.00. "
        "What changed: Add-on: £5.00 last time, not on this bill; Plan: up £2.00 (from £10.00 to £12.00). "
        "It was due yesterday."
    )
    assert bill_explained(compare_bills(after, None)).name == "utter_bill_first"


def test_a_failed_payment_is_explained_with_the_advice_for_its_reason():
    at = clock.now() - timedelta(days=2)
    card = Payment(amount_cents=2000, attempted_at=at, failure_reason="Card expired", bill_number="INV-1")
    reply = payment_reply(PaymentSituation(failed=card, overdue_bills=[], due_bills=[]))
    assert reply.name == "utter_payment_failed" and reply.values["bill_number"] == "INV-1"
    assert reply.values["advice"] == "Please update your card details in your account first."
    # no bill and no reason recorded: not "for bill your account", and the reason said plainly
    unknown = Payment(amount_cents=2000, attempted_at=at, failure_reason=None, bill_number=None)
    reply = payment_reply(PaymentSituation(failed=unknown, overdue_bills=[], due_bills=[]))
    assert reply.name == "utter_payment_failed_no_bill" and "bill_number" not in reply.values
    assert reply.values["failure_reason"] == "the payment was declined" and reply.values["advice"] == ""
    assert (
        payment_reply(PaymentSituation(failed=None, overdue_bills=[], due_bills=[])).name == "utter_payment_no_problem"
    )


def test_failed_payment_is_found_and_a_settled_one_is_not(session):
    assert payment_situation(session, "C00002").failed.failure_reason == "card expired"
    failed = session.execute(select(Payment).where(Payment.status == "failed")).scalars().all()
    settled = [
        p
        for p in failed
        if session.execute(
            select(Payment).where(Payment.bill_number == p.bill_number, Payment.status == "succeeded")
        ).first()
    ]
    assert settled, "demo data has a failed payment that was paid later"
    situation = payment_situation(session, settled[0].customer_id)
    assert situation.failed is None or situation.failed.bill_number != settled[0].bill_number


def test_refund_inside_the_window_then_not_twice(session):
    order = find_order(session, "C00003", "ORD-100004")
    first = request_refund(session, "C00003", order, "faulty", 30, 5, today=TODAY)
    assert first.kind == "created" and first.refund.amount_cents == order.total_cents
    assert first.refund.expected_by > TODAY
    second = request_refund(session, "C00003", order, "faulty", 30, 5, today=TODAY)
    assert second.kind == "existing" and second.refund.number == first.refund.number
    session.rollback()


def test_refund_outside_the_window_or_before_delivery(session):
    order = find_order(session, "C00003", "ORD-100004")
    late = request_refund(session, "C00003", order, "", 30, 5, today=order.delivered_on + timedelta(days=31))
    assert late.kind == "outside_window" and late.deadline == order.delivered_on + timedelta(days=30)
    in_transit = find_order(session, "C00001", "ORD-100001")
    assert request_refund(session, "C00001", in_transit, "", 30, 5).kind == "not_delivered"
    session.rollback()


def test_plan_change_is_scheduled_from_the_next_bill(session):
    change = change_plan(session, "C00005", "fibre_100", today=TODAY)
    assert change.old.plan_code == "essential_36" and change.new.status == "pending"
    assert change.effective > TODAY and change.effective.day == 1
    assert change.monthly_delta_cents == 2900 - 2400
    done = change.done()
    assert done.name == "utter_plan_changed_up"
    assert done.values["delta"] == "£5.00" and done.values["new_price"] == "£29.00"
    assert done.values["effective"] == f"{change.effective:%d %B %Y}"
    assert change_plan(session, "C00005", "essential_36") is None  # already has it
    session.rollback()


@pytest.mark.parametrize(
    "reason, kind",
    [
        ("price", "cheaper_plan"),
        ("moving", "home_move"),
        ("service_quality", "engineer_visit"),
        ("switching_provider", None),
        ("other", None),
    ],
)
def test_retention_offer_fits_the_reason(session, reason, kind):
    offer = retention_offer(session, "C00001", reason)
    assert (offer.kind if offer else None) == kind
    if offer is not None:
        assert offer.alternative.name == f"utter_part_alternative_{kind}"


def test_a_question_about_the_cheaper_plan_is_answered_from_the_catalog(session):
    offer = retention_offer(session, "C00003", "price")
    details = retention_offer_details(session, "C00003", offer)
    plan = session.get(Plan, offer.plan_code)
    assert details.name == "utter_alternative_details_cheaper_plan"
    assert details.values["price"] == format_money(plan.monthly_price_cents)
    assert f"{plan.speed_mbps} Mbps" in details.text() and plan.description in details.text()


@pytest.mark.parametrize("reason, kind", [("moving", "home_move"), ("service_quality", "engineer_visit")])
def test_a_question_about_the_other_alternatives_says_what_they_are(session, reason, kind):
    details = retention_offer_details(session, "C00001", retention_offer(session, "C00001", reason))
    said = details.text().lower()
    assert details.name == f"utter_alternative_details_{kind}"
    assert "free" in said or "costs nothing" in said


@pytest.mark.parametrize(
    "text, asks",
    [
        ("how much would that be a month?", True),
        ("and how fast is it", True),
        ("is it much slower", True),
        ("what's the catch", True),
        ("yes please", False),
        ("no, just cancel it", False),
        ("I'm moving house", False),
    ],
)
def test_a_question_about_the_alternative_to_cancelling(text, asks):
    assert asks_about_alternative(text) is asks


def test_the_cheaper_plan_offered_names_its_price_and_the_saving(session):
    offer = retention_offer(session, "C00001", "price")
    current = main_plan(session, "C00001")
    cheaper = session.get(Plan, offer.plan_code)
    assert offer.alternative.values == {
        "plan_name": cheaper.name,
        "price": format_money(cheaper.monthly_price_cents),
        "saving": format_money(current.monthly_price_cents - cheaper.monthly_price_cents),
    }
    assert offer.alternative.text().endswith("less than you pay now")


def test_no_cheaper_plan_is_offered_to_someone_on_the_cheapest(session):
    assert retention_offer(session, "C00005", "price") is None


def test_cancellation_is_honoured_with_notice_and_reason(session):
    cancellation = cancel_main_plan(session, "C00003", "price", today=TODAY)
    assert cancellation.ends_on == TODAY + timedelta(days=30)
    sub = session.get(Subscription, cancellation.subscription.id)
    assert sub.status == "cancelling" and sub.cancel_reason == "price"
    again = cancel_main_plan(session, "C00003", "other", today=TODAY + timedelta(days=3))
    assert again.ends_on == cancellation.ends_on
    session.rollback()


def test_a_second_report_about_the_same_order_reuses_the_ticket(session):
    first = open_ticket(session, "C00002", "delivery", "Late", "first", order_number="ORD-100003")
    second = open_ticket(session, "C00002", "delivery", "Late", "second", order_number="ORD-100003")
    assert first.number == second.number and "second" in second.details
    session.rollback()


def test_identity_needs_both_email_and_postcode(session):
    assert verify_identity(session, " Jane.Doe@Example.com ", "ls1 4ap").id == "C00001"
    assert verify_identity(session, "jane.doe@example.com", "M14 5RT") is None
    assert verify_identity(session, "", "LS1 4AP") is None


def test_masked_email_hides_the_local_part():
    assert mask_email("jane.doe@example.com") == "j*******@example.com"


def test_history_for_the_sidecar(session):
    data = history_as_dict(customer_history(session, "C00001"))
    assert data["customer_id"] == "C00001" and data["tenure_days"] >= 6 * 365
    assert data["recent_orders"][0]["number"] in ("ORD-100001", "ORD-100002")
    assert customer_history(session, "C99999") is None


def test_handoff_queue(session):
    from assistant.handoff import is_with_rep, queue_position, request_handoff

    first = request_handoff(session, "conv-a", "C00001", "wants a person")
    first.requested_at = clock.now() - timedelta(minutes=5)
    second = request_handoff(session, "conv-b", None, "wants a person")
    assert request_handoff(session, "conv-a", "C00001", "again").id == first.id
    assert queue_position(session, second) == queue_position(session, first) + 1
    assert is_with_rep(session, "conv-a") and not is_with_rep(session, "conv-c")
    session.rollback()


def test_a_ticket_question_is_answered_from_the_customers_own_tickets(session):
    from assistant.tickets import open_ticket, ticket_answer

    one = ticket_answer(session, "C00003", "any update on my ticket?", TODAY)
    assert one.response == "utter_ticket_status" and one.values["ticket_number"] == "TKT-100001"
    assert one.values["ticket_status"] == "still open with our team" and "dropping" in one.values["subject"]
    second = open_ticket(session, "C00003", "complaint", "Engineer late")
    both = ticket_answer(session, "C00003", "any news on my tickets", TODAY)
    assert both.response == "utter_tickets_open" and both.values["count"] == "2"
    assert both.values["tickets"].startswith(second.number)  # newest first
    named = ticket_answer(session, "C00003", "is tkt-100001 fixed", TODAY)
    assert named.ticket.number == "TKT-100001"
    # Another customer's ticket is not found, not shown.
    assert ticket_answer(session, "C00001", "is TKT-100001 fixed", TODAY).response == "utter_ticket_not_found"
    closed = ticket_answer(session, "C00004", "what's happening with my complaint", TODAY)
    assert closed.response == "utter_ticket_none_open" and closed.values["ticket_status"] == "closed"
    assert ticket_answer(session, "C00001", "any update on my ticket", TODAY).response == "utter_no_tickets"
    session.rollback()
