"""Support tickets: opened by the assistant when something needs a person's work."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant import clock
from assistant.models import Ticket
from assistant.reference_numbers import unused_reference

OPEN_STATUSES = ("open", "pending")
# Categories where an open ticket is the customer's one problem of that kind:
# a new report adds to it instead of opening a second ticket.
REPORTED_ONCE = ("complaint", "technical", "account_closure")


def find_open_ticket(
    session: Session, customer_id: str, category: str, order_number: Optional[str] = None
) -> Optional[Ticket]:
    query = select(Ticket).where(
        Ticket.customer_id == customer_id,
        Ticket.category == category,
        Ticket.status.in_(OPEN_STATUSES),
    )
    if order_number:
        query = query.where(Ticket.order_number == order_number)
    return session.execute(query.order_by(Ticket.created_at.desc()).limit(1)).scalar_one_or_none()


def open_ticket(
    session: Session,
    customer_id: str,
    category: str,
    subject: str,
    details: str = "",
    order_number: Optional[str] = None,
    conversation_id: Optional[str] = None,
    priority: str = "normal",
    now: Optional[datetime] = None,
) -> Ticket:
    """Open a ticket, or return the open one already about the same thing.

    Asking twice about the same late parcel must not create two tickets.
    """
    existing = find_open_ticket(session, customer_id, category, order_number)
    if existing is not None and (order_number or category in REPORTED_ONCE):
        if details and details not in (existing.details or ""):
            existing.details = f"{existing.details}\n{details}".strip()
        existing.updated_at = now or clock.now()
        return existing
    now = now or clock.now()
    ticket = Ticket(
        number=unused_reference(session, Ticket, "TKT-", 6),
        customer_id=customer_id,
        order_number=order_number,
        category=category,
        subject=subject[:200],
        details=details[:4000],
        status="open",
        priority=priority,
        created_at=now,
        updated_at=now,
        conversation_id=conversation_id,
    )
    session.add(ticket)
    session.flush()
    return ticket


def open_tickets(session: Session, customer_id: str) -> list:
    return list(
        session.execute(
            select(Ticket)
            .where(Ticket.customer_id == customer_id, Ticket.status.in_(OPEN_STATUSES))
            .order_by(Ticket.created_at.desc())
        ).scalars()
    )


def add_report(
    session: Session, ticket: Ticket, details: str, escalate_at: int, now: Optional[datetime] = None
) -> Ticket:
    """The customer reported the same problem again: a note on the open ticket, escalated at `escalate_at` reports."""
    now = now or clock.now()
    ticket.reports = (ticket.reports or 1) + 1
    note = f"[{now:%Y-%m-%d %H:%M}] Reported again in chat (report {ticket.reports})"
    ticket.details = f"{ticket.details or ''}\n{note}: {details[:1000]}".strip()[:8000]
    if ticket.reports >= escalate_at:
        ticket.priority = "urgent"
    ticket.updated_at = now
    session.flush()
    return ticket
