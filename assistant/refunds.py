"""Refunds: whether an order can be refunded, asking for one, and where it is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import List, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant import clock
from assistant.dates import add_business_days, by_date, on_date
from assistant.models import Order, Refund
from assistant.money import format_money
from assistant.reference_numbers import unused_reference
from assistant.replies import Reply

ACTIVE_REFUND_STATUSES = ("requested", "approved")


@dataclass
class RefundOutcome:
    # eligible (nothing written yet) | created | existing | outside_window | not_delivered | no_order
    kind: str
    order: Optional[Order] = None
    refund: Optional[Refund] = None
    deadline: Optional[date] = None


def request_refund(
    session: Session,
    customer_id: str,
    order: Optional[Order],
    reason: str,
    return_window_days: int,
    processing_business_days: int,
    today: Optional[date] = None,
) -> RefundOutcome:
    """Create a refund request when the order is inside the return window.

    An order already refunded or being refunded gets its existing refund back,
    so asking twice never pays twice.
    """
    today = today or clock.today()
    outcome = refund_eligibility(session, customer_id, order, return_window_days, today)
    if outcome.kind != "eligible":
        return outcome
    refund = new_refund(session, customer_id, order, reason or "customer request", "requested",
                        processing_business_days, today)  # fmt: skip
    return RefundOutcome("created", order=order, refund=refund)


def refund_eligibility(
    session: Session, customer_id: str, order: Optional[Order], return_window_days: int, today: Optional[date] = None
) -> RefundOutcome:
    """Whether the order can be refunded now (kind "eligible"), without writing anything."""
    today = today or clock.today()
    if order is None:
        return RefundOutcome("no_order")
    existing = refund_for_order(session, customer_id, order.number)
    if existing is not None:
        return RefundOutcome("existing", order=order, refund=existing)
    if order.status in ("lost", "cancelled"):
        return RefundOutcome("eligible", order=order)  # never delivered: refundable whatever the date
    if order.status != "delivered" or order.delivered_on is None:
        return RefundOutcome("not_delivered", order=order)
    deadline = order.delivered_on + timedelta(days=return_window_days)
    if today > deadline:
        return RefundOutcome("outside_window", order=order, deadline=deadline)
    return RefundOutcome("eligible", order=order, deadline=deadline)


def refund_for_order(session: Session, customer_id: str, order_number: str) -> Optional[Refund]:
    """The order's latest refund that was not rejected, if any."""
    return session.execute(
        select(Refund)
        .where(Refund.customer_id == customer_id, Refund.order_number == order_number)
        .where(Refund.status != "rejected")
        .order_by(Refund.requested_at.desc())
        .limit(1)
    ).scalar_one_or_none()


def new_refund(
    session: Session, customer_id: str, order: Order, reason: str, status: str, processing_business_days: int,
    today: date,
) -> Refund:  # fmt: skip
    """A refund of the whole order, expected after the processing days."""
    refund = Refund(
        number=unused_reference(session, Refund, "RF-", 5),
        customer_id=customer_id,
        order_number=order.number,
        amount_cents=order.total_cents,
        reason=reason[:120],
        status=status,
        requested_at=clock.now(),
        expected_by=add_business_days(today, processing_business_days),
    )
    session.add(refund)
    session.flush()
    return refund


def find_refunds(
    session: Session, customer_id: str, refund_number: Optional[str] = None, limit: int = 3
) -> List[Refund]:
    query = select(Refund).where(Refund.customer_id == customer_id)
    if refund_number:
        query = query.where(Refund.number == refund_number)
    return list(session.execute(query.order_by(Refund.requested_at.desc()).limit(limit)).scalars())


def describe_refund(refund: Refund, today: Optional[date] = None) -> Reply:
    """Where the refund is (utter_refund_<status> in domain.yml), naming its order when it has one."""
    today = today or clock.today()
    amount = format_money(refund.amount_cents)
    if refund.order_number:
        which = Reply(
            "utter_part_refund_for_order",
            {"refund_number": refund.number, "order_number": refund.order_number, "amount": amount},
        )
    else:
        which = Reply("utter_part_refund", {"refund_number": refund.number, "amount": amount})
    facts = {"which_refund": which.text()}
    if refund.status in ACTIVE_REFUND_STATUSES:
        if refund.expected_by is not None and refund.expected_by < today:
            # A day gone by is no deadline: not "expect it by yesterday".
            late = {**facts, "expected_on": on_date(refund.expected_by, today)}
            return Reply(
                "utter_refund_requested_late" if refund.status == "requested" else "utter_refund_approved_late", late
            )
        due = {**facts, "expected_by": by_date(refund.expected_by, today)}
        return Reply("utter_refund_requested" if refund.status == "requested" else "utter_refund_approved", due)
    if refund.status == "paid":
        return Reply("utter_refund_paid", {**facts, "paid_on": on_date(refund.resolved_on, today)})
    if refund.status == "rejected":
        return Reply("utter_refund_rejected", facts)
    return Reply("utter_refund_other_status", {**facts, "status": refund.status})
