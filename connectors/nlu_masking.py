"""`LookupMasker`: every name of a lookup table reads as one word to the classifier.

A customer asking "do you deliver to Hungary?" means the same as one asking
about Norway, but to the count-vector featurizers an unseen place name is a
new word whose letters happen to look like other words ("Hungary" like
"hungry"), and in a short message that noise is enough to lose the intent.
This component runs after the tokenizer and before the featurizers: the
tokens inside a match of a configured lookup table (`place`) are given one
stand-in text, so every country and city gives the classifier the same
features and what decides the intent is the rest of the message. The
message text is left as it is, so the entity extractors still find the place
itself.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any, Dict, List, Optional, Text, Type

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

logger = logging.getLogger(__name__)

PATTERNS_FILE = "lookup_masks.json"


def lookup_pattern(elements: List[str]) -> str:
    """One case-insensitive pattern for whole-word matches, longest names first."""
    names = sorted({e.strip() for e in elements if e and e.strip()}, key=lambda e: (-len(e), e))
    return r"\b(?:" + "|".join(re.escape(name) for name in names) + r")\b"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class LookupMasker(GraphComponent):
    """Gives the tokens of lookup-table matches one stand-in text (see the module docstring)."""

    @classmethod
    def required_components(cls) -> List[Type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # The stand-in must be unlike any word customers write: its letters
        # become character n-gram features too.
        return {"lookups": ["place"], "stand_in": "qxlookupqx"}

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        patterns: Optional[Dict[str, str]] = None,
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._set_patterns(patterns or {})

    def _set_patterns(self, patterns: Dict[str, str]) -> None:
        self.patterns = patterns
        self._compiled = [re.compile(p, re.IGNORECASE) for p in patterns.values()]

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        lookups = config.get("lookups")
        if not isinstance(lookups, list) or not lookups or not all(isinstance(n, str) for n in lookups):
            raise ValueError("LookupMasker: `lookups` must be a list of lookup table names")
        stand_in = config.get("stand_in")
        if not isinstance(stand_in, str) or not re.fullmatch(r"[a-z]{4,}", stand_in):
            raise ValueError("LookupMasker: `stand_in` must be one lower-case word of at least 4 letters")

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "LookupMasker":
        cls.validate_config(config)
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "LookupMasker":
        patterns: Dict[str, str] = {}
        try:
            with model_storage.read_from(resource) as directory:
                patterns = json.loads((directory / PATTERNS_FILE).read_text(encoding="utf-8"))
        except (ValueError, FileNotFoundError):
            logger.warning("LookupMasker: no saved lookups in the model; names are not masked")
        return cls(config, model_storage, resource, patterns)

    def train(self, training_data: TrainingData) -> Resource:
        tables = {t["name"]: t["elements"] for t in training_data.lookup_tables}
        missing = [name for name in self._config["lookups"] if name not in tables]
        if missing:
            raise ValueError(f"LookupMasker: no lookup table named {', '.join(missing)} in the training data")
        for name in self._config["lookups"]:
            if not isinstance(tables[name], list):
                raise ValueError(f"LookupMasker: lookup table '{name}' must list its names in the data file")
        self._set_patterns({name: lookup_pattern(tables[name]) for name in self._config["lookups"]})
        with self._model_storage.write_to(self._resource) as directory:
            (directory / PATTERNS_FILE).write_text(json.dumps(self.patterns), encoding="utf-8")
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        if not self._compiled:
            return messages
        stand_in = self._config["stand_in"]
        for message in messages:
            text, tokens = message.get(TEXT), message.get(TOKENS_NAMES[TEXT])
            if not text or not tokens:
                continue
            spans = [m.span() for pattern in self._compiled for m in pattern.finditer(text)]
            for token in tokens:
                if any(start <= token.start and token.end <= end for start, end in spans):
                    token.text = stand_in
                    token.lemma = stand_in
        return messages
