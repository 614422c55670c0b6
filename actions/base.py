"""What every action that reads a customer's records shares.

- who the customer is (slot, or the identity the channel bound to the message);
- asking them to identify when nobody is (then resuming what they asked);
- one database session per action call;
- a polite answer, never a stack trace, when the database is unreachable.
"""

from __future__ import annotations

import inspect
import logging
from abc import ABCMeta, abstractmethod
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from actions.off_loop import OffTheLoop
from actions.routing import handling_action
from assistant.consent import Consent, is_plain_no, read_consent
from assistant.customers import get_customer
from assistant.db import session_scope
from assistant.models import Customer
from assistant.offers.chat import answers_offer
from assistant.offers.log import ignore_pending_offers
from assistant.plans import asks_about_alternative
from assistant.requests import other_requests
from assistant.tickets import asks_about_a_ticket
from assistant.typed_answers import read_choice

logger = logging.getLogger(__name__)

# The actions that ask about, make or undo a change (actions/changes.py).
CHANGE_ACTIONS = ("action_ask_change", "action_answer_change", "action_undo_change")


def metadata_customer_id(tracker: Tracker) -> Optional[str]:
    """The customer id the channel bound to this conversation, if any."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    customer_id = metadata.get("customer_id")
    if not customer_id:
        started = tracker.get_slot("session_started_metadata") or {}
        customer_id = started.get("customer_id") if isinstance(started, dict) else None
    return customer_id or None


def identity_events(customer: Customer) -> List[Dict[Text, Any]]:
    """Slots that mark the conversation as this customer's."""
    return [
        SlotSet("customer_id", customer.id),
        SlotSet("customer_name", customer.first_name),
        SlotSet("account_email", customer.email),
        SlotSet("account_postcode", customer.postcode),
    ]


class CustomerAction(OffTheLoop, Action, metaclass=ABCMeta):
    """An action that answers from the customer's own records."""

    requires_identity = True
    identity_prompt = "utter_need_identity"
    # The kind of proposed change this action proposes again, corrected (see _settle_pending_change).
    replaces_pending: Optional[Text] = None

    @abstractmethod
    def name(self) -> Text:
        """The action's name in domain.yml."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        as_sent = dict(tracker.slots)  # the slots Rasa holds (this run updates its copy as it goes)
        try:
            with session_scope() as session:
                events: List[Dict[Text, Any]] = []
                if tracker.get_slot("offer_id") and self.name() != "action_thank":
                    text = (tracker.latest_message or {}).get("text")
                    if answers_offer(text):
                        # "no thanks" or "how much?" landing here is still the answer to the offer
                        return [FollowupAction("action_answer_offer")]
                    # The customer moved on without answering the offer: it counts as ignored.
                    ignore_pending_offers(session, tracker.sender_id)
                    events.append(SlotSet("offer_id", None))
                if self.name() not in ALTERNATIVE_ACTIONS and asked_about_alternative(tracker):
                    # "how fast is it?" read as a plan question: it asks about the alternative to cancelling
                    return events + [FollowupAction("action_answer_alternative")]
                if tracker.get_slot("pending_change") and self.name() not in CHANGE_ACTIONS:
                    follow = self._settle_pending_change(dispatcher, tracker, events)
                    if follow:
                        return events + [FollowupAction(follow)]
                customer = self._resolve_customer(session, tracker, events)
                if customer is None and self.requires_identity:
                    return events + self.ask_identity(dispatcher)
                if tracker.get_slot("form_stopped") and self.name() in FORM_SUBMITS:
                    # "stop" inside the form: it ended with nothing to do
                    dispatcher.utter_message(response="utter_form_stopped")
                    return (
                        events + [SlotSet("form_stopped", None)] + [SlotSet(s, None) for s in FORM_SUBMITS[self.name()]]
                    )
                if self._asks_about_a_ticket_instead(_latest_text(tracker)):
                    # "any update on my ticket?" read as an order or a complaint: the ticket's state answers it
                    return events + [FollowupAction("action_ticket_status")]
                if self.name() not in CHANGE_ACTIONS and asked_again(tracker, self.name()):
                    from actions.support import repair

                    repair(dispatcher, tracker)  # the same question again: never the same answer twice
                    return events
                answered = list(self.answer(dispatcher, tracker, domain, session, customer) or [])
                return without_no_op_slots(
                    as_sent, events + answered + after_answer(dispatcher, tracker, self.name(), answered)
                )
        except SQLAlchemyError:
            logger.exception("database error in %s", self.name())
            dispatcher.utter_message(response="utter_systems_unavailable")
            return []

    def _settle_pending_change(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, events: List[Dict[Text, Any]]
    ) -> Optional[Text]:
        """A change was asked about and the customer said something the NLU sent here.

        A plain yes to that question is still that yes ("yes please refund it"
        read as a new refund request): `action_answer_change` answers it. A
        no is still that no ("no leave it, just checking" read as an order
        question): nothing is written and the customer hears that nothing
        changed. Anything else moves on, and the change is dropped, saying so.
        """
        from actions.changes import pending_answered_now

        answered = pending_answered_now(tracker)
        said = _latest_text(tracker)
        if answered is not None and (read_consent(said) is Consent.YES or is_plain_no(said)):
            return "action_answer_change"
        events.append(SlotSet("pending_change", None))
        tracker.slots["pending_change"] = None
        if answered is not None and answered.kind != self.replaces_pending:
            dispatcher.utter_message(response="utter_change_left")
        return None

    def _asks_about_a_ticket_instead(self, text: Text) -> bool:
        """A question about a ticket already opened, sent here by the NLU; not when this action answers
        another request of the same message ("has my phone come? and what's happening with my ticket"),
        which then hands on to the ticket's state (after_answer)."""
        if self.name() in NOT_REDIRECTED or not asks_about_a_ticket(text):
            return False
        asked = [handling_action(request) for request in other_requests(text, None)]
        return not (len(asked) >= 2 and self.name() in asked)

    def ask_identity(self, dispatcher: CollectingDispatcher) -> List[Dict[Text, Any]]:
        """Ask who they are, then come back to this action (see action_resume_request)."""
        dispatcher.utter_message(response=self.identity_prompt)
        return [SlotSet("pending_request", self.name()), FollowupAction("identify_form")]

    def _resolve_customer(
        self, session: Session, tracker: Tracker, events: List[Dict[Text, Any]]
    ) -> Optional[Customer]:
        bound = metadata_customer_id(tracker)
        slot = tracker.get_slot("customer_id")
        if bound and bound != slot:
            customer = get_customer(session, bound)
            if customer is not None:
                events.extend(identity_events(customer))
                tracker.slots.update({e["name"]: e["value"] for e in identity_events(customer)})
            return customer
        return get_customer(session, slot) if slot else None

    @abstractmethod
    def answer(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
        session: Session,
        customer: Optional[Customer],
    ) -> List[Dict[Text, Any]]:
        """Answer for `customer` (None only when `requires_identity` is False)."""


# The actions that ask about or describe the alternative offered instead of cancelling (actions/plans.py).
ALTERNATIVE_ACTIONS = ("action_ask_keep_with_offer", "action_answer_alternative")


def asked_about_alternative(tracker: Tracker) -> bool:
    """ "How much would that be?" while the alternative to cancelling waits for its answer."""
    return (
        tracker.active_loop_name == "cancel_form"
        and tracker.get_slot("requested_slot") == "keep_with_offer"
        and asks_about_alternative(_latest_text(tracker))
    )


# Actions a question about a ticket already opened is not sent on from.
NOT_REDIRECTED = (*CHANGE_ACTIONS, "action_ticket_status")


def _latest_text(tracker: Tracker) -> Text:
    return (tracker.latest_message or {}).get("text") or ""


# The actions that run when a form ends, and the slots each form fills.
FORM_SUBMITS = {
    "action_change_plan": ("plan", "confirm_plan_change"),
    "action_cancel_subscription": ("cancel_reason", "keep_with_offer"),
    "action_finish_troubleshooting": ("tech_issue", "router_restarted", "problem_solved"),
    "action_change_address": ("new_address",),
    "action_resume_request": (),
}


def without_no_op_slots(slots: Dict[Text, Any], events: List[Dict[Text, Any]]) -> List[Dict[Text, Any]]:
    """Drop a SlotSet that sets a slot to the value it already has: every event is stored and
    reloaded on every later turn, so a long conversation stays as short as it can."""
    touched, kept = set(), []
    for event in events:
        if event.get("event") == "slot":
            name = event.get("name")
            if name not in touched and slots.get(name) == event.get("value"):
                continue
            touched.add(name)
        kept.append(event)
    return kept


def after_answer(dispatcher: CollectingDispatcher, tracker: Tracker, action: Text, answered: List) -> List:
    """What follows an answer: the way back into a form it interrupted, or the next request of the message."""
    if any(e.get("event") == "followup" for e in answered):
        return []
    back = lead_back_into_form(dispatcher, tracker, action)
    if back:
        return []
    message = tracker.latest_message or {}
    intent = (message.get("intent") or {}).get("name")
    text = message.get("text") or ""
    # The message's requests in the order asked: the NLU's own first when it named a job.
    asked = other_requests(text, None) if handling_action(intent) == "action_rephrase_or_handoff" else []
    if not asked:
        asked = [intent] + other_requests(text, intent)
    chain = [handling_action(request) for request in asked]
    if action in chain and chain.index(action) + 1 < len(chain):
        follow = chain[chain.index(action) + 1]
        return [FollowupAction(follow)] if follow and follow != action else []
    return []


def lead_back_into_form(dispatcher: CollectingDispatcher, tracker: Tracker, action: Text) -> bool:
    """A question answered in the middle of a form: a short lead-in before the form asks again."""
    form = tracker.active_loop_name
    if (
        not form
        or action.startswith("action_ask_")
        or action in CHANGE_ACTIONS + ALTERNATIVE_ACTIONS
        or action.startswith("validate_")
    ):
        return False
    dispatcher.utter_message(response=f"utter_back_to_{form}")
    return True


def asked_again(tracker: Tracker, action: Text) -> bool:
    """The same message as the customer's last one, answered by this same action last time."""
    texts, last_action, answered = [], None, False
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            texts.append(" ".join(str(event.get("text") or "").lower().split()).strip(" ?!."))
            if len(texts) == 2:
                break
        elif kind == "bot" and len(texts) == 1:
            answered = True  # the first time got an answer (not a failure the channel apologised for)
        elif kind == "action" and len(texts) == 1 and last_action is None and event.get("name") != "action_listen":
            last_action = event.get("name")
    return len(texts) == 2 and bool(texts[0]) and texts[0] == texts[1] and last_action == action and answered


def customer_action(name: Text) -> Optional[CustomerAction]:
    """The customer action with that name, to resume it after identification."""
    pending = list(CustomerAction.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if not inspect.isabstract(cls) and cls().name() == name:
            return cls()
    return None


def user_message_before(tracker: Tracker) -> Dict[Text, Any]:
    """The customer's message before the latest one (its user event), or {}."""
    seen = 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            seen += 1
            if seen == 2:
                return event
    return {}


def request_text(tracker: Tracker) -> Text:
    """The customer's words for their request, skipping identity answers."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            if intent not in ("inform", "affirm", "deny"):
                return event.get("text") or ""
    return (tracker.latest_message or {}).get("text") or ""


def typed_choice(tracker: Tracker, slot: Text, opening_intent: Optional[Text] = None) -> Dict[Text, Any]:
    """The answer to the button question for `slot`, when it was typed in words.

    While that question is the one asked, or, with `opening_intent`, already
    in the message that started the form ("my wifi keeps dropping": no need
    to ask which problem it is). Never when a button value came with the
    message; a reply naming none of the answers is left to the dialogue (it
    is a new question, answered before the form asks again).
    """
    message = tracker.latest_message or {}
    asked = tracker.get_slot("requested_slot")
    intent = (message.get("intent") or {}).get("name")
    opening = asked is None and opening_intent is not None and intent == opening_intent
    if asked != slot and not opening:
        return {}
    text = message.get("text") or ""
    if text.startswith("/") or any(e.get("entity") == slot for e in message.get("entities") or []):
        return {}
    choice = read_choice(slot, text, numbered=True)  # the form's button questions list answers in button order
    return {slot: choice} if choice else {}
