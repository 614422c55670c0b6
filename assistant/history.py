"""A customer's history in one read: what a rep or the assistant needs to know."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Dict, List, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from assistant import clock
from assistant.billing import latest_bills
from assistant.models import Customer, Feedback, Subscription
from assistant.orders import items_summary, recent_orders
from assistant.tickets import open_tickets


@dataclass
class CustomerHistory:
    customer: Customer
    subscriptions: List[Subscription]
    orders: list
    bills: list
    tickets: list
    last_scores: list = field(default_factory=list)

    def tenure_days(self, today: Optional[date] = None) -> int:
        return ((today or clock.today()) - self.customer.joined_on).days


def customer_history(session: Session, customer_id: str) -> Optional[CustomerHistory]:
    customer = session.get(Customer, customer_id)
    if customer is None:
        return None
    subscriptions = list(
        session.execute(
            select(Subscription)
            .where(Subscription.customer_id == customer_id, Subscription.status != "cancelled")
            .options(selectinload(Subscription.plan), selectinload(Subscription.addon))
            .order_by(Subscription.started_on)
        ).scalars()
    )
    return CustomerHistory(
        customer=customer,
        subscriptions=subscriptions,
        orders=recent_orders(session, customer_id, limit=5),
        bills=latest_bills(session, customer_id, limit=3),
        tickets=open_tickets(session, customer_id),
        last_scores=list(
            session.execute(
                select(Feedback)
                .where(Feedback.customer_id == customer_id)
                .order_by(Feedback.created_at.desc())
                .limit(3)
            ).scalars()
        ),
    )


def history_as_dict(history: CustomerHistory) -> Dict[str, Any]:
    """Plain data for the sidecar's JSON (amounts in pence, dates ISO)."""
    c = history.customer
    return {
        "customer_id": c.id,
        "name": c.name,
        "email": c.email,
        "postcode": c.postcode,
        "region": c.region,
        "joined_on": c.joined_on.isoformat(),
        "tenure_days": history.tenure_days(),
        "subscriptions": [
            {
                "kind": "plan" if s.plan_code else "addon",
                "code": s.plan_code or s.addon_code,
                "name": (s.plan.name if s.plan else s.addon.name),
                "status": s.status,
                "monthly_price_cents": s.monthly_price_cents,
                "started_on": s.started_on.isoformat(),
                "ends_on": s.ends_on.isoformat() if s.ends_on else None,
            }
            for s in history.subscriptions
        ],
        "recent_orders": [
            {
                "number": o.number,
                "status": o.status,
                "placed_at": o.placed_at.isoformat(),
                "items": items_summary(o),
                "total_cents": o.total_cents,
                "carrier": o.carrier,
                "tracking_number": o.tracking_number,
                "estimated_delivery": o.estimated_delivery.isoformat() if o.estimated_delivery else None,
                "delivered_on": o.delivered_on.isoformat() if o.delivered_on else None,
            }
            for o in history.orders
        ],
        "latest_bills": [
            {
                "number": b.number,
                "period_start": b.period_start.isoformat(),
                "period_end": b.period_end.isoformat(),
                "total_cents": b.total_cents,
                "status": b.status,
                "due_on": b.due_on.isoformat(),
                "lines": [
                    {"code": line.code, "description": line.description, "amount_cents": line.amount_cents}
                    for line in b.lines
                ],
            }
            for b in history.bills
        ],
        "open_tickets": [
            {
                "number": t.number,
                "category": t.category,
                "subject": t.subject,
                "status": t.status,
                "created_at": t.created_at.isoformat(),
            }
            for t in history.tickets
        ],
        "last_scores": [
            {"created_on": f.created_on.isoformat(), "nps": f.nps, "csat": f.csat, "ces": f.ces}
            for f in history.last_scores
        ],
    }
