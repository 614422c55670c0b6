"""Facts that agree: the demo database never contradicts itself (issue 16, point 9).

Each test walks every row of a 500-customer demo business, made as of
several days (the middle of a month, the first of one, the end of February,
a 31st after a 31-day month), and lists every row that breaks one rule, so
a failure names the records to look at.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.business import load_catalog
from assistant.models import Bill, BillLine, Customer, Order, OrderItem, Payment, Plan, Refund, Subscription, Ticket
from assistant.offers.eligibility import why_not_eligible
from assistant.offers.profile import load_profiles
from tests.test_demo_data import build

DAYS = [date(2026, 3, 18), date(2026, 12, 1), date(2027, 2, 28), date(2026, 8, 31)]
CURRENT = ("active", "cancelling")
SHIPPED = ("shipped", "out_for_delivery", "delivered", "delayed", "lost", "returned")


@pytest.fixture(scope="module", params=DAYS, ids=str)
def demo(request):
    """Every row of the demo business made as of that day, grouped by customer."""
    today = request.param
    with Session(build(500, today=today), future=True) as session:
        rows = SimpleNamespace(today=today, **{
            name: list(session.execute(select(model)).scalars())
            for name, model in (
                ("customers", Customer), ("subscriptions", Subscription), ("bills", Bill), ("lines", BillLine),
                ("payments", Payment), ("orders", Order), ("items", OrderItem), ("refunds", Refund),
                ("tickets", Ticket), ("plans", Plan),
            )
        })  # fmt: skip
        rows.profiles = load_profiles(session, today=today)
        session.expunge_all()
    rows.customer = {customer.id: customer for customer in rows.customers}
    rows.order = {order.number: order for order in rows.orders}
    rows.bill = {bill.number: bill for bill in rows.bills}
    rows.kind = {plan.code: plan.kind for plan in rows.plans}
    rows.subscriptions_of = group(rows.subscriptions, "customer_id")
    rows.bills_of = group(rows.bills, "customer_id")
    rows.lines_of = group(rows.lines, "bill_number")
    rows.payments_of = group(rows.payments, "bill_number")
    rows.items_of = group(rows.items, "order_number")
    return rows


def group(rows, attribute):
    grouped = defaultdict(list)
    for row in rows:
        grouped[getattr(row, attribute)].append(row)
    return grouped


def held_during(subscription: Subscription, start: date, end: date) -> bool:
    """Held on some day of [start, end]; `ends_on` is the first day without it."""
    return subscription.started_on <= end and (subscription.ends_on is None or subscription.ends_on > start)


def assert_none(broken: list) -> None:
    assert not broken, f"{len(broken)} rows break the rule, e.g. {broken[:5]}"


# -- bills and payments -------------------------------------------------------


def test_bill_dates_come_in_order(demo):
    broken = [
        (bill.number, bill.period_start, bill.period_end, bill.issued_on, bill.due_on)
        for bill in demo.bills
        if not (
            bill.period_start <= bill.period_end
            and bill.issued_on <= bill.due_on
            and bill.period_start <= bill.due_on
            and demo.customer[bill.customer_id].joined_on <= bill.issued_on <= demo.today
        )
    ]
    assert_none(broken)


def test_bill_totals_equal_their_lines(demo):
    broken = [
        bill.number
        for bill in demo.bills
        if bill.total_cents != sum(line.amount_cents for line in demo.lines_of[bill.number])
    ]
    assert_none(broken)


def test_bill_status_agrees_with_payments_and_the_date(demo):
    broken = []
    for bill in demo.bills:
        paid = [p for p in demo.payments_of[bill.number] if p.status == "succeeded"]
        agrees = {
            "paid": len(paid) == 1 and paid[0].amount_cents == bill.total_cents,
            "overdue": not paid and bill.due_on < demo.today,
            "due": not paid and bill.due_on >= demo.today,
        }.get(bill.status, False)
        if not agrees:
            broken.append((bill.number, bill.status, bill.due_on, [p.status for p in demo.payments_of[bill.number]]))
    assert_none(broken)


def test_payments_are_for_the_bill_and_made_between_its_issue_and_today(demo):
    broken = [
        (payment.id, payment.bill_number, payment.attempted_at)
        for payment in demo.payments
        if payment.bill_number
        and not (
            payment.customer_id == demo.bill[payment.bill_number].customer_id
            and demo.bill[payment.bill_number].issued_on <= payment.attempted_at.date() <= demo.today
        )
    ]
    assert_none(broken)


def test_every_plan_and_add_on_billed_is_held_during_the_bill_period(demo):
    broken = []
    for bill in demo.bills:
        for line in demo.lines_of[bill.number]:
            kind, _, code = line.code.partition(":")
            if kind not in ("plan", "addon"):
                continue
            held = [
                sub
                for sub in demo.subscriptions_of[bill.customer_id]
                if (sub.plan_code if kind == "plan" else sub.addon_code) == code
                and sub.status != "pending"
                and held_during(sub, bill.period_start, bill.period_end)
            ]
            started_this_period = any(bill.period_start <= sub.started_on <= bill.period_end for sub in held)
            if not held or ("(new add-on)" in line.description and not started_this_period):
                broken.append((bill.customer_id, bill.number, bill.period_start, line.code, line.description))
    assert_none(broken)


def test_the_latest_bill_charges_what_the_customer_holds_at_its_price(demo):
    broken = []
    for customer_id, bills in demo.bills_of.items():
        latest = max(bills, key=lambda bill: bill.period_start)
        charged = {line.code: line.amount_cents for line in demo.lines_of[latest.number]}
        for sub in demo.subscriptions_of[customer_id]:
            if sub.status in CURRENT and sub.started_on <= latest.period_start:
                code = f"plan:{sub.plan_code}" if sub.plan_code else f"addon:{sub.addon_code}"
                if charged.get(code) != sub.monthly_price_cents:
                    broken.append((customer_id, latest.number, code, sub.monthly_price_cents, charged.get(code)))
    assert_none(broken)


def test_a_late_payment_fee_follows_a_late_or_failed_payment(demo):
    broken = []
    for bill in demo.bills:
        if not any(line.code == "fee:late_payment" for line in demo.lines_of[bill.number]):
            continue
        earlier = [other for other in demo.bills_of[bill.customer_id] if other.period_start < bill.period_start]
        late = [
            other.number
            for other in earlier
            for payment in demo.payments_of[other.number]
            if payment.status == "failed" or payment.attempted_at.date() > other.due_on
        ]
        if not late:
            broken.append((bill.customer_id, bill.number))
    assert_none(broken)


# -- subscriptions --------------------------------------------------------------


def test_subscription_dates_come_in_order(demo):
    broken = []
    for sub in demo.subscriptions:
        joined = demo.customer[sub.customer_id].joined_on
        agrees = joined <= sub.started_on and (sub.ends_on is None or sub.started_on <= sub.ends_on)
        agrees = agrees and {
            "active": sub.ends_on is None and sub.started_on <= demo.today,
            "cancelling": sub.ends_on is not None and sub.ends_on > demo.today,
            "cancelled": sub.ends_on is not None and sub.ends_on <= demo.today,
            "pending": sub.started_on > demo.today,
        }.get(sub.status, False)
        if not agrees:
            broken.append((sub.customer_id, sub.plan_code or sub.addon_code, sub.status, sub.started_on, sub.ends_on))
    assert_none(broken)


def test_every_add_on_held_is_one_the_catalog_would_sell_them(demo):
    catalog = load_catalog()
    broken = [
        (customer_id, code, why)
        for customer_id, profile in demo.profiles.items()
        for code in sorted(profile.addons)
        if (why := why_not_eligible(profile, catalog.addons[code], catalog))
    ]
    assert_none(broken)


def test_a_replaced_plan_ends_when_its_replacement_starts(demo):
    by_id = {sub.id: sub for sub in demo.subscriptions}
    broken = [
        (sub.customer_id, sub.plan_code, sub.started_on, by_id[sub.replaces_id].ends_on)
        for sub in demo.subscriptions
        if sub.replaces_id
        and not (
            by_id[sub.replaces_id].customer_id == sub.customer_id
            and demo.kind[by_id[sub.replaces_id].plan_code] == demo.kind[sub.plan_code]
            and by_id[sub.replaces_id].ends_on == sub.started_on
        )
    ]
    assert_none(broken)


def test_one_current_plan_of_each_kind_and_no_add_on_twice(demo):
    broken = []
    for customer in demo.customers:
        current = [sub for sub in demo.subscriptions_of[customer.id] if sub.status in CURRENT]
        kinds = [demo.kind[sub.plan_code] for sub in current if sub.plan_code]
        addons = [sub.addon_code for sub in current if sub.addon_code]
        if kinds.count("broadband") != 1 or len(set(kinds)) != len(kinds) or len(set(addons)) != len(addons):
            broken.append((customer.id, kinds, addons))
    assert_none(broken)


# -- orders, refunds, tickets -----------------------------------------------------


def test_order_dates_and_carriers_agree_with_the_status(demo):
    broken = []
    today = demo.today
    for order in demo.orders:
        placed = order.placed_at.date()
        shipped = order.status in SHIPPED
        delivered = order.status in ("delivered", "returned")
        eta = order.estimated_delivery
        agrees = (
            demo.customer[order.customer_id].joined_on <= placed <= today
            and (order.shipped_on is not None) == shipped == (order.carrier is not None)
            and (order.tracking_number is not None) == shipped
            and (not shipped or placed <= order.shipped_on <= today)
            and (order.delivered_on is not None) == delivered
            and (not delivered or order.shipped_on <= order.delivered_on <= today)
            and (eta is None) == (order.status == "cancelled")
            and (eta is None or eta >= placed)
            and {
                "processing": eta is not None and eta > today,
                "shipped": eta is not None and eta >= today,
                "out_for_delivery": eta == today,
                "delayed": eta is not None and eta < today,
            }.get(order.status, True)
            and order.total_cents == sum(i.quantity * i.unit_price_cents for i in demo.items_of[order.number])
        )
        if not agrees:
            broken.append(
                (order.number, order.status, placed, order.shipped_on, eta, order.delivered_on, order.carrier)
            )
    assert_none(broken)


def test_refunds_are_for_the_customers_own_order_and_come_after_it(demo):
    broken = []
    today = demo.today
    for refund in demo.refunds:
        order = demo.order[refund.order_number]
        requested = refund.requested_at.date()
        is_open = refund.status in ("requested", "approved")
        agrees = (
            order.customer_id == refund.customer_id
            and 0 < refund.amount_cents <= order.total_cents
            and order.placed_at <= refund.requested_at
            and (order.delivered_on is None or order.delivered_on <= requested)
            and requested <= today
            and (refund.expected_by is not None) == is_open
            and (refund.resolved_on is not None) == (not is_open)
            # an open refund is still to come; a settled one was settled by today
            and (not is_open or refund.expected_by >= today)
            and (is_open or requested <= refund.resolved_on <= today)
        )
        if not agrees:
            broken.append(
                (refund.number, refund.status, order.number, requested, refund.expected_by, refund.resolved_on)
            )
    assert_none(broken)


def test_every_returned_order_has_a_refund(demo):
    refunded = {refund.order_number for refund in demo.refunds if refund.status != "rejected"}
    assert_none([order.number for order in demo.orders if order.status == "returned" and order.number not in refunded])


def test_tickets_are_updated_after_they_are_created_and_not_after_today(demo):
    broken = [
        (ticket.number, ticket.created_at, ticket.updated_at)
        for ticket in demo.tickets
        if not (
            demo.customer[ticket.customer_id].joined_on <= ticket.created_at.date()
            and ticket.created_at <= ticket.updated_at
            and ticket.updated_at.date() <= demo.today
            and (ticket.order_number is None or demo.order[ticket.order_number].customer_id == ticket.customer_id)
        )
    ]
    assert_none(broken)


# -- the personas the demos and tests rely on ---------------------------------------


def test_the_personas_keep_their_facts(demo):
    today = demo.today

    def current(customer_id):
        return {sub.plan_code or sub.addon_code for sub in demo.subscriptions_of[customer_id] if sub.status in CURRENT}

    def latest_bill(customer_id):
        return max(demo.bills_of[customer_id], key=lambda bill: bill.period_start)

    # Jane: a long-standing customer whose latest bill rose by a price rise and a new add-on.
    assert demo.customer["C00001"].joined_on <= today - timedelta(days=6 * 365)
    assert current("C00001") == {"fibre_500", "online_security", "device_protection"}
    jane_bill = latest_bill("C00001")
    assert (jane_bill.number, jane_bill.status) == ("INV-1000003", "paid" if jane_bill.due_on < today else "due")
    assert demo.order["ORD-100001"].status == "out_for_delivery"
    jane_refund = next(refund for refund in demo.refunds if refund.number == "RF-10001")
    assert jane_refund.status == "approved" and jane_refund.expected_by > today

    # Sam: joined weeks ago; his only bill is overdue after his card was declined.
    assert demo.customer["C00002"].joined_on == today - timedelta(days=20)
    sam_bill = latest_bill("C00002")
    assert (sam_bill.number, sam_bill.status) == ("INV-1000011", "overdue") and sam_bill.due_on < today
    assert [p.failure_reason for p in demo.payments_of["INV-1000011"]] == ["card expired"]
    assert demo.order["ORD-100003"].status == "delayed"

    # Aisha: a phone delivered five days ago, inside the return window, and an open technical ticket.
    assert demo.order["ORD-100004"].delivered_on == today - timedelta(days=5)
    assert current("C00003") == {"fibre_900"}
    assert [(t.number, t.status) for t in demo.tickets if t.customer_id == "C00003"] == [("TKT-100001", "open")]

    # Tom: a returned TV refunded, and a closed complaint.
    tom_refund = next(refund for refund in demo.refunds if refund.number == "RF-10002")
    assert (tom_refund.order_number, tom_refund.status) == ("ORD-100005", "paid")
    assert current("C00004") == {"fibre_100", "mobile_unlimited"}

    # Mia: on the cheapest plan, with an order placed today.
    assert current("C00005") == {"essential_36"}
    mia_order = demo.order["ORD-100006"]
    assert (mia_order.status, mia_order.placed_at.date()) == ("processing", today)
