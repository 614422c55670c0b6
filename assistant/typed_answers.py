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
from typing import Dict, Optional, Sequence, Tuple

from assistant.business import LINE, BusinessDataError, _read, business_dir, key_line
from assistant.consent import Consent, read_consent

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


# Words that say nothing about which button is meant.
_PLAIN_WORDS = frozenset(
    "a an the my your you i me it its is are was do does to of on in or and with for about what where why how "
    "which one ones please thanks thank ta just that this option number mean meant i'm im".split()
)


def _words(text: str) -> list:
    return [w for w in re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text.lower().replace("’", "'")) if w not in _PLAIN_WORDS]


def _same_word(said: str, label: str) -> bool:
    """ "cancel" and "cancelling", "person" and "person": the same word, give or take its ending."""
    if said == label:
        return True
    stem = min(len(said), len(label), 6)
    return stem >= 4 and said[:stem] == label[:stem]


def read_button(reply: str, titles: Sequence[str]) -> Optional[int]:
    """Which of these buttons (by index) a typed reply picks, or None.

    Its place ("1", "the second one", "last"), its own label typed out, or
    words only that button's label has ("cancelling" for "Cancelling your
    plan", "a person" for "Talk to a person"). A reply whose words fit two
    buttons equally picks neither.
    """
    text = " ".join(reply.lower().replace("’", "'").split()).strip(" .!?")
    if not text or not titles:
        return None
    consent = read_consent(text)
    for answer, first_word in ((Consent.YES, "yes"), (Consent.NO, "no")):
        marked = [i for i, title in enumerate(titles) if _words(title)[:1] == [first_word]]
        if consent is answer and len(marked) == 1:
            return marked[0]  # "yeah" for "Yes, where your order is"
    place = _BY_PLACE.match(text)
    if place:
        index = int(place["digit"]) if place["digit"] else _PLACES[place["word"]]
        if index == -1:
            return len(titles) - 1
        return index - 1 if 1 <= index <= len(titles) else None
    labels = [" ".join(title.lower().replace("’", "'").split()).strip(" .!?") for title in titles]
    if text in labels:
        return labels.index(text)
    said = _words(text)
    label_words = [_words(label) for label in labels]
    scores = []
    for index, words in enumerate(label_words):
        others = [w for j, ws in enumerate(label_words) if j != index for w in ws]
        own = [w for w in words if not any(_same_word(w, other) for other in others)]
        scores.append(sum(any(_same_word(s, w) for w in own) for s in said))
    best = max(scores)
    if best == 0 or scores.count(best) > 1:
        return None
    return scores.index(best)


# A reading among the buttons' jobs: at least this confident, and this many times the next button's.
READING_FLOOR = 0.15
READING_LEAD = 2.0


def reading_among(ranking: Sequence[dict], intents: Sequence[str]) -> Optional[str]:
    """Which of the buttons' jobs a reply that names no button is about, by the NLU's ranking, or None.

    "Switching provider" to "do you mean cancelling your plan, or a problem
    with your broadband?" names neither button, but the NLU ranks cancelling
    far above the problem: the customer answered the question. Only a clear
    lead counts; two close readings pick nothing.
    """
    scores = {intent: 0.0 for intent in intents}
    for entry in ranking:
        name = entry.get("name")
        if name in scores:
            scores[name] = max(scores[name], float(entry.get("confidence") or 0.0))
    ordered = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    if not ordered or ordered[0][1] < READING_FLOOR:
        return None
    if len(ordered) > 1 and ordered[0][1] < READING_LEAD * ordered[1][1]:
        return None
    return ordered[0][0]
