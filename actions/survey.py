"""The post-chat survey: NPS, then optional CSAT, effort and a comment.

Every question can be skipped, and an answer that isn't a score counts as a
skip: a survey never traps anyone. The result goes to the sidecar with a
token signed for this conversation; if the sidecar is down it waits in the
outbox and the sidecar picks it up when it is back.
"""

from __future__ import annotations

import logging
import os
from typing import Any, Dict, List, Optional, Text

import httpx
from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActionExecutionRejected, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.base import actions_since_message
from actions.off_loop import OffTheLoop
from actions.routing import handling_action
from assistant.cx import outbox
from assistant.cx.scores import is_detractor
from assistant.cx.survey_answers import read_survey_answer
from assistant.db import session_scope
from assistant.handoff import rep_for
from assistant.identity import mint_survey_token, survey_secret
from assistant.offers.log import ignore_pending_offers

logger = logging.getLogger(__name__)

SKIPPED = "skipped"
SURVEY_SLOTS = ("survey_nps", "survey_csat", "survey_ces", "survey_comment")
SCORE_SLOTS = SURVEY_SLOTS[:3]
TOPIC_INTENTS = (
    "track_order", "delivery_problem", "explain_bill", "payment_problem", "request_refund", "refund_status",
    "change_plan", "cancel_subscription", "technical_problem", "account_help", "complaint", "faq",
)  # fmt: skip


def parse_score(text: Any, slot: str) -> Any:
    """The score in `text` for this question, SKIPPED for a skip, or None when it is not an answer."""
    reading = read_survey_answer(slot, text)
    if reading.kind == "score":
        return reading.value
    return SKIPPED if reading.kind == "skip" else None


class ValidateSurveyForm(OffTheLoop, FormValidationAction):
    """Scores in digits or words; anything that is not an answer ends the survey and is handled."""

    def name(self) -> Text:
        return "validate_survey_form"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> List[Text]:
        return [] if tracker.get_slot("survey_done") or tracker.get_slot("survey_left") else domain_slots

    async def run(self, dispatcher, tracker: Tracker, domain):
        from actions.support import question_inside_form  # actions.support imports the survey's neighbours

        message = tracker.latest_message or {}
        asked = tracker.get_slot("requested_slot")
        # the form called right after the customer spoke, not called back after the question's answer
        fresh = set(actions_since_message(tracker)) <= {self.form_name()}
        if fresh and asked in SCORE_SLOTS and parse_score(message.get("text"), asked) is None:
            if question_inside_form(tracker, message):
                # "hang on, when did my phone come?": answered, then the survey asks again
                # (the form is rejected for this turn, as any form is for a question it cannot take)
                # (the question's text, taken as this slot's answer on the way in, is no answer)
                return [SlotSet(asked, None), ActionExecutionRejected(self.form_name())]
        return await super().run(dispatcher, tracker, domain)

    def _score(self, slot: str, value: Any, tracker: Tracker) -> Dict[Text, Any]:
        score = parse_score(value, slot)
        if score is not None:
            return {slot: score}
        # An objection or a new request where a score was asked: the survey
        # ends (what was answered is kept) and the message is handled.
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name") or "nlu_fallback"
        return {slot: None, "survey_left": intent}

    def validate_survey_nps(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return self._score("survey_nps", value, tracker)

    def validate_survey_csat(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return self._score("survey_csat", value, tracker)

    def validate_survey_ces(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return self._score("survey_ces", value, tracker)

    def validate_survey_comment(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        text = str(value or "").strip()
        return {"survey_comment": SKIPPED if text.lower() in ("skip", "no", "no thanks", "") else text[:2000]}


def _answer(tracker: Tracker, slot: str) -> Optional[Any]:
    value = tracker.get_slot(slot)
    return None if value in (None, SKIPPED) else value


def conversation_topic(tracker: Tracker) -> Optional[str]:
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            if intent in TOPIC_INTENTS:
                return intent
    return None


def _rep_for(conversation_id: str) -> Optional[str]:
    try:
        with session_scope() as session:
            return rep_for(session, conversation_id)
    except SQLAlchemyError:
        return None


def _close_open_offers(conversation_id: str) -> None:
    """An offer still unanswered when the chat ends was ignored."""
    try:
        with session_scope() as session:
            ignore_pending_offers(session, conversation_id)
    except SQLAlchemyError:
        logger.warning("could not close open offers of %s", conversation_id)


def sidecar_url() -> str:
    return os.environ.get("SIDECAR_URL", "http://127.0.0.1:8000").rstrip("/")


class ActionSubmitSurvey(OffTheLoop, Action):
    def name(self) -> Text:
        return "action_submit_survey"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        if tracker.get_slot("survey_done"):
            dispatcher.utter_message(response="utter_goodbye")
            return []
        left = tracker.get_slot("survey_left")
        feedback = {
            "conversation_id": tracker.sender_id,
            "customer_id": tracker.get_slot("customer_id"),
            "nps": _answer(tracker, "survey_nps"),
            "csat": _answer(tracker, "survey_csat"),
            "ces": _answer(tracker, "survey_ces"),
            "comment": _answer(tracker, "survey_comment") or "",
            "rep_id": _rep_for(tracker.sender_id),
            "channel": tracker.get_latest_input_channel() or "chat",
            "topic": conversation_topic(tracker),
        }
        answered = any(feedback[k] is not None for k in ("nps", "csat", "ces")) or feedback["comment"]
        _close_open_offers(tracker.sender_id)
        events = [SlotSet(slot, None) for slot in SURVEY_SLOTS] + [SlotSet("survey_done", True)]
        if answered:
            await self.deliver(feedback)
        if left:
            dispatcher.utter_message(response="utter_survey_left")
            follow = handling_action(left)
            return events + [SlotSet("survey_left", None)] + ([FollowupAction(follow)] if follow else [])
        detractor = is_detractor(feedback["nps"])
        dispatcher.utter_message(response="utter_survey_thanks_detractor" if detractor else "utter_survey_thanks")
        return events

    async def deliver(self, feedback: Dict[str, Any]) -> None:
        token = mint_survey_token(feedback["conversation_id"], feedback["customer_id"], survey_secret())
        try:
            async with httpx.AsyncClient(timeout=3) as client:
                response = await client.post(f"{sidecar_url()}/api/feedback", json={**feedback, "token": token})
            if response.status_code < 400:
                return
            error = f"sidecar answered {response.status_code}: {response.text[:150]}"
            # A refusal (4xx) will be refused again: kept for supervisors, not retried. Busy (429) or down: retried.
            refused = response.status_code < 500 and response.status_code != 429
        except httpx.HTTPError as exc:
            error, refused = f"sidecar unreachable: {exc.__class__.__name__}", False
        if refused:
            logger.warning("sidecar refused feedback for %s: %s", feedback["conversation_id"], error)
        try:
            with session_scope() as session:
                (outbox.refuse if refused else outbox.put)(session, feedback, error)
        except SQLAlchemyError:
            logger.exception("feedback for %s lost: sidecar and database both down", feedback["conversation_id"])
