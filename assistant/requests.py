"""Several requests in one message: which other jobs a message asks for, in the order asked.

"where's my order and why is my bill so high" is two requests. The NLU
names one intent per message; this finds the others from plain cues, only in
a message joined by "and", "also", "then", "?" or ";", so a single request
that merely mentions a bill is never split.
"""

from __future__ import annotations

import re
from typing import List, Optional

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
        r"(?:arrived|arrive|come|shipped|been (?:delivered|sent|shipped))\b",
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
    if not _JOINED.search(said):
        return []
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
