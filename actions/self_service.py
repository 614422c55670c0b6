"""Jobs the customer can finish in the chat: cancel an order, move address,
see what leaving would cost, ask for the account to be closed.

Anything that changes a record is asked first and done only on "yes"
(`actions.changes`: `action_ask_change`, then `action_answer_change`).
"""

from __future__ import annotations

import re
from typing import Any, Dict, Text

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from sqlalchemy import select

from actions.base import CustomerAction, request_text
from actions.changes import pending_answered_now, propose
from actions.off_loop import OffTheLoop
from actions.offers import offer_after_answer
from actions.orders import focus_on, order_in_question
from actions.session import IdentitySlots
from assistant.accounts import closure_check
from assistant.addresses import corrected_address, read_address
from assistant.business import load_policies
from assistant.consent import asks_a_question, asks_to_stop
from assistant.dates import say_date
from assistant.models import AddOn, Order, Subscription
from assistant.money import format_money
from assistant.orders import (
    NOT_YET_DISPATCHED,
    items_summary,
    latest_open_order,
    why_not_cancellable,
)
from assistant.plans import asks_whats_included, current_plans, exit_costs
from assistant.replies import Reply

KEEP_ADDRESS = "keep"  # new_address when the customer stops the change
# Said on its own while the address is asked for: stop, whatever the NLU makes of it.
STOP_WORDS = {"stop", "cancel", "no", "never mind", "nevermind", "forget it", "leave it", "keep it", "quit"}


class ActionCancelOrder(CustomerAction):
    """Says whether the order can still be cancelled, and asks before doing it."""

    def name(self) -> Text:
        return "action_cancel_order"

    def answer(self, dispatcher, tracker, domain, session, customer):
        order = order_in_question(dispatcher, tracker, session, customer, open_first=True)
        events = [SlotSet("order_number", None)] + focus_on(order, tracker)
        if order is None:
            return events
        policies = load_policies()
        reason = why_not_cancellable(order, policies.return_window_days)
        if reason:
            dispatcher.utter_message(response=reason.name, **reason.values)
            return events
        facts = {
            "order_number": order.number,
            "items": items_summary(order),
            "amount": format_money(order.total_cents),
            "processing_days": policies.refund_processing_business_days,
        }
        return events + propose(tracker, "cancel_order", facts, {"order_number": order.number})


class ActionCloseAccount(CustomerAction):
    """What closing would mean for this customer, then asks before passing it on."""

    def name(self) -> Text:
        return "action_close_account"

    def answer(self, dispatcher, tracker, domain, session, customer):
        said = closure_check(session, customer.id).replies() or [Reply("utter_closure_nothing")]
        facts = {
            "closure_facts": " ".join(reply.text() for reply in said),
            "within": load_policies().account_closure_within,
        }
        return propose(tracker, "close_account", facts)


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
        if costs:
            dispatcher.utter_message(response="utter_exit_costs", costs=" ".join(cost.reply().text() for cost in costs))
        else:
            dispatcher.utter_message(response="utter_exit_costs_no_plan")
        if latest_open_order(session, customer.id) is not None:
            dispatcher.utter_message(response="utter_exit_costs_open_order")
        return []


def _says_stop(text: str) -> bool:
    return re.sub(r"[^a-z ]", "", text.lower()).strip() in STOP_WORDS or asks_to_stop(text)


# Replies taken as the answer to "what's the new address?" even without a
# postcode (then the customer is asked for the full address). Any other
# request is answered first and the question asked again: "where is my
# order?" in the middle is a question, not an address.
ADDRESS_REPLIES = ("inform", "affirm", "deny", "nlu_fallback", "out_of_scope", "human_handoff", "change_address")
NOT_READ = ("nlu_fallback", "out_of_scope")


class ValidateAddressForm(OffTheLoop, IdentitySlots, FormValidationAction):
    def name(self) -> Text:
        return "validate_address_form"

    def is_stop(self, text) -> bool:
        return False  # "stop" keeps the old address, said as such (validate_new_address)

    async def extract_new_address(self, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        """The reply as the address, unless it is plainly another question.

        Also a correction of the address just proposed and not yet confirmed
        ("sorry, the postcode is EH2 3AJ"): the corrected address, asked again.
        """
        text = str((tracker.latest_message or {}).get("text") or "")
        proposed = pending_answered_now(tracker)
        if proposed is not None and proposed.kind == "address":
            fixed = corrected_address(proposed.params.get("address", ""), proposed.params.get("postcode", ""), text)
            if fixed:
                return {"new_address": f"{fixed[0]}, {fixed[1]}"}
        if tracker.get_slot("requested_slot") != "new_address":
            return {}
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if _says_stop(text) or read_address(text).problem != "not_an_address":
            return {"new_address": text}
        if intent in ADDRESS_REPLIES and not (intent in NOT_READ and asks_a_question(text)):
            return {"new_address": text}
        return {}  # "wait what time do you close today": a question, answered before the form asks again

    def validate_new_address(self, value: Any, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent in ("deny", "human_handoff") or _says_stop(str(value or "")):
            return {"new_address": KEEP_ADDRESS}
        reading = read_address(str(value or ""))
        if reading.problem is not None:
            dispatcher.utter_message(response="utter_address_not_understood")
            return {"new_address": None}
        if reading.moves_on is not None:
            # The account holds one address, from today: a move on a later day
            # cannot be scheduled here, so nothing is changed and the customer hears why.
            dispatcher.utter_message(
                response="utter_address_future_move", moves_on=say_date(reading.moves_on), timing=reading.timing_words
            )
            return {"new_address": KEEP_ADDRESS + ":future"}
        return {"new_address": f"{reading.line}|{reading.postcode}"}


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
        where = {"address": customer.address, "postcode": customer.postcode}
        if waiting:
            dispatcher.utter_message(response="utter_ask_new_address_with_orders", orders=", ".join(waiting), **where)
        else:
            dispatcher.utter_message(response="utter_ask_new_address_current", **where)
        return []


class ActionChangeAddress(CustomerAction):
    replaces_pending = "address"  # a corrected address replaces the one proposed: no "I haven't made that change"

    def name(self) -> Text:
        return "action_change_address"

    def answer(self, dispatcher, tracker, domain, session, customer):
        value = tracker.get_slot("new_address") or KEEP_ADDRESS
        events = [SlotSet("new_address", None)]
        if value.startswith(KEEP_ADDRESS) or "|" not in value:
            if value == KEEP_ADDRESS:
                dispatcher.utter_message(response="utter_address_kept")
            return events
        address, postcode = value.split("|", 1)
        facts = {
            "old_address": customer.address,
            "old_postcode": customer.postcode,
            "address": address,
            "postcode": postcode,
        }
        return events + propose(tracker, "address", facts, {"address": address, "postcode": postcode})


class ActionPlanInfo(CustomerAction):
    """What the customer has: plans with price and term, and add-ons, from the records."""

    def name(self) -> Text:
        return "action_plan_info"

    def answer(self, dispatcher, tracker, domain, session, customer):
        costs = exit_costs_now(session, customer.id)
        if not costs:
            dispatcher.utter_message(response="utter_no_plan_running")
            return []
        if asks_whats_included(request_text(tracker)):
            # "what's included in it?": what each plan they have gives them, from the catalog
            included = [
                Reply(
                    "utter_part_plan_included", {"plan_name": sub.plan.name, "description": sub.plan.description}
                ).text()
                for sub in current_plans(session, customer.id)
            ]
            dispatcher.utter_message(response="utter_plan_included", plans=" ".join(included))
            return offer_after_answer(tracker, session, customer)
        plans = "; ".join(cost.summary().text() for cost in costs)
        addons = [name for (name,) in session.execute(current_addon_names(customer.id))]
        if addons:
            dispatcher.utter_message(response="utter_plan_info_with_addons", plans=plans, addons=", ".join(addons))
        else:
            dispatcher.utter_message(response="utter_plan_info", plans=plans)
        return offer_after_answer(tracker, session, customer)


def current_addon_names(customer_id: str):
    return (
        select(AddOn.name)
        .join(Subscription, Subscription.addon_code == AddOn.code)
        .where(Subscription.customer_id == customer_id, Subscription.status == "active")
        .order_by(AddOn.name)
    )
