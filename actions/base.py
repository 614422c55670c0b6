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
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from actions.off_loop import OffTheLoop
from actions.reading import job_label, read_part
from actions.routing import handling_action
from assistant.changes import ProposedChange
from assistant.consent import Consent, is_plain_no, read_consent
from assistant.customers import get_customer
from assistant.db import session_scope
from assistant.followups import asks_order_price
from assistant.models import Customer
from assistant.offers.chat import answers_offer
from assistant.offers.log import ignore_pending_offers
from assistant.plans import asks_about_alternative
from assistant.requests import job_of, other_requests, requests_in, still_to_answer
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


# Where "how much was it?" about the order in focus lands when the NLU reads it as money of another kind.
PRICE_MISREADS = ("action_check_payment_problem", "action_explain_bill", "action_plan_info")


def _proposes_again(events: List[Dict[Text, Any]], left: "ProposedChange") -> bool:
    """Do these events ask about the same change (same kind, same facts) as the one just left?"""
    for event in events:
        if event.get("event") == "slot" and event.get("name") == "pending_change" and event.get("value"):
            again = ProposedChange.from_slot(event["value"])
            if again is None or again.kind != left.kind:
                return False
            same = lambda params: {k: v for k, v in params.items() if k != "details"}  # noqa: E731 (the words differ)
            return same(again.params) == same(left.params)
    return False


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
                left_at, left = len(dispatcher.messages), None
                if (
                    tracker.get_slot("pending_change")
                    and self.name() not in CHANGE_ACTIONS
                    and not requests_planned(tracker)  # asked in this same message: still open
                ):
                    left = ProposedChange.from_slot(tracker.get_slot("pending_change"))
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
                questions = self._questions_not_a_form(tracker)
                if questions:
                    # "can i see what plan im on plus any tickets i have open" read as changing the plan:
                    # the form its misreading started is left at once, and each question is answered
                    return events + [ActiveLoop(None), SlotSet("requested_slot", None)] + questions
                if self._asks_price_of_order_in_focus(tracker):
                    # "what did i pay for it" right after an order, read as a payment or the bill: the order's price
                    return events + [FollowupAction("action_check_order_status")]
                if self._asks_about_a_ticket_instead(tracker):
                    # "any update on my ticket?" read as an order or a complaint: the ticket's state answers it
                    return events + [FollowupAction("action_ticket_status")]
                if self.name() not in CHANGE_ACTIONS and asked_again(tracker, self.name()):
                    from actions.support import repair

                    repair(dispatcher, tracker)  # the same question again: never the same answer twice
                    return events
                answered = list(self.answer(dispatcher, tracker, domain, session, customer) or [])
                said_left = dispatcher.messages[left_at : left_at + 1]
                if (
                    said_left
                    and said_left[0].get("response") == "utter_change_left"
                    and _proposes_again(answered, left)
                ):
                    # "which courier has it?" while "shall I chase it?" was open: the answer asks it again,
                    # so "I haven't made that change" before it would only confuse
                    del dispatcher.messages[left_at : left_at + 1]
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

    def _questions_not_a_form(self, tracker: Tracker) -> List[Dict[Text, Any]]:
        """A form's first question, when the message that started it asks several questions and none of
        them is the form's job: handing on to those questions (empty otherwise)."""
        if not self.name().startswith("action_ask_") or not tracker.active_loop_name:
            return []
        if not form_started_by_this_message(tracker):
            return []  # the form has been running already: the customer is answering it
        asked = requests_in(_latest_text(tracker), read_part)
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        if not asked or intent in {job_of(label) for label in asked}:
            return []
        return hand_on_requests(tracker, asked)

    def _asks_price_of_order_in_focus(self, tracker: Tracker) -> bool:
        if self.name() not in PRICE_MISREADS or not tracker.get_slot("focus_order") or requests_planned(tracker):
            return False
        from actions.support import last_job  # actions.support imports this module

        return asks_order_price(_latest_text(tracker)) and last_job(tracker) in (None, "track_order", "refund_status")

    def _asks_about_a_ticket_instead(self, tracker: Tracker) -> bool:
        """A question about a ticket already opened, sent here by the NLU; not when this action answers
        another request of the same message ("has my phone come? and what's happening with my ticket"),
        which then hands on to the ticket's state (after_answer)."""
        text = _latest_text(tracker)
        if self.name() in NOT_REDIRECTED or not asks_about_a_ticket(text) or requests_planned(tracker):
            return False
        if self.name().startswith("action_ask_") or handed_on(tracker):
            return False  # a form's question, or already handed on: redirecting again would go round
        asked = [handling_action(job_of(r)) for r in requests_in(text, read_part) or other_requests(text, None)]
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
    asks = [e for e in answered if e.get("event") == "followup"]
    if asks:
        if [e.get("name") for e in asks] == ["action_ask_change"] and not tracker.active_loop_name:
            return _ask_after_the_rest(tracker, action, answered)
        return []
    back = lead_back_into_form(dispatcher, tracker, action)
    if back and handed_on(tracker):
        # answered for another action (the fallback, a chain): no rule brings the form back, so it is
        # called here to ask again; otherwise the core fallback would answer the same question again
        return [SlotSet(REQUESTS_SLOT, None), FollowupAction(tracker.active_loop_name)]
    if back:
        return []
    planned = requests_planned(tracker)
    if planned is not None:
        left = planned["left"]  # a request handed on from earlier in this message
        if not left:
            # the last of them: the question an earlier answer kept back, or listen now (no rule
            # follows a chain, and Rasa would guess the next action)
            return [SlotSet(REQUESTS_SLOT, None), FollowupAction(planned.get("then") or "action_listen")]
    elif handed_on(tracker):
        return []  # the message's requests are read once, by the action that answered it first
    else:
        left = _other_requests_of_message(tracker, action)
    if not left:
        return []
    return hand_on_requests(tracker, left, then=(planned or {}).get("then"))


def _other_requests_of_message(tracker: Tracker, action: Text) -> List[Text]:
    """The latest message's requests besides the one `action` answers (empty for one request)."""
    answered_job = answered_label(tracker, action)
    return still_to_answer(requests_in(_latest_text(tracker), read_part), answered_job) if answered_job else []


def _ask_after_the_rest(tracker: Tracker, action: Text, answered: List) -> List:
    """An answer that ends with "shall I ...?" while the message asked more ("my card got declined, also
    where's my router"): the other requests are answered first, and the question is asked last."""
    planned = requests_planned(tracker)
    if planned is not None:
        left = planned["left"]
    elif handed_on(tracker):
        return []
    else:
        left = _other_requests_of_message(tracker, action)
    if not left:
        return []
    answered[:] = [e for e in answered if e.get("event") != "followup"]
    return hand_on_requests(tracker, left, then="action_ask_change")


def actions_since_message(tracker: Tracker) -> List[Text]:
    """The actions run since the customer's latest message, oldest first."""
    names = []
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            break
        if event.get("event") == "action" and event.get("name") != "action_listen":
            names.append(event.get("name"))
    return names[::-1]


def form_started_by_this_message(tracker: Tracker) -> bool:
    """The active form was started by the customer's latest message, and nothing else has run since."""
    form, started = tracker.active_loop_name, False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return started
        if event.get("event") == "active_loop" and event.get("name") == form:
            started = True
        elif event.get("event") == "action" and event.get("name") not in ("action_listen", form):
            return False
    return False


def handed_on(tracker: Tracker) -> bool:
    """This turn's message was already handled by another action, which handed on to the one running."""
    return bool(actions_since_message(tracker))


REQUESTS_SLOT = "requests_left"


def _this_turn(tracker: Tracker) -> Optional[float]:
    """The latest customer message's timestamp: a plan of requests belongs to one message."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return event.get("timestamp")
    return None


def requests_planned(tracker: Tracker) -> Optional[Dict[Text, Any]]:
    """The requests of this message still to answer ({"now": label, "left": [...]}), if it has several."""
    planned = tracker.get_slot(REQUESTS_SLOT)
    if isinstance(planned, dict) and planned.get("turn") == _this_turn(tracker):
        return planned
    return None


def hand_on_requests(tracker: Tracker, asked: List[Text], then: Optional[Text] = None) -> List[Dict[Text, Any]]:
    """Answer the first of `asked` next, and keep the rest for after it (and `then`, an action, after all)."""
    now, rest = asked[0], asked[1:]
    plan = {"turn": _this_turn(tracker), "now": now, "left": rest}
    if then:
        plan["then"] = then
    return [SlotSet(REQUESTS_SLOT, plan), FollowupAction(handling_action(job_of(now)))]


def answered_label(tracker: Tracker, action: Text) -> Optional[Text]:
    """The job the NLU read the whole message as ("faq/<answer>" for an FAQ), if `action` is what answers it."""
    label = job_label(tracker.latest_message or {})
    return label if label and handling_action(job_of(label)) == action else None


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
