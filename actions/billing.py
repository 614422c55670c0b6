"""Why is my bill higher, and payment problems."""

from __future__ import annotations

from typing import Text

from actions.base import CustomerAction
from actions.offers import offer_after_answer
from assistant.billing import explain_latest_bill, payment_situation
from assistant.dates import on_date
from assistant.money import format_money

PAYMENT_ADVICE = {
    "card expired": "Please update your card details in your account first.",
    "insufficient funds": "It may go through if you try again once funds are available.",
    "bank declined": "Your bank declined it; they can tell you why, or you can use another card.",
}


def _period(bill) -> str:
    return f"{bill.period_start:%d %b} to {bill.period_end:%d %b %Y}"


def _lines_text(bill) -> str:
    return "; ".join(f"{line.description} {format_money(line.amount_cents)}" for line in bill.lines)


def _change_text(change) -> str:
    if change.kind == "new":
        return f"{change.description}: {format_money(change.after_cents)}, new on this bill"
    if change.kind == "removed":
        return f"{change.description}: {format_money(change.before_cents)} last time, not on this bill"
    direction = "up" if change.delta_cents > 0 else "down"
    return (
        f"{change.description}: {direction} {format_money(abs(change.delta_cents))} "
        f"(from {format_money(change.before_cents)} to {format_money(change.after_cents)})"
    )


def _due_text(bill) -> str:
    if bill.status in ("due", "overdue"):
        return f"It {'was' if bill.status == 'overdue' else 'is'} due {on_date(bill.due_on)}."
    return "It's paid."


class ActionExplainBill(CustomerAction):
    def name(self) -> Text:
        return "action_explain_bill"

    def answer(self, dispatcher, tracker, domain, session, customer):
        comparison = explain_latest_bill(session, customer.id)
        if comparison is None:
            dispatcher.utter_message(response="utter_no_bills")
            return []
        latest, previous = comparison.latest, comparison.previous
        if previous is None:
            dispatcher.utter_message(
                response="utter_bill_first",
                bill_number=latest.number,
                period=_period(latest),
                latest_total=format_money(latest.total_cents),
                lines_text=_lines_text(latest),
                due_text=_due_text(latest),
            )
            return offer_after_answer(tracker, session, customer)
        if comparison.delta_cents == 0 and not comparison.changes:
            dispatcher.utter_message(
                response="utter_bill_unchanged",
                bill_number=latest.number,
                period=_period(latest),
                latest_total=format_money(latest.total_cents),
                lines_text=_lines_text(latest),
                due_text=_due_text(latest),
            )
            return offer_after_answer(tracker, session, customer)
        delta = comparison.delta_cents
        delta_text = (
            (f"{format_money(abs(delta))} more than" if delta > 0 else f"{format_money(abs(delta))} less than")
            if delta
            else "the same total as"
        )
        changes_text = "What changed: " + "; ".join(_change_text(c) for c in comparison.changes) + "."
        dispatcher.utter_message(
            response="utter_bill_explained",
            bill_number=latest.number,
            period=_period(latest),
            latest_total=format_money(latest.total_cents),
            delta_text=delta_text,
            previous_total=format_money(previous.total_cents),
            changes_text=changes_text,
            due_text=_due_text(latest),
        )
        return offer_after_answer(tracker, session, customer)


class ActionCheckPaymentProblem(CustomerAction):
    def name(self) -> Text:
        return "action_check_payment_problem"

    def answer(self, dispatcher, tracker, domain, session, customer):
        situation = payment_situation(session, customer.id)
        if situation.failed is not None:
            failed = situation.failed
            dispatcher.utter_message(
                response="utter_payment_failed",
                amount=format_money(failed.amount_cents),
                bill_number=failed.bill_number or "your account",
                date=on_date(failed.attempted_at),
                failure_reason=failed.failure_reason or "the payment was declined",
                advice=PAYMENT_ADVICE.get((failed.failure_reason or "").lower(), ""),
            )
            return []
        if situation.overdue_bills:
            bill = situation.overdue_bills[0]
            dispatcher.utter_message(
                response="utter_payment_overdue",
                bill_number=bill.number,
                amount=format_money(bill.total_cents),
                date=on_date(bill.due_on),
            )
            return []
        dispatcher.utter_message(response="utter_payment_no_problem", bill_text="")
        return []
