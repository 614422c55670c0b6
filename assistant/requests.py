"""Several requests in one message: which jobs a message asks for, in the order asked.

"where's my order and why is my bill so high" is two requests. The NLU
names one intent per message. `requests_in` splits a message where a
customer joins requests ("and", "also", "plus", "n", "&", ",", "?", ";")
and reads each part on its own with the same classifier (the reader is
given by the caller: the action server asks the Rasa server), falling back
to plain cues for a part the classifier cannot place (`other_requests`).
A single request that merely has an "and" in it is never split: a part
counts only when it reads as a job of its own, and two parts must name two
different jobs (or two different FAQ answers).

Only jobs that answer or ask before doing anything are taken from the rest
of a message (`ANSWERING_JOBS`): a second request never starts a change.
"""

from __future__ import annotations

import re
from typing import Callable, List, Optional

from assistant.focus import item_categories
from assistant.tickets import ticket_question_at

_JOINED = re.compile(
    r"\s(?:and|also|plus|then|as well as)\s|[?;]\s*\S|,\s*(?:and|also|plus)?\s*(?:where|why|when|what|how|can|could|i)\b"
)
# Read-only jobs a second clause can ask for, by the cues that name them.
CUES = (
    (
        "track_order",
        r"\b(?:where|when)(?:'s| is| are| will)?\b.{0,30}\b(?:order|parcel|package|delivery|laptop|phone|tablet|tv|router|mesh)\b|\btrack (?:my|the) (?:order|parcel)\b"
        r"|\b(?:has|have|did) (?:my|the) (?:order|parcel|package|delivery|laptop|phone|tablet|tv|router|mesh)\w* "
        r"(?:arrived|arrive|come|shipped|been (?:delivered|sent|shipped))\b"
        r"|\b(?:order|parcel|package|delivery|laptop|phone|tablet|tv|router|mesh)\w*\b.{0,20}"
        r"\b(?:hasn'?t|has not|still not|not yet|never)\s+(?:\w+\s+)?(?:turned up|arrived|come|shown up|been delivered)\b",
    ),
    (
        "explain_bill",
        r"\bbill\b.{0,25}\b(?:high|higher|up|more|increase|increased|expensive|explain|gone up)\b|\bwhy\b.{0,25}\bbill\b|\bexplain (?:my|the) bill\b"
        r"|\bhow much\b.{0,25}\bbill\b|\bhow much do i owe\b|\bwhen(?:'s| is| was)?\b.{0,20}\bbill\b|\bbill\b.{0,20}\bdue\b",
    ),
    (
        "refund_status",
        r"\b(?:where|when|has|did|is|was)(?:'s)?\b.{0,20}\brefund\b"
        r"|\brefund\b.{0,20}\b(?:status|yet|arrived|come through|gone through|paid|back|land)\b",
    ),
    ("payment_problem", r"\bpayment\b.{0,20}\b(?:fail|failed|declined|bounced|didn'?t go through)\b"),
    (
        "plan_info",
        r"\b(?:what|which) plan\b|\bmy plan\b.{0,15}\b(?:include|cost|am i on)\b"
        r"|\b(?:what|which)(?:'s)? (?:broadband|package|tariff|deal)\b.{0,10}\b(?:am i on|i'?m on|im on|have i got|do i have)\b",
    ),
    (
        "cancellation_fee",
        r"\b(?:exit|cancellation|early termination|termination) fee\b|\bcost (?:me )?to (?:leave|cancel)\b",
    ),
    ("human_handoff", r"\b(?:speak|talk|chat) to (?:a |an )?(?:person|human|agent|someone|real person)\b"),
)


def other_requests(text: str, first_intent: Optional[str]) -> List[str]:
    """The jobs asked for besides `first_intent`, in the order they appear (empty for one request)."""
    said = " ".join((text or "").lower().replace("\u2019", "'").split())
    return _cued(said, first_intent) if _JOINED.search(said) else []


def _cued(said: str, first_intent: Optional[str]) -> List[str]:
    """The jobs plain cues find in a message, besides `first_intent`, in the order they appear."""
    found = []
    for intent, cue in CUES:
        match = re.search(cue, said)
        if match and intent != first_intent:
            found.append((match.start(), intent))
    # a ticket already opened: the one reading of that question (assistant/tickets.py); actions/routing.py names the action
    at = ticket_question_at(said)
    if at is not None and first_intent != "ticket_status":
        found.append((at, "ticket_status"))
    return [intent for _, intent in sorted(found)]


# Jobs taken from a part of a message: each answers from the records or the policies, or asks before
# anything is written. "faq/<answer>" names one FAQ answer.
ANSWERING_JOBS = (
    "track_order",
    "explain_bill",
    "refund_status",
    "payment_problem",
    "plan_info",
    "cancellation_fee",
    "ticket_status",
    "account_help",
    "delivery_problem",
    "human_handoff",
    "faq",
    "cancel_order",
    "request_refund",
)
# Of those, the ones that end with a question to the customer or hand the chat to a person: answered last.
# ("i also want to cancel the mesh order": stated and asked, never done, in the same message.)
ASKING_JOBS = ("delivery_problem", "human_handoff", "cancel_order", "request_refund")
# Of those, the ones that propose a change: taken from the rest of a message, never as a question inside a form.
PROPOSING_JOBS = ("cancel_order", "request_refund")
_PARTS = re.compile(
    r"\s*[?;!]+\s*|\s*,\s*|\s+[-\u2013]\s+|\s+(?:and also|as well as|oh and|and|also|plus|then|n|&|btw)\s+"
)
_LEADING_JOINER = re.compile(r"^(?:(?:and|also|plus|so|oh|but|then|n)\s+)+")
_MY_ORDER = re.compile(r"\bmy\b")
# A part shorter than this is no request of its own ("the charger", "thanks").
_MIN_WORDS = 3

# The job a part of a message asks for ("track_order", "faq/returns_policy"), or None.
Reader = Callable[[str], Optional[str]]


def message_parts(text: str) -> List[str]:
    """The parts of a message a customer joined with "and", "also", ",", "?" and the like."""
    said = " ".join((text or "").lower().replace("\u2019", "'").split())
    if not _JOINED.search(said) and not _PARTS.search(said):
        return [said] if said else []
    parts = (_LEADING_JOINER.sub("", part.strip(" .")) for part in _PARTS.split(said))
    return [part for part in parts if len(part.split()) >= _MIN_WORDS]


def job_of(label: str) -> str:
    """The intent of a job label: "faq/returns_policy" is answered as "faq"."""
    return label.split("/", 1)[0]


def requests_in(text: str, read: Reader) -> List[str]:
    """The jobs the message asks for, in the order asked; [] when it asks for fewer than two."""
    parts = message_parts(text)
    if len(parts) < 2:
        return []
    found: List[str] = []
    for part in parts:
        # a ticket already opened has no intent of its own: its cue reads it, whatever the classifier says
        label = "ticket_status" if ticket_question_at(part) is not None else read(part)
        if label and job_of(label) == "faq" and _MY_ORDER.search(part) and item_categories(part):
            label = "track_order"  # "did my phone get delivered": their own order, not delivery times in general
        if not label or job_of(label) not in ANSWERING_JOBS:
            cued = _cued(part, None)
            label = cued[0] if cued else None
        if label and job_of(label) in ANSWERING_JOBS and label not in found:
            found.append(label)
    if len(found) < 2:
        return []
    # a question back to the customer ("shall I chase it?") or a hand-off comes after the answers
    return sorted(found, key=lambda label: job_of(label) in ASKING_JOBS)


def still_to_answer(asked: List[str], answered: str) -> List[str]:
    """The requests left once `answered` is: that job, or else the first of the same intent
    (the whole message read as one FAQ answer answers the first FAQ question of it)."""
    left = list(asked)
    same = [label for label in left if label == answered] or [
        label for label in left if job_of(label) == job_of(answered)
    ]
    if same:
        left.remove(same[0])
    return left


_GREETING = re.compile(
    r"^(?:(?:hi|hiya|hello|hey|heya|hey there|hi there|hello there|morning|good morning|afternoon|good afternoon|"
    r"evening|good evening|alright|ello|yo|howdy)\b[ ,!.]*)+(?:(?:there|all|team|guys|mate)\b[ ,!.]*)?"
)


def after_greeting(text: str) -> Optional[str]:
    """What a message says after its greeting ("hiya how much am i paying for my mobile"), if it says
    something of its own (three words or more); None for a greeting alone."""
    said = " ".join((text or "").lower().replace("\u2019", "'").split())
    greeting = _GREETING.match(said)
    if not greeting:
        return None
    rest = said[greeting.end() :].strip(" ,.!")
    return rest if len(rest.split()) >= _MIN_WORDS else None
