"""Where is my order, and late, missing or damaged deliveries."""

from __future__ import annotations

from typing import Text

from rasa_sdk.events import FollowupAction, SlotSet

from actions.base import CustomerAction, request_text, requests_planned
from actions.changes import propose
from actions.offers import offer_after_answer
from assistant import clock
from assistant.changes import describe_reports
from assistant.dates import on_date
from assistant.focus import OrderCandidate, resolve_order
from assistant.followups import asks_order_price, follow_up_intent
from assistant.money import format_money
from assistant.orders import (
    NO_DELIVERY_TO_REPORT,
    carrier_name,
    classify_delivery_issue,
    describe_status,
    find_order,
    is_late,
    items_summary,
    latest_open_order,
    normalise_order_number,
    recent_orders,
)
from assistant.replies import Reply
from assistant.tickets import find_open_ticket

# Intents whose question can be asked again for the order the customer picks.
ORDER_INTENTS = ("track_order", "delivery_problem", "request_refund", "cancel_order", "refund_status")
# Order statuses where "where is it?" is fully answered by telling the customer.
ANSWERED_STATUSES = ("processing", "shipped", "out_for_delivery", "delivered")


def order_in_question(dispatcher, tracker, session, customer, open_first: bool = False):
    """The order the customer means, or None after saying why (or asking which).

    An order number said outright wins; otherwise the words resolve against
    the conversation's focus (`assistant.focus`): "my laptop", "the other
    one", "the second order", "it". Several orders fitting and nothing
    picking one: the customer is asked which, with a button naming each.
    Only the customer's own orders are found: another customer's number gets
    "I can't find order ... on your account".
    """
    asked = normalise_order_number(tracker.get_slot("order_number"))
    if asked:
        order = find_order(session, customer.id, asked)
        if order is None:
            dispatcher.utter_message(response="utter_order_not_found", order_number=asked)
        return order
    orders = recent_orders(session, customer.id, limit=10)
    if not orders:
        dispatcher.utter_message(response="utter_no_orders")
        return None
    text = (tracker.latest_message or {}).get("text") or ""
    resolution = resolve_order(text, [candidate(o) for o in orders], focus=tracker.get_slot("focus_order"))
    by_number = {o.number: o for o in orders}
    if resolution.how == "ambiguous":
        ask_which_order(dispatcher, tracker, [by_number[n] for n in resolution.options])
        return None
    if resolution.how == "unknown_item":
        dispatcher.utter_message(
            response="utter_no_order_with_item", item=resolution.item.replace("_", " "), orders=listing(orders[:3])
        )
        return None
    if resolution.how == "default" and open_first:
        return latest_open_order(session, customer.id) or by_number[resolution.number]
    return by_number.get(resolution.number)


def candidate(order) -> OrderCandidate:
    return OrderCandidate(
        number=order.number,
        placed_at=order.placed_at,
        status=order.status,
        items=tuple(item.product.name for item in order.items),
        categories=tuple(item.product.category for item in order.items),
    )


def listing(orders) -> str:
    return "; ".join(f"{o.number} ({items_summary(o)})" for o in orders)


def ask_which_order(dispatcher, tracker, orders) -> None:
    """Several orders fit: a button per order, naming it, that asks the same question again for it."""
    intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
    intent = intent if intent in ORDER_INTENTS else "track_order"
    buttons = [
        {
            "title": f"{o.number}: {items_summary(o)} ({o.placed_at:%d %B})",
            "payload": f'/{intent}{{"order_number": "{o.number}"}}',
        }
        for o in orders
    ]
    dispatcher.utter_message(response="utter_which_order", buttons=buttons)


def focus_on(order, tracker=None) -> list:
    """The order is now what the conversation is about (no event when it already was: trackers stay short)."""
    if order is None or (tracker is not None and tracker.get_slot("focus_order") == order.number):
        return []
    return [SlotSet("focus_order", order.number)]


# Each kind of delivery problem as the question names it ("I can report a damaged delivery ...").
PROBLEM_WORDS = {
    "late": "utter_part_problem_late",
    "missing": "utter_part_problem_missing",
    "damaged": "utter_part_problem_damaged",
    "wrong_item": "utter_part_problem_wrong_item",
}


class ActionCheckOrderStatus(CustomerAction):
    def name(self) -> Text:
        return "action_check_order_status"

    def answer(self, dispatcher, tracker, domain, session, customer):
        from actions.support import last_job  # actions.support imports this module

        text = (tracker.latest_message or {}).get("text") or ""
        planned = requests_planned(tracker) is not None  # this part of the message is the order, whatever else it says
        if last_job(tracker) == "refund_status" and not tracker.get_slot("order_number") and not planned:
            # "when will I get it?" right after a refund's state asks about the refund, not a delivery
            if follow_up_intent(text, tracker.get_slot("focus_order"), "refund_status") == "refund_status":
                return [FollowupAction("action_check_refund_status")]
        order = order_in_question(dispatcher, tracker, session, customer)
        if order is None:
            return [SlotSet("order_number", None)]
        events = [SlotSet("order_number", None)] + focus_on(order, tracker)
        if asks_order_price(text) and order.total_cents is not None:
            # "how much was it again": what it came to, not where it is
            dispatcher.utter_message(
                response="utter_order_total",
                order_number=order.number,
                items=items_summary(order),
                total=format_money(order.total_cents),
                ordered_on=on_date(order.placed_at.date() if order.placed_at else None),
            )
            return events
        if is_late(order):
            # A late order is a problem to act on, not only to describe: offer to chase it.
            return events + propose_delivery_report(dispatcher, tracker, session, customer, order, "late")
        status = describe_status(order)
        dispatcher.utter_message(response=status.name, **status.values)
        if order.status in ANSWERED_STATUSES:  # a late or lost order is a problem, not a moment to sell
            events += offer_after_answer(tracker, session, customer)
        return events


def propose_delivery_report(dispatcher, tracker, session, customer, order, issue: str):
    """Ask before opening (or adding to) the ticket about this order's delivery."""
    facts = {
        "status_sentence": describe_status(order).text(),
        "order_number": order.number,
        "problem": Reply(PROBLEM_WORDS[issue]).text(),
        "carrier": carrier_name(order),
    }
    params = {"order_number": order.number, "details": f"Customer said: {request_text(tracker)[:1000]}"}
    existing = find_open_ticket(session, customer.id, "delivery", order.number)
    if existing is not None:
        params["ticket_number"] = existing.number
        reports = describe_reports(existing, status_sentence=facts["status_sentence"])
        kind = "ticket_escalation" if reports["escalate"] else "ticket_note"
        return propose(tracker, kind, {**facts, **reports}, params)
    return propose(tracker, "chase_order" if issue == "late" else "delivery_ticket", facts, params)


class ActionReportDeliveryProblem(CustomerAction):
    def name(self) -> Text:
        return "action_report_delivery_problem"

    def answer(self, dispatcher, tracker, domain, session, customer):
        order = order_in_question(dispatcher, tracker, session, customer)
        events = [SlotSet("order_number", None)] + focus_on(order, tracker)
        if order is None:
            return events
        if order.status in NO_DELIVERY_TO_REPORT:
            # Nothing is on its way for a returned or cancelled order: say where it stands instead.
            status = describe_status(order)
            dispatcher.utter_message(response=status.name, **status.values)
            return events
        issue = classify_delivery_issue(request_text(tracker), order, clock.today())
        return events + propose_delivery_report(dispatcher, tracker, session, customer, order, issue)
