"""Bills and payments: why a bill changed, and what went wrong with a payment."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import List, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from assistant import clock
from assistant.dates import on_date
from assistant.models import Bill, Payment
from assistant.money import format_money
from assistant.replies import Reply


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


# --- what the customer reads (the words are in domain.yml) ---------------------------


def bill_explained(comparison: BillComparison) -> Reply:
    """The latest bill against the one before: the total, what changed line by line, and when it is due."""
    latest, previous = comparison.latest, comparison.previous
    facts = {
        "bill_number": latest.number,
        "period_start": f"{latest.period_start:%d %b}",
        "period_end": f"{latest.period_end:%d %b %Y}",
        "latest_total": format_money(latest.total_cents),
        "due_text": _due(latest).text(),
    }
    lines = "; ".join(f"{line.description} {format_money(line.amount_cents)}" for line in latest.lines)
    if previous is None:
        return Reply("utter_bill_first", {**facts, "lines_text": lines})
    if comparison.delta_cents == 0 and not comparison.changes:
        return Reply("utter_bill_unchanged", {**facts, "lines_text": lines})
    delta = comparison.delta_cents
    if delta:
        compared = Reply(
            "utter_part_bill_more" if delta > 0 else "utter_part_bill_less", {"difference": format_money(abs(delta))}
        )
    else:
        compared = Reply("utter_part_bill_same_total")
    return Reply(
        "utter_bill_explained",
        {
            **facts,
            "delta_text": compared.text(),
            "previous_total": format_money(previous.total_cents),
            "changes_text": "; ".join(_line_change(change).text() for change in comparison.changes),
        },
    )


def _line_change(change: LineChange) -> Reply:
    if change.kind == "new":
        return Reply("utter_part_line_new", {"line": change.description, "amount": format_money(change.after_cents)})
    if change.kind == "removed":
        return Reply(
            "utter_part_line_removed", {"line": change.description, "amount": format_money(change.before_cents)}
        )
    return Reply(
        "utter_part_line_up" if change.delta_cents > 0 else "utter_part_line_down",
        {
            "line": change.description,
            "difference": format_money(abs(change.delta_cents)),
            "before": format_money(change.before_cents),
            "after": format_money(change.after_cents),
        },
    )


def _due(bill: Bill) -> Reply:
    if bill.status == "overdue":
        return Reply("utter_part_bill_overdue", {"due_on": on_date(bill.due_on)})
    if bill.status == "due":
        return Reply("utter_part_bill_due", {"due_on": on_date(bill.due_on)})
    return Reply("utter_part_bill_paid")


# What the customer can do about a failed payment, by the reason the bank gave.
PAYMENT_ADVICE = {
    "card expired": "utter_part_advice_card_expired",
    "insufficient funds": "utter_part_advice_insufficient_funds",
    "bank declined": "utter_part_advice_bank_declined",
}


def payment_reply(situation: PaymentSituation) -> Reply:
    """A failed payment first, then an overdue bill; otherwise that nothing is wrong."""
    if situation.failed is not None:
        failed = situation.failed
        advice = PAYMENT_ADVICE.get((failed.failure_reason or "").lower())
        facts = {
            "amount": format_money(failed.amount_cents),
            "failed_on": on_date(failed.attempted_at),
            "failure_reason": failed.failure_reason or Reply("utter_part_payment_declined").text(),
            "advice": Reply(advice).text() if advice else "",
        }
        if failed.bill_number:
            return Reply("utter_payment_failed", {**facts, "bill_number": failed.bill_number})
        return Reply("utter_payment_failed_no_bill", facts)
    if situation.overdue_bills:
        bill = situation.overdue_bills[0]
        return Reply(
            "utter_payment_overdue",
            {"bill_number": bill.number, "amount": format_money(bill.total_cents), "due_on": on_date(bill.due_on)},
        )
    return Reply("utter_payment_no_problem")
