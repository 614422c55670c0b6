"""Changing plan, and cancelling (one fitting alternative, then honour it)."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import FollowupAction, SlotSet

from actions.base import CustomerAction, typed_choice
from actions.changes import propose
from actions.off_loop import OffTheLoop
from actions.offers import offer_after_answer
from actions.session import IdentitySlots
from assistant.business import load_policies
from assistant.consent import Consent, asks_a_question, read_consent, wants_to_stay
from assistant.dates import say_date
from assistant.db import session_scope
from assistant.models import Plan
from assistant.money import format_money
from assistant.plans import (
    CANCEL_REASONS,
    accept_retention_offer,
    change_plan,
    corrected_plan,
    exit_costs,
    main_plan,
    named_tier,
    plan_options,
    plan_to_cancel,
    plans_named,
    price_difference,
    read_plan_choice,
    retention_offer,
    retention_offer_details,
)
from assistant.replies import Reply

PLAN_FORM_SLOTS = ["plan", "confirm_plan_change"]
CANCEL_IT = re.compile(
    r"^\W*(?:(?:please|just|still|ok|okay|so|right|then|actually|wait|oh|hmm|and|can you|could you|can i|could i|can we|i want to|i wanna|"
    r"i'?d like to|id like to|want to|how do i|how can i)\s+)*"
    r"cancel (?:it|that|this|that one|this one|the order|that order)\b"
    r"(?!\W*(?:plan|broadband|contract|subscription|account|mobile|package|deal|service|fibre))[\W\w]{0,12}$",
    re.I,
)
WANTS_TO_CANCEL = re.compile(r"\b(?:cancel|leave|close|end|terminate|stop)\b(?! (?:that|this) (?:offer|instead))")


def consent_slot(tracker: Tracker) -> Optional[bool]:
    """A yes/no slot filled from the NLU's affirm or deny, checked by the one consent reader.

    A button (or a plain yes or no) fills it; "ok but how much is it?" does
    not, and the question is asked again.
    """
    consent = read_consent((tracker.latest_message or {}).get("text"))
    if consent is Consent.YES:
        return True
    if consent is Consent.NO:
        return False
    return None


CANCEL_FORM_SLOTS = ["cancel_reason", "keep_with_offer"]


class ValidatePlanChangeForm(OffTheLoop, IdentitySlots, FormValidationAction):
    def name(self) -> Text:
        return "validate_plan_change_form"

    def validate_plan(self, value: Any, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        code = str(value or "").strip().lower().replace(" ", "_")
        with session_scope() as session:
            if session.get(Plan, code) is None:
                dispatcher.utter_message(response="utter_plan_unknown")
                return {"plan": None}
        return {"plan": code}

    async def extract_plan(self, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        """ "The 900 one", "fibre 500", "the cheapest": the plan typed instead of pressing its button."""
        if tracker.get_slot("requested_slot") != "plan":
            return {}
        text = str((tracker.latest_message or {}).get("text") or "")
        if text.startswith("/") or not tracker.get_slot("customer_id"):
            return {}
        with session_scope() as session:
            current = main_plan(session, tracker.get_slot("customer_id"))
            if current is None:
                return {}
            code = read_plan_choice(text, plan_options(session, current.plan))
        return {"plan": code} if code else {}

    async def extract_confirm_plan_change(self, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        """ "No, keep my plan" or "yes go ahead" typed: the answer, whatever intent the NLU read."""
        if tracker.get_slot("requested_slot") != "confirm_plan_change":
            return {}
        other = self._other_plan_named(tracker)
        if other:
            # "no i meant the 500 one not the 900": the plan corrected, and the question asked again for it
            return {"plan": other, "confirm_plan_change": None}
        answer = consent_slot(tracker)
        return {} if answer is None else {"confirm_plan_change": answer}

    @staticmethod
    def _other_plan_named(tracker: Tracker) -> Optional[Text]:
        """A plan other than the one just proposed, named in the reply to "shall I make the change?"."""
        message = tracker.latest_message or {}
        text = str(message.get("text") or "")
        if text.startswith("/") or not tracker.get_slot("customer_id"):
            return None
        if any(e.get("entity") == "plan" for e in message.get("entities") or []):
            return None  # "sorry, I meant Fibre 100": the plan's slot mapping has read it already
        with session_scope() as session:
            current = main_plan(session, tracker.get_slot("customer_id"))
            if current is None:
                return None
            return corrected_plan(text, plan_options(session, current.plan), tracker.get_slot("plan"))

    def validate_confirm_plan_change(self, value: Any, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        """Only a plain yes changes the plan; a question, another plan named or anything else asks again."""
        if self._other_plan_named(tracker):
            return {"confirm_plan_change": None}  # the "no" of "no I meant the 500 one" is about the plan
        return {"confirm_plan_change": consent_slot(tracker)}


class ActionAskPlan(CustomerAction):
    """Lists the plans the customer could move to, with their prices."""

    def name(self) -> Text:
        return "action_ask_plan"

    def answer(self, dispatcher, tracker, domain, session, customer):
        current = main_plan(session, customer.id)
        if current is None:
            dispatcher.utter_message(response="utter_plan_change_no_plan")
            return []
        options = plan_options(session, current.plan)
        text = str((tracker.latest_message or {}).get("text") or "").lower()
        if re.search(r"\b(?:faster|quicker|upgrade|more speed|better speed)\b", text) and current.plan.speed_mbps:
            # "faster plans" lists only the faster ones, never the plan they are on
            options = [p for p in options if (p.speed_mbps or 0) > current.plan.speed_mbps] or options
        elif re.search(r"\b(?:cheaper|downgrade|less expensive|lower price|save money)\b", text):
            options = [p for p in options if p.monthly_price_cents < current.monthly_price_cents] or options
        tier = named_tier(tracker.latest_message)
        if tier:
            # "the gold account": the plans named so, or plainly none, and ours to choose from
            options, found = plans_named(options, tier)
            if not found:
                dispatcher.utter_message(response="utter_no_such_tier", tier=tier)
        buttons = [
            {
                "title": Reply(
                    "utter_part_plan_button", {"plan_name": plan.name, "price": format_money(plan.monthly_price_cents)}
                ).text(),
                "payload": f'/change_plan{{"plan": "{plan.code}"}}',
            }
            for plan in options
        ]
        dispatcher.utter_message(
            response="utter_plan_choices",
            plan_name=current.plan.name,
            price=format_money(current.monthly_price_cents),
            buttons=buttons,
        )
        return []


class ActionAskConfirmPlanChange(CustomerAction):
    def name(self) -> Text:
        return "action_ask_confirm_plan_change"

    def answer(self, dispatcher, tracker, domain, session, customer):
        target = session.get(Plan, tracker.get_slot("plan"))
        current = main_plan(session, customer.id)
        dispatcher.utter_message(
            response="utter_plan_change_question",
            plan_name=target.name,
            price=format_money(target.monthly_price_cents),
            difference=price_difference(current.monthly_price_cents, target.monthly_price_cents).text(),
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
            dispatcher.utter_message(response="utter_plan_change_same_plan")
            return reset
        done = result.done()
        dispatcher.utter_message(response=done.name, **done.values)
        return reset + offer_after_answer(tracker, session, customer)


def words_of_request(tracker: Tracker, form: str) -> List[str]:
    """What the customer said in this run of `form`: the message that started it, then each reply since."""
    said: List[str] = []
    started = False
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            said.append(str(event.get("text") or ""))
            if started:
                break
        elif kind == "active_loop":
            if event.get("name") == form:
                started = True
            elif said:  # an earlier form ended here: this run has not been recorded as started yet
                break
    return list(reversed(said))


def plan_leaving(session, tracker: Tracker, customer_id: Text):
    """The plan this cancellation is about: the part the customer named ("cancel my mobile"), else the main one."""
    return plan_to_cancel(session, customer_id, words_of_request(tracker, "cancel_form"))


class ValidateCancelForm(OffTheLoop, IdentitySlots, FormValidationAction):
    """Asks the reason; offers an alternative only when one fits that reason."""

    def name(self) -> Text:
        return "validate_cancel_form"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> List[Text]:
        slots = await super().required_slots(domain_slots, dispatcher, tracker, domain)
        customer_id = tracker.get_slot("customer_id")
        reason = tracker.get_slot("cancel_reason")
        if "keep_with_offer" in slots and reason and customer_id:
            with session_scope() as session:
                if retention_offer(session, customer_id, reason, plan_leaving(session, tracker, customer_id)) is None:
                    slots = [slot for slot in slots if slot != "keep_with_offer"]
        return slots

    async def extract_cancel_reason(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return typed_choice(tracker, "cancel_reason")

    async def extract_keep_with_offer(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        """ "Just cancel it" to the alternative is a no to it: the cancellation goes on (and is confirmed)."""
        if tracker.get_slot("requested_slot") != "keep_with_offer":
            return {}
        text = str((tracker.latest_message or {}).get("text") or "")
        if text.startswith("/"):
            return {}
        if WANTS_TO_CANCEL.search(text.lower()) and not asks_a_question(text):
            return {"keep_with_offer": False}  # "no, just cancel it"; not "would there be a fee to leave?"
        answer = consent_slot(tracker)
        return {} if answer is None else {"keep_with_offer": answer}

    def is_stop(self, text) -> bool:
        # "just cancel it" answers the alternative here; it does not stop the cancellation.
        # "no, leave everything as it is" does: the customer keeps their plan.
        return (super().is_stop(text) and "cancel" not in str(text or "").lower()) or wants_to_stay(text)

    async def run(self, dispatcher, tracker: Tracker, domain):
        text = str((tracker.latest_message or {}).get("text") or "")
        if not tracker.get_slot("requested_slot") and tracker.get_slot("focus_order") and CANCEL_IT.search(text):
            from actions.support import last_job  # actions.support imports this module

            if last_job(tracker) not in ("track_order", "refund_status"):
                return await super().run(dispatcher, tracker, domain)
            # "cancel it" right after an order was discussed is that order, not the plan
            return [
                SlotSet("form_stopped", True),
                SlotSet("requested_slot", None),
                FollowupAction("action_cancel_order"),
            ]
        return await super().run(dispatcher, tracker, domain)

    def validate_keep_with_offer(self, value: Any, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        text = str((tracker.latest_message or {}).get("text") or "")
        if value is False or (WANTS_TO_CANCEL.search(text.lower()) and not asks_a_question(text)):
            return {"keep_with_offer": False}
        return {"keep_with_offer": consent_slot(tracker)}

    def validate_cancel_reason(self, value: Any, dispatcher, tracker, domain) -> Dict[Text, Any]:
        reason = str(value or "").strip().lower()
        return {"cancel_reason": reason if reason in CANCEL_REASONS else "other"}


class ActionAskKeepWithOffer(CustomerAction):
    def name(self) -> Text:
        return "action_ask_keep_with_offer"

    def answer(self, dispatcher, tracker, domain, session, customer):
        if _alternative_just_described(tracker):
            # the alternative was just described (action_answer_alternative): only the question again
            dispatcher.utter_message(response="utter_cancel_alternative_again")
            return []
        offer = retention_offer(
            session, customer.id, tracker.get_slot("cancel_reason"), plan_leaving(session, tracker, customer.id)
        )
        if offer is None:
            return []
        dispatcher.utter_message(response="utter_cancel_alternative", offer=offer.alternative.text())
        return []


def _alternative_just_described(tracker: Tracker) -> bool:
    """Did action_answer_alternative answer the customer's latest message?"""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "action" and event.get("name") == "action_answer_alternative":
            return True
    return False


class ActionAnswerAlternative(CustomerAction):
    """What the alternative offered instead of cancelling is; the cancellation form then asks again."""

    def name(self) -> Text:
        return "action_answer_alternative"

    def answer(self, dispatcher, tracker, domain, session, customer):
        leaving = plan_leaving(session, tracker, customer.id)
        offer = retention_offer(session, customer.id, tracker.get_slot("cancel_reason") or "other", leaving)
        if offer is None:
            return []
        details = retention_offer_details(session, customer.id, offer)
        dispatcher.utter_message(response=details.name, **details.values)
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
        subscription = plan_leaving(session, tracker, customer.id)
        if tracker.get_slot("keep_with_offer"):
            offer = retention_offer(session, customer.id, reason, subscription)
            if offer is not None:
                done = accept_retention_offer(
                    session, customer.id, offer, load_policies(), conversation_id=tracker.sender_id
                )
                dispatcher.utter_message(response=done.name, **done.values)
                return reset
        if subscription is None:
            dispatcher.utter_message(response="utter_nothing_to_cancel")
            return reset
        if subscription.status == "cancelling" and subscription.ends_on:
            dispatcher.utter_message(
                response="utter_already_cancelling",
                plan_name=subscription.plan.name,
                ends_on=say_date(subscription.ends_on),
            )
            return reset
        policies = load_policies()
        cost = next(
            (c for c in exit_costs(session, customer.id, policies.minimum_term_months, policies.cancellation_notice_days)
             if c.subscription.id == subscription.id),
            None,
        )  # fmt: skip
        facts = {
            "plan_name": subscription.plan.name,
            "notice_days": policies.cancellation_notice_days,
            "ends_on": say_date(cost.last_day if cost else None),
            "fee": format_money(cost.fee_cents if cost else 0),
        }
        return reset + propose(
            tracker, "cancel_plan", facts, {"reason": reason, "subscription_id": str(subscription.id)}
        )
