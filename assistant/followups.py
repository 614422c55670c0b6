"""Short follow-ups the NLU cannot place on their own, read against what was just discussed.

"When will it arrive?", "the other order?", "and my plan?", "what's
included?", "how much is it?" mean little alone and a lot after an answer.
When the NLU falls back on such a message, this says which job it continues,
given what the conversation is about (the order in focus, the last job).
It never starts a change: "cancel it" goes to the job that asks first.
"""

from __future__ import annotations

import re
from typing import Optional

from assistant.focus import _ORDINAL, _OTHER, item_categories
from assistant.plans import asks_whats_included

_ORDER_QUESTION = re.compile(
    r"\b(?:when|where|arrive|arriving|come|coming|get here|delivered|delivery|status|tracking|track|"
    r"how long|eta|dispatched|shipped|which order|that order|the order|my order|"
    r"turns? up|turning up|shows? up|what time|delivering|courier|driver)\b"
)
_CHASE = re.compile(r"\b(?:chase|hurry|speed (?:it|this) up|follow (?:it|this) up|still not here|still waiting)\b")
_CANCEL_IT = re.compile(r"\bcancel (?:it|that|this|that one|this one|the order)\b")
_REFUND_IT = re.compile(
    r"\b(?:refund (?:it|that|this)|money back|send it back|return (?:it|that)|(?:see|get|receive) (?:that|the|my) money)\b"
)
_ABOUT = {
    "plan_info": re.compile(r"\b(?:my plan|the plan|what(?:'?s| is) included|included|how fast|speed|contract)\b"),
    "explain_bill": re.compile(r"\b(?:my bill|the bill|bill|charge|charged|invoice)\b"),
    "refund_status": re.compile(r"\b(?:my refund|the refund|refund)\b"),
    "payment_problem": re.compile(r"\b(?:payment|paid|pay)\b"),
}
_REFUND_QUESTION = re.compile(
    r"\b(?:when|how long|how much|where|arrive|get it|get (?:my|the) money|paid|status|any news|why|what for)\b"
)
_PRICE_OF_IT = re.compile(
    r"\b(?:how much|what) (?:do|will|would|am) (?:i|we) (?:pay|paying)\b|\bpay(?:ing)? for (?:it|that|this)\b"
)
# About a ticket just discussed: "when did i first report it", "so is it still open or what".
_TICKET_QUESTION = re.compile(
    r"\b(?:when|how long|still open|open|closed|report(?:ed)?|opened|raised|logged|anyone|someone|"
    r"update|news|progress|status|sorted|fixed|resolved|who|why|what (?:was|is|'s) (?:it|that) (?:about|for)|what (?:it|that) (?:was|is) (?:about|for))\b"
)
_WHEN_DUE = re.compile(r"\b(?:due|deadline|pay (?:it |this |that |the bill )?by|by when)\b")
_FAILED = re.compile(r"\b(?:fail\w*|declin\w*|bounc\w*|didn'?t go|did not go|rejected|missed|wrong)\b")
_NAMES_AN_ORDER = re.compile(r"\b(?:order|parcel|package|delivery|one)s?\b")
_OTHER_ORDER = re.compile(r"\bother (?:order|parcel|package|delivery)\b")
# What points back at the thing just discussed: "when will it come", "is that one paid", "my order".
_POINTS_BACK = re.compile(
    r"\b(?:it|its|it's|that|this|they|them|mine|the other|my (?:order|parcel|package|delivery|refund|bill|plan|ticket)|"
    r"the (?:order|parcel|package|delivery|refund|bill|plan|ticket))\b"
)
# Asked about the service in general: "how long does standard delivery usually take", "do you do next day".
_IN_GENERAL = re.compile(
    r"\b(?:usually|normally|generally|typically|in general|on average|standard delivery|next[- ]day|express|"
    r"do you (?:do|offer|have|deliver|ship|sell)|your (?:delivery|returns?|shipping|opening|phone))\b"
)


# "how much was it again", "what did i pay for the phone and case", "how much did that come to all in":
# the price of the order in focus, not a payment problem or the bill.
_ORDER_PRICE = re.compile(
    r"\b(?:how much (?:was|were|is|did|does|do|'?s)\b|(?:was|is|were|that) how much\s*$)"
    r"(?!.*\b(?:refund|money back|bill|plan|month|monthly|a month|leave|leaving|cancel\w*|exit|fee|early|quick|next[- ]day|express|delivery|postage|shipping)\b)"
    r"|\bwhat did (?:i|we|it|they|that|this) (?:pay|cost|come to)\b|\bwhat (?:was|is|were) the (?:total|price|cost)\b"
    r"|\b(?:come|came|comes) to\b(?!.*\bbill\b)|\bcost me\b(?!.*\b(?:leave|cancel|month)\b)"
)
# "could i still send it back if i dont get on with it", "how long have i got to return it"
_CAN_RETURN = re.compile(
    r"\b(?:can|could|am able to|is it too late to|still able to|too late to) (?:i |we )?(?:still )?"
    r"(?:send (?:it|them|this|that|the \w+) back|return (?:it|them|this|that|the \w+))"
    r"|\bhow long (?:have|do) (?:i|we) (?:got |have )?(?:to|for) (?:send|return)"
    r"|\b(?:until|till|til) when can (?:i|we) (?:send|return)"
)


_MEANT = re.compile(r"\b(?:i meant|i mean|meant|i was asking about|i'?m asking about|i was on about|i'?m on about)\b")
_STILL_CANCEL = re.compile(r"\b(?:can|could) (?:i|we|you) (?:still )?cancel (?:it|that|this|the order|that order)\b")
_PAY_IT = re.compile(
    r"\b(?:where|how) (?:do|can|should) (?:i|we) (?:go to )?(?:pay (?:it|this|that|the bill|my bill|online)|"
    r"sort (?:the|my) card(?: out)?|update (?:the|my) card|change (?:the|my) card)\b"
)


# "and how much is the refund", "when does the refund land": the refund's state, not a new refund
_ABOUT_THE_REFUND = re.compile(
    r"^(?:(?:and|so|ok|okay|right|oh|but)\s+)*(?:how much|when|where|what|has|is|did|whats|what's|any news)\b.*"
    r"\b(?:the|my|that) refund\b"
)


def _says(text: str, pattern: re.Pattern, most_words: int) -> bool:
    """Does a message of at most `most_words` words (openers aside) say `pattern`?"""
    said = _normal(text)
    return 0 < len(said.split()) <= most_words and bool(pattern.search(said))


def asks_about_the_refund(text: str) -> bool:
    """A question about a refund already asked for ("and how much is the refund"), not a request for one."""
    return _says(text, _ABOUT_THE_REFUND, 12) and not _WANTS.search(_normal(text))


def asks_order_price(text: str) -> bool:
    """A short question about what an order cost ("how much was it again")."""
    return _says(text, _ORDER_PRICE, _SHORT)


def asks_if_returnable(text: str) -> bool:
    """A question whether, or until when, something can still be sent back: answered before anything is asked."""
    return _says(text, _CAN_RETURN, 16)


def points_back(text: str) -> bool:
    """Does the message point at what was just discussed, not ask about the service in general?

    A question the FAQ answers ("how long have i got to send stuff back")
    is answered as the FAQ unless it points back ("when will it come?").
    """
    said = _normal(text)
    if _IN_GENERAL.search(said):
        return False
    short = len(said.split()) <= 5 and not re.search(r"\b(?:you|your|stuff|things)\b", said)
    return bool(short or _POINTS_BACK.search(said) or item_categories(said))


# FAQs about delivery and returns, and the job a question about the customer's own item asks instead.
_ITEM_FAQ_JOBS = {
    "delivery_times": "track_order",
    "shipping_options": "track_order",
    "returns_policy": "request_refund",
}
_OWN = re.compile(r"\b(?:my|the|our)\b")
_WANTS = re.compile(r"\b(?:i want|i'?d like|i would like|i wanna|i need|can i|could i|please)\b")


_ARRIVAL = re.compile(
    r"\b(?:when|where)\b.*\b(?:turn(?:s|ing)? up|arriv(?:e|es|ing)|com(?:e|es|ing)|get here|here|deliver(?:ed|y|ing)?|"
    r"ship(?:ped|ping)?|dispatch(?:ed)?|sent|land(?:s|ing)?|show(?:s|ing)? up)\b"
    r"|\b(?:has|have|did|is) (?:my|the) .*\b(?:shipped|dispatched|arrived|been delivered|been sent|left)\b"
)
_FAULT = re.compile(
    r"\b(?:not working|isn'?t working|doesn'?t work|won'?t|broken|broke|stopped|dropping|drops|keeps|slow|"
    r"fault|faulty|problem|issue|dead|playing up|no signal|no internet|cut(?:s|ting)? out|disconnect\w*|reset)\b"
)


def asks_where_an_item_is(text: str) -> bool:
    """ "when is my mesh wifi turning up": an order on its way, though the item is a router or mesh kit."""
    said = _normal(text)
    return bool(item_categories(said) and _ARRIVAL.search(said) and not _FAULT.search(said))


def faq_about_own_item(text: str, faq_key: str) -> Optional[str]:
    """ "did my new phone get delivered", "i want to return the phone": their order, not the policy.

    A delivery FAQ that names one of their items ("my phone") asks where that
    order is; a returns FAQ that names one and asks to send it back is a
    refund request (which asks before anything is done). "how long do I have
    to return things" names no item and stays the policy.
    """
    job = _ITEM_FAQ_JOBS.get(faq_key)
    said = _normal(text)
    if not job or _IN_GENERAL.search(said) or not item_categories(said) or not _OWN.search(said):
        return None
    if job == "request_refund" and not _WANTS.search(said):
        return None
    return job


_PLAN_PART = re.compile(r"\b(?:broadband|mobile|tv|sim|fibre|landline)\b")
_SEND_BACK = re.compile(r"\b(?:return|send (?:it|this|that|them|the \w+) back|send back|refund|money back)\b")
_SHORT = 9  # words: longer messages are requests of their own, not follow-ups
# Openers that carry no request ("ok so when will it come"): not counted against _SHORT.
_OPENER = re.compile(r"^(?:(?:ok|okay|oh|so|and|right|well|hmm|um|hi|hiya|hey|cheers|thanks|ta|sorry)\b[ ,.!]*)+")


def _normal(text: str) -> str:
    said = " ".join((text or "").lower().replace("\u2019", "'").split())
    return _OPENER.sub("", said) or said


def follow_up_intent(text: str, focus_order: Optional[str], last_job: Optional[str]) -> Optional[str]:
    """The job a short follow-up continues, or None when it is not one."""
    said = _normal(text)
    if len(said.split()) <= 16 and _MEANT.search(said) and item_categories(said):
        return "track_order"  # "no sorry i meant the laptop, the tablet went back": the order it names
    if focus_order and asks_if_returnable(said):
        return "request_refund"  # "could i still send it back if i dont get on with it": the window, then asked
    if focus_order and len(said.split()) <= 14 and _STILL_CANCEL.search(said):
        return "cancel_order"  # "can i still cancel it if i change my mind": asked before anything is done
    if _PAY_IT.search(said) and not _NAMES_AN_ORDER.search(said) and not item_categories(said):
        return "payment_problem"  # "where do i go to pay it", "where do i sort the card out": not the order
    if not said or len(said.split()) > _SHORT:
        return None
    if item_categories(said) or (_ORDINAL.search(said) and _NAMES_AN_ORDER.search(said)) or _OTHER_ORDER.search(said):
        if _WANTS.search(said) and _SEND_BACK.search(said):
            return "request_refund"  # "i want to return the tablet": asked before anything is done
        if _ABOUT["refund_status"].search(said):
            return "refund_status"  # "is my refund for the tv sorted": the refund of that order
        return "track_order"  # "the second order", "the laptop one", "the other order": orders, focus or not
    if last_job == "refund_status" and _REFUND_QUESTION.search(said) and not _NAMES_AN_ORDER.search(said):
        return "refund_status"  # "when will I get it?" right after a refund's state is about that refund
    if last_job == "ticket_status" and _TICKET_QUESTION.search(said) and not _NAMES_AN_ORDER.search(said):
        return "ticket_status"  # "is it still open?" right after a ticket's state is about that ticket
    if last_job == "explain_bill" and _WHEN_DUE.search(said) and not _NAMES_AN_ORDER.search(said):
        return "explain_bill"  # "when do i have to pay it by?" right after the bill: its due date
    if focus_order:
        if _ORDER_PRICE.search(said):
            return "track_order"  # "what did i pay for it": the order's price
        if _CANCEL_IT.search(said):
            return "cancel_order"
        if _REFUND_IT.search(said):
            return "request_refund"
        if _CHASE.search(said):
            return "delivery_problem"
        if _OTHER.search(said) or _ORDINAL.search(said) or _ORDER_QUESTION.search(said):
            return "track_order"
    if last_job == "plan_info" and asks_whats_included(said):
        return "plan_info"  # "and what do i get with them" right after the plans: what they include
    if last_job == "plan_info" and len(said.split()) <= 5 and _PLAN_PART.search(said):
        return "plan_info"  # "and the broadband bit" right after the mobile's price: that part of the plan
    if last_job == "plan_info" and _PRICE_OF_IT.search(said):
        return "plan_info"  # "how much do i pay for it" right after the plan: its price, not a failed payment
    if _WHEN_DUE.search(said) and not _FAILED.search(said) and not _NAMES_AN_ORDER.search(said):
        return "explain_bill"  # "when is my payment due?": the bill's due date, not a failed payment
    for intent, pattern in _ABOUT.items():
        if pattern.search(said):
            return intent
    if last_job == "plan_info" and re.search(r"\b(?:how much|price|cost|what is it|what's that)\b", said):
        return "plan_info"
    if last_job == "explain_bill" and re.search(r"\b(?:why|how much|what for|what's that|what is that)\b", said):
        return "explain_bill"
    if focus_order and re.search(r"\b(?:it|that|this one|what about)\b", said):
        return "track_order"
    return None
