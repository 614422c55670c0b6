"""Answers typed in words where the assistant offered buttons.

A customer asked "why are you leaving?" may type "it's just too expensive"
rather than press "It's too expensive". `business/typed_answers.yml` lists,
for each question, the phrases that choose each answer; `read_choice` finds
the one the reply names. Loaded and checked once, with the file and line of
any mistake.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Dict, Optional, Tuple

from assistant.business import LINE, BusinessDataError, _read, business_dir, key_line

Phrases = Dict[str, Dict[str, Tuple[str, ...]]]  # slot -> answer -> phrases


def parse_typed_answers(path: Path) -> Phrases:
    raw = _read(path)
    if not isinstance(raw, dict):
        raise BusinessDataError(f"{path}: expected questions, each with its answers and their phrases")
    text = path.read_text(encoding="utf-8").splitlines()
    parsed: Phrases = {}
    for slot, answers in raw.items():
        if slot == LINE:
            continue
        slot_line = key_line(text, slot)
        if not isinstance(answers, dict):
            raise BusinessDataError(f"{path}:{slot_line}: '{slot}' should list answers, each with phrases")
        seen: Dict[str, str] = {}
        parsed[slot] = {}
        for answer, phrases in answers.items():
            if answer == LINE:
                continue
            line = key_line(text, answer, after=slot_line if isinstance(slot_line, int) else 0, nested=True)
            if (
                not isinstance(phrases, list)
                or not phrases
                or not all(isinstance(p, str) and p.strip() for p in phrases)
            ):
                raise BusinessDataError(f"{path}:{line}: '{slot}.{answer}' should be a list of phrases")
            for phrase in phrases:
                key = phrase.strip().lower()
                if key in seen:
                    raise BusinessDataError(f"{path}:{line}: '{phrase}' already chooses '{seen[key]}' for '{slot}'")
                seen[key] = answer
            parsed[slot][answer] = tuple(p.strip().lower() for p in phrases)
    return parsed


@lru_cache(maxsize=None)
def _load(directory: str) -> Phrases:
    return parse_typed_answers(Path(directory) / "typed_answers.yml")


def load_typed_answers() -> Phrases:
    return _load(str(business_dir()))


# Button questions whose answers the file lists in the buttons' order (a test checks it).
IN_BUTTON_ORDER = ("tech_issue", "cancel_reason")
_PLACES = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "last": -1}
_BY_PLACE = re.compile(
    r"^(?:(?:the|option|number|no\.?|#)\s*)?(?:(?P<digit>[1-9])(?:st|nd|rd|th)?|(?P<word>"
    + "|".join(_PLACES)
    + r"))(?:\s+(?:one|option))?(?:\s+please)?[.!]?$"
)


def read_choice(slot: str, reply: str, numbered: bool = False) -> Optional[str]:
    """The answer the reply names for this question, or None.

    The phrase found earliest in the reply wins; at the same place, the longer one.
    With `numbered` (a button question whose answers the file lists in the
    buttons' order), "2", "the second one" or "option 2" picks that button.
    """
    table = load_typed_answers().get(slot, {})
    text = " ".join(reply.lower().replace("’", "'").split())
    place = _BY_PLACE.match(text) if numbered and slot in IN_BUTTON_ORDER else None
    if place:
        answers = list(table)
        index = int(place["digit"]) if place["digit"] else _PLACES[place["word"]]
        if 1 <= index <= len(answers):
            return answers[index - 1]
        return answers[-1] if index == -1 and answers else None
    best: Optional[Tuple[int, int, str]] = None
    for answer, answer_phrases in table.items():
        for phrase in answer_phrases:
            found = re.search(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", text)
            if found and (best is None or (found.start(), -len(phrase)) < best[:2]):
                best = (found.start(), -len(phrase), answer)
    return best[2] if best else None
