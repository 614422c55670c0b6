"""Bills and payments: why a bill changed, and what went wrong with a payment."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import List, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from assistant import clock
from assistant.models import Bill, Payment


@dataclass
class LineChange:
    code: str
    description: str
    before_cents: int
    after_cents: int

    @property
    def delta_cents(self) -> int:
        return self.after_cents - self.before_cents

    @property
    def kind(self) -> str:
        if self.before_cents == 0:
            return "new"
        if self.after_cents == 0:
            return "removed"
        return "changed"


@dataclass
class BillComparison:
    latest: Bill
    previous: Optional[Bill]
    changes: List[LineChange] = field(default_factory=list)

    @property
    def delta_cents(self) -> int:
        return self.latest.total_cents - (self.previous.total_cents if self.previous else 0)


def latest_bills(session: Session, customer_id: str, limit: int = 2) -> List[Bill]:
    return list(
        session.execute(
            select(Bill)
            .where(Bill.customer_id == customer_id)
            .options(selectinload(Bill.lines))
            .order_by(Bill.period_start.desc())
            .limit(limit)
        ).scalars()
    )


def compare_bills(latest: Bill, previous: Optional[Bill]) -> BillComparison:
    """Line-by-line difference, matched on each charge's stable `code`.

    Largest changes first, so the explanation starts with what matters most.
    """
    if previous is None:
        return BillComparison(latest=latest, previous=None)
    before = {}
    for line in previous.lines:
        before.setdefault(line.code, [line.description, 0])[1] += line.amount_cents
    after = {}
    for line in latest.lines:
        after.setdefault(line.code, [line.description, 0])[1] += line.amount_cents
    changes = []
    for code in list(after) + [c for c in before if c not in after]:
        old = before.get(code, [None, 0])
        new = after.get(code, [None, 0])
        if old[1] != new[1]:
            changes.append(LineChange(code, new[0] or old[0], old[1], new[1]))
    changes.sort(key=lambda change: -abs(change.delta_cents))
    return BillComparison(latest=latest, previous=previous, changes=changes)


def explain_latest_bill(session: Session, customer_id: str) -> Optional[BillComparison]:
    bills = latest_bills(session, customer_id, limit=2)
    if not bills:
        return None
    return compare_bills(bills[0], bills[1] if len(bills) > 1 else None)


@dataclass
class PaymentSituation:
    failed: Optional[Payment]
    overdue_bills: List[Bill]
    due_bills: List[Bill]

    @property
    def has_problem(self) -> bool:
        return self.failed is not None or bool(self.overdue_bills)


def payment_situation(
    session: Session, customer_id: str, now: Optional[datetime] = None, window_days: int = 60
) -> PaymentSituation:
    now = now or clock.now()
    failed = session.execute(
        select(Payment)
        .where(
            Payment.customer_id == customer_id,
            Payment.status == "failed",
            Payment.attempted_at >= now - timedelta(days=window_days),
        )
        .order_by(Payment.attempted_at.desc())
        .limit(1)
    ).scalar_one_or_none()
    unpaid = list(
        session.execute(
            select(Bill)
            .where(Bill.customer_id == customer_id, Bill.status.in_(("overdue", "due")))
            .order_by(Bill.due_on)
        ).scalars()
    )
    # A failed attempt later paid off is history, not a current problem.
    if failed is not None and failed.bill_number:
        settled = session.execute(
            select(Payment.id).where(
                Payment.bill_number == failed.bill_number,
                Payment.status == "succeeded",
                Payment.attempted_at > failed.attempted_at,
            )
        ).first()
        if settled:
            failed = None
    return PaymentSituation(
        failed=failed,
        overdue_bills=[bill for bill in unpaid if bill.status == "overdue"],
        due_bills=[bill for bill in unpaid if bill.status == "due"],
    )
