"""Jobs the customer can finish in the chat: cancel an order, move address,
see what leaving would cost, ask for the account to be closed.

Anything that changes a record is asked first and done only on "yes"
(`action_answer_confirmation` runs right after the question, by rule).
"""

from __future__ import annotations

import re
from typing import Any, Dict, Text

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from sqlalchemy import select

from actions.base import CustomerAction
from actions.orders import order_in_question
from actions.session import IdentitySlots
from assistant.accounts import closure_check, request_closure
from assistant.business import load_policies
from assistant.dates import say_date
from assistant.models import AddOn, Order, Subscription
from assistant.money import format_money
from assistant.orders import (
    NOT_YET_DISPATCHED,
    cancel_order,
    change_address,
    items_summary,
    latest_open_order,
    parse_address,
    why_not_cancellable,
)
from assistant.plans import exit_costs

YES_NO = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]
KEEP_ADDRESS = "keep"  # new_address when the customer stops the change
# Said on its own while the address is asked for: stop, whatever the NLU makes of it.
STOP_WORDS = {"stop", "cancel", "no", "never mind", "nevermind", "forget it", "leave it", "keep it", "quit"}


class ActionCancelOrder(CustomerAction):
    """Says whether the order can still be cancelled, and asks before doing it."""

    def name(self) -> Text:
        return "action_cancel_order"

    def answer(self, dispatcher, tracker, domain, session, customer):
        order = order_in_question(dispatcher, tracker, session, customer, open_first=True)
        events = [SlotSet("order_number", None), SlotSet("awaiting_confirmation", None)]
        if order is None:
            return events
        policies = load_policies()
        reason = why_not_cancellable(order, policies.return_window_days)
        if reason:
            dispatcher.utter_message(text=reason)
            return events
        dispatcher.utter_message(
            text=(
                f"Order {order.number} ({items_summary(order)}, {format_money(order.total_cents)}) hasn't left "
                f"our warehouse yet, so I can cancel it free of charge and refund {format_money(order.total_cents)} "
                f"to how you paid within {policies.refund_processing_business_days} working days. Shall I cancel it?"
            ),
            buttons=YES_NO,
        )
        return events[:1] + [SlotSet("awaiting_confirmation", f"cancel_order:{order.number}")]


class ActionCloseAccount(CustomerAction):
    """What closing would mean for this customer, then asks before passing it on."""

    def name(self) -> Text:
        return "action_close_account"

    def answer(self, dispatcher, tracker, domain, session, customer):
        facts = closure_check(session, customer.id).sentences()
        intro = "I can ask our team to close your account and erase your personal data. "
        said = " ".join(facts) if facts else "You have nothing running, unpaid or on its way, so nothing else changes."
        dispatcher.utter_message(
            text=f"{intro}{said} Shall I ask them to close it? They'll confirm by email within 2 working days.",
            buttons=YES_NO,
        )
        return [SlotSet("awaiting_confirmation", "close_account")]


class ActionAnswerConfirmation(CustomerAction):
    """The customer's yes or no to the question the previous action asked."""

    def name(self) -> Text:
        return "action_answer_confirmation"

    def answer(self, dispatcher, tracker, domain, session, customer):
        pending = tracker.get_slot("awaiting_confirmation") or ""
        yes = (tracker.latest_message.get("intent") or {}).get("name") == "affirm"
        events = [SlotSet("awaiting_confirmation", None)]
        if not pending:
            dispatcher.utter_message(response="utter_anything_else")
        elif pending.startswith("cancel_order:"):
            order = session.get(Order, pending.split(":", 1)[1])
            if not yes or order is None or order.customer_id != customer.id:
                dispatcher.utter_message(text="OK, I've left your order as it is. Is there anything else?")
                return events
            if order.status not in (*NOT_YET_DISPATCHED, "cancelled"):
                dispatcher.utter_message(
                    text=f"Sorry, it's too late: order {order.number} has already left our warehouse."
                )
                return events
            refund = cancel_order(session, customer.id, order, load_policies().refund_processing_business_days)
            dispatcher.utter_message(
                text=(
                    f"Done: order {order.number} is cancelled. Your refund {refund.number} of "
                    f"{format_money(refund.amount_cents)} will reach you by {say_date(refund.expected_by)}."
                )
            )
        elif pending == "close_account":
            if not yes:
                dispatcher.utter_message(text="OK, your account stays open. Is there anything else?")
                return events
            ticket = request_closure(session, customer, tracker.sender_id)
            dispatcher.utter_message(
                text=(
                    f"I've asked our team to close your account ({ticket.number}). They'll email "
                    f"{customer.email} within 2 working days to confirm, and nothing is closed before that."
                )
            )
        return events


def exit_costs_now(session, customer_id: str):
    """What leaving each plan would cost if the customer gave notice today (business/policies.yml)."""
    policies = load_policies()
    return exit_costs(session, customer_id, policies.minimum_term_months, policies.cancellation_notice_days)


class ActionCancellationFee(CustomerAction):
    """The early exit fee from the customer's own plans, start dates and prices."""

    def name(self) -> Text:
        return "action_cancellation_fee"

    def answer(self, dispatcher, tracker, domain, session, customer):
        costs = exit_costs_now(session, customer.id)
        lines = [cost.sentence() for cost in costs] or ["You have no plan running, so there's nothing to pay to leave."]
        if latest_open_order(session, customer.id) is not None:
            lines.append("Cancelling a shop order is free until it leaves our warehouse.")
        dispatcher.utter_message(text=" ".join(lines))
        return []


def _says_stop(text: str) -> bool:
    return re.sub(r"[^a-z ]", "", text.lower()).strip() in STOP_WORDS


# Replies taken as the answer to "what's the new address?" even without a
# postcode (then the customer is asked for the full address). Any other
# request is answered first and the question asked again: "where is my
# order?" in the middle is a question, not an address.
ADDRESS_REPLIES = ("inform", "affirm", "deny", "nlu_fallback", "out_of_scope", "human_handoff", "change_address")


class ValidateAddressForm(IdentitySlots, FormValidationAction):
    def name(self) -> Text:
        return "validate_address_form"

    async def extract_new_address(self, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        """The reply as the address, unless it is plainly another question."""
        if tracker.get_slot("requested_slot") != "new_address":
            return {}
        text = str((tracker.latest_message or {}).get("text") or "")
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent in ADDRESS_REPLIES or _says_stop(text) or parse_address(text) is not None:
            return {"new_address": text}
        return {}

    def validate_new_address(self, value: Any, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent in ("deny", "human_handoff") or _says_stop(str(value or "")):
            return {"new_address": KEEP_ADDRESS}
        parsed = parse_address(str(value or ""))
        if parsed is None:
            dispatcher.utter_message(
                text='I need the full address with its postcode, like "12 Park Road, Leeds LS6 2AB". '
                'Or say "stop" to keep the address you have.'
            )
            return {"new_address": None}
        return {"new_address": f"{parsed[0]}|{parsed[1]}"}


class ActionAskNewAddress(CustomerAction):
    def name(self) -> Text:
        return "action_ask_new_address"

    def answer(self, dispatcher, tracker, domain, session, customer):
        waiting = (
            session.execute(
                select(Order.number).where(Order.customer_id == customer.id, Order.status.in_(NOT_YET_DISPATCHED))
            )
            .scalars()
            .all()
        )
        note = (
            f" Order {', '.join(waiting)} hasn't shipped yet, so it will go to the new address too." if waiting else ""
        )
        dispatcher.utter_message(
            text=f"The address on your account is {customer.address}, {customer.postcode}.{note} "
            "What's the new address, with its postcode?"
        )
        return []


class ActionChangeAddress(CustomerAction):
    def name(self) -> Text:
        return "action_change_address"

    def answer(self, dispatcher, tracker, domain, session, customer):
        value = tracker.get_slot("new_address") or KEEP_ADDRESS
        events = [SlotSet("new_address", None)]
        if value == KEEP_ADDRESS or "|" not in value:
            dispatcher.utter_message(text="OK, I've kept the address you have. Is there anything else?")
            return events
        address, postcode = value.split("|", 1)
        change = change_address(session, customer, address, postcode)
        said = f"Done: your address is now {change.address}, {change.postcode}."
        if change.redirected:
            said += f" Order {', '.join(change.redirected)} will be delivered there."
        if change.too_late:
            said += (
                f" Order {', '.join(change.too_late)} is already with the courier for the old address; "
                "use the link in its tracking email to redirect it."
            )
        dispatcher.utter_message(text=said)
        return events + [SlotSet("account_postcode", change.postcode)]


class ActionPlanInfo(CustomerAction):
    """What the customer has: plans with price and term, and add-ons, from the records."""

    def name(self) -> Text:
        return "action_plan_info"

    def answer(self, dispatcher, tracker, domain, session, customer):
        costs = exit_costs_now(session, customer.id)
        if not costs:
            dispatcher.utter_message(text="I can't see a plan running on your account at the moment.")
            return []
        parts = []
        for cost in costs:
            sub = cost.subscription
            term = (
                f"ending on {say_date(sub.ends_on)}"
                if sub.status == "cancelling" and sub.ends_on
                else (f"minimum term to {say_date(cost.term_ends)}" if cost.months_left else "out of its minimum term")
            )
            parts.append(
                f"{sub.plan.name} at {format_money(sub.monthly_price_cents)} a month since {say_date(sub.started_on)} ({term})"
            )
        addons = [name for (name,) in session.execute(current_addon_names(customer.id))]
        said = "You're on " + "; ".join(parts) + "."
        if addons:
            said += f" Add-ons: {', '.join(addons)}."
        dispatcher.utter_message(text=said + " Would you like to change anything?")
        return []


def current_addon_names(customer_id: str):
    return (
        select(AddOn.name)
        .join(Subscription, Subscription.addon_code == AddOn.code)
        .where(Subscription.customer_id == customer_id, Subscription.status == "active")
        .order_by(AddOn.name)
    )
