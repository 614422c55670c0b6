"""Starting a conversation: who the customer is, greeting them, identity checks."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActionExecuted, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from actions.base import CustomerAction, customer_action, hand_on_requests, identity_events, metadata_customer_id
from actions.off_loop import OffTheLoop
from actions.orders import focus_on
from actions.reading import read_part
from actions.routing import handling_action
from assistant import sign_in_limits
from assistant.consent import asks_to_stop
from assistant.customers import UK_POSTCODE, get_customer, verify_identity
from assistant.db import session_scope
from assistant.models import Customer
from assistant.orders import describe_status, recent_orders
from assistant.requests import after_greeting, job_of, message_parts, requests_in

IDENTITY_SLOTS = ("customer_id", "customer_name", "account_email", "account_postcode")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
MAX_IDENTITY_ATTEMPTS = 3


class ActionSessionStart(OffTheLoop, Action):
    """Starts a session bound to the customer the channel identified."""

    def name(self) -> Text:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        events: List[Dict[Text, Any]] = [SessionStarted()]
        # The customer stays signed in across sessions; half-filled forms do not.
        for slot in IDENTITY_SLOTS:
            if tracker.get_slot(slot) is not None:
                events.append(SlotSet(slot, tracker.get_slot(slot)))
        metadata = tracker.get_slot("session_started_metadata") or {}
        bound = metadata.get("customer_id") if isinstance(metadata, dict) else None
        if bound:
            try:
                with session_scope() as session:
                    customer = get_customer(session, bound)
                    if customer is not None:
                        events.extend(identity_events(customer))
            except SQLAlchemyError:
                pass  # the first action that needs the records will say so
        events.append(SlotSet("session_started_metadata", metadata or None))
        events.append(ActionExecuted("action_listen"))
        return events


class ActionGreetCustomer(CustomerAction):
    """Greets by name, with the one thing from their records they likely came for."""

    requires_identity = False

    def name(self) -> Text:
        return "action_greet_customer"

    def answer(self, dispatcher, tracker, domain, session: Session, customer: Optional[Customer]):
        asked = asked_after_greeting(tracker)
        if asked:
            return asked  # "hiya how much am i paying for my mobile atm": the question is the point
        if customer is None:
            dispatcher.utter_message(response="utter_greet")
            return []
        latest = recent_orders(session, customer.id, limit=1)
        if latest and latest[0].status in ("shipped", "out_for_delivery", "delayed"):
            dispatcher.utter_message(
                response="utter_greet_customer_order",
                customer_name=customer.first_name,
                status_sentence=describe_status(latest[0]).text(),
            )
            # the order just told is what the conversation is about: "when will it turn up?" is about it
            return focus_on(latest[0], tracker)
        else:
            dispatcher.utter_message(response="utter_greet_customer", customer_name=customer.first_name)
        return []


def asked_after_greeting(tracker: Tracker) -> List[Dict[Text, Any]]:
    """A request after the greeting, read by the NLU on its own, handed to the action answering it."""
    rest = after_greeting((tracker.latest_message or {}).get("text") or "")
    if not rest:
        return []
    asked = requests_in(rest, read_part)
    if asked:
        return hand_on_requests(tracker, asked)
    for part in message_parts(rest):  # "hope you're well, what plan am i on": the part that asks something
        label = read_part(part)
        if label and handling_action(job_of(label)) not in (
            None,
            "action_rephrase_or_handoff",
            "action_greet_customer",
        ):
            return hand_on_requests(tracker, [label])
    return []


class StoppableForm:
    """ "stop", "cancel that", "never mind" on its own ends the form; nothing is done.

    The form then completes with `form_stopped` set, and the action that
    would have finished it says so instead (actions/base.py).
    """

    async def run(self, dispatcher, tracker: Tracker, domain: DomainDict):
        text = (tracker.latest_message or {}).get("text")
        if tracker.get_slot("requested_slot") and self.is_stop(text):
            return [SlotSet("form_stopped", True), SlotSet("requested_slot", None)]
        events = []
        if tracker.get_slot("form_stopped") and not tracker.get_slot("requested_slot"):
            # a form starting afresh: an earlier stop does not carry over
            tracker.slots["form_stopped"] = None
            events.append(SlotSet("form_stopped", None))
        return events + list(await super().run(dispatcher, tracker, domain))

    def is_stop(self, text) -> bool:
        return asks_to_stop(text)

    async def required_slots(self, domain_slots, dispatcher, tracker: Tracker, domain: DomainDict) -> List[Text]:
        if tracker.get_slot("form_stopped"):
            return []
        return await super().required_slots(domain_slots, dispatcher, tracker, domain)


class IdentitySlots(StoppableForm):
    """Asks for account email and postcode in any form, unless already known.

    Three failed matches end the form: the customer is told a person can help,
    and no account data is shown.
    """

    identity_slots = ("account_email", "account_postcode")

    async def required_slots(
        self, domain_slots: List[Text], dispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Text]:
        if tracker.get_slot("form_stopped"):
            return []
        if (tracker.get_slot("identity_attempts") or 0) >= MAX_IDENTITY_ATTEMPTS and not tracker.get_slot(
            "customer_id"
        ):
            return []
        if tracker.get_slot("customer_id") or metadata_customer_id(tracker):
            return [slot for slot in domain_slots if slot not in self.identity_slots]
        return domain_slots

    def validate_account_email(self, value: Any, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        if tracker.get_slot("customer_id"):
            return {"account_email": value}
        match = EMAIL.search(str(value or ""))
        if not match:
            dispatcher.utter_message(response="utter_email_not_understood")
            return {"account_email": None}
        return {"account_email": match.group(0).lower()}

    def validate_account_postcode(self, value: Any, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        if tracker.get_slot("customer_id"):
            return {"account_postcode": value}
        postcode = str(value or "").strip()
        if not UK_POSTCODE.fullmatch(postcode):
            dispatcher.utter_message(response="utter_postcode_not_understood")
            return {"account_postcode": None}
        email = tracker.get_slot("account_email")
        # The same limits as the web sign-in, by the client's address (set by the channel)
        # and the account: a new sender id does not start a new count.
        address = ((tracker.latest_message or {}).get("metadata") or {}).get("client_address") or "chat"
        try:
            with session_scope() as session:
                if sign_in_limits.check(session, "customer", address, email) is not None:
                    dispatcher.utter_message(response="utter_identity_failed")
                    return {"identity_attempts": MAX_IDENTITY_ATTEMPTS, "account_email": None, "account_postcode": None}
                customer = verify_identity(session, email, postcode)
                sign_in_limits.record(session, "customer", address, email, customer is not None)
                if customer is not None:
                    dispatcher.utter_message(response="utter_identity_confirmed", customer_name=customer.first_name)
                    return {e["name"]: e["value"] for e in identity_events(customer)} | {"identity_attempts": 0}
        except SQLAlchemyError:
            dispatcher.utter_message(response="utter_systems_unavailable")
            return {"account_email": None, "account_postcode": None}
        attempts = (tracker.get_slot("identity_attempts") or 0) + 1
        if attempts >= MAX_IDENTITY_ATTEMPTS:
            dispatcher.utter_message(response="utter_identity_failed")
            return {"identity_attempts": attempts, "account_email": None, "account_postcode": None}
        dispatcher.utter_message(response="utter_identity_mismatch")
        return {"identity_attempts": attempts, "account_email": None, "account_postcode": None}


class ValidateIdentifyForm(OffTheLoop, IdentitySlots, FormValidationAction):
    def name(self) -> Text:
        return "validate_identify_form"


class ActionResumeRequest(OffTheLoop, Action):
    """After identification, answers what the customer asked in the first place."""

    def name(self) -> Text:
        return "action_resume_request"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        pending = tracker.get_slot("pending_request")
        events: List[Dict[Text, Any]] = [SlotSet("pending_request", None), SlotSet("identity_attempts", 0)]
        action = customer_action(pending) if pending else None
        if not tracker.get_slot("customer_id") or action is None:
            return events
        return events + await action.run(dispatcher, tracker, domain)
