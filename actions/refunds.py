"""Asking for a refund, and where a refund is."""

from __future__ import annotations

from typing import Text

from rasa_sdk.events import FollowupAction, SlotSet

from actions.base import CustomerAction, request_text, requests_planned
from actions.changes import propose
from actions.offers import offer_after_answer
from actions.orders import focus_on, order_in_question
from assistant.business import load_policies
from assistant.dates import on_date, say_date
from assistant.followups import asks_about_the_refund, asks_if_returnable
from assistant.money import format_money
from assistant.orders import items_summary
from assistant.refunds import describe_refund, find_refunds, refund_eligibility
from assistant.requests import message_parts


class ActionRequestRefund(CustomerAction):
    def name(self) -> Text:
        return "action_request_refund"

    def answer(self, dispatcher, tracker, domain, session, customer):
        said = str((tracker.latest_message or {}).get("text") or "")
        one_request = requests_planned(tracker) is None and len(message_parts(said)) <= 1
        if one_request and asks_about_the_refund(said) and find_refunds(session, customer.id):
            return [FollowupAction("action_check_refund_status")]  # "and how much is the refund": its state
        order = order_in_question(dispatcher, tracker, session, customer)
        if order is None:
            return [SlotSet("order_number", None)]
        policies = load_policies()
        outcome = refund_eligibility(session, customer.id, order, policies.return_window_days)
        if outcome.kind == "eligible":
            if outcome.deadline and asks_if_returnable(said):
                # "could i still send it back?": the answer first, then the offer to start it (asked, not done)
                dispatcher.utter_message(
                    response="utter_refund_window_open",
                    delivered_on=on_date(order.delivered_on),
                    deadline=say_date(outcome.deadline),
                    window_days=policies.return_window_days,
                )
            facts = {
                "amount": format_money(order.total_cents),
                "order_number": order.number,
                "items": items_summary(order),
                "processing_days": policies.refund_processing_business_days,
            }
            params = {"order_number": order.number, "reason": request_text(tracker)[:120]}
            return (
                [SlotSet("order_number", None)] + focus_on(order, tracker) + propose(tracker, "refund", facts, params)
            )
        if outcome.kind == "existing":
            dispatcher.utter_message(
                response="utter_refund_existing",
                order_number=order.number,
                refund_sentence=describe_refund(outcome.refund).text(),
            )
            # "did I get my money back for the telly?" is answered: its refund's state
            return (
                [SlotSet("order_number", None)]
                + focus_on(order, tracker)
                + offer_after_answer(tracker, session, customer)
            )
        elif outcome.kind == "outside_window":
            dispatcher.utter_message(
                response="utter_refund_outside_window",
                order_number=order.number,
                delivered_on=on_date(order.delivered_on),
                window_days=policies.return_window_days,
                deadline=say_date(outcome.deadline),
            )
        else:
            dispatcher.utter_message(
                response="utter_refund_not_delivered",
                order_number=order.number,
                status=order.status.replace("_", " "),
                window_days=policies.return_window_days,
            )
        return [SlotSet("order_number", None)] + focus_on(order, tracker)


class ActionCheckRefundStatus(CustomerAction):
    def name(self) -> Text:
        return "action_check_refund_status"

    def answer(self, dispatcher, tracker, domain, session, customer):
        number = tracker.get_slot("refund_number")
        if number:
            number = "RF-" + number.upper().replace("RF", "").lstrip("-")
        refunds = find_refunds(session, customer.id, refund_number=number)
        if not refunds:
            if number:
                dispatcher.utter_message(response="utter_refund_not_found", refund_number=number)
            else:
                dispatcher.utter_message(response="utter_no_refunds")
            return [SlotSet("refund_number", None)]
        dispatcher.utter_message(
            response="utter_refund_status",
            refund_sentence=" ".join(describe_refund(refund).text() for refund in refunds),
        )
        return [SlotSet("refund_number", None)] + offer_after_answer(tracker, session, customer)
