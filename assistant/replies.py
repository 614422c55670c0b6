"""What the assistant says: a response of domain.yml by name, with the facts that fill it.

The words live in `domain.yml`, where a company rewrites them without
touching Python. The core decides which response fits and with which facts,
and returns a `Reply`; an action says it with
`dispatcher.utter_message(response=reply.name, **reply.values)`, and Rasa
fills the response's `{placeholders}` from those values.

A sentence that goes inside another one (an order's status inside "can't
be cancelled", several refunds in one message, a part such as "the same
total as") or that is kept outside the chat (a ticket's details, an offer's
reason) is filled here, by `Reply.text`, from the same template and the same
way Rasa fills it: there is no second copy of the words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Mapping

import yaml

DOMAIN_FILE = Path(__file__).resolve().parent.parent / "domain.yml"
# A placeholder as Rasa fills one (rasa.core.nlg.interpolator): "{order_number}", not an escaped "{{...}}".
PLACEHOLDER = re.compile(r"(?<!{){([^\n{}]+?)}(?!})")


@dataclass(frozen=True)
class Reply:
    """A response of domain.yml and the values for its placeholders."""

    name: str
    values: Dict[str, Any] = field(default_factory=dict)

    def text(self) -> str:
        """The sentence as the customer reads it."""
        return render(self.name, self.values)


@lru_cache(maxsize=None)
def templates(domain_file: Path = DOMAIN_FILE) -> Dict[str, str]:
    """Each response's text in domain.yml (its first variation), read once per process."""
    domain = yaml.safe_load(domain_file.read_text(encoding="utf-8"))
    return {
        name: variations[0]["text"]
        for name, variations in (domain.get("responses") or {}).items()
        if variations and "text" in variations[0]
    }


def placeholders(template: str) -> List[str]:
    """The names a template asks for, in order."""
    return PLACEHOLDER.findall(template)


def render(name: str, values: Mapping[str, Any]) -> str:
    """The response `name` filled with `values`; a missing response or value raises KeyError."""
    template = templates()[name]
    missing = [key for key in placeholders(template) if key not in values]
    if missing:
        raise KeyError(f"{name} needs {', '.join(missing)}")
    return PLACEHOLDER.sub(r"{0[\1]}", template).format(values)
