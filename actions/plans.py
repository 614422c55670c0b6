"""Changing plan, and cancelling (one fitting alternative, then honour it)."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import SlotSet

from actions.base import CustomerAction, typed_choice
from actions.offers import offer_after_answer
from actions.session import IdentitySlots
from assistant.db import session_scope
from assistant.models import Plan
from assistant.money import format_money
from assistant.plans import (
    CANCEL_REASONS,
    accept_retention_offer,
    cancel_main_plan,
    change_plan,
    main_plan,
    plan_options,
    retention_offer,
)

PLAN_FORM_SLOTS = ["plan", "confirm_plan_change"]
CANCEL_FORM_SLOTS = ["cancel_reason", "keep_with_offer"]


class ValidatePlanChangeForm(IdentitySlots, FormValidationAction):
    def name(self) -> Text:
        return "validate_plan_change_form"

    def validate_plan(self, value: Any, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        code = str(value or "").strip().lower().replace(" ", "_")
        with session_scope() as session:
            if session.get(Plan, code) is None:
                dispatcher.utter_message(response="utter_plan_unknown")
                return {"plan": None}
        return {"plan": code}


class ActionAskPlan(CustomerAction):
    """Lists the plans the customer could move to, with their prices."""

    def name(self) -> Text:
        return "action_ask_plan"

    def answer(self, dispatcher, tracker, domain, session, customer):
        current = main_plan(session, customer.id)
        if current is None:
            dispatcher.utter_message(response="utter_plan_change_impossible", reason="I can't see an active plan")
            return []
        buttons = [
            {
                "title": f"{plan.name} – {format_money(plan.monthly_price_cents)}/month",
                "payload": f'/change_plan{{"plan": "{plan.code}"}}',
            }
            for plan in plan_options(session, current.plan)
        ]
        dispatcher.utter_message(
            text=(
                f"You're on {current.plan.name} at {format_money(current.monthly_price_cents)} a month. "
                "Which plan would you like instead?"
            ),
            buttons=buttons,
        )
        return []


class ActionAskConfirmPlanChange(CustomerAction):
    def name(self) -> Text:
        return "action_ask_confirm_plan_change"

    def answer(self, dispatcher, tracker, domain, session, customer):
        target = session.get(Plan, tracker.get_slot("plan"))
        current = main_plan(session, customer.id)
        delta = target.monthly_price_cents - current.monthly_price_cents
        change = f"{format_money(abs(delta))} {'more' if delta > 0 else 'less'} a month" if delta else "the same price"
        dispatcher.utter_message(
            text=(
                f"{target.name} is {format_money(target.monthly_price_cents)} a month, {change} than now. "
                "It would start from your next bill. Shall I make the change?"
            ),
            buttons=[
                {"title": "Yes, change it", "payload": "/affirm"},
                {"title": "No, keep my plan", "payload": "/deny"},
            ],
        )
        return []


class ActionChangePlan(CustomerAction):
    def name(self) -> Text:
        return "action_change_plan"

    def answer(self, dispatcher, tracker, domain, session, customer):
        reset = [SlotSet("plan", None), SlotSet("confirm_plan_change", None)]
        if customer is None or not tracker.get_slot("plan"):
            return reset
        if not tracker.get_slot("confirm_plan_change"):
            dispatcher.utter_message(response="utter_plan_change_kept")
            return reset
        result = change_plan(session, customer.id, tracker.get_slot("plan"))
        if result is None:
            dispatcher.utter_message(
                response="utter_plan_change_impossible", reason="you already have that plan, or no plan of that kind"
            )
            return reset
        delta = result.monthly_delta_cents
        dispatcher.utter_message(
            response="utter_plan_changed",
            old_plan=result.old.plan.name,
            new_plan=session.get(Plan, result.new.plan_code).name,
            effective=f"{result.effective:%d %B %Y}",
            direction="up" if delta > 0 else "down",
            delta=format_money(abs(delta)),
            new_price=format_money(result.new.monthly_price_cents),
        )
        return reset + offer_after_answer(tracker, session, customer)


class ValidateCancelForm(IdentitySlots, FormValidationAction):
    """Asks the reason; offers an alternative only when one fits that reason."""

    def name(self) -> Text:
        return "validate_cancel_form"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> List[Text]:
        slots = await super().required_slots(domain_slots, dispatcher, tracker, domain)
        customer_id = tracker.get_slot("customer_id")
        reason = tracker.get_slot("cancel_reason")
        if "keep_with_offer" in slots and reason and customer_id:
            with session_scope() as session:
                if retention_offer(session, customer_id, reason) is None:
                    slots = [slot for slot in slots if slot != "keep_with_offer"]
        return slots

    async def extract_cancel_reason(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return typed_choice(tracker, "cancel_reason")

    def validate_cancel_reason(self, value: Any, dispatcher, tracker, domain) -> Dict[Text, Any]:
        reason = str(value or "").strip().lower()
        return {"cancel_reason": reason if reason in CANCEL_REASONS else "other"}


class ActionAskKeepWithOffer(CustomerAction):
    def name(self) -> Text:
        return "action_ask_keep_with_offer"

    def answer(self, dispatcher, tracker, domain, session, customer):
        offer = retention_offer(session, customer.id, tracker.get_slot("cancel_reason"))
        dispatcher.utter_message(
            text=(
                f"Thanks for telling me. Before you go: I could {offer.text}. "
                "Would you like that instead, or shall I cancel?"
            ),
            buttons=[
                {"title": "Yes, do that instead", "payload": "/affirm"},
                {"title": "No, cancel my plan", "payload": "/deny"},
            ],
        )
        return []


class ActionCancelSubscription(CustomerAction):
    """Honours the cancellation unless the customer chose the alternative."""

    def name(self) -> Text:
        return "action_cancel_subscription"

    def answer(self, dispatcher, tracker, domain, session, customer):
        reset = [SlotSet("cancel_reason", None), SlotSet("keep_with_offer", None)]
        if customer is None:
            return reset
        reason = tracker.get_slot("cancel_reason") or "other"
        if tracker.get_slot("keep_with_offer"):
            offer = retention_offer(session, customer.id, reason)
            if offer is not None:
                dispatcher.utter_message(
                    text=accept_retention_offer(session, customer.id, offer, conversation_id=tracker.sender_id)
                )
                return reset
        cancellation = cancel_main_plan(session, customer.id, reason)
        if cancellation is None:
            dispatcher.utter_message(response="utter_nothing_to_cancel")
            return reset
        dispatcher.utter_message(
            response="utter_cancelled",
            plan_name=cancellation.subscription.plan.name,
            ends_on=f"{cancellation.ends_on:%d %B %Y}",
        )
        return reset
