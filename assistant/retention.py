"""Erasing a closed account's personal data once its notice period has passed.

"Close my account" promises erasure (assistant/accounts.py): the team closes
the account (`python -m assistant.cli close-account C00017`), and
`erasure_notice_days` later (business/policies.yml) its personal fields are
blanked here and its transcripts deleted (connectors/retention.py, which
reads Rasa's storage). What stays is what the business must keep or what
no longer names anyone: bills and payments, plans, order and ticket numbers,
and the survey scores, without their comments.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Iterable, List, Optional

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from assistant.models import (
    Customer,
    CustomerAttribute,
    Feedback,
    FeedbackDeadLetter,
    FeedbackOutbox,
    FollowUp,
    Order,
    RepSuggestion,
    SignInAttempt,
    Ticket,
)

ERASED_NAME = "Erased"


class UnknownCustomer(LookupError):
    pass


def close_account(session: Session, customer_id: str, on: date) -> Customer:
    """The team closed the account on `on`: erasure follows after the notice period."""
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise UnknownCustomer(f"no customer {customer_id!r}")
    customer.closed_on = customer.closed_on or on
    session.flush()
    return customer


def due_for_erasure(session: Session, today: date, notice_days: int) -> List[Customer]:
    """Closed accounts whose notice period has passed and which are not erased yet."""
    return list(
        session.execute(
            select(Customer)
            .where(
                Customer.closed_on.is_not(None),
                Customer.closed_on <= today - timedelta(days=notice_days),
                Customer.erased_on.is_(None),
            )
            .order_by(Customer.id)
        ).scalars()
    )


def erase_personal_fields(
    session: Session, customer: Customer, today: date, conversations: Optional[Iterable[str]] = None
) -> None:
    """Blank what names or reaches the person; keep the numbers and the scores."""
    conversation_ids = sorted(set(conversations or ()))
    if customer.email:
        session.execute(delete(SignInAttempt).where(SignInAttempt.account == customer.email))
    customer.first_name, customer.last_name = ERASED_NAME, ""
    customer.email, customer.phone, customer.postcode, customer.address = None, "", "", ""
    customer.erased_on = today
    session.execute(update(Order).where(Order.customer_id == customer.id).values(shipping_address=""))
    session.execute(update(Ticket).where(Ticket.customer_id == customer.id).values(details=""))
    feedback_ids = select(Feedback.id).where(Feedback.customer_id == customer.id)
    session.execute(update(Feedback).where(Feedback.customer_id == customer.id).values(comment=""))
    session.execute(
        update(FollowUp)
        .where(FollowUp.feedback_id.in_(feedback_ids))
        .values(notes="")
        .execution_options(synchronize_session="fetch")
    )
    session.execute(delete(CustomerAttribute).where(CustomerAttribute.customer_id == customer.id))
    session.execute(
        update(RepSuggestion).where(RepSuggestion.customer_id == customer.id).values(text="", used_text=None)
    )
    if conversation_ids:
        for table in (FeedbackOutbox, FeedbackDeadLetter):
            session.execute(delete(table).where(table.conversation_id.in_(conversation_ids)))
    session.flush()
