"""Orders and deliveries: where an order is, and what to do when it went wrong."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import List, Optional, Tuple

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from assistant import clock
from assistant.business import Policies
from assistant.customers import UK_POSTCODE
from assistant.dates import by_date, on_date
from assistant.models import Customer, Order, OrderItem, Refund
from assistant.refunds import new_refund, refund_for_order
from assistant.replies import Reply
from assistant.tickets import open_ticket

ORDER_NUMBER = re.compile(r"(?:ORD)?[-\s#]*(\d{6,15})", re.IGNORECASE)


def normalise_order_number(text: Optional[str]) -> Optional[str]:
    """`ord482913`, `#482913`, `ORD-482913` -> `ORD-482913`; None if no number.

    A longer number (7 to 15 digits, as other shops write theirs) is kept as
    typed, so it is looked up as itself and reported as not found, never
    mistaken for the order its first six digits would name.
    """
    if not text:
        return None
    match = ORDER_NUMBER.search(str(text))
    if match is None:
        return None
    digits = match.group(1)
    return f"ORD-{digits}" if len(digits) == 6 else digits


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


def carrier_name(order: Order) -> str:
    """The carrier as the customer reads it: its name, or "the carrier" when the record has none."""
    return order.carrier or Reply("utter_part_unnamed_carrier").text()


def describe_status(order: Order, today: Optional[date] = None) -> Reply:
    """Where the order is, in one or two sentences a customer can act on (utter_order_status_* in domain.yml)."""
    today = today or clock.today()
    facts = {"order_number": order.number, "items": items_summary(order)}
    tracked = {"carrier": order.carrier, "tracking_number": order.tracking_number}
    is_tracked = bool(order.carrier and order.tracking_number)
    eta = on_date(order.estimated_delivery, today)
    status = order.status
    if status == "processing":
        return Reply("utter_order_status_processing", {**facts, "eta": eta})
    if status == "shipped":
        if is_tracked:
            return Reply("utter_order_status_shipped_tracked", {**facts, **tracked, "eta": eta})
        return Reply("utter_order_status_shipped", {**facts, "eta": eta})
    if status == "out_for_delivery":
        if is_tracked:
            return Reply("utter_order_status_out_for_delivery_tracked", {**facts, **tracked})
        return Reply("utter_order_status_out_for_delivery", facts)
    if status == "delivered":
        return Reply("utter_order_status_delivered", {**facts, "delivered_on": on_date(order.delivered_on, today)})
    if status == "delayed":
        if is_tracked:
            return Reply("utter_order_status_delayed_tracked", {**facts, **tracked, "eta": eta})
        return Reply("utter_order_status_delayed", {**facts, "eta": eta})
    if status == "lost":
        return Reply("utter_order_status_lost", facts)
    if status == "cancelled":
        return Reply("utter_order_status_cancelled", facts)
    if status == "returned":
        return Reply("utter_order_status_returned", facts)
    return Reply("utter_order_status_other", {**facts, "status": status})


@dataclass
class DeliveryIssue:
    order: Order
    issue: str  # late | missing | damaged | wrong_item
    ticket_number: str
    next_step: Reply  # what the team will do about it (utter_next_step_<issue>)


DELIVERY_ISSUE_WORDS = {
    "damaged": ("damag", "broken", "smashed", "crack", "dent", "faulty"),
    # "wrong number" or "wrong order number" is a correction, not a wrong item
    "wrong_item": (
        "wrong item",
        "wrong thing",
        "wrong product",
        "wrong size",
        "wrong colour",
        "wrong color",
        "wrong model",
        "the wrong one",
        "sent me the wrong",
        "sent the wrong",
        "not what i ordered",
        "different item",
    ),
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


# Orders no delivery problem can be reported for: nothing is on its way or was kept.
NO_DELIVERY_TO_REPORT = ("returned", "cancelled")


def is_late(order: Order, today: Optional[date] = None) -> bool:
    """On its way and past the day it was due."""
    today = today or clock.today()
    if order.status == "delayed":
        return True
    return (
        order.status in ("processing", "shipped", "out_for_delivery")
        and order.estimated_delivery is not None
        and order.estimated_delivery < today
    )


def report_delivery_issue(
    session: Session,
    customer_id: str,
    order: Order,
    customer_text: str,
    policies: Policies,
    conversation_id: Optional[str] = None,
    today: Optional[date] = None,
) -> DeliveryIssue:
    today = today or clock.today()
    issue = classify_delivery_issue(customer_text, order, today)
    subjects = {
        "late": f"Late delivery of {order.number}",
        "missing": f"Missing delivery of {order.number}",
        "damaged": f"Damaged delivery of {order.number}",
        "wrong_item": f"Wrong item delivered in {order.number}",
    }
    next_steps = {
        "late": Reply(
            "utter_next_step_late",
            {
                "carrier": carrier_name(order),
                "by_day": by_date(today + timedelta(days=policies.late_delivery_grace_days), today),
            },
        ),
        "missing": Reply("utter_next_step_missing", {"within": policies.delivery_claim_within}),
        "damaged": Reply("utter_next_step_damaged"),
        "wrong_item": Reply("utter_next_step_wrong_item"),
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


# --- cancelling an order, and where it goes ----------------------------------

# Statuses in which the warehouse still holds the order: it can be cancelled
# or sent somewhere else. Once with the carrier it can only be refused or returned.
NOT_YET_DISPATCHED = ("processing",)
OPEN_ORDER_STATUSES = ("processing", "shipped", "out_for_delivery", "delayed")


def latest_open_order(session: Session, customer_id: str) -> Optional[Order]:
    """The customer's most recent order still on its way (None if none is)."""
    return (
        session.execute(
            select(Order)
            .where(Order.customer_id == customer_id, Order.status.in_(OPEN_ORDER_STATUSES))
            .options(selectinload(Order.items).selectinload(OrderItem.product))
            .order_by(Order.placed_at.desc())
            .limit(1)
        )
        .scalars()
        .first()
    )


def why_not_cancellable(order: Order, return_window_days: int) -> Optional[Reply]:
    """None if the order can be cancelled now; otherwise what the customer can do instead."""
    if order.status in NOT_YET_DISPATCHED:
        return None
    if order.status == "cancelled":
        return Reply("utter_order_already_cancelled", {"order_number": order.number})
    if order.status in ("shipped", "out_for_delivery", "delayed"):
        return Reply("utter_order_left_warehouse", {"order_number": order.number, "window_days": return_window_days})
    if order.status == "delivered":
        return Reply(
            "utter_order_delivered_not_cancellable",
            {
                "order_number": order.number,
                "delivered_on": on_date(order.delivered_on),
                "window_days": return_window_days,
            },
        )
    return Reply(
        "utter_order_not_cancellable", {"order_number": order.number, "status_sentence": describe_status(order).text()}
    )


def cancel_order(
    session: Session, customer_id: str, order: Order, processing_business_days: int, today: Optional[date] = None
) -> Refund:
    """Cancel an order that has not left the warehouse and refund what was paid for it.

    Cancelling twice returns the first refund; nothing is paid back twice.
    """
    existing = refund_for_order(session, customer_id, order.number)
    if order.status == "cancelled" and existing is not None:
        return existing
    if order.status not in NOT_YET_DISPATCHED:
        raise ValueError(f"order {order.number} has status {order.status} and cannot be cancelled")
    order.status = "cancelled"
    order.estimated_delivery = None
    return existing or new_refund(session, customer_id, order, "order cancelled before dispatch", "approved",
                                  processing_business_days, today or clock.today())  # fmt: skip


@dataclass
class AddressChange:
    address: str
    postcode: str
    redirected: List[str]  # orders that will go to the new address
    too_late: List[str]  # orders already with the carrier


def parse_address(text: str) -> Optional[Tuple[str, str]]:
    """(address line, postcode) from a customer's message, or None without a UK postcode."""
    text = re.sub(r"\s+", " ", text or "").strip()
    match = UK_POSTCODE.search(text)
    if match is None or len(text) < 10:
        return None
    postcode = f"{match.group(1)} {match.group(2)}".upper()
    line = (text[: match.start()] + text[match.end() :]).strip(" ,.-")
    line = re.sub(r"^(?:(?:my|the) )?(?:new )?address(?: is)?:? ", "", line, flags=re.IGNORECASE)
    line = re.sub(r"[\s,]*\b(?:please|thanks|thank you|cheers)\b[\s.!]*$", "", line, flags=re.IGNORECASE)
    line = re.sub(r"\s+", " ", line).strip(" ,.-")
    if not re.search(r"\d|[A-Za-z]{3,}", line):
        return None
    return line[:200], postcode


def change_address(session: Session, customer: Customer, address: str, postcode: str) -> AddressChange:
    """New address on the account; orders not yet dispatched go there too."""
    customer.address = address
    customer.postcode = postcode
    redirected, too_late = [], []
    orders = session.execute(
        select(Order).where(Order.customer_id == customer.id, Order.status.in_(OPEN_ORDER_STATUSES))
    ).scalars()
    for order in orders:
        if order.status in NOT_YET_DISPATCHED:
            order.shipping_address = f"{address}, {postcode}"
            redirected.append(order.number)
        else:
            too_late.append(order.number)
    session.flush()
    return AddressChange(address, postcode, sorted(redirected), sorted(too_late))
