"""Technical problems, account help, complaints, FAQs, hand-off and fallback."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ConversationPaused, FollowupAction, SlotSet, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import (
    CustomerAction,
    after_answer,
    asked_about_alternative,
    hand_on_requests,
    handed_on,
    lead_back_into_form,
    request_text,
    requests_planned,
    typed_choice,
    user_message_before,
)
from actions.changes import pending_answered_now, propose
from actions.off_loop import OffTheLoop
from actions.offers import offer_after_answer
from actions.reading import job_label, read_part
from actions.routing import handling_action
from actions.session import StoppableForm
from assistant import clock
from assistant.addresses import corrected_address
from assistant.business import load_faq, load_policies
from assistant.changes import describe_reports
from assistant.consent import Consent, asks_a_question, asks_to_undo, is_plain_no, read_consent
from assistant.customers import mask_email
from assistant.followups import faq_about_own_item, follow_up_intent, points_back
from assistant.handoff import queue_position, request_handoff
from assistant.intent_labels import load_intent_labels
from assistant.offers.chat import answers_offer, asks_about_offer
from assistant.plans import asks_to_move_to_plan
from assistant.repair import complains_about_answer, is_keyboard_mash, turn_missed
from assistant.requests import ANSWERING_JOBS, PROPOSING_JOBS, job_of, requests_in
from assistant.tickets import asks_about_a_ticket, find_open_ticket
from assistant.troubleshooting import read_step_answer
from assistant.typed_answers import read_button, read_choice, reading_among

TECH_ISSUES = ("no_connection", "slow_speed", "wifi_dropouts", "tv_service")
TROUBLESHOOT_SLOTS = ("tech_issue", "router_restarted", "problem_solved")


class ValidateTroubleshootForm(OffTheLoop, StoppableForm, FormValidationAction):
    def name(self) -> Text:
        return "validate_troubleshoot_form"

    async def extract_tech_issue(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return typed_choice(tracker, "tech_issue", opening_intent="technical_problem")

    def validate_tech_issue(self, value: Any, dispatcher, tracker, domain) -> Dict[Text, Any]:
        issue = str(value or "").strip().lower()
        return {"tech_issue": issue if issue in TECH_ISSUES else "no_connection"}

    async def extract_router_restarted(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return typed_step_answer(tracker, "router_restarted")

    async def extract_problem_solved(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return typed_step_answer(tracker, "problem_solved")


def typed_step_answer(tracker: Tracker, slot: Text) -> Dict[Text, Any]:
    """ "Done", "yes I restarted it", "no still broken": the answer to the step asked, whatever the NLU read."""
    if tracker.get_slot("requested_slot") != slot:
        return {}
    text = str((tracker.latest_message or {}).get("text") or "")
    if text.startswith("/"):
        return {}
    answer = read_step_answer(text, asked="done" if slot == "router_restarted" else "working")
    return {} if answer is None else {slot: answer}


class ActionAskRouterRestarted(OffTheLoop, Action):
    def name(self) -> Text:
        return "action_ask_router_restarted"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        # the first step for each fault is utter_step_<fault> in domain.yml
        issue = tracker.get_slot("tech_issue")
        dispatcher.utter_message(response=f"utter_step_{issue if issue in TECH_ISSUES else 'no_connection'}")
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
        details = f"Router restarted: {restarted}. Customer said: {request_text(tracker)[:500]}"
        existing = find_open_ticket(session, customer.id, "technical")
        if existing is not None:
            return reset + propose_report_again(tracker, existing, details)
        facts = {"issue": issue, "response_hours": load_policies().technical_response_hours}
        params = {"subject": f"Unresolved {issue} after guided troubleshooting", "details": details}
        return reset + propose(tracker, "technical_ticket", facts, params)


def propose_report_again(tracker, ticket, details: str):
    """The problem already has an open ticket: offer to add to it (escalated on the third report)."""
    reports = describe_reports(ticket)
    kind = "ticket_escalation" if reports["escalate"] else "ticket_note"
    return propose(tracker, kind, reports, {"ticket_number": ticket.number, "details": details})


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
        details = request_text(tracker)[:4000]
        existing = find_open_ticket(session, customer.id, "complaint")
        if existing is not None:
            return [SlotSet("complaint_active", True)] + propose_report_again(tracker, existing, details)
        facts = {"customer_name": customer.first_name, "within": load_policies().complaint_contact_within}
        params = {"subject": "Complaint raised in chat", "details": details}
        return [SlotSet("complaint_active", True)] + propose(tracker, "complaint", facts, params)


class ActionHandoff(CustomerAction):
    """Queue for a rep, say honestly what happens next, then stay silent."""

    requires_identity = False

    def name(self) -> Text:
        return "action_handoff"

    def answer(self, dispatcher, tracker, domain, session, customer):
        handoff = request_handoff(
            session, tracker.sender_id, customer.id if customer else None, reason=request_text(tracker)[:60]
        )
        policies = load_policies()
        is_open, next_open = policies.opening_hours_status(clock.local_now(policies.timezone))
        if is_open:
            dispatcher.utter_message(response="utter_handoff_open", position=queue_position(session, handoff))
        else:
            dispatcher.utter_message(
                response="utter_handoff_closed", open_day=f"{next_open:%A}", open_time=f"{next_open:%H:%M}"
            )
        return [ConversationPaused()]


class ActionAnswerFaq(OffTheLoop, Action):
    """Answers from business/faq.yml, so each policy figure lives in one file."""

    def name(self) -> Text:
        return "action_answer_faq"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        text = (tracker.latest_message or {}).get("text") or ""
        planned = requests_planned(tracker)
        if planned is None:
            about = open_question_about(tracker, text)
            if about:
                return [FollowupAction(about)]  # "what would that cost me?" read as an FAQ
            focus, job = tracker.get_slot("focus_order"), last_job(tracker)
            follow = follow_up_intent(text, focus, job) if (focus or job) and points_back(text) else None
            if follow:
                # "when will it arrive?" right after an order's status is about that order, not delivery times
                return [FollowupAction(handling_action(follow))]
        # the FAQ this part of the message asks, when it has several requests; else the message's own
        label = planned["now"] if planned is not None else job_label(tracker.latest_message or {})
        key = (label or "").partition("/")[2]
        if planned is None and asks_to_move_to_plan(text):
            return [FollowupAction(handling_action("change_plan"))]  # "bump me up to fibre 900": not coverage
        own = faq_about_own_item(text, key) if planned is None else None
        if own:
            return [FollowupAction(handling_action(own))]  # "did my new phone get delivered?": that order
        answer = load_faq().answer(key) if key else None
        if answer:
            dispatcher.utter_message(text=answer)
        else:
            dispatcher.utter_message(response="utter_rephrase")
            lead_back_into_form(dispatcher, tracker, self.name())
            return []
        return after_answer(dispatcher, tracker, self.name(), [])


# Intents the rules answer themselves; anything else reaching this action came
# through Rasa's core fallback (no rule or story fits where the conversation is).
NLU_MISSES = ("nlu_fallback", "out_of_scope")
NOTHING_PENDING = ("affirm", "deny")
# The jobs a follow-up can continue, by the action that answered last.
LAST_JOBS = {
    "action_check_order_status": "track_order",
    "action_plan_info": "plan_info",
    "action_explain_bill": "explain_bill",
    "action_check_refund_status": "refund_status",
    "action_check_payment_problem": "payment_problem",
    "action_ticket_status": "ticket_status",
}
NOT_A_READING = ("nlu_fallback", "out_of_scope", "affirm", "deny", "inform", "greet", "goodbye", "thank")
CLOSE_READINGS = 0.25
NEXT_READING = 0.1  # a reading below this is no reading: say what the assistant can do instead  # both readings at least this confident: ask which, with a button each


class ActionRephraseOrHandoff(OffTheLoop, Action):
    """A message the assistant could not place: a follow-up, a clarification, or said plainly.

    - A short follow-up about what was just discussed ("when will it
      arrive?", "the other order?", "and my plan?") continues that job.
    - Two close readings: "Did you mean X, or Y?" with a button each.
    - Out of scope: what the assistant can do, plainly; a person is offered
      only on a second miss in a row or when asked.
    As the core fallback it also takes the customer's turn back
    (`UserUtteranceReverted`), as Rasa's own fallback does; otherwise nothing
    says to listen next and Rasa would call it again until its circuit breaker
    trips. A bare "ok" or "no" with no question open gets a prompt, not an apology.
    """

    def name(self) -> Text:
        return "action_rephrase_or_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        message = tracker.latest_message or {}
        intent = (message.get("intent") or {}).get("name")
        text = message.get("text") or ""
        revert = [] if intent in NLU_MISSES else [UserUtteranceReverted()]
        if not revert and handed_on(tracker):
            # reached from another action (an offer's answer that was none): no rule says to listen
            # after it, and the core fallback would call it again until Rasa's circuit breaker trips
            revert = [FollowupAction("action_listen")]
        picked = button_picked_by_place(tracker, text) or button_typed(tracker, text, self.name())
        if picked:
            return picked
        if tracker.get_slot("offer_id") and answers_offer(text):
            # "no thank u im ok", "maybe another time" to the open offer, whatever the NLU read: its answer
            return [FollowupAction("action_answer_offer")]
        company = (message.get("scope") or {}).get("other_company")
        if company:
            # "where's my vinted parcel": never this customer's own order, however like it the words are
            dispatcher.utter_message(response="utter_other_company", company=company)
            return revert
        about = open_question_about(tracker, text)
        if about:
            return [FollowupAction(about)]  # "how much would that be a month?"
        answered = pending_answered_now(tracker)
        if answered is not None and (read_consent(text) is Consent.YES or is_plain_no(text)):
            # "no its fine, was only asking" to "shall I cancel it?": the answer to it, whatever the NLU read
            return [FollowupAction("action_answer_change")]
        if asks_to_undo(text) and just_done(tracker) and not handed_on(tracker):
            # "actually no, I'll wait a bit longer" right after "Done: ...": take it back where it can be
            return [FollowupAction("action_undo_change")]
        if corrects_pending_address(tracker, text):
            # "oops it's EH6 5AB not 5AA" before the yes: the address form reads the correction and asks again
            return [FollowupAction("address_form")]
        if complains_about_answer(text) and user_message_before(tracker):
            # "eh? that doesn't help", read as a no or as nothing: the last answer missed
            repair(dispatcher, tracker)
            return revert
        # Handing on needs no revert: each job's rule listens after it ("after <action>, listen").
        requests = requests_in(text, read_part)
        if requests:
            return hand_on_requests(tracker, requests)  # the first now, the rest in order (after_answer)
        if asks_about_a_ticket(text):
            return [FollowupAction("action_ticket_status")]  # "any update on my ticket?": a job with no intent
        follow = continued_job(tracker, text)
        if not follow and any(e.get("entity") == "order_number" for e in message.get("entities") or []):
            follow = "track_order"  # "oops I meant ORD-100001": the order named is the question
        if follow:
            return [FollowupAction(handling_action(follow))]
        like = nearest_job(message)
        if like:
            # "what plan have i got", placed by none of the above but very like our examples of one job
            return [FollowupAction(handling_action(like))]
        inside = question_inside_form(tracker, message)
        if inside:
            # "wait what time do you close today" in the address form: its best reading, then the form again
            return hand_on_requests(tracker, [inside])
        if read_consent(text) is Consent.NO and "utter_offer_human" in previous_responses(tracker):
            # "no, I'll try again" to the offer of a person: ask them to, not "anything else?" or the offer again
            dispatcher.utter_message(response="utter_try_again")
            return revert
        if intent in NOTHING_PENDING:
            dispatcher.utter_message(response="utter_anything_else")
            return revert
        if _previous_turn_missed(tracker):
            dispatcher.utter_message(response="utter_offer_human")
            return revert
        readings = close_readings(message.get("intent_ranking") or [])
        if readings and intent == "nlu_fallback":
            labels = load_intent_labels()
            # the buttons are the response's own: a reading each, then "Something else"
            dispatcher.utter_message(
                response="utter_clarify",
                first=labels[readings[0]],
                second=labels[readings[1]],
                first_button=labels[readings[0]][:1].upper() + labels[readings[0]][1:],
                second_button=labels[readings[1]][:1].upper() + labels[readings[1]][1:],
                first_intent=readings[0],
                second_intent=readings[1],
            )
            return revert
        plainly_out = intent == "out_of_scope" and not is_keyboard_mash(text)
        dispatcher.utter_message(response="utter_out_of_scope" if plainly_out else "utter_rephrase")
        return revert


def just_done(tracker: Tracker) -> bool:
    """Did the bot's reply to the customer's previous message say a change was made?"""
    return any(str(response or "").startswith("utter_done_") for response in previous_responses(tracker))


def open_question_about(tracker: Tracker, text: Text) -> Optional[Text]:
    """The action answering a question about what the assistant just put forward, whatever the NLU read:
    the alternative to cancelling, or the open add-on offer."""
    if asked_about_alternative(tracker):
        return "action_answer_alternative"
    if tracker.get_slot("offer_id") and asks_about_offer(text):
        return "action_answer_offer"
    return None


# Inside a form, a question the NLU could not place is answered by its best reading among the jobs
# that only answer, when that reading has at least this confidence; the form then asks again.
IN_FORM_READING = 0.3


def question_inside_form(tracker: Tracker, message: Dict[Text, Any]) -> Optional[Text]:
    """The job label ("explain_bill", "faq/opening_hours") answering a question asked inside a form, if any."""
    if not tracker.active_loop_name or not asks_a_question(message.get("text")):
        return None
    ranking = [r for r in message.get("intent_ranking") or [] if r.get("name") not in NLU_MISSES]
    if not ranking or job_of(ranking[0].get("name") or "") not in ANSWERING_JOBS:
        return None
    if job_of(ranking[0].get("name") or "") in PROPOSING_JOBS:
        return None  # a change asked for inside a form is no question to answer on the way
    if float(ranking[0].get("confidence") or 0.0) < IN_FORM_READING:
        return None
    best = ranking[0]["name"]
    if best != "faq":
        return best
    label = job_label({**message, "intent": {"name": "faq"}})
    return label if label != "faq" else None  # an FAQ reading with no answer picked: no reading


def nearest_job(message: Dict[Text, Any]) -> Optional[Text]:
    """The job a message the classifier could not place is very like, by the NLU's scope gate.

    `LikeOurExamples` (connectors/nlu_scope.py) names it only when the nearest
    of our examples is close and clearly nearer than any other job's, and the
    message is long enough to stand alone; a short follow-up or a typed answer
    has been read by the steps before this one.
    """
    if ((message.get("intent") or {}).get("name")) != "nlu_fallback":
        return None
    like = ((message.get("scope") or {}).get("nearest_job") or {}).get("intent")
    return like if like and handling_action(like) not in (None, "action_rephrase_or_handoff") else None


def button_picked_by_place(tracker: Tracker, text: Text) -> List[Dict[Text, Any]]:
    """ "2" or "the second one" typed at a form's button question: that button, and the form goes on."""
    asked = tracker.get_slot("requested_slot")
    form = (tracker.active_loop or {}).get("name")
    if not (asked and form):
        return []
    choice = read_choice(asked, text, numbered=True)
    return [SlotSet(asked, choice), FollowupAction(form)] if choice else []


def button_typed(tracker: Tracker, text: Text, this_action: Text) -> List[Dict[Text, Any]]:
    """A job button of the bot's last question picked by typing ("the first one", "cancelling", "yeah"):
    that job, with the values its button carries. Yes/no buttons are left to the change and offer rules,
    which decide a yes on their own."""
    buttons = last_buttons(tracker)
    payloads = [str(b.get("payload") or "").lstrip("/").partition("{") for b in buttons]  # (intent, "{", values)
    chosen = read_button(text, [b.get("title") or "" for b in buttons])
    if chosen is None and _asked_which_job(tracker):
        # "switching provider" to "cancelling your plan, or a problem?": the button the NLU reads it as
        intents = [intent for intent, _, _ in payloads]
        reading = reading_among((tracker.latest_message or {}).get("intent_ranking") or [], intents)
        chosen = intents.index(reading) if reading else None
    if chosen is None:
        return []
    intent, _, values = payloads[chosen]
    follow = handling_action(intent)
    if intent in NOTHING_PENDING or not follow or follow == this_action:
        return []
    try:
        slots = json.loads("{" + values) if values else {}
    except ValueError:
        slots = {}
    return [SlotSet(name, value) for name, value in slots.items()] + [FollowupAction(follow)]


def corrects_pending_address(tracker: Tracker, text: Text) -> bool:
    """The reply to "shall I change your address to ...?" corrects that address (nothing is written)."""
    proposed = pending_answered_now(tracker)
    if proposed is None or proposed.kind != "address":
        return False
    return corrected_address(proposed.params.get("address", ""), proposed.params.get("postcode", ""), text) is not None


def previous_replies(tracker: Tracker) -> List[Dict[Text, Any]]:
    """The bot's messages answering the customer's previous message, newest first."""
    replies, user_turns = [], 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            user_turns += 1
            if user_turns == 2:
                break
        elif event.get("event") == "bot" and user_turns == 1:
            replies.append(event)
    return replies


def last_buttons(tracker: Tracker) -> List[Dict[Text, Any]]:
    """The buttons of the bot's reply to the customer's previous message (none if it had none)."""
    for reply in previous_replies(tracker):
        buttons = (reply.get("data") or {}).get("buttons")
        if buttons:
            return buttons
    return []


# The assistant's own "which job do you mean?" questions: their buttons are jobs, one per reading.
WHICH_JOB_QUESTIONS = ("utter_clarify", "utter_repair_next_reading")


def _asked_which_job(tracker: Tracker) -> bool:
    return any(
        (reply.get("metadata") or {}).get("utter_action") in WHICH_JOB_QUESTIONS for reply in previous_replies(tracker)
    )


def continued_job(tracker: Tracker, text: Text) -> Optional[Text]:
    """The job a short follow-up continues, given the order in focus and the job answered last."""
    return follow_up_intent(text, tracker.get_slot("focus_order"), last_job(tracker))


def last_job(tracker: Tracker) -> Optional[Text]:
    """The job the assistant answered last in this conversation, if it is one a follow-up can continue."""
    for event in reversed(tracker.events):
        if event.get("event") == "action" and event.get("name") in LAST_JOBS:
            return LAST_JOBS[event["name"]]
    return None


def close_readings(ranking: List[Dict[Text, Any]]) -> List[Text]:
    """The two best jobs when both are plausible and neither clearly wins."""
    labels = load_intent_labels()
    jobs = [r for r in ranking if r.get("name") in labels and r.get("name") not in NOT_A_READING]
    if len(jobs) < 2 or jobs[1].get("confidence", 0) < CLOSE_READINGS:
        return []
    return [jobs[0]["name"], jobs[1]["name"]]


class ActionRepair(OffTheLoop, Action):
    """ "That didn't answer my question": sorry, the next-best reading of what they asked, and a person."""

    def name(self) -> Text:
        return "action_repair"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        text = (tracker.latest_message or {}).get("text") or ""
        if not complains_about_answer(text):
            # "whats in that order again" read as a repair: a follow-up about what is in focus, not a complaint
            follow = continued_job(tracker, text)
            if follow:
                return [FollowupAction(handling_action(follow))]
        repair(dispatcher, tracker)
        return []


def repair(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """Sorry; the next-best reading of the question before, with a button, and a person; or what we can do."""
    asked, used = _question_before(tracker)
    labels = load_intent_labels()
    others = [
        r["name"]
        for r in (asked.get("intent_ranking") or [])
        if r.get("name") in labels
        and r.get("name") not in NOT_A_READING
        and r.get("name") != used
        and r.get("confidence", 0) >= NEXT_READING
    ]
    if others:
        dispatcher.utter_message(
            response="utter_repair_next_reading", reading=labels[others[0]], reading_intent=others[0]
        )
    else:
        dispatcher.utter_message(response="utter_repair_capabilities")


def _question_before(tracker: Tracker):
    """The customer's message before this complaint about the answer, and the intent it was taken as."""
    parse = user_message_before(tracker).get("parse_data") or {}
    return parse, (parse.get("intent") or {}).get("name")


def previous_responses(tracker: Tracker) -> List[Optional[Text]]:
    """The domain.yml responses of the bot's reply to the customer's previous message, newest first."""
    return [(reply.get("metadata") or {}).get("utter_action") for reply in previous_replies(tracker)]


def _previous_turn_missed(tracker: Tracker) -> bool:
    """Did the bot's reply to the customer's previous message also miss? (A follow-up handed on did not.)"""
    return turn_missed(previous_responses(tracker))
