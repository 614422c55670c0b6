"""Which action answers an intent on its own, read once from the rules (data/rules.yml).

Used where a message was first taken for something else and must still be
answered: an objection typed into the survey ends the survey, then this
says what handles it.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Dict, Optional

import yaml

RULES = Path(__file__).resolve().parent.parent / "data" / "rules.yml"
# Intents that end or close a chat rather than ask for something: nothing follows.
CLOSING_INTENTS = ("goodbye", "thank", "deny", "affirm", "give_feedback", "resolved_by_rep")
# Jobs found by a cue in code rather than an intent of their own (assistant/requests.py, assistant/tickets.py).
JOBS_WITHOUT_INTENT = {"ticket_status": "action_ticket_status"}


@lru_cache(maxsize=1)
def intent_actions() -> Dict[str, str]:
    """intent -> the first action of the unconditional rule that starts with it."""
    rules = (yaml.safe_load(RULES.read_text(encoding="utf-8")) or {}).get("rules") or []
    found: Dict[str, str] = {}
    for rule in rules:
        steps = rule.get("steps") or []
        if rule.get("condition") or len(steps) < 2:
            continue
        first, second = steps[0], steps[1]
        if "intent" in first and "action" in second and not first.get("entities"):
            found.setdefault(first["intent"], second["action"])
    return found


def handling_action(intent: Optional[str]) -> Optional[str]:
    """The action that answers this intent, or the rephrase-or-person fallback; None for closing words."""
    if not intent or intent in CLOSING_INTENTS:
        return None
    if intent in JOBS_WITHOUT_INTENT:
        return JOBS_WITHOUT_INTENT[intent]
    return intent_actions().get(intent, "action_rephrase_or_handoff")
