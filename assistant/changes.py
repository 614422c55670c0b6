"""Changes to a customer's records: proposed first, made once on a yes, undone where they can be.

Every job that writes (a refund, a ticket, a plan cancellation, an address,
an order cancellation, an account closure) goes through here:

1. the job builds a `ProposedChange` with the facts it will state ("a
   refund of £129.00 for ORD-698129") and what the write needs;
2. the dialogue asks, and only a yes (`assistant.consent`) to that very
   question, on the customer's next message, calls `make_change`;
3. `make_change` writes once (the jobs below return the existing record
   when asked twice) and says how to undo it, if it can be undone;
4. `undo_change` reverts a change made in this conversation: a plan
   cancellation not yet effective, an address, a ticket opened by mistake.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Dict, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant import clock
from assistant.accounts import request_closure
from assistant.business import Policies
from assistant.dates import say_date
from assistant.models import Customer, Order, Subscription, Ticket
from assistant.money import format_money
from assistant.orders import cancel_order, change_address, find_order, report_delivery_issue
from assistant.plans import cancel_main_plan, plan_held
from assistant.refunds import request_refund
from assistant.replies import Reply
from assistant.tickets import add_report, open_ticket

# What each kind of change writes; the dialogue's sentences are in domain.yml
# (utter_confirm_<kind>, utter_done_<kind>, utter_undone_<kind>).
KINDS = (
    "refund",
    "delivery_ticket",
    "chase_order",
    "complaint",
    "technical_ticket",
    "ticket_note",
    "ticket_escalation",
    "cancel_plan",
    "address",
    "cancel_order",
    "close_account",
)
# A third report of the same open problem is escalated.
ESCALATE_AT_REPORTS = 3
ORDINALS = {2: "second", 3: "third", 4: "fourth", 5: "fifth", 6: "sixth", 7: "seventh", 8: "eighth", 9: "ninth"}


@dataclass(frozen=True)
class ProposedChange:
    kind: str
    facts: Dict[str, str]  # what the question states, to fill its template
    params: Dict[str, str] = field(default_factory=dict)  # what the write needs
    asked_after: str = ""  # the customer's message the question answered (its id)

    def to_slot(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_slot(cls, value: object) -> Optional["ProposedChange"]:
        data = _slot_record(value)
        if data is None:
            return None
        return cls(
            data["kind"], _strings(data.get("facts")), _strings(data.get("params")), str(data.get("asked_after") or "")
        )


@dataclass(frozen=True)
class DoneChange:
    """A change made in this conversation: what to tell the customer, and how to take it back."""

    kind: str
    facts: Dict[str, str]
    undo: Dict[str, str] = field(default_factory=dict)  # empty: cannot be undone

    def to_slot(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_slot(cls, value: object) -> Optional["DoneChange"]:
        data = _slot_record(value)
        return None if data is None else cls(data["kind"], _strings(data.get("facts")), _strings(data.get("undo")))


def _slot_record(value: object) -> Optional[dict]:
    """A change as kept in its slot (JSON), or None for anything that is not one: never trusted blindly."""
    try:
        data = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return None
    return data if isinstance(data, dict) and data.get("kind") in KINDS else None


def _strings(mapping: object) -> Dict[str, str]:
    return {str(k): str(v) for k, v in mapping.items()} if isinstance(mapping, dict) else {}


class ChangeNoLongerPossible(Exception):
    """The records moved on between the question and the yes (an order left the warehouse).

    `reason` is why, as the customer reads it inside utter_change_impossible.
    """

    def __init__(self, reason: Reply) -> None:
        super().__init__(reason.text())
        self.reason = reason


def make_change(
    session: Session,
    customer: Customer,
    change: ProposedChange,
    policies: Policies,
    conversation_id: str,
    today: Optional[date] = None,
) -> DoneChange:
    """Write what was proposed, once. Raises ChangeNoLongerPossible when the records no longer allow it."""
    today = today or clock.today()
    params, facts = change.params, dict(change.facts)
    kind = change.kind
    if kind == "refund":
        order = _own_order(session, customer, params["order_number"])
        outcome = request_refund(
            session,
            customer.id,
            order,
            reason=params.get("reason", ""),
            return_window_days=policies.return_window_days,
            processing_business_days=policies.refund_processing_business_days,
            today=today,
        )
        if outcome.refund is None:
            raise ChangeNoLongerPossible(Reply("utter_part_refund_gone", {"order_number": order.number}))
        facts.update(
            refund_number=outcome.refund.number,
            amount=format_money(outcome.refund.amount_cents),
            expected_by=say_date(outcome.refund.expected_by, today),
        )
        return DoneChange(kind, facts)
    if kind in ("delivery_ticket", "chase_order"):
        order = _own_order(session, customer, params["order_number"])
        issue = report_delivery_issue(
            session,
            customer.id,
            order,
            params.get("details", ""),
            policies,
            conversation_id=conversation_id,
            today=today,
        )
        facts.update(ticket_number=issue.ticket_number, next_step=issue.next_step.text())
        return DoneChange(kind, facts, _ticket_undo(session, issue.ticket_number, conversation_id))
    if kind in ("complaint", "technical_ticket"):
        ticket = open_ticket(
            session,
            customer.id,
            "complaint" if kind == "complaint" else "technical",
            subject=params.get("subject", "Raised in chat"),
            details=params.get("details", ""),
            conversation_id=conversation_id,
            priority="high" if kind == "complaint" else "normal",
        )
        facts.update(ticket_number=ticket.number)
        return DoneChange(kind, facts, _ticket_undo(session, ticket.number, conversation_id))
    if kind in ("ticket_note", "ticket_escalation"):
        ticket = session.get(Ticket, params["ticket_number"])
        if ticket is None or ticket.customer_id != customer.id:
            raise ChangeNoLongerPossible(Reply("utter_part_ticket_not_yours"))
        add_report(session, ticket, params.get("details", ""), escalate_at=ESCALATE_AT_REPORTS)
        facts.update(ticket_number=ticket.number, priority=ticket.priority)
        return DoneChange(kind, facts)
    if kind == "cancel_plan":
        chosen = int(params["subscription_id"]) if str(params.get("subscription_id") or "").isdigit() else None
        before = _plan_state(session, customer, chosen)
        cancellation = cancel_main_plan(
            session,
            customer.id,
            params.get("reason", "other"),
            today=today,
            notice_days=policies.cancellation_notice_days,
            subscription_id=chosen,
        )
        if cancellation is None:
            raise ChangeNoLongerPossible(Reply("utter_part_no_plan_to_cancel"))
        facts.update(plan_name=cancellation.subscription.plan.name, ends_on=say_date(cancellation.ends_on, today))
        undo = before if before and before.get("status") != "cancelling" else {}
        return DoneChange(kind, facts, undo)
    if kind == "address":
        undo = {"address": customer.address or "", "postcode": customer.postcode or ""}
        moved = change_address(session, customer, params["address"], params["postcode"])
        undo["orders"] = ",".join(moved.redirected)
        facts.update(
            address=moved.address,
            postcode=moved.postcode,
            redirected=", ".join(moved.redirected),
            too_late=", ".join(moved.too_late),
        )
        return DoneChange(kind, facts, undo)
    if kind == "cancel_order":
        order = _own_order(session, customer, params["order_number"])
        if order.status not in ("processing", "cancelled"):
            raise ChangeNoLongerPossible(Reply("utter_part_order_left_warehouse", {"order_number": order.number}))
        refund = cancel_order(session, customer.id, order, policies.refund_processing_business_days, today)
        facts.update(
            refund_number=refund.number,
            amount=format_money(refund.amount_cents),
            expected_by=say_date(refund.expected_by, today),
        )
        return DoneChange(kind, facts)
    if kind == "close_account":
        ticket = request_closure(session, customer, conversation_id)
        facts.update(ticket_number=ticket.number, email=customer.email)
        return DoneChange(kind, facts, _ticket_undo(session, ticket.number, conversation_id))
    raise ValueError(f"unknown change {kind!r}")


def undo_change(session: Session, customer: Customer, done: DoneChange) -> bool:
    """Take back a change made in this conversation; False when it cannot be undone."""
    undo = done.undo
    if not undo:
        return False
    if done.kind == "cancel_plan":
        subscription = session.get(Subscription, int(undo["subscription_id"]))
        if subscription is None or subscription.customer_id != customer.id or subscription.status != "cancelling":
            return False
        subscription.status = undo.get("status") or "active"
        subscription.ends_on = date.fromisoformat(undo["ends_on"]) if undo.get("ends_on") else None
        subscription.cancel_reason = undo.get("cancel_reason") or None
        session.flush()
        return True
    if done.kind == "address":
        customer.address, customer.postcode = undo["address"], undo["postcode"]
        numbers = [n for n in undo.get("orders", "").split(",") if n]
        for order in session.execute(select(Order).where(Order.number.in_(numbers))).scalars() if numbers else ():
            if order.customer_id == customer.id and order.status == "processing":
                order.shipping_address = f"{undo['address']}, {undo['postcode']}"
        session.flush()
        return True
    if "ticket_number" in undo:
        ticket = session.get(Ticket, undo["ticket_number"])
        if ticket is None or ticket.customer_id != customer.id or ticket.status not in ("open", "pending"):
            return False
        ticket.status = "closed"
        ticket.details = f"{ticket.details or ''}\nWithdrawn by the customer in the chat.".strip()
        ticket.updated_at = clock.now()
        session.flush()
        return True
    return False


def _own_order(session: Session, customer: Customer, number: str) -> Order:
    order = find_order(session, customer.id, number)
    if order is None:
        raise ChangeNoLongerPossible(Reply("utter_part_order_not_yours", {"order_number": number}))
    return order


def _ticket_undo(session: Session, number: str, conversation_id: str) -> Dict[str, str]:
    """A ticket opened by this conversation can be withdrawn; one that already existed cannot."""
    ticket = session.get(Ticket, number)
    if ticket is None or ticket.conversation_id != conversation_id or (ticket.reports or 1) > 1:
        return {}
    return {"ticket_number": number}


def _plan_state(session: Session, customer: Customer, subscription_id: Optional[int]) -> Dict[str, str]:
    subscription = plan_held(session, customer.id, subscription_id)
    if subscription is None:
        return {}
    return {
        "subscription_id": str(subscription.id),
        "status": subscription.status or "active",
        "ends_on": subscription.ends_on.isoformat() if subscription.ends_on else "",
        "cancel_reason": subscription.cancel_reason or "",
    }


def describe_reports(ticket: Ticket, today: Optional[date] = None, status_sentence: str = "") -> Dict[str, str]:
    """Facts to acknowledge an earlier report: where things stand, when, which ticket, how many times."""
    reports = ticket.reports or 1
    return {
        "status_sentence": status_sentence,
        "ticket_number": ticket.number,
        "reported_on": say_date(ticket.created_at, today or clock.today()),
        "reports": ORDINALS.get(reports + 1, f"{reports + 1}th"),
        "escalate": "yes" if reports + 1 >= ESCALATE_AT_REPORTS else "",
    }
