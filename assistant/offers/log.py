"""What was offered or suggested, and what became of it.

Offers: shown -> accepted | declined | ignored. An accepted add-on becomes a
pending subscription from the customer's next bill, so the customer sees a
confirmation with a reference and a date. Rep suggestions: shown, then used
as is, edited, or not at all, so prompts can be joined to the feedback of the
conversations they were used in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import List, Optional

from sqlalchemy import DateTime, bindparam, insert, select, text, update
from sqlalchemy.orm import Session

from assistant import clock
from assistant.models import AddOn, OfferEvent, RepSuggestion, Subscription
from assistant.offers.engine import Offer
from assistant.offers.questions import Question
from assistant.plans import next_bill_start

SUGGESTION_USES = ("unused", "as_is", "edited")


def record_offer_shown(
    session: Session, customer_id: str, offer: Offer, conversation_id: Optional[str], channel: str = "chat"
) -> OfferEvent:
    event = OfferEvent(
        customer_id=customer_id,
        conversation_id=conversation_id,
        addon_code=offer.code,
        reason=offer.reason[:300],
        score=offer.score,
        monthly_price_cents=offer.monthly_price_cents,
        channel=channel,
        status="shown",
        shown_at=clock.now(),
    )
    session.add(event)
    session.flush()
    return event


def offers_made_in(session: Session, conversation_id: str) -> int:
    return len(session.execute(select(OfferEvent.id).where(OfferEvent.conversation_id == conversation_id)).all())


def pending_offer(session: Session, conversation_id: str) -> Optional[OfferEvent]:
    """The offer in this conversation still waiting for the customer's answer."""
    return session.execute(
        select(OfferEvent)
        .where(OfferEvent.conversation_id == conversation_id, OfferEvent.status == "shown")
        .order_by(OfferEvent.id.desc())
        .limit(1)
    ).scalar_one_or_none()


@dataclass
class AcceptedOffer:
    subscription: Subscription
    addon_name: str
    starts_on: date


def accept_offer(session: Session, event: OfferEvent, today: Optional[date] = None) -> AcceptedOffer:
    """The customer said yes: a pending add-on from their next bill."""
    today = today or clock.today()
    starts = next_bill_start(today)
    existing = session.execute(
        select(Subscription).where(
            Subscription.customer_id == event.customer_id,
            Subscription.addon_code == event.addon_code,
            Subscription.status.in_(("active", "pending")),
        )
    ).scalar_one_or_none()
    subscription = existing or Subscription(
        customer_id=event.customer_id,
        addon_code=event.addon_code,
        status="pending",
        monthly_price_cents=event.monthly_price_cents,
        started_on=starts,
    )
    session.add(subscription)
    session.flush()
    event.status, event.answered_at, event.subscription_id = "accepted", clock.now(), subscription.id
    addon = session.get(AddOn, event.addon_code)
    return AcceptedOffer(subscription, addon.name if addon else event.addon_code, subscription.started_on)


def decline_offer(session: Session, event: OfferEvent) -> None:
    event.status, event.answered_at = "declined", clock.now()


def ignore_pending_offers(session: Session, conversation_id: str) -> int:
    """The customer moved on without answering: the offer counts as ignored."""
    result = session.execute(
        update(OfferEvent)
        .where(OfferEvent.conversation_id == conversation_id, OfferEvent.status == "shown")
        .values(status="ignored", answered_at=clock.now())
    )
    return result.rowcount or 0


@dataclass(frozen=True)
class ShownSuggestion:
    id: int
    kind: str
    basis: str
    text: str


_INSERT_SUGGESTION = insert(RepSuggestion)


def _returning_supported(session: Session) -> bool:
    dialect = session.get_bind().dialect
    if dialect.name == "postgresql":
        return True
    if dialect.name == "sqlite":
        import sqlite3

        return sqlite3.sqlite_version_info >= (3, 35, 0)
    return False


def record_suggestions_shown(
    session: Session,
    customer_id: str,
    rep_id: str,
    questions: List[Question],
    offers: List[Offer],
    conversation_id: Optional[str] = None,
) -> List[ShownSuggestion]:
    """One row per suggestion, each with its id.

    This runs on every console view, so all rows go in one INSERT ... RETURNING
    statement: on SQLite that keeps the write lock for the shortest time, which
    is what limits throughput with several sidecar workers.
    """
    items = [("question", q.basis, q.text) for q in questions] + [("offer", o.code, o.reason) for o in offers]
    if not items:
        return []
    common = {"customer_id": customer_id, "conversation_id": conversation_id, "rep_id": rep_id}
    now = clock.now()
    if not _returning_supported(session):
        shown = []
        for kind, basis, text_ in items:
            row = {**common, "kind": kind, "basis": basis, "text": text_, "shown_at": now, "use": "unused"}
            result = session.execute(_INSERT_SUGGESTION, row)
            shown.append(ShownSuggestion(result.inserted_primary_key[0], kind, basis, text_))
        return shown
    params = {**common, "shown_at": now}
    values = []
    for i, (kind, basis, text_) in enumerate(items):
        params.update({f"kind{i}": kind, f"basis{i}": basis, f"text{i}": text_})
        values.append(f"(:customer_id, :conversation_id, :rep_id, :kind{i}, :basis{i}, :text{i}, :shown_at, 'unused')")
    statement = text(
        "INSERT INTO rep_suggestions (customer_id, conversation_id, rep_id, kind, basis, text, shown_at, use) "
        f"VALUES {', '.join(values)} RETURNING id, kind, basis"
    ).bindparams(bindparam("shown_at", type_=DateTime()))
    ids = {(kind, basis): id_ for id_, kind, basis in session.execute(statement, params)}
    return [ShownSuggestion(ids[(kind, basis)], kind, basis, text_) for kind, basis, text_ in items]


def record_suggestion_use(session: Session, suggestion: RepSuggestion, use: str, text: Optional[str]) -> RepSuggestion:
    if use not in SUGGESTION_USES:
        raise ValueError(f"use must be one of {', '.join(SUGGESTION_USES)}")
    suggestion.use = use
    suggestion.used_text = text if use == "edited" else (suggestion.text if use == "as_is" else None)
    suggestion.used_at = clock.now() if use != "unused" else None
    session.flush()
    return suggestion
