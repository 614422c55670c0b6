"""The map from the Bitext corpus to this assistant's intents stays true to both (used by `make bench-nlu`)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from benchmarks.bench_nlu import CORPUS, load_corpus, load_mapping, predicted_label, scored_label

ROOT = Path(__file__).resolve().parent.parent


def test_every_target_is_something_the_assistant_knows():
    mapping = load_mapping()
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    faqs = set(yaml.safe_load((ROOT / "business" / "faq.yml").read_text()))
    for job, targets in mapping.in_scope.items():
        assert targets, job
        for target in targets:
            kind, _, faq = target.partition("/")
            assert kind in domain["intents"], (job, target)
            assert not faq or faq in faqs, (job, target)
    entities = {next(iter(e)) if isinstance(e, dict) else e for e in domain["entities"]}
    assert set(mapping.entities.values()) <= entities


@pytest.mark.skipif(not CORPUS.exists(), reason="the corpus lives in ../shared/datasets")
def test_every_corpus_job_is_either_in_or_out_of_scope():
    mapping = load_mapping()
    jobs = {row.corpus_intent for row in load_corpus()}
    assert jobs == set(mapping.in_scope) | set(mapping.out_of_scope)
    kinds = {row.entity_type for row in load_corpus()}
    assert set(mapping.entities) <= kinds


def test_an_faq_answer_is_scored_by_its_name_and_an_accepted_alternative_counts():
    parse = {
        "intent": {"name": "faq"},
        "response_selector": {"faq": {"response": {"intent_response_key": "faq/delivery_times"}}},
    }
    assert predicted_label(parse) == "faq/delivery_times"
    assert predicted_label({"intent": None}) == "nlu_fallback"
    assert scored_label("track_order", ["faq/delivery_times", "track_order"]) == "faq/delivery_times"
    assert scored_label("goodbye", ["faq/delivery_times", "track_order"]) == "goodbye"


def _training_examples():
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        for item in yaml.safe_load(path.read_text()).get("nlu", []):
            for line in (item.get("examples") or "").splitlines():
                text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", line.strip()[2:])
                yield path.name, _plain(text)


def _plain(text: str) -> str:
    return " ".join(text.lower().split()).rstrip("?.! ")


@pytest.mark.skipif(not CORPUS.exists(), reason="the corpus lives in ../shared/datasets")
def test_no_training_example_is_a_corpus_utterance():
    """The corpus is held out for evaluation: a sentence of it in data/ would score itself."""
    held_out = {_plain(row.text) for row in load_corpus()}
    copied = [(name, text) for name, text in _training_examples() if text in held_out]
    assert copied == []
