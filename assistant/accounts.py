"""Closing a customer's account: what stands in the way, read from their records.

The chat never deletes anything itself. It tells the customer what closing
means for them (plans still running, bills unpaid, orders on their way) and,
once they confirm, opens one ticket for the team, who close the account and
erase what the law lets them erase.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assistant.models import Bill, Customer, Order, Ticket
from assistant.money import format_money
from assistant.orders import OPEN_ORDER_STATUSES
from assistant.plans import current_plans
from assistant.replies import Reply
from assistant.tickets import find_open_ticket, open_ticket

CLOSURE_CATEGORY = "account_closure"


@dataclass
class ClosureCheck:
    plans: List[str] = field(default_factory=list)  # plan names still running
    unpaid_cents: int = 0
    open_orders: List[str] = field(default_factory=list)

    def replies(self) -> List[Reply]:
        """What closing means for this customer, one fact per sentence (none when nothing stands in the way)."""
        said = []
        if self.plans:
            plans = " and ".join(self.plans)
            said.append(Reply("utter_closure_plans" if len(self.plans) > 1 else "utter_closure_plan", {"plans": plans}))
        if self.unpaid_cents:
            said.append(Reply("utter_closure_unpaid", {"unpaid": format_money(self.unpaid_cents)}))
        if self.open_orders:
            orders = ", ".join(self.open_orders)
            said.append(
                Reply(
                    "utter_closure_orders" if len(self.open_orders) > 1 else "utter_closure_order", {"orders": orders}
                )
            )
        return said


def closure_check(session: Session, customer_id: str) -> ClosureCheck:
    check = ClosureCheck()
    check.plans = [sub.plan.name for sub in current_plans(session, customer_id) if sub.status == "active"]
    check.unpaid_cents = int(
        session.execute(
            select(func.coalesce(func.sum(Bill.total_cents), 0)).where(
                Bill.customer_id == customer_id, Bill.status.in_(("overdue", "due"))
            )
        ).scalar_one()
    )
    check.open_orders = list(
        session.execute(
            select(Order.number)
            .where(Order.customer_id == customer_id, Order.status.in_(OPEN_ORDER_STATUSES))
            .order_by(Order.number)
        ).scalars()
    )
    return check


def request_closure(session: Session, customer: Customer, conversation_id: str) -> Ticket:
    """One closure ticket per customer: asking twice returns the open one."""
    existing = find_open_ticket(session, customer.id, CLOSURE_CATEGORY)
    if existing is not None:
        return existing
    check = closure_check(session, customer.id)
    details = " ".join(reply.text() for reply in check.replies()) or "Nothing running, unpaid or on its way."
    return open_ticket(
        session,
        customer.id,
        CLOSURE_CATEGORY,
        subject="Close the account and erase personal data (asked in chat)",
        details=details,
        conversation_id=conversation_id,
    )
