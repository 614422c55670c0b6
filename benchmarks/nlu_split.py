"""Our own training data, split by phrasing family, for an honest cross-validation.

A random split of `data/nlu/` flatters the model: "where is my refund",
"wheres my refund" and "where's my refund??" land on both sides, so the
test half is mostly sentences the model has already seen. Here the examples
of each intent are first joined into families (two examples are one family
when their content words mostly overlap, and families are closed under
that), and every family goes whole to one fold. What is measured is how the
model reads a way of asking that it was not shown.

Lookups, regexes and synonyms are kept in every fold's training data; only
intent examples are split.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Sequence, Tuple

import yaml

ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]+\)|\{[^}]*\})")
WORD = re.compile(r"[a-z0-9]+")
# Words every request shares: they say nothing about the phrasing family.
STOP = frozenset(
    "a an the i i'm im me my mine you your u ur we our it its is are was were be been am do does did "
    "to of for on in at by with and or but so if can could would will shall should please pls plz "
    "what whats how why when where which who hi hello hey there this that these those just".split()
)
SAME_FAMILY = 0.5  # Jaccard overlap of content words at or above which two examples are one family


@dataclass(frozen=True)
class Example:
    intent: str
    annotated: str  # as written in data/nlu, entity annotations included

    @property
    def text(self) -> str:
        """What a customer would type: the annotations' surface words."""
        return ANNOTATION.sub(r"\1", self.annotated)


def load(data: Path) -> Tuple[List[Example], List[dict]]:
    """Every intent example under `data`, and the other NLU items (lookups, regexes, synonyms)."""
    examples: List[Example] = []
    others: List[dict] = []
    for file in sorted(data.rglob("*.yml")):
        for item in (yaml.safe_load(file.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            if "intent" not in item:
                others.append(item)
                continue
            for line in str(item.get("examples") or "").splitlines():
                line = line.strip()
                if line.startswith("- ") and line[2:].strip():
                    examples.append(Example(item["intent"], line[2:].strip()))
    return examples, others


def _stem(word: str) -> str:
    return word[:5]


def content_words(text: str) -> frozenset:
    return frozenset(_stem(w) for w in WORD.findall(text.lower()) if w not in STOP)


def families(examples: Sequence[Example]) -> List[int]:
    """A family number per example: near-paraphrases of one intent share a number."""
    parent = list(range(len(examples)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    by_intent: Dict[str, List[int]] = {}
    for index, example in enumerate(examples):
        by_intent.setdefault(example.intent, []).append(index)
    words = [content_words(e.text) for e in examples]
    for members in by_intent.values():
        for position, i in enumerate(members):
            for j in members[position + 1 :]:
                a, b = words[i], words[j]
                union = a | b
                if union and len(a & b) / len(union) >= SAME_FAMILY:
                    parent[root(i)] = root(j)
    return [root(i) for i in range(len(examples))]


def folds(examples: Sequence[Example], k: int) -> List[int]:
    """A fold (0..k-1) per example; whole families per fold, sizes balanced within each intent."""
    family = families(examples)
    groups: Dict[Tuple[str, int], List[int]] = {}
    for index, example in enumerate(examples):
        groups.setdefault((example.intent, family[index]), []).append(index)
    assigned = [0] * len(examples)
    load_per_intent: Dict[str, List[int]] = {}
    # largest families first, ties in a fixed but content-based order
    ordered = sorted(
        groups.items(),
        key=lambda item: (-len(item[1]), hashlib.sha1(examples[item[1][0]].annotated.encode()).hexdigest()),
    )
    for (intent, _), members in ordered:
        sizes = load_per_intent.setdefault(intent, [0] * k)
        fold = min(range(k), key=lambda f: (sizes[f], f))
        sizes[fold] += len(members)
        for index in members:
            assigned[index] = fold
    return assigned


def training_file(examples: Iterable[Example], others: List[dict]) -> str:
    """Rasa NLU YAML holding these examples and every lookup, regex and synonym."""
    by_intent: Dict[str, List[str]] = {}
    for example in examples:
        by_intent.setdefault(example.intent, []).append(example.annotated)
    items = [{"intent": intent, "examples": "".join(f"- {t}\n" for t in texts)} for intent, texts in by_intent.items()]
    return yaml.safe_dump({"version": "3.1", "nlu": items + others}, sort_keys=False, allow_unicode=True)
