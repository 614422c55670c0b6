"""The dense featurizers compared by `make bench-nlu-pipelines`, on real messages."""

from __future__ import annotations

import numpy as np
import pytest
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from connectors.nlu_features import SentenceEmbeddingFeaturizer, embed


def test_the_sentence_encoder_runs_offline_and_puts_like_requests_together():
    where, track, refund = embed(["where is my parcel", "track my order", "I want my money back"])
    assert where.shape == (384,)
    assert np.isclose(np.linalg.norm(where), 1.0, atol=1e-4)
    assert float(where @ track) > float(where @ refund)


def test_the_featurizer_adds_one_sentence_feature_to_each_message_with_text():
    featurizer = SentenceEmbeddingFeaturizer({**SentenceEmbeddingFeaturizer.get_default_config(), "alias": "s"}, "s")
    messages = [Message(data={TEXT: "has my refund gone through"}), Message(data={})]
    featurizer.process(messages)
    sequence, sentence = messages[0].get_dense_features(TEXT)
    assert sequence is None and sentence.features.shape == (1, 384)
    assert messages[1].features == []


def test_a_bad_setting_is_refused_at_load():
    with pytest.raises(ValueError, match="batch_size"):
        SentenceEmbeddingFeaturizer({**SentenceEmbeddingFeaturizer.get_default_config(), "batch_size": 0}, "s")
