"""The FAQ gate (connectors/nlu_scope.py) and the phrasing-family split (benchmarks/nlu_split.py)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import yaml
from rasa.shared.nlu.training_data.message import Message

from benchmarks import nlu_split
from connectors.nlu_scope import FaqOnlyWhenSure
from tests.conftest import TEST_PORTS, rasa_api_headers

ROOT = Path(__file__).resolve().parent.parent


def faq_message(answer_confidence: float, intent: str = "faq") -> Message:
    message = Message(data={"text": "start a timer please"})
    message.set("intent", {"name": intent, "confidence": 0.97}, add_to_output=True)
    message.set(
        "intent_ranking",
        [{"name": intent, "confidence": 0.97}, {"name": "track_order", "confidence": 0.02}],
        add_to_output=True,
    )
    pick = {"response": {"confidence": answer_confidence, "intent_response_key": "faq/delivery_times"}}
    message.set("response_selector", {"faq": pick}, add_to_output=True)
    return message


def gate(threshold: float) -> FaqOnlyWhenSure:
    return FaqOnlyWhenSure({**FaqOnlyWhenSure.get_default_config(), "threshold": threshold})


def test_an_faq_whose_best_answer_is_a_poor_fit_is_read_as_out_of_scope():
    [message] = gate(0.5).process([faq_message(0.31)])
    assert message.get("intent")["name"] == "out_of_scope"
    assert message.get("intent_ranking")[0]["name"] == "out_of_scope"
    assert [r["name"] for r in message.get("intent_ranking")[1:]] == ["faq", "track_order"]
    # the pick stays for the benchmark to read
    assert message.get("response_selector")["faq"]["response"]["confidence"] == 0.31


def test_an_faq_the_selector_is_sure_of_keeps_its_answer():
    [message] = gate(0.5).process([faq_message(0.5)])
    assert message.get("intent")["name"] == "faq"


def test_other_intents_and_a_disabled_gate_are_left_alone():
    [other] = gate(0.5).process([faq_message(0.1, intent="track_order")])
    assert other.get("intent")["name"] == "track_order"
    [off] = gate(0.0).process([faq_message(0.01)])
    assert off.get("intent")["name"] == "faq"


def test_the_gate_runs_after_the_fallback_classifier_in_config():
    names = [step["name"] for step in yaml.safe_load((ROOT / "config.yml").read_text())["pipeline"]]
    assert names.index("connectors.nlu_scope.FaqOnlyWhenSure") > names.index("FallbackClassifier")


def test_near_paraphrases_are_one_family_and_other_requests_are_not():
    examples = [
        nlu_split.Example("refund_status", "where is my refund"),
        nlu_split.Example("refund_status", "wheres my refund??"),
        nlu_split.Example("refund_status", "where is my refund please"),
        nlu_split.Example("refund_status", "has the bank got the money back yet"),
        nlu_split.Example("request_refund", "where is my refund"),  # same words, other intent: not joined
    ]
    family = nlu_split.families(examples)
    assert family[0] == family[2]
    assert family[0] != family[3]
    assert family[4] not in family[:4]


def test_every_family_lands_whole_in_one_fold_of_the_real_data():
    examples, others = nlu_split.load(ROOT / "data" / "nlu")
    family, fold = nlu_split.families(examples), nlu_split.folds(examples, 3)
    folds_of_family = {}
    for f, k in zip(family, fold):
        folds_of_family.setdefault(f, set()).add(k)
    assert all(len(ks) == 1 for ks in folds_of_family.values())
    sizes = [fold.count(k) for k in range(3)]
    assert min(sizes) > 0.8 * max(sizes)
    assert any("lookup" in item or "regex" in item for item in others)


def test_a_fold_file_keeps_annotations_and_the_lookups():
    examples = [nlu_split.Example("track_order", "where is [ORD-100001](order_number)")]
    others = [{"regex": "order_number", "examples": "- ORD-\\d+\n"}]
    written = yaml.safe_load(nlu_split.training_file(examples, others))
    assert written["nlu"][0] == {"intent": "track_order", "examples": "- where is [ORD-100001](order_number)\n"}
    assert written["nlu"][1] == others[0]
    assert examples[0].text == "where is ORD-100001"


def _parse(text: str) -> dict:
    response = httpx.post(
        f"http://127.0.0.1:{TEST_PORTS['rasa_port']}/model/parse",
        json={"text": text},
        headers=rasa_api_headers(),
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.servers
def test_the_live_model_answers_an_faq_and_not_a_request_we_have_nothing_for(stack):
    assert _parse("what time do you open on saturdays")["intent"]["name"] == "faq"
    assert _parse("what wine goes with salmon")["intent"]["name"] in ("out_of_scope", "nlu_fallback")
