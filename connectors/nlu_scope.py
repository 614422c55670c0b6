"""`FaqOnlyWhenSure`: an FAQ answer only when one of our FAQ answers fits.

DIET reads a message it has no job for as whichever intent its words lean
to, and with many varied FAQ examples that was often `faq`: "start a timer
please" got delivery times, "what wine goes with salmon" how to order. The
FAQ selector, asked which of our answers fits, is far less sure of such a
message than of a real FAQ. This component, after the `FallbackClassifier`,
reads a `faq` message whose best answer scores under `threshold` as
`out_of_scope`, so the customer is told plainly that this assistant can't
help with that (actions/support.py) instead of something irrelevant.

The selector's pick stays in the output, so `make bench-nlu` can show what
each threshold costs (FAQ answers lost) and saves (off-topic answers
avoided); the threshold is chosen in docs/nlu.md from that table.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import RESPONSE_SELECTOR_PROPERTY_NAME
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY
from rasa.shared.nlu.training_data.message import Message

OUT_OF_SCOPE = "out_of_scope"


def faq_answer_confidence(parse_or_data: Dict[Text, Any], retrieval_intent: Text = "faq") -> Optional[float]:
    """How sure the FAQ selector was of its best answer; None when it did not pick one."""
    picked = ((parse_or_data.get(RESPONSE_SELECTOR_PROPERTY_NAME) or {}).get(retrieval_intent) or {}).get("response")
    if not picked or picked.get(PREDICTED_CONFIDENCE_KEY) is None:
        return None
    return float(picked[PREDICTED_CONFIDENCE_KEY])


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class FaqOnlyWhenSure(GraphComponent):
    """Reads an FAQ message whose best answer is a poor fit as out of scope."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"threshold": 0.0, "retrieval_intent": "faq"}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.threshold = float(config["threshold"])
        self.retrieval_intent = str(config["retrieval_intent"])

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "FaqOnlyWhenSure":
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if (message.get(INTENT) or {}).get(INTENT_NAME_KEY) != self.retrieval_intent:
                continue
            confidence = faq_answer_confidence(message.data, self.retrieval_intent)
            if confidence is None or confidence >= self.threshold:
                continue
            not_ours = {INTENT_NAME_KEY: OUT_OF_SCOPE, PREDICTED_CONFIDENCE_KEY: 1.0 - confidence}
            message.set(INTENT, not_ours, add_to_output=True)
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != OUT_OF_SCOPE]
            message.set(INTENT_RANKING_KEY, [not_ours, *ranking], add_to_output=True)
        return messages
