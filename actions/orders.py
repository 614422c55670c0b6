"""Where is my order, and late, missing or damaged deliveries."""

from __future__ import annotations

from typing import Text

from rasa_sdk.events import SlotSet

from actions.base import CustomerAction, request_text
from actions.offers import offer_after_answer
from assistant.orders import (
    describe_status,
    find_order,
    latest_open_order,
    normalise_order_number,
    report_delivery_issue,
)

# Order statuses where "where is it?" is fully answered by telling the customer.
ANSWERED_STATUSES = ("processing", "shipped", "out_for_delivery", "delivered")


def order_in_question(dispatcher, tracker, session, customer, open_first: bool = False):
    """The order the customer means (latest if no number), or None after saying why.

    With `open_first`, "my order" without a number means the latest one still
    on its way, if there is one. Only the customer's own orders are found:
    another customer's number gets "I can't find order ... on your account".
    """
    asked = normalise_order_number(tracker.get_slot("order_number"))
    order = latest_open_order(session, customer.id) if open_first and not asked else None
    order = order or find_order(session, customer.id, asked)
    if order is None:
        if asked:
            dispatcher.utter_message(response="utter_order_not_found", order_number=asked)
        else:
            dispatcher.utter_message(response="utter_no_orders")
    return order


class ActionCheckOrderStatus(CustomerAction):
    def name(self) -> Text:
        return "action_check_order_status"

    def answer(self, dispatcher, tracker, domain, session, customer):
        order = order_in_question(dispatcher, tracker, session, customer)
        if order is None:
            return [SlotSet("order_number", None)]
        dispatcher.utter_message(response="utter_order_status", status_sentence=describe_status(order))
        events = [SlotSet("order_number", None)]
        if order.status in ANSWERED_STATUSES:  # a late or lost order is a problem, not a moment to sell
            events += offer_after_answer(tracker, session, customer)
        return events


class ActionReportDeliveryProblem(CustomerAction):
    def name(self) -> Text:
        return "action_report_delivery_problem"

    def answer(self, dispatcher, tracker, domain, session, customer):
        order = order_in_question(dispatcher, tracker, session, customer)
        if order is None:
            return [SlotSet("order_number", None)]
        issue = report_delivery_issue(
            session, customer.id, order, request_text(tracker), conversation_id=tracker.sender_id
        )
        dispatcher.utter_message(
            response="utter_delivery_problem_logged",
            status_sentence=describe_status(order),
            ticket_number=issue.ticket_number,
            next_step=issue.next_step,
        )
        return [SlotSet("order_number", None)]
