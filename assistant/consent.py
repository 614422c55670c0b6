"""Is this a yes? The one place that decides whether a reply allows a change.

A change to a customer's records (a refund, a ticket, a cancellation, a new
address...) is made only on an explicit yes to the question that stated it.
The NLU's `affirm` is not enough on its own: "ok ive got money in now, can i
just pay it here" starts with "ok" and is a new question. So a reply is a yes
only when all of it is agreement ("yes", "yep, go ahead", "please do", "yes
cancel it"), and a no when it refuses or holds back ("no", "never mind",
"wait", "not now", "don't"). Anything else (a question, another request,
silence) is neither, and writes nothing.
"""

from __future__ import annotations

import re
from enum import Enum
from typing import Optional

from assistant.focus import item_categories


class Consent(Enum):
    YES = "yes"
    NO = "no"
    NEITHER = "neither"


# Button payloads the widget sends for the yes and no buttons.
YES_PAYLOAD = "/affirm"
NO_PAYLOAD = "/deny"

_AGREE = (
    r"yes|yeah|yea|yep|yup|ya|yah|aye|y|sure|sure thing|yes i do|yes it is|i am sure|i'?m sure|certainly|absolutely|definitely|of course|ok|okay|k|kk|okey dokey|"
    r"alright|all right|fine|great|perfect|lovely|brilliant|cool|correct|that'?s right|that'?s fine|"
    r"that'?s great|that works|works for me|sounds good|sounds great|good|confirm|confirmed|i confirm|agreed|i agree|"
    r"go ahead|go for it|go on|do it|do that|please do|please|yes please|"
    r"i do|i would|i'?d like that|i want that|proceed|carry on|make it so|let'?s do it|"
    r"by all means|why not|deal|i'?ll take it|i'?ll take that|i'?ll have it|i'?ll have that|count me in|sign me up|"
    r"go on then|let'?s go|let'?s have it|i'?m in"
)
# "cancel it", "refund it", "change it please": the action named back, on its own.
_DO_IT = (
    r"(?:just |please |yes,? |ok,? )?"
    r"(?:cancel|refund|change|close|open|log|raise|send|chase|move|update|add|book|file|report|do|make|process|"
    r"submit|switch|put|request|record|stick|pop|whack|chuck|bung|slap|sign me up for|set up|set it up|sort)"
    r"(?: it| that| them| this| a ticket| the (?:change|refund|ticket|cancellation|order|plan|complaint|request))?"
    r"(?: on| up| out| through| in)?(?: (?:my|the) (?:account|bill))?"
    r"(?: instead)?"
    r"(?: (?:now|then|please|for me|through))*"
)
_REFUSE = (
    r"no|nope|nah|na|n|no thanks|no thank you|no ta|not really|not now|not yet|not today|maybe later|later|"
    r"never mind|nevermind|nvm|forget it|forget that|leave it|leave it as it is|leave it for now|don'?t|do not|"
    r"don'?t do that|don'?t do it|please don'?t|wait|hold on|hang on|stop|cancel that|scrap that|no way|"
    r"i'?ve changed my mind|changed my mind|i changed my mind|actually no|no actually|i'?ll pass|pass|"
    r"not interested|i'?m not sure|not sure|let me think|i'?ll think about it|keep it|keep it as it is"
)
_FILLER = r"(?:\s*(?:,|\.|!|and|then|just|please|thanks|thank you|ta|cheers|mate|x+|:\)|:-\)))*"

_YES = re.compile(rf"^(?:(?:{_AGREE}){_FILLER}\s*)+$|^(?:(?:{_AGREE}){_FILLER}\s*)*{_DO_IT}{_FILLER}$")
# A refusal at the start holds the change back, whatever follows ("no, i
# meant the other order", "wait what does that cost").
_NO_START = re.compile(rf"^(?:(?:erm|um|uh|hmm|well|oh|ah|ooh)[ ,]+)*(?:{_REFUSE})\b")
# Refusals only when they are the whole reply: "i'm ok" is a no, "i'm ok with that" is not.
_NO_WHOLE = re.compile(
    rf"^(?:(?:i'?m|im|i am) (?:ok|okay|good|fine|alright|all right)|(?:maybe )?(?:another|some other) time|"
    rf"not this time|not for now|i'?ll leave it){_FILLER}$"
)
# Agreement with a condition or a negation in it is not a yes ("yes but not
# yet", "ok don't do it"): the change is held back.
# "yeah but why hasn't it come", "ok and how much is it": a question after the agreement,
# to be answered before the change is asked again (neither a yes nor a no).
_BUT_ASKS = re.compile(
    r"\b(?:but|and|so) (?:why|where|when|how|what|which|who|is it|are you|can (?:i|you)|could (?:i|you)|"
    r"will (?:it|you|i)|would (?:it|you|i)|does it|do i|do you)\b"
)
# "ok ta", "lovely, cheers", "great thanks": thanks for what was said, not a yes to a change. A yes
# says so ("yes please, thanks", "go ahead cheers").
_ONLY_THANKS = re.compile(
    r"^(?:(?:ok|okay|k|kk|alright|all right|fine|great|perfect|lovely|brilliant|cool|good|right|nice|ace|sound|"
    r"champion|smashing|wicked)[ ,]+)+(?:thanks|thank you|thankyou|ta|cheers|thx|ty|tnx)"
    r"(?: (?:mate|very much|so much|a lot|a million|love|x+|then))*$"
)
_AGREE_WORD = re.compile(rf"\b(?:{_AGREE})\b")
_HELD_BACK = re.compile(r"\b(?:not|don'?t|do not|never|wait|hold on|hang on|but|later|tomorrow|first)\b")


def normalise(text: str) -> str:
    text = (text or "").lower().replace("\u2019", "'").strip()
    text = re.sub(r"[!.]+", " ", text)
    text = re.sub(r"\s+", " ", text)
    return text.strip(" ,")


def read_consent(text: Optional[str]) -> Consent:
    """YES only for a reply that is all agreement; NO for a refusal or a hold; else NEITHER."""
    raw = (text or "").strip()
    if raw.startswith(YES_PAYLOAD):
        return Consent.YES
    if raw.startswith(NO_PAYLOAD):
        return Consent.NO
    said = normalise(raw)
    if not said:
        return Consent.NEITHER
    if _NO_START.match(said) or _NO_WHOLE.match(said) or asks_to_stop(said):
        return Consent.NO
    if "?" in said or _BUT_ASKS.search(said):  # a question is never a yes; "yes but why..." not a no either
        return Consent.NEITHER
    if _HELD_BACK.search(said) and (len(said.split()) <= 6 or _AGREE_WORD.search(said)):
        # "yes but not yet", "ok don't do it", "maybe tomorrow": held back. A longer message with no
        # agreement in it ("whats the weather like tomorrow") is something else, and neither.
        return Consent.NO
    if _ONLY_THANKS.match(said):
        return Consent.NEITHER
    if _YES.match(said):
        return Consent.YES
    return Consent.NEITHER


_UNDO = re.compile(
    r"\b(?:undo|revert|put it back|change it back|switch it back|reverse (?:it|that)|take (?:it|that) back|"
    r"never ?mind|changed my mind|change my mind|i'?ll stay|i will stay|i'?d like to stay|i want to stay|"
    r"don'?t cancel|do not cancel|keep (?:it|my plan|the plan|my (?:old )?address)|i didn'?t mean (?:it|that)|"
    r"that was a mistake|by mistake|cancel that|scrap that|actually no|no actually)\b"
)


def asks_to_undo(text: Optional[str]) -> bool:
    """Does the customer take back what was just done ("actually never mind, I'll stay")?"""
    return bool(_UNDO.search(normalise(text or "")))


_STOP = re.compile(
    r"^(?:(?:ok|okay|actually|no|nah|oh|ah|please|just|sorry|hmm|um|erm|tbh|to be honest|wait|right)[ ,]+)*"
    r"(?:stop|stop (?:it|this|that)|cancel (?:that|this)|never ?mind|nvm|forget (?:it|that|about it|this)|leave it|"
    r"forget (?:i asked|the whole thing|all that|all about it)|scrap (?:that|it|this|the whole thing)|"
    r"ignore (?:that|me)|don'?t worry(?: about it)?|no worries|doesn'?t matter|it doesn'?t matter|"
    r"quit|exit|i don'?t want to (?:do this|carry on|continue)(?: any ?more)?|let'?s stop|abort|start again|"
    r"i'?ve changed my mind|i changed my mind|not now|not right now|"
    # "leave it as it is", "no leave my plan as it is", "keep things as they are", "i'll keep it"
    r"(?:leave|keep) (?:it|that|things|everything|my plan|the plan|my address|the address|it all) "
    r"(?:as it is|as is|as they are|the same|alone|be)|leave (?:my|the) (?:plan|address)|i'?ll keep it)"
    r"(?:[ ,]+(?:please|thanks|then|for now|now|actually|for the moment|forget i asked|scrap that))*"
    # a reason about themselves may follow ("never mind, I'll do it once I've got the keys"), not a request
    r"(?:[ ,]+(?:i'?ll|ill|i will|i'?m going to|im going to|i can|let me|i need to|i have to|gotta)\b[^?]*)?$"
)


def asks_to_stop(text: Optional[str]) -> bool:
    """ "stop", "cancel that", "never mind" said on its own inside a form: leave the form."""
    return bool(_STOP.match(normalise(text or "")))


# What turns a no into something more: a correction or a question of its own
# ("no, I meant the tablet", "no wait, where is ORD-100002?").
_MORE_THAN_NO = re.compile(
    r"\?|\d|\b(?:meant|mean|instead|other|rather|actually (?:the|my)|not (?:that|this) one|the \w+ one|"
    r"where|when|why|what|which|how|can|could|would|will|is|are|does|do you|order|parcel|bill|plan|refund|"
    r"payment|ticket)\b"
)


def is_plain_no(text: Optional[str]) -> bool:
    """A no and nothing else to act on: "no", "no leave it, just checking", "nah i'm fine thanks".

    Not "no, I meant the tablet" or "no, when will it arrive?": those carry a
    correction or a question, and go where the question goes.
    """
    if read_consent(text) is not Consent.NO:
        return False
    said = normalise(text or "")
    if said.startswith(NO_PAYLOAD):
        return True
    return not _MORE_THAN_NO.search(said) and not item_categories(said)


_STAY = re.compile(
    r"\b(?:i'?ll stay|i will stay|i'?d rather stay|i want to stay|i'?ll keep (?:it|my plan)|"
    r"keep (?:everything|things|my plan|it) (?:as (?:it is|they are|is)|the same)|"
    r"leave (?:it|everything|things|my plan) (?:as (?:it is|they are|is)|alone|the same)|"
    r"don'?t cancel|do not cancel|not cancel(?:ling)? (?:it|anything|my plan)?)\b"
)


def wants_to_stay(text: Optional[str]) -> bool:
    """ "Leave everything as it is", "cancel that, I'll stay": the customer keeps what they have."""
    return bool(_STAY.search(normalise(text or "")))


_QUESTION_START = re.compile(
    r"^(?:(?:ok|okay|so|and|wait|also|btw|oh|hang on|hold on|quick (?:q|question)|sorry|erm|um|actually)[ ,]+)*"
    r"(?:what|whats|wot|wots|where|wheres|when|whens|why|how|hows|who|which|can|could|do|does|did|is|are|will|would|"
    r"should|have|has)\b"
)


def asks_a_question(text: Optional[str]) -> bool:
    """A question ("wait what time do you close today", "is X on my bill?"), not an answer to one."""
    said = normalise(text or "")
    return "?" in said or bool(_QUESTION_START.match(said))
