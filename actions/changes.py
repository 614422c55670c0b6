"""Asking before a change, making it on a yes, and undoing it.

A job that would write calls `propose(...)`: `action_ask_change` states the
change with its facts (`utter_confirm_<kind>` in domain.yml) and the rules
send the customer's next yes or no to `action_answer_change`. Only a yes
to that very question, in the very next message, writes
(`assistant.consent` decides what a yes is); a question or another request
writes nothing. `action_undo_change` takes back the last change of the
conversation when it can be undone, and says so plainly when it cannot.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet

from actions.base import CustomerAction, user_message_before
from actions.routing import handling_action
from assistant.business import load_policies
from assistant.changes import (
    ChangeNoLongerPossible,
    DoneChange,
    ProposedChange,
    make_change,
    undo_change,
)
from assistant.consent import Consent, asks_to_undo, is_plain_no, read_consent

logger = logging.getLogger(__name__)

PENDING_SLOT = "pending_change"
DONE_SLOT = "last_change"


def message_id(message: Optional[Dict[Text, Any]]) -> Text:
    return str((message or {}).get("message_id") or "")


def previous_user_message_id(tracker: Tracker) -> Text:
    """The id of the customer's message before the latest one."""
    return message_id(user_message_before(tracker))


def propose(tracker: Tracker, kind: Text, facts: Dict[Text, Any], params: Optional[Dict[Text, Any]] = None) -> List:
    """Events that ask the customer to confirm this change (nothing is written yet)."""
    change = ProposedChange(
        kind=kind,
        facts={k: str(v) for k, v in facts.items() if v is not None},
        params={k: str(v) for k, v in (params or {}).items() if v is not None},
        asked_after=message_id(tracker.latest_message),
    )
    return [SlotSet(PENDING_SLOT, change.to_slot()), FollowupAction("action_ask_change")]


def pending_answered_now(tracker: Tracker) -> Optional[ProposedChange]:
    """The change asked about in the bot's last turn, if the latest message is the reply to it."""
    change = ProposedChange.from_slot(tracker.get_slot(PENDING_SLOT))
    if change is None or not change.asked_after:
        return None
    return change if previous_user_message_id(tracker) == change.asked_after else None


class ActionAskChange(CustomerAction):
    """States the change with its facts and asks for a yes."""

    def name(self) -> Text:
        return "action_ask_change"

    def answer(self, dispatcher, tracker, domain, session, customer):
        change = ProposedChange.from_slot(tracker.get_slot(PENDING_SLOT))
        if change is None:
            return []
        dispatcher.utter_message(response=f"utter_confirm_{change.kind}", **change.facts)
        return []


class ActionAnswerChange(CustomerAction):
    """Yes: make the change once and say it is done. No: nothing changes. Anything else: asked again."""

    def name(self) -> Text:
        return "action_answer_change"

    def answer(self, dispatcher, tracker, domain, session, customer):
        change = pending_answered_now(tracker)
        if change is None:
            dispatcher.utter_message(response="utter_anything_else")
            return [SlotSet(PENDING_SLOT, None)]
        said = (tracker.latest_message or {}).get("text")
        consent = read_consent(said)
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        if intent == "out_of_scope" and consent is not Consent.YES and not is_plain_no(said):
            # "whats the weather gonna be like tomorrow" is no answer (its "tomorrow" no hold): the change is
            # left, saying so, and the request is told plainly what the assistant can't do
            dispatcher.utter_message(response="utter_change_left")
            return [SlotSet(PENDING_SLOT, None), FollowupAction("action_rephrase_or_handoff")]
        if consent is Consent.NO:
            dispatcher.utter_message(response="utter_change_declined")
            return [SlotSet(PENDING_SLOT, None)]
        if consent is not Consent.YES:
            # "ok ive got money in now, can i just pay it here" is no yes:
            # nothing is written and the question stands, asked again.
            again = ProposedChange(change.kind, change.facts, change.params, message_id(tracker.latest_message))
            dispatcher.utter_message(response="utter_change_not_yet")
            return [SlotSet(PENDING_SLOT, again.to_slot()), FollowupAction("action_ask_change")]
        try:
            with session.begin_nested():
                done = make_change(session, customer, change, load_policies(), tracker.sender_id)
        except ChangeNoLongerPossible as stopped:
            dispatcher.utter_message(response="utter_change_impossible", reason=stopped.reason.text())
            return [SlotSet(PENDING_SLOT, None)]
        dispatcher.utter_message(response=f"utter_done_{done.kind}", **done.facts)
        events = [SlotSet(PENDING_SLOT, None), SlotSet(DONE_SLOT, done.to_slot())]
        if done.kind == "address":
            for fact, response in (("redirected", "utter_address_redirected"), ("too_late", "utter_address_too_late")):
                if done.facts.get(fact):
                    dispatcher.utter_message(response=response, orders=done.facts[fact])
            events.append(SlotSet("account_postcode", done.facts["postcode"]))
        return events


def cannot_undo_response(domain: Dict[Text, Any], kind: Text) -> Text:
    """The kind's own "can't undo" sentence where domain.yml has one, else the general one."""
    specific = f"utter_cannot_undo_{kind}"
    return specific if specific in (domain or {}).get("responses", {}) else "utter_cannot_undo"


class ActionUndoChange(CustomerAction):
    """Takes back the conversation's last change where it can; says plainly where it cannot."""

    def name(self) -> Text:
        return "action_undo_change"

    def answer(self, dispatcher, tracker, domain, session, customer):
        from actions.support import continued_job  # actions.support imports this module

        message = tracker.latest_message or {}
        intent = (message.get("intent") or {}).get("name")
        # "not that one, the mesh" or "sorry I meant the tablet" is a
        # correction of the question, not "take it back"
        follow = continued_job(tracker, message.get("text") or "")
        if intent != "undo_change" and not asks_to_undo(message.get("text")):
            # a plain "no" after something was done is not "take it back" either
            if follow:
                return [FollowupAction(handling_action(follow))]
            dispatcher.utter_message(response="utter_anything_else")
            return []
        done = DoneChange.from_slot(tracker.get_slot(DONE_SLOT))
        if done is None:
            if follow:
                return [FollowupAction(handling_action(follow))]
            dispatcher.utter_message(response="utter_nothing_to_undo")
            return [SlotSet(PENDING_SLOT, None)]
        if not done.undo:  # a refund, a cancelled order, a ticket that existed before
            dispatcher.utter_message(response=cannot_undo_response(domain, done.kind), **done.facts)
            return [SlotSet(PENDING_SLOT, None)]
        if not undo_change(session, customer, done):
            dispatcher.utter_message(response="utter_cannot_undo", **done.facts)
            return [SlotSet(DONE_SLOT, None)]
        dispatcher.utter_message(response=f"utter_undone_{done.kind}", **done.facts)
        events = [SlotSet(DONE_SLOT, None), SlotSet(PENDING_SLOT, None)]
        if done.kind == "address":
            events.append(SlotSet("account_postcode", done.undo["postcode"]))
        return events
