"""When the assistant missed: which replies are misses, and a customer telling it so.

A turn is missed when the assistant could not place the message: it asked
to rephrase, said the request is out of scope, asked which of two readings
was meant, offered a person because it still did not understand, or
apologised for the answer before. A short follow-up the assistant could not
read alone but handed on to the job it continues ("when will it arrive?")
is not a miss: the customer got their answer. What counts decides when a
person is offered (the second miss in a row) and whether an offer may be
made in the conversation at all.

"That doesn't help", "eh?", "useless, that doesn't explain anything": the
customer saying the last answer missed, whatever the NLU read it as (a
"no", a complaint, nothing at all), asks for repair, not for "anything else?".
"""

from __future__ import annotations

import re
from typing import Iterable, Optional

# Responses that mean the assistant did not answer what was asked (domain.yml).
MISSED_RESPONSES = frozenset(
    {
        "utter_rephrase",
        "utter_out_of_scope",
        "utter_other_company",
        "utter_clarify",
        "utter_offer_human",
        "utter_repair_next_reading",
        "utter_repair_capabilities",
    }
)


def turn_missed(responses: Iterable[Optional[str]]) -> bool:
    """Did a turn whose replies were these responses miss the customer's question?"""
    return any(response in MISSED_RESPONSES for response in responses)


# Said about the answer just given: it missed.
_COMPLAINT = re.compile(
    r"\b(?:(?:that|this|it|you)(?: (?:really|just|still))? (?:does ?n'?t|did ?n'?t|do ?n'?t|does not|did not|"
    r"has ?n'?t|have ?n'?t|is ?n'?t|was ?n'?t|wo ?n'?t) (?:help|answer|explain|make sense|say|tell me|mean anything)|"
    r"(?:that|this)(?:'?s| is| was) (?:not|n'?t) (?:what i (?:asked|meant|said|wanted)|(?:an |the )?answer|helpful)|not what i (?:asked|meant|said|wanted)|(?:you'?re|youre|you are) (?:still )?not (?:listening|getting (?:it|me|this|what i)|understanding(?: me)?|following)|"
    r"you (?:did ?n'?t|have ?n'?t|have not|did not|do ?n'?t|do not) (?:answer|understand|get it|get me|listen|follow)|"
    r"(?:that'?s|thats|that is) not (?:it|what i need)|(?:not|never) what i need|"
    r"(?:no|not) (?:help|use) at all|makes no sense|wrong answer|"
    r"(?:doesn'?t|didn'?t) answer (?:my|the) question|read my question|answer my question|"
    r"^(?:useless|unhelpful|pointless|rubbish answer)\b)"
)
# A bare puzzled reply: the whole message is one of these.
_PUZZLED = re.compile(
    r"^(?:eh|huh|what|wha|wut|sorry what|you what|come again|i don'?t understand|i don'?t get it|"
    r"i don'?t follow|pardon|err?m?|hm+|\?+)[ ?!.]*$"
)


def _normal(text: str) -> str:
    return " ".join((text or "").lower().replace("\u2019", "'").split())


def complains_about_answer(text: Optional[str]) -> bool:
    """ "that doesn't help", "not what I asked", "eh?", "useless": the last answer missed."""
    said = _normal(text)
    if not said or len(said.split()) > 14:
        return False
    return bool(_COMPLAINT.search(said) or _PUZZLED.match(said))


# Keyboard mash: a word with no vowel ("qwqw"), or a long run of consonants ("asdfghjkl").
_MASH_WORD = re.compile(r"^(?:[^aeiou]+|.*[bcdfghjklmnpqrstvwxz]{6,}.*)$")
_WORDS = re.compile(r"[a-z]+")
# Short words with no vowel that people do type: "hmm", "pls", "thx", "nvm".
_VOWELLESS_WORDS = frozenset(
    {
        "hmm",
        "hm",
        "mm",
        "pls",
        "plz",
        "thx",
        "nvm",
        "brb",
        "tv",
        "ty",
        "my",
        "why",
        "by",
        "shh",
        "psst",
        "tbh",
        "idk",
        "lol",
        "ffs",
        "wtf",
        "dm",
        "pm",
        "st",
        "rd",
        "nd",
        "th",
    }
)


def is_keyboard_mash(text: Optional[str]) -> bool:
    """ "asdfghjkl", "qwqw;;p": nothing a person means, so "say it another way", not "we don't do that"."""
    said = (text or "").lower()
    if re.search(r"\d", said):
        return False  # order numbers, postcodes, amounts
    words = _WORDS.findall(said)
    if not words:
        return bool(said.strip())
    return all(_MASH_WORD.match(word) and word not in _VOWELLESS_WORDS for word in words)
