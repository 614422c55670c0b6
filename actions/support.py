"""Technical problems, account help, complaints, FAQs, hand-off and fallback."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ConversationPaused, SlotSet, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import CustomerAction, request_text, typed_choice
from actions.offers import offer_after_answer
from assistant.business import load_faq, load_policies
from assistant.customers import mask_email
from assistant.handoff import queue_position, request_handoff
from assistant.tickets import open_ticket

TECH_ISSUES = ("no_connection", "slow_speed", "wifi_dropouts", "tv_service")
TROUBLESHOOT_SLOTS = ("tech_issue", "router_restarted", "problem_solved")
FIRST_STEP = {
    "no_connection": "Let's restart your router: switch it off at the wall, wait 30 seconds, switch it on and wait until the light is steady white (about 3 minutes). Have you done that?",
    "slow_speed": "Let's restart your router first: switch it off at the wall for 30 seconds, then on again. If you can, test the speed on a device connected by cable rather than Wi-Fi. Have you done that?",
    "wifi_dropouts": "Let's restart your router and move it somewhere open and high, away from the microwave and thick walls: switch it off at the wall for 30 seconds, then on. Have you done that?",
    "tv_service": "Let's restart your TV box: unplug it for 30 seconds, plug it back in and wait for the home screen (about 2 minutes). Have you done that?",
}


class ValidateTroubleshootForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_troubleshoot_form"

    async def extract_tech_issue(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return typed_choice(tracker, "tech_issue", opening_intent="technical_problem")

    def validate_tech_issue(self, value: Any, dispatcher, tracker, domain) -> Dict[Text, Any]:
        issue = str(value or "").strip().lower()
        return {"tech_issue": issue if issue in TECH_ISSUES else "no_connection"}


class ActionAskRouterRestarted(Action):
    def name(self) -> Text:
        return "action_ask_router_restarted"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        step = FIRST_STEP.get(tracker.get_slot("tech_issue"), FIRST_STEP["no_connection"])
        dispatcher.utter_message(
            text=step,
            buttons=[{"title": "Done", "payload": "/affirm"}, {"title": "I can't do that", "payload": "/deny"}],
        )
        return []


class ActionFinishTroubleshooting(CustomerAction):
    """Solved: good. Not solved: a ticket for the technical team, never a dead end."""

    requires_identity = False

    def name(self) -> Text:
        return "action_finish_troubleshooting"

    def answer(self, dispatcher, tracker, domain, session, customer):
        reset = [SlotSet(slot, None) for slot in TROUBLESHOOT_SLOTS]
        if tracker.get_slot("problem_solved"):
            dispatcher.utter_message(response="utter_troubleshoot_solved")
            return reset + (offer_after_answer(tracker, session, customer) if customer else [])
        if customer is None:
            return self.ask_identity(dispatcher)
        issue = (tracker.get_slot("tech_issue") or "no_connection").replace("_", " ")
        restarted = "yes" if tracker.get_slot("router_restarted") else "no"
        ticket = open_ticket(
            session,
            customer.id,
            "technical",
            subject=f"Unresolved {issue} after guided troubleshooting",
            details=f"Router restarted: {restarted}. Customer said: {request_text(tracker)[:500]}",
            conversation_id=tracker.sender_id,
        )
        dispatcher.utter_message(response="utter_troubleshoot_ticket", ticket_number=ticket.number, response_hours=24)
        return reset


class ActionAccountHelp(CustomerAction):
    requires_identity = False

    def name(self) -> Text:
        return "action_account_help"

    def answer(self, dispatcher, tracker, domain, session, customer):
        if customer is None:
            dispatcher.utter_message(response="utter_account_help_anonymous")
        else:
            dispatcher.utter_message(response="utter_account_help", masked_email=mask_email(customer.email))
        return []


class ActionLogComplaint(CustomerAction):
    """Acknowledge, record with high priority, promise a person. Never sell here."""

    identity_prompt = "utter_complaint_logged_anonymous"

    def name(self) -> Text:
        return "action_log_complaint"

    def answer(self, dispatcher, tracker, domain, session, customer):
        ticket = open_ticket(
            session,
            customer.id,
            "complaint",
            subject="Complaint raised in chat",
            details=request_text(tracker)[:4000],
            conversation_id=tracker.sender_id,
            priority="high",
        )
        dispatcher.utter_message(
            response="utter_complaint_logged", customer_name=customer.first_name, ticket_number=ticket.number
        )
        return [SlotSet("complaint_active", True)]


class ActionHandoff(CustomerAction):
    """Queue for a rep, say honestly what happens next, then stay silent."""

    requires_identity = False

    def name(self) -> Text:
        return "action_handoff"

    def answer(self, dispatcher, tracker, domain, session, customer):
        handoff = request_handoff(
            session, tracker.sender_id, customer.id if customer else None, reason=request_text(tracker)[:60]
        )
        is_open, next_open = load_policies().opening_hours_status(datetime.now())
        if is_open:
            dispatcher.utter_message(response="utter_handoff_open", position=queue_position(session, handoff))
        else:
            dispatcher.utter_message(response="utter_handoff_closed", next_open=f"{next_open:%A} at {next_open:%H:%M}")
        return [ConversationPaused()]


class ActionAnswerFaq(Action):
    """Answers from business/faq.yml, so each policy figure lives in one file."""

    def name(self) -> Text:
        return "action_answer_faq"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        selector = (tracker.latest_message or {}).get("response_selector") or {}
        prediction = (selector.get("faq") or {}).get("response") or {}
        key = (prediction.get("intent_response_key") or "").split("/")[-1]
        answer = load_faq().answer(key) if key else None
        if answer:
            dispatcher.utter_message(text=answer)
        else:
            dispatcher.utter_message(response="utter_rephrase")
        return []


# Intents the rules answer themselves; anything else reaching this action came
# through Rasa's core fallback (no rule or story fits where the conversation is).
NLU_MISSES = ("nlu_fallback", "out_of_scope")
NOTHING_PENDING = ("affirm", "deny")


class ActionRephraseOrHandoff(Action):
    """First miss: ask to rephrase. Second miss in a row: offer a person.

    As the core fallback it also takes the customer's turn back
    (`UserUtteranceReverted`), as Rasa's own fallback does; otherwise nothing
    says to listen next and Rasa would call it again until its circuit breaker
    trips. A bare "ok" or "no" with no question open gets a prompt, not an apology.
    """

    def name(self) -> Text:
        return "action_rephrase_or_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent in NOTHING_PENDING:
            dispatcher.utter_message(response="utter_anything_else")
        elif _previous_turn_missed(tracker):
            dispatcher.utter_message(response="utter_offer_human")
        else:
            dispatcher.utter_message(response="utter_rephrase")
        return [] if intent in NLU_MISSES else [UserUtteranceReverted()]


def _previous_turn_missed(tracker: Tracker) -> bool:
    """Did the bot's reply to the customer's previous message also miss?"""
    user_turns = 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            user_turns += 1
            if user_turns == 2:
                return False
        elif event.get("event") == "action" and user_turns == 1:
            if event.get("name") == "action_rephrase_or_handoff":
                return True
    return False
