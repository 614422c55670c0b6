"""Place names read as one word to the classifier, and the model keeps them."""

from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from connectors.nlu_masking import LookupMasker

STAND_IN = LookupMasker.get_default_config()["stand_in"]


def _tokenized(*texts: str):
    tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    messages = [Message(data={TEXT: text}) for text in texts]
    tokenizer.process(messages)
    return messages


def _words(message: Message):
    return [token.text for token in message.get(TOKENS_NAMES[TEXT])]


@pytest.fixture
def storage(tmp_path):
    return LocalModelStorage(tmp_path)


def _trained(storage, places=("Norway", "New York", "Leeds")):
    masker = LookupMasker.create(
        LookupMasker.get_default_config(), storage, Resource("masker"), ExecutionContext(GraphSchema({}), "m")
    )
    data = TrainingData(lookup_tables=[{"name": "place", "elements": list(places)}])
    return masker, masker.train(data)


def test_every_place_name_gives_the_same_words_and_the_text_is_kept(storage):
    masker, _ = _trained(storage)
    norway, new_york, plain = _tokenized("do you ship to norway?", "shipping to New York please", "place an order")
    masker.process([norway, new_york, plain])
    assert _words(norway)[-1] == STAND_IN and _words(norway)[:4] == ["do", "you", "ship", "to"]
    assert _words(new_york) == ["shipping", "to", STAND_IN, STAND_IN, "please"]
    # "place" is a word customers use; only the names in the table are masked.
    assert _words(plain) == ["place", "an", "order"]
    assert new_york.get(TEXT) == "shipping to New York please"  # the extractors still read the name


def test_a_name_inside_another_word_is_not_masked(storage):
    masker, _ = _trained(storage)
    (message,) = _tokenized("Leedsworth road")
    masker.process([message])
    assert _words(message) == ["Leedsworth", "road"]


def test_the_trained_names_are_saved_with_the_model(storage):
    _, resource = _trained(storage)
    loaded = LookupMasker.load(
        LookupMasker.get_default_config(), storage, resource, ExecutionContext(GraphSchema({}), "m")
    )
    (message,) = _tokenized("deliveries to LEEDS")
    loaded.process([message])
    assert _words(message) == ["deliveries", "to", STAND_IN]


def test_a_missing_lookup_table_is_named_at_training(storage):
    masker = LookupMasker.create(
        {**LookupMasker.get_default_config(), "lookups": ["city"]},
        storage,
        Resource("masker"),
        ExecutionContext(GraphSchema({}), "m"),
    )
    with pytest.raises(ValueError, match="no lookup table named city"):
        masker.train(TrainingData(lookup_tables=[{"name": "place", "elements": ["Leeds"]}]))


@pytest.mark.parametrize("config", [{"lookups": []}, {"lookups": "place"}, {"stand_in": "place holder"}])
def test_a_bad_setting_is_refused_at_load(config):
    with pytest.raises(ValueError, match="LookupMasker"):
        LookupMasker.validate_config({**LookupMasker.get_default_config(), **config})
