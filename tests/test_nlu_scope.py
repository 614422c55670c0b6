"""The FAQ gate (connectors/nlu_scope.py) and the phrasing-family split (benchmarks/nlu_split.py)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import yaml
from rasa.shared.nlu.training_data.message import Message

from benchmarks import nlu_split
from connectors.nlu_scope import FaqOnlyWhenSure, LikeOurExamples, similarity_verdict
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


def test_an_faq_read_is_out_of_scope_when_unlike_every_faq_example_or_nearer_one_that_is_not_ours():
    rule = dict(faq_threshold=0.45, job_threshold=0.4, check_below=0.9)
    assert similarity_verdict("faq", 0.99, {"faq": 0.30, "out_of_scope": 0.2}, **rule)
    assert similarity_verdict("faq", 0.99, {"faq": 0.60, "out_of_scope": 0.7}, **rule)
    assert not similarity_verdict("faq", 0.99, {"faq": 0.60, "out_of_scope": 0.5}, **rule)


def test_a_job_is_checked_only_when_the_classifier_is_unsure_of_it():
    rule = dict(faq_threshold=0.45, job_threshold=0.4, check_below=0.9)
    assert not similarity_verdict("change_plan", 0.95, {"change_plan": 0.1}, **rule)
    assert similarity_verdict("change_plan", 0.85, {"change_plan": 0.35}, **rule)
    assert not similarity_verdict("change_plan", 0.85, {"change_plan": 0.55, "out_of_scope": 0.9}, **rule)


def test_with_a_margin_a_reading_nearly_as_near_to_what_is_not_ours_is_out_of_scope():
    rule = dict(faq_threshold=0.45, job_threshold=0.4, check_below=0.9, margin=0.06)
    # "which credit card gives the most cashback": an FAQ read, 0.50 from our FAQs, 0.46 from what is not ours
    assert similarity_verdict("faq", 0.99, {"faq": 0.50, "out_of_scope": 0.46}, **rule)
    assert not similarity_verdict("faq", 0.99, {"faq": 0.60, "out_of_scope": 0.46}, **rule)
    # "cancel my disney plus": a job DIET is unsure of, 0.64 from cancelling with us, 0.60 from not ours
    assert similarity_verdict("cancel_subscription", 0.62, {"cancel_subscription": 0.64, "out_of_scope": 0.60}, **rule)
    assert not similarity_verdict(
        "cancel_subscription", 0.62, {"cancel_subscription": 0.72, "out_of_scope": 0.60}, **rule
    )
    # a job DIET is sure of is not checked at all
    assert not similarity_verdict(
        "cancel_subscription", 0.95, {"cancel_subscription": 0.5, "out_of_scope": 0.6}, **rule
    )


def _read_as(text: str, intent: str, confidence: float = 0.99, entities=()) -> Message:
    message = Message(data={"text": text})
    message.set("intent", {"name": intent, "confidence": confidence}, add_to_output=True)
    message.set("intent_ranking", [{"name": intent, "confidence": confidence}], add_to_output=True)
    message.set("entities", list(entities), add_to_output=True)
    return message


@pytest.fixture(scope="module")
def trained_gate(tmp_path_factory):
    """The gate trained on a few examples with the real encoder, then loaded back from its storage."""
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.shared.nlu.training_data.training_data import TrainingData

    examples = {
        "faq": ["how long does delivery take", "what are your delivery times", "when are you open on sundays"],
        "track_order": ["where is my order", "has my parcel been sent"],
        "change_plan": ["I want a faster broadband plan", "can I upgrade my package"],
        "out_of_scope": ["set a timer for ten minutes", "book me a flight to rome", "what's the weather tomorrow"],
    }
    data = TrainingData([Message(data={"text": t, "intent": i}) for i, texts in examples.items() for t in texts])
    folder = tmp_path_factory.mktemp("gate")
    # the gate's own wordings, which the classifier never sees
    (folder / "scope_examples.yml").write_text(
        "out_of_scope:\n  - what's a good recipe for banana bread\ngreet:\n  - hiya, anyone about?\n  - good evening\n"
    )
    (folder / "storage").mkdir()
    storage = LocalModelStorage(folder / "storage")
    resource, context = Resource("gate"), ExecutionContext(GraphSchema({}), "test")
    config = {
        **LikeOurExamples.get_default_config(),
        "examples_file": str(folder / "scope_examples.yml"),
        "rescue": ["greet"],
    }
    LikeOurExamples.create(config, storage, resource, context).train(data)
    return LikeOurExamples.load(config, storage, resource, context)


def test_a_request_we_have_nothing_for_read_as_an_faq_is_out_of_scope(trained_gate):
    [timer, weather] = trained_gate.process(
        [_read_as("start a countdown for the pasta", "faq"), _read_as("will it rain in leeds on saturday", "faq")]
    )
    assert timer.get("intent")["name"] == "out_of_scope"
    assert weather.get("intent")["name"] == "out_of_scope"
    # what the classifier read stays in the ranking, for repair and the benchmarks
    assert [r["name"] for r in timer.get("intent_ranking")] == ["out_of_scope", "faq"]


def test_real_faqs_jobs_answers_and_our_entities_are_left_alone(trained_gate):
    order = {"entity": "order_number", "value": "ORD-100001", "start": 0, "end": 10}
    messages = trained_gate.process(
        [
            _read_as("how many days does shipping take", "faq"),
            _read_as("bake me a cake", "change_plan", confidence=0.97),  # DIET sure: not checked
            _read_as("yes please", "affirm", confidence=0.3),
            _read_as("ORD-100001 play some music", "track_order", confidence=0.5, entities=[order]),
            _read_as("could you upgrade my broadband to something quicker", "change_plan", confidence=0.6),
        ]
    )
    assert [m.get("intent")["name"] for m in messages] == ["faq", "change_plan", "affirm", "track_order", "change_plan"]


def test_an_unsure_job_unlike_its_examples_is_out_of_scope(trained_gate):
    [message] = trained_gate.process([_read_as("how do I make my tomato plants grow", "change_plan", confidence=0.6)])
    assert message.get("intent")["name"] == "out_of_scope"


def test_a_wording_in_the_gates_own_file_steers_it_without_the_classifier(trained_gate):
    [bread] = trained_gate.process([_read_as("got a decent banana bread recipe?", "faq")])
    assert bread.get("intent")["name"] == "out_of_scope"


def test_small_talk_the_classifier_could_not_place_is_read_by_its_nearest_example(trained_gate):
    [hello, choice, plain] = trained_gate.process(
        [
            _read_as("hiya! is anyone about", "nlu_fallback", confidence=0.55),
            _read_as("the 900 one", "nlu_fallback", confidence=0.55),
            _read_as("good evening", "nlu_fallback", confidence=0.55),
        ]
    )
    assert hello.get("intent")["name"] == "greet"
    assert hello.get("intent_ranking")[0]["name"] == "greet"
    assert choice.get("intent")["name"] == "nlu_fallback"  # an answer to a button question stays the dialogue's
    assert plain.get("intent")["name"] == "greet"


def test_a_fallback_very_like_one_job_names_it_for_the_dialogue_and_keeps_its_reading(trained_gate):
    [faster, short, timer] = trained_gate.process(
        [
            _read_as("i would like a faster broadband plan please", "nlu_fallback", confidence=0.55),
            _read_as("faster plan?", "nlu_fallback", confidence=0.55),  # short: the dialogue reads it in context
            _read_as("set me a timer for ten minutes please", "nlu_fallback", confidence=0.55),
        ]
    )
    assert faster.get("intent")["name"] == "nlu_fallback"
    assert faster.get("scope")["nearest_job"]["intent"] == "change_plan"
    assert short.get("scope") is None
    assert timer.get("scope") is None  # nearest is one of ours that is not a job


def test_one_of_our_own_examples_word_for_word_is_not_checked(trained_gate):
    [ours, unsure] = trained_gate.process(
        [
            _read_as("Can I upgrade my package?", "change_plan", confidence=0.5),
            _read_as("can I upgrade my garden shed", "change_plan", confidence=0.5),
        ]
    )
    assert ours.get("scope") is None and ours.get("intent")["name"] == "change_plan"
    assert unsure.get("scope") is not None  # not an example: the encoder was asked


def test_a_broken_examples_file_is_named(tmp_path):
    from connectors.nlu_scope import GateExamplesError, gate_examples

    bad = tmp_path / "scope_examples.yml"
    bad.write_text("out_of_scope: set a timer\n")
    with pytest.raises(GateExamplesError, match="scope_examples.yml.*out_of_scope"):
        gate_examples(bad)
    real = gate_examples(ROOT / "business" / "scope_examples.yml")
    assert {intent for _, intent in real} >= {"out_of_scope", "greet"}


def test_both_gates_run_after_the_fallback_classifier_in_config():
    names = [step["name"] for step in yaml.safe_load((ROOT / "config.yml").read_text())["pipeline"]]
    assert names.index("connectors.nlu_scope.LikeOurExamples") > names.index("connectors.nlu_scope.FaqOnlyWhenSure")


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
    # another company's parcel is not ours, however like our own "where is my parcel" it reads
    assert _parse("where's my vinted parcel")["scope"]["other_company"] == "Vinted"


@pytest.fixture(scope="module")
def other_companies():
    from connectors.nlu_scope import AboutAnotherCompany, load_other_companies

    return AboutAnotherCompany(
        {"companies_file": "", "our_entities": ["order_number", "email"]},
        load_other_companies(ROOT / "business" / "other_companies.yml"),
    )


@pytest.mark.parametrize(
    "text, read_as, company",
    [
        ("where's my vinted parcel", "track_order", "Vinted"),
        ("close my LinkedIn account", "close_account", "LinkedIn"),
        ("my youtube premium payment failed", "payment_problem", "YouTube"),
        ("get me a refund from just eat for the missing drinks", "request_refund", "Just Eat"),
        ("my booking.com refund hasn't come through", "refund_status", "Booking.com"),
        ("I forgot my twitter password", "nlu_fallback", "Twitter"),
    ],
)
def test_another_companys_order_or_account_is_not_ours(other_companies, text, read_as, company):
    (message,) = other_companies.process([_read_as(text, read_as)])
    assert message.get("intent")["name"] == "out_of_scope"
    assert message.get("scope") == {"read_as": read_as, "other_company": company}
    assert message.get("intent_ranking")[1]["name"] == read_as  # what the classifier read is kept


@pytest.mark.parametrize(
    "text, read_as, entities",
    [
        ("netflix keeps buffering every evening", "technical_problem", ()),  # a slow stream is our broadband's
        ("broadband is so slow tonight i cant even watch youtube", "technical_problem", ()),
        ("my amazon order ORD-100001 hasn't come", "track_order", ({"entity": "order_number"},)),  # names one of ours
        ("I'm switching to sky, cancel my broadband", "cancel_subscription", ()),  # a provider: a reason to leave
        ("can I pay my bill with paypal", "faq", ()),
        ("thanks, I'll check my amazon account", "thank", ()),  # small talk is left alone
        ("the boots I ordered from you are the wrong size", "delivery_problem", ()),  # an everyday word
    ],
)
def test_our_own_jobs_that_mention_a_company_are_left_alone(other_companies, text, read_as, entities):
    (message,) = other_companies.process([_read_as(text, read_as, entities=entities)])
    assert message.get("intent")["name"] == read_as and message.get("scope") is None


def test_a_broken_companies_file_is_named(tmp_path):
    from connectors.nlu_scope import CompaniesFileError, load_other_companies

    bad = tmp_path / "other_companies.yml"
    bad.write_text("companies: vinted\n")
    with pytest.raises(CompaniesFileError, match="other_companies.yml.*'companies'"):
        load_other_companies(bad)
    with pytest.raises(CompaniesFileError, match="missing.yml"):
        load_other_companies(tmp_path / "missing.yml")
