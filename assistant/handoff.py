"""Hand-off to a human rep: the queue a rep console reads."""

from __future__ import annotations

from typing import Dict, Optional, Tuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant import clock
from assistant.models import Handoff

OPEN_STATUSES = ("waiting", "with_rep")


def _open(conversation_id: str) -> tuple:
    """Conditions for the conversation's hand-offs still waiting for, or held by, a rep."""
    return Handoff.conversation_id == conversation_id, Handoff.status.in_(OPEN_STATUSES)


def request_handoff(session: Session, conversation_id: str, customer_id: Optional[str], reason: str) -> Handoff:
    """Queue the conversation for a rep; asking again keeps its place in the queue."""
    waiting = session.execute(select(Handoff).where(*_open(conversation_id))).scalar_one_or_none()
    if waiting is not None:
        return waiting
    handoff = Handoff(
        conversation_id=conversation_id,
        customer_id=customer_id,
        reason=reason[:60],
        status="waiting",
        requested_at=clock.now(),
    )
    session.add(handoff)
    session.flush()
    return handoff


def queue_position(session: Session, handoff: Handoff) -> int:
    """1 for the next conversation a rep will pick up."""
    ahead = session.execute(
        select(Handoff.id).where(Handoff.status == "waiting", Handoff.requested_at < handoff.requested_at)
    ).all()
    return len(ahead) + 1


def is_with_rep(session: Session, conversation_id: str) -> bool:
    """True while the conversation waits for, or is held by, a rep."""
    return session.execute(select(Handoff.id).where(*_open(conversation_id))).first() is not None


def _close_open(session: Session, conversation_id: str, rep_id: str, status: str) -> int:
    open_handoffs = session.execute(select(Handoff).where(*_open(conversation_id))).scalars().all()
    for handoff in open_handoffs:
        handoff.status = status
        handoff.rep_id = handoff.rep_id or rep_id
    session.flush()
    return len(open_handoffs)


def open_states(session: Session, conversation_id: str) -> Dict[int, Tuple[str, Optional[str]]]:
    """Each open hand-off's status and rep, to put back if closing them cannot be finished."""
    rows = session.execute(select(Handoff.id, Handoff.status, Handoff.rep_id).where(*_open(conversation_id)))
    return {handoff_id: (status, rep_id) for handoff_id, status, rep_id in rows}


def restore(session: Session, states: Dict[int, Tuple[str, Optional[str]]]) -> None:
    """Put hand-offs back as `open_states` read them (the assistant could not take the conversation back)."""
    for handoff_id, (status, rep_id) in states.items():
        handoff = session.get(Handoff, handoff_id)
        if handoff is not None:
            handoff.status, handoff.rep_id = status, rep_id
    session.flush()


def resolve_handoffs(session: Session, conversation_id: str, rep_id: str) -> int:
    """Close the conversation's open hand-offs; returns how many were open."""
    return _close_open(session, conversation_id, rep_id, "resolved")


def rep_for(session: Session, conversation_id: str) -> Optional[str]:
    """The rep who last held the conversation, for the scores of their survey."""
    return session.execute(
        select(Handoff.rep_id)
        .where(Handoff.conversation_id == conversation_id, Handoff.rep_id.is_not(None))
        .order_by(Handoff.requested_at.desc())
        .limit(1)
    ).scalar_one_or_none()


def latest_handoff(session: Session, conversation_id: str) -> Optional[Handoff]:
    return session.execute(
        select(Handoff).where(Handoff.conversation_id == conversation_id).order_by(Handoff.id.desc()).limit(1)
    ).scalar_one_or_none()


def open_handoffs(session: Session) -> list:
    """Conversations waiting for a rep or with one, oldest first, with the customer's name."""
    from assistant.models import Customer

    return list(
        session.execute(
            select(Handoff, Customer.first_name, Customer.last_name)
            .outerjoin(Customer, Customer.id == Handoff.customer_id)
            .where(Handoff.status.in_(OPEN_STATUSES))
            .order_by(Handoff.requested_at)
        )
    )


def take_handoff(session: Session, conversation_id: str, rep_id: str) -> Optional[Handoff]:
    """The rep picks the conversation up (it stays with them until returned or resolved)."""
    handoff = session.execute(select(Handoff).where(*_open(conversation_id))).scalar_one_or_none()
    if handoff is not None and (handoff.status == "waiting" or handoff.rep_id in (None, rep_id)):
        handoff.status, handoff.rep_id = "with_rep", rep_id
        session.flush()
    return handoff  # with another rep's id when someone else already has it


def return_to_assistant(session: Session, conversation_id: str, rep_id: str) -> int:
    """The rep hands the conversation back to the assistant; returns how many hand-offs closed."""
    return _close_open(session, conversation_id, rep_id, "returned")


def why_rep_may_not_act(session: Session, conversation_id: str, rep_id: str) -> Optional[str]:
    """None if the rep may act on the conversation (it waits for a person, or they hold it);
    otherwise why not, in words for the rep. Supervisors are not asked (they may act on any)."""
    handoff = session.execute(select(Handoff).where(*_open(conversation_id))).scalar_one_or_none()
    if handoff is None:
        return "This conversation is not waiting for a person: only a supervisor can act on it."
    if handoff.status == "waiting" or handoff.rep_id == rep_id:
        return None
    return f"{handoff.rep_id} has this conversation: only they or a supervisor can act on it."
