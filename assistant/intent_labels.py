"""The words for each job the assistant can do (business/intent_labels.yml).

Used when the assistant is unsure which of two jobs the customer means, to
ask with a button naming each, instead of "say it another way".
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Dict

from assistant.business import LINE, BusinessDataError, _read, business_dir, key_line


def parse_intent_labels(path: Path) -> Dict[str, str]:
    raw = _read(path)
    if not isinstance(raw, dict):
        raise BusinessDataError(f"{path}: expected one label per intent, like 'track_order: where your order is'")
    text = path.read_text(encoding="utf-8").splitlines()
    labels = {}
    for intent, label in raw.items():
        if intent == LINE:
            continue
        if not isinstance(label, str) or not label.strip():
            raise BusinessDataError(f"{path}:{key_line(text, intent)}: '{intent}' needs a label in words")
        labels[str(intent)] = label.strip()
    return labels


@lru_cache(maxsize=None)
def _load(directory: str) -> Dict[str, str]:
    return parse_intent_labels(Path(directory) / "intent_labels.yml")


def load_intent_labels() -> Dict[str, str]:
    return _load(str(business_dir()))
