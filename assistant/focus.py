"""Which order the customer means: the conversation's focus and the words that point away from it.

A good agent remembers what was just discussed. The order last talked about
is the conversation's focus (slot `focus_order`); a follow-up resolves
against it:

- an order number said outright wins;
- an item names the order that holds it ("wheres my laptop", "the mesh wifi
  order"), a correction included ("not that one, the router");
- "the other one" is the one that is not in focus, when there is one other;
- an ordinal counts from the newest ("the second order", "the last one"
  is the oldest of those listed, "my latest order" the newest);
- "it", "that", "this one", or nothing at all is the focus;
- with no focus, the newest order still on its way, else the newest.

When several orders fit and nothing picks one, the answer is "ambiguous"
with the candidates, and the assistant asks which, naming each.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import List, Optional, Sequence, Tuple

OPEN_STATUSES = ("processing", "shipped", "out_for_delivery", "delayed")


@dataclass(frozen=True)
class OrderCandidate:
    number: str
    placed_at: datetime
    status: str
    items: Tuple[str, ...]  # product names
    categories: Tuple[str, ...]  # product categories


@dataclass(frozen=True)
class Resolution:
    # explicit | item | other | ordinal | focus | default | ambiguous | none | unknown_item
    how: str
    number: Optional[str] = None
    options: Tuple[str, ...] = field(default_factory=tuple)  # when ambiguous: the candidates' numbers
    item: Optional[str] = None  # the item word the customer used, if any


# Words customers use for each product category, beyond the category's own name.
CATEGORY_WORDS = {
    "laptop": ("laptop", "notebook", "macbook", "computer", "pc", "aero", "vector"),
    "phone": ("phone", "mobile", "handset", "smartphone", "nova", "iphone"),
    "tablet": ("tablet", "ipad", "slate"),
    "tv": ("tv", "telly", "television", "vista", "oled"),
    "router": ("router", "hub", "modem"),
    "mesh": ("mesh", "mesh wifi", "mesh wi-fi", "wifi pack", "wi-fi pack", "wifi extender", "extender", "booster"),
    "smart_home": ("camera", "doorbell", "thermostat", "smart plug", "plugs", "smart home"),
    "accessory": ("charger", "cable", "earbuds", "headphones", "case", "phone case", "ethernet"),
}
_OTHER = re.compile(
    r"\b(?:the )?other (?:one|order|parcel|package|delivery|thing)s?\b|\bthe other\b|\bnot (?:that|this) one\b"
)
_ORDINALS = {
    "first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3,
    "newest": 0, "latest": 0, "most recent": 0, "recent": 0, "last": -1, "oldest": -1, "older": -1, "earlier": -1,
}  # fmt: skip
_ORDINAL = re.compile(
    r"\b(?:the |my )?(" + "|".join(sorted(map(re.escape, _ORDINALS), key=len, reverse=True)) + r")"
    r"(?: one| order| parcel| delivery| package)?\b"
)


def _normal(text: str) -> str:
    return " ".join((text or "").lower().replace("\u2019", "'").split())


def item_categories(text: str) -> List[str]:
    """The product categories the message names ("my laptop" -> ["laptop"])."""
    said = _normal(text)
    found = []
    for category, words in CATEGORY_WORDS.items():
        if any(re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", said) for word in words):
            found.append(category)
    return found


def resolve_order(
    text: str,
    candidates: Sequence[OrderCandidate],
    focus: Optional[str] = None,
    said_number: Optional[str] = None,
) -> Resolution:
    """The order this message means, among the customer's own orders (newest first)."""
    if said_number:
        return Resolution("explicit", said_number)
    ordered = sorted(candidates, key=lambda c: c.placed_at, reverse=True)
    if not ordered:
        return Resolution("none")
    said = _normal(text)
    numbers = [c.number for c in ordered]

    categories = item_categories(said)
    if categories:
        holding = [c for c in ordered if set(c.categories) & set(categories)]
        if len(holding) == 1:
            return Resolution("item", holding[0].number, item=categories[0])
        if len(holding) > 1:
            open_ones = [c for c in holding if c.status in OPEN_STATUSES]
            if len(open_ones) == 1 and not _ORDINAL.search(said):
                return Resolution("item", open_ones[0].number, item=categories[0])
            picked = _by_ordinal(said, holding)
            if picked:
                return Resolution("ordinal", picked, item=categories[0])
            return Resolution("ambiguous", options=tuple(c.number for c in holding[:4]), item=categories[0])
        return Resolution("unknown_item", item=categories[0])

    if _OTHER.search(said):
        others = [n for n in numbers if n != focus] if focus in numbers else numbers[1:]
        if len(others) == 1:
            return Resolution("other", others[0])
        if others:
            return Resolution("ambiguous", options=tuple(others[:4]))
        return Resolution("none")

    picked = _by_ordinal(said, ordered)
    if picked:
        return Resolution("ordinal", picked)

    if focus in numbers:
        return Resolution("focus", focus)
    open_ones = [c for c in ordered if c.status in OPEN_STATUSES]
    return Resolution("default", (open_ones[0] if open_ones else ordered[0]).number)


def _by_ordinal(said: str, ordered: Sequence[OrderCandidate]) -> Optional[str]:
    match = _ORDINAL.search(said)
    if not match:
        return None
    index = _ORDINALS[match.group(1)]
    if index >= len(ordered):
        return None
    return ordered[index].number
