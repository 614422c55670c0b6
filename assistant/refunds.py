"""Refunds: whether an order can be refunded, asking for one, and where it is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import List, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.dates import add_business_days, say_date
from assistant.models import Order, Refund
from assistant.money import format_money
from assistant.reference_numbers import unused_reference

ACTIVE_REFUND_STATUSES = ("requested", "approved")


@dataclass
class RefundOutcome:
    # created | existing | outside_window | not_delivered | no_order
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
    today = today or date.today()
    if order is None:
        return RefundOutcome("no_order")
    existing = refund_for_order(session, customer_id, order.number)
    if existing is not None:
        return RefundOutcome("existing", order=order, refund=existing)
    if order.status in ("lost", "cancelled"):
        pass  # never delivered: refundable whatever the date
    elif order.status != "delivered" or order.delivered_on is None:
        return RefundOutcome("not_delivered", order=order)
    else:
        deadline = order.delivered_on + timedelta(days=return_window_days)
        if today > deadline:
            return RefundOutcome("outside_window", order=order, deadline=deadline)
    refund = new_refund(session, customer_id, order, reason or "customer request", "requested",
                        processing_business_days, today)  # fmt: skip
    return RefundOutcome("created", order=order, refund=refund)


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
        requested_at=datetime.utcnow(),
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


def describe_refund(refund: Refund, today: Optional[date] = None) -> str:
    today = today or date.today()
    amount = format_money(refund.amount_cents)
    about = f" for order {refund.order_number}" if refund.order_number else ""
    if refund.status == "requested":
        return f"Refund {refund.number}{about} ({amount}) has been requested and is being checked; expect it by {say_date(refund.expected_by, today)}."
    if refund.status == "approved":
        return f"Refund {refund.number}{about} ({amount}) is approved and on its way: it should reach your account by {say_date(refund.expected_by, today)}."
    if refund.status == "paid":
        return f"Refund {refund.number}{about} ({amount}) was paid {say_date(refund.resolved_on, today)}."
    if refund.status == "rejected":
        return f"Refund {refund.number}{about} ({amount}) was not approved."
    return f"Refund {refund.number}{about} ({amount}) has the status '{refund.status}'."
