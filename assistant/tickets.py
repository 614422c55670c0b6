"""Support tickets: opened by the assistant when something needs a person's work."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Dict, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant import clock
from assistant.dates import on_date, say_date
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


# "any update on my ticket?", "what's happening with my complaint", "is TKT-100001 sorted yet":
# a question about a ticket already opened, not a request to open one.
_TICKET = re.compile(r"\b(?:tickets?|cases?|complaints?|fault reports?|(?:broadband |line |wifi )?fault|tkt-?\d{6})\b")
_STATUS_CUE = re.compile(
    r"\b(?:updates?|status|news|progress|happening|going on|heard|any word|still open|resolved|fixed|sorted|"
    r"closed|where (?:are|is)|latest|looked at|looking at|look(?:ing|ed)? into|dealt with|anyone|someone|outcome|"
    r"any open|have open|got open|open (?:tickets?|cases?|complaints?)|(?:tickets?|cases?|complaints?) (?:still )?open)\b"
)
_NEW_ONE = re.compile(
    r"\b(?:open|raise|log|make|file|create|start|submit|put in)\s+(?:a|an|another|new|one)\b|\bcomplain about\b"
)
TICKET_NUMBER = re.compile(r"\btkt-?(\d{6})\b")


def asks_about_a_ticket(text: str) -> bool:
    return ticket_question_at(text) is not None


def ticket_question_at(text: str) -> Optional[int]:
    """Where a question about a ticket already opened names the ticket (None when the text asks none)."""
    said = " ".join((text or "").lower().replace("\u2019", "'").split())
    ticket = _TICKET.search(said)
    if not ticket or not _STATUS_CUE.search(said) or _NEW_ONE.search(said):
        return None
    return ticket.start()


def named_ticket(text: str) -> Optional[str]:
    found = TICKET_NUMBER.search((text or "").lower())
    return f"TKT-{found.group(1)}" if found else None


@dataclass(frozen=True)
class TicketAnswer:
    """Which reply answers a question about the customer's tickets, and its facts."""

    response: str
    values: Dict[str, str]
    ticket: Optional[Ticket] = None


STATUS_WORDS = {
    "open": "still open with our team",
    "pending": "waiting on a reply from you or a partner",
    "resolved": "resolved",
    "closed": "closed",
}


def _described(ticket: Ticket, today) -> Dict[str, str]:
    return {
        "ticket_number": ticket.number,
        "subject": ticket.subject or ticket.category,
        "ticket_status": STATUS_WORDS.get(ticket.status, ticket.status),
        "opened_on": on_date(ticket.created_at, today),
        "updated_on": on_date(ticket.updated_at or ticket.created_at, today),
    }


def ticket_answer(session: Session, customer_id: str, text: str, today=None) -> TicketAnswer:
    """The customer's open tickets (or the one they named), else their latest, else none."""
    today = today or clock.today()
    mine = list(
        session.execute(
            select(Ticket).where(Ticket.customer_id == customer_id).order_by(Ticket.created_at.desc())
        ).scalars()
    )
    number = named_ticket(text)
    if number:
        named = next((t for t in mine if t.number == number), None)
        if named is None:
            return TicketAnswer("utter_ticket_not_found", {"ticket_number": number})
        return TicketAnswer("utter_ticket_status", _described(named, today), named)
    still_open = [t for t in mine if t.status in OPEN_STATUSES]
    if len(still_open) == 1:
        return TicketAnswer("utter_ticket_status", _described(still_open[0], today), still_open[0])
    if still_open:
        listed = "; ".join(
            f"{t.number}, {t.subject or t.category}, opened {say_date(t.created_at, today)}" for t in still_open
        )
        return TicketAnswer("utter_tickets_open", {"count": str(len(still_open)), "tickets": listed})
    if mine:
        return TicketAnswer("utter_ticket_none_open", _described(mine[0], today), mine[0])
    return TicketAnswer("utter_no_tickets", {})
