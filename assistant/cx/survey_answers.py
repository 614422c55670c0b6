"""Reading a typed answer to a survey question.

"9", "9/10", "nine out of ten", "a solid 8" are scores; for satisfaction and
effort, words too ("pretty good" is a 4 of 5), as the company maps them in
`business/typed_answers.yml`. "skip" skips. Anything else is not an answer:
an objection or a new request ("i never signed up for cloud backup, take it
off") ends the survey and is handled, and is never stored as a skipped score.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from assistant.typed_answers import read_choice

SCALES = {"survey_nps": (0, 10), "survey_csat": (1, 5), "survey_ces": (1, 7)}
NUMBER_WORDS = {
    "zero": 0, "nought": 0, "nil": 0, "none": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
}  # fmt: skip
SKIP_WORDS = {"skip", "pass", "next", "skip it", "skip this", "rather not say", "prefer not to say", "no comment"}
_NUMBER = r"(\d{1,2}|" + "|".join(NUMBER_WORDS) + r")"
# "8", "8/10", "eight out of ten", "a 7", "i'd say 9", "10!", "9 i guess"
# Words around a score that say nothing else: "prob a 9", "defo a 10 tbh", "i reckon 7 mate".
_FILLER_AFTER = (
    r"i guess|i think|i reckon|probably|maybe|please|thanks|thank you|ta|cheers|tbh|to be honest|honestly|really|"
    r"points?|stars?|mate|lol|then|from me|easily|for sure"
)
_SCORE = re.compile(
    rf"^(?:(?:a|an|about|around|maybe|probably|prob|probs|prolly|solid|a solid|i'?d say|id say|i would say|"
    rf"i'?d give (?:it|you)(?: a)?|id give (?:it|you)(?: a)?|i'?ll give (?:it|you)(?: a)?|i give (?:it|you)(?: a)?|"
    rf"give (?:it|you)(?: a)?|definitely|def|defo|deffo|easily|i reckon|reckon|say|call it|go with|i'?ll go with|"
    rf"gotta be|got to be|has to be|it'?s|its|it'?s a|its a|that'?s a|thats a|a good|a strong|a low|a high|just|"
    rf"only|hmm|erm|um|mm+|so|ok|okay|well|like|oh|yeah|yes|umm)\s+)*"
    rf"{_NUMBER}(?:\s*(?:/|out of|of)\s*{_NUMBER})?"
    rf"(?:\s*,?\s*(?:{_FILLER_AFTER}))*$"
)
_TRAILING_FILLER = re.compile(rf"(?:\s*,?\s*(?:{_FILLER_AFTER}))+$")


@dataclass(frozen=True)
class SurveyReading:
    kind: str  # "score" | "skip" | "not_an_answer"
    value: Optional[int] = None


def _number(word: str) -> int:
    return int(word) if word.isdigit() else NUMBER_WORDS[word]


def read_survey_answer(slot: str, text: object) -> SurveyReading:
    """The score on this question's scale, a skip, or not an answer."""
    low, high = SCALES[slot]
    said = " ".join(str(text or "").lower().replace("\u2019", "'").split()).strip(" .!,")
    if not said:
        return SurveyReading("not_an_answer")
    if said in SKIP_WORDS:
        return SurveyReading("skip")
    match = _SCORE.match(said)
    if match:
        value = _number(match.group(1))
        out_of = _number(match.group(2)) if match.group(2) else None
        if out_of is not None and out_of != high:  # "4 out of 5" on the 0-10 scale: not this question's scale
            return SurveyReading("not_an_answer")
        if low <= value <= high:
            return SurveyReading("score", value)
        return SurveyReading("not_an_answer")
    if slot in ("survey_csat", "survey_ces") and len(said.split()) <= 6:
        choice = read_choice(slot, said) or read_choice(slot, _TRAILING_FILLER.sub("", said).strip(" ,"))
        if choice == "skip":
            return SurveyReading("skip")
        if choice is not None:
            return SurveyReading("score", int(choice))
    return SurveyReading("not_an_answer")
