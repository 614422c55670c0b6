"""Two of Rasa's NLU components, doing less work per message for the same result.

Profiled under `make load` (2-core AMD EPYC), understanding a message was
44% of a Rasa replica's CPU, and two parts of it were work nothing used:

`LeanSpacyNLP`: Rasa's `SpacyNLP` loads the English pipeline with every part
but the parser. Here spaCy serves only the tokenizer's words and lemmas
(Rasa's spaCy featurizer adds nothing with a pipeline that has no static word
vectors, see `connectors/nlu_features.py`), so the named-entity recognizer is
switched off too: 2.85 ms a message became 1.34 ms, with the same tokens,
lemmas and token vectors. Entities come from the regexes and lookups.

`FaqResponseSelector`: Rasa's `ResponseSelector` picks an FAQ answer for every
message, even when the intent is not `faq` and the pick is thrown away. This
one picks only for messages whose intent is its retrieval intent. Nothing
else reads the pick (`actions/support.py` answers `faq` turns only).
"""

from __future__ import annotations

from typing import List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.selectors.response_selector import ResponseSelector
from rasa.nlu.utils.spacy_utils import SpacyModel, SpacyNLP
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY
from rasa.shared.nlu.training_data.message import Message

UNUSED_SPACY_PARTS = ("ner",)


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.MODEL_LOADER, DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER],
    is_trainable=False,
    model_from="LeanSpacyNLP",
)
class LeanSpacyNLP(SpacyNLP):
    """`SpacyNLP` with the parts of the spaCy pipeline nothing here reads switched off."""

    @staticmethod
    def load_model(spacy_model_name: Text) -> SpacyModel:
        loaded = SpacyNLP.load_model(spacy_model_name)
        for part in UNUSED_SPACY_PARTS:
            if part in loaded.model.pipe_names:
                loaded.model.disable_pipe(part)
        return loaded


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER],
    is_trainable=True,
)
class FaqResponseSelector(ResponseSelector):
    """`ResponseSelector` that answers only messages classified as its retrieval intent."""

    def process(self, messages: List[Message]) -> List[Message]:
        if not self.retrieval_intent:  # one selector for every intent: it must see them all
            return super().process(messages)
        mine = [m for m in messages if (m.get(INTENT) or {}).get(INTENT_NAME_KEY) == self.retrieval_intent]
        if mine:
            super().process(mine)
        return messages
