"""Orders and deliveries: where an order is, and what to do when it went wrong."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import List, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from assistant.dates import say_date
from assistant.models import Order, OrderItem
from assistant.tickets import open_ticket

ORDER_NUMBER = re.compile(r"(?:ORD)?[-\s#]*(\d{6})", re.IGNORECASE)
LATE_GRACE_DAYS = 2


def normalise_order_number(text: Optional[str]) -> Optional[str]:
    """`ord482913`, `#482913`, `ORD-482913` -> `ORD-482913`; None if no number."""
    if not text:
        return None
    match = ORDER_NUMBER.search(str(text))
    return f"ORD-{match.group(1)}" if match else None


def find_order(session: Session, customer_id: str, order_number: Optional[str]) -> Optional[Order]:
    """The customer's order with that number, or their latest order if no number.

    Scoped to the customer: another customer's order number finds nothing.
    """
    query = (
        select(Order)
        .where(Order.customer_id == customer_id)
        .options(selectinload(Order.items).selectinload(OrderItem.product))
    )
    if order_number:
        query = query.where(Order.number == order_number)
    else:
        query = query.order_by(Order.placed_at.desc()).limit(1)
    return session.execute(query).scalars().first()


def items_summary(order: Order) -> str:
    names = [
        (f"{item.quantity} × {item.product.name}" if item.quantity > 1 else item.product.name) for item in order.items
    ]
    if not names:
        return "your items"
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def describe_status(order: Order, today: Optional[date] = None) -> str:
    """One or two sentences a customer can act on, built from the record."""
    today = today or date.today()
    what = items_summary(order)
    tracking = (
        f" with {order.carrier} (tracking {order.tracking_number})" if order.carrier and order.tracking_number else ""
    )
    eta = say_date(order.estimated_delivery, today)
    status = order.status
    if status == "processing":
        return f"Order {order.number} ({what}) is being prepared in our warehouse and should arrive {eta}."
    if status == "shipped":
        return f"Order {order.number} ({what}) has shipped{tracking} and is due {eta}."
    if status == "out_for_delivery":
        return f"Order {order.number} ({what}) is out for delivery{tracking} and should reach you today."
    if status == "delivered":
        return f"Order {order.number} ({what}) was delivered {say_date(order.delivered_on, today)}."
    if status == "delayed":
        return f"Order {order.number} ({what}) is delayed{tracking}: it was due {eta} and has not arrived yet."
    if status == "lost":
        return f"The carrier has reported order {order.number} ({what}) as lost in transit."
    if status == "cancelled":
        return f"Order {order.number} ({what}) was cancelled, so it won't be delivered."
    if status == "returned":
        return f"Order {order.number} ({what}) was returned to us."
    return f"Order {order.number} ({what}) has the status '{status}'."


@dataclass
class DeliveryIssue:
    order: Order
    issue: str  # late | missing | damaged | wrong_item
    ticket_number: str
    next_step: str


DELIVERY_ISSUE_WORDS = {
    "damaged": ("damag", "broken", "smashed", "crack", "dent", "faulty"),
    "wrong_item": ("wrong", "not what i ordered", "different item"),
    "missing": ("missing", "never arrived", "not arrived", "didn't arrive", "not here", "stolen", "lost"),
    "late": ("late", "delay", "still waiting", "overdue", "taking ages"),
}


def classify_delivery_issue(text: str, order: Order, today: date) -> str:
    """What went wrong: the customer's own words first, the record second."""
    lowered = (text or "").lower()
    for issue, words in DELIVERY_ISSUE_WORDS.items():
        if any(word in lowered for word in words):
            if issue == "missing" and order.status != "delivered" and not order.status == "lost":
                # "not arrived" about an order still on its way means late
                return "late"
            return issue
    if order.status == "lost":
        return "missing"
    if order.status == "delivered":
        return "missing"
    return "late"


def report_delivery_issue(
    session: Session,
    customer_id: str,
    order: Order,
    customer_text: str,
    conversation_id: Optional[str] = None,
    today: Optional[date] = None,
) -> DeliveryIssue:
    today = today or date.today()
    issue = classify_delivery_issue(customer_text, order, today)
    subjects = {
        "late": f"Late delivery of {order.number}",
        "missing": f"Missing delivery of {order.number}",
        "damaged": f"Damaged delivery of {order.number}",
        "wrong_item": f"Wrong item delivered in {order.number}",
    }
    next_steps = {
        "late": (
            f"I've asked {order.carrier or 'the carrier'} to chase it. If it hasn't arrived by "
            f"{say_date(today + timedelta(days=LATE_GRACE_DAYS), today)}, we'll send a replacement or refund you, your choice."
        ),
        "missing": "We'll open a claim with the carrier and send a replacement or a refund within 2 working days.",
        "damaged": "Please keep the packaging; we'll send a prepaid returns label and a replacement straight away.",
        "wrong_item": "We'll send the right item today and a prepaid label to return the wrong one.",
    }
    ticket = open_ticket(
        session,
        customer_id=customer_id,
        category="delivery",
        subject=subjects[issue],
        details=f"Customer said: {customer_text[:1000]}",
        order_number=order.number,
        conversation_id=conversation_id,
        priority="high" if issue in ("missing", "damaged") else "normal",
    )
    return DeliveryIssue(order=order, issue=issue, ticket_number=ticket.number, next_step=next_steps[issue])


def recent_orders(session: Session, customer_id: str, limit: int = 5) -> List[Order]:
    return list(
        session.execute(
            select(Order)
            .where(Order.customer_id == customer_id)
            .options(selectinload(Order.items).selectinload(OrderItem.product))
            .order_by(Order.placed_at.desc())
            .limit(limit)
        ).scalars()
    )
