"""Each custom action through rasa-sdk, with tracker JSON as Rasa sends it."""

from __future__ import annotations

import asyncio
import copy
from typing import Any, Dict, List, Optional

import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.base import customer_action
from actions.session import ActionSessionStart, ValidateIdentifyForm
from actions.support import ActionRephraseOrHandoff
from assistant import db
from assistant.db import PROJECT_ROOT

DOMAIN = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())


def make_tracker(
    text: str = "",
    intent: str = "",
    slots: Optional[Dict[str, Any]] = None,
    metadata: Optional[Dict[str, Any]] = None,
    entities: Optional[List[dict]] = None,
    events: Optional[List[dict]] = None,
    sender: str = "unit-test",
) -> Tracker:
    all_slots = {name: None for name in DOMAIN["slots"]}
    all_slots.update(slots or {})
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.99},
        "entities": entities or [],
        "metadata": metadata or {},
    }
    user_event = {"event": "user", "text": text, "parse_data": latest, "metadata": metadata or {}}
    return Tracker.from_dict(
        {
            "sender_id": sender,
            "slots": all_slots,
            "latest_message": latest,
            "events": (events or []) + [user_event],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        }
    )


def run(action_name: str, tracker: Tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(customer_action(action_name).run(dispatcher, tracker, DOMAIN))
    return dispatcher.messages, events


def templates(messages) -> List[str]:
    return [m.get("response") for m in messages]


def said_buttons(message) -> List[dict]:
    """The buttons the customer gets: the response's own, filled as Rasa fills them, then the action's."""
    from rasa.core.nlg.interpolator import interpolate

    own = copy.deepcopy(DOMAIN["responses"][message["response"]][0].get("buttons") or [])
    return interpolate(own, message) + (message.get("buttons") or [])


def test_every_custom_action_in_the_domain_is_implemented():
    from rasa_sdk.executor import ActionExecutor

    import actions  # noqa: F401  (registers)

    executor = ActionExecutor()
    executor.register_package("actions")
    declared = [a for a in DOMAIN["actions"]]
    missing = [name for name in declared if name not in executor.actions]
    assert missing == []


def test_order_status_uses_the_customer_from_metadata(database_url):
    messages, events = run(
        "action_check_order_status",
        make_tracker("where is my order", "track_order", metadata={"customer_id": "C00001"}),
    )
    assert templates(messages) == ["utter_order_status_out_for_delivery_tracked"]
    assert messages[0]["order_number"] == "ORD-100001" and messages[0]["carrier"]
    assert {"event": "slot", "timestamp": None, "name": "customer_id", "value": "C00001"} in events


def test_unknown_customer_is_asked_to_identify_and_request_is_remembered(database_url):
    messages, events = run("action_check_order_status", make_tracker("where is my order", "track_order"))
    assert templates(messages) == ["utter_need_identity"]
    assert any(e.get("name") == "pending_request" and e.get("value") == "action_check_order_status" for e in events)
    assert any(e.get("event") == "followup" and e.get("name") == "identify_form" for e in events)


def test_foreign_order_number_is_not_found(database_url):
    tracker = make_tracker("ORD-100001", "track_order", slots={"customer_id": "C00002", "order_number": "ORD-100001"})
    messages, _ = run("action_check_order_status", tracker)
    assert templates(messages) == ["utter_order_not_found"]


def test_bill_explanation_amounts(database_url):
    messages, _ = run(
        "action_explain_bill", make_tracker("why is my bill up", "explain_bill", slots={"customer_id": "C00001"})
    )
    assert templates(messages) == ["utter_bill_explained"]
    assert messages[0]["delta_text"].startswith("£8.50 more")
    assert "£2.50" in messages[0]["changes_text"] and "£6.00" in messages[0]["changes_text"]


def test_refund_status(database_url):
    messages, _ = run(
        "action_check_refund_status", make_tracker("my refund?", "refund_status", slots={"customer_id": "C00001"})
    )
    assert "RF-10001" in messages[0]["refund_sentence"]


def test_payment_problem_names_the_failure(database_url):
    messages, _ = run(
        "action_check_payment_problem",
        make_tracker("payment failed", "payment_problem", slots={"customer_id": "C00002"}),
    )
    assert templates(messages) == ["utter_payment_failed"]
    assert messages[0]["failure_reason"] == "card expired"


def test_session_start_binds_the_customer_from_metadata(database_url):
    tracker = make_tracker(slots={"session_started_metadata": {"customer_id": "C00001"}})
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionSessionStart().run(dispatcher, tracker, DOMAIN))
    values = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    assert values["customer_id"] == "C00001" and values["account_email"] == "jane.doe@example.com"
    assert events[0]["event"] == "session_started" and events[-1]["name"] == "action_listen"


def test_identity_needs_email_and_postcode_to_match(database_url):
    form = ValidateIdentifyForm()
    tracker = make_tracker(slots={"account_email": "jane.doe@example.com"})
    dispatcher = CollectingDispatcher()
    wrong = form.validate_account_postcode("M1 1AA", dispatcher, tracker, DOMAIN)
    assert wrong["account_email"] is None and wrong["identity_attempts"] == 1
    right = form.validate_account_postcode("ls14ap", CollectingDispatcher(), tracker, DOMAIN)
    assert right["customer_id"] == "C00001"


def test_third_identity_failure_ends_the_form(database_url):
    form = ValidateIdentifyForm()
    tracker = make_tracker(slots={"account_email": "jane.doe@example.com", "identity_attempts": 2})
    dispatcher = CollectingDispatcher()
    form.validate_account_postcode("M1 1AA", dispatcher, tracker, DOMAIN)
    assert templates(dispatcher.messages) == ["utter_identity_failed"]
    tracker.slots["identity_attempts"] = 3
    assert asyncio.run(form.required_slots(["account_email", "account_postcode"], dispatcher, tracker, DOMAIN)) == []


def test_fallback_asks_to_rephrase_then_offers_a_human():
    first = make_tracker("zzz", "nlu_fallback")
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionRephraseOrHandoff().run(dispatcher, first, DOMAIN))
    assert templates(dispatcher.messages) == ["utter_rephrase"]
    earlier = [
        {"event": "user", "text": "qqq", "parse_data": {"intent": {"name": "nlu_fallback"}}},
        {"event": "action", "name": "action_rephrase_or_handoff"},
        {"event": "bot", "text": "Sorry ...", "metadata": {"utter_action": "utter_rephrase"}},
        {"event": "action", "name": "action_listen"},
    ]
    second = make_tracker("zzz", "nlu_fallback", events=earlier)
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionRephraseOrHandoff().run(dispatcher, second, DOMAIN))
    assert templates(dispatcher.messages) == ["utter_offer_human"]


def test_database_down_gives_a_polite_reply(database_url):
    broken = db.make_engine("postgresql+psycopg2://nobody@127.0.0.1:1/none")
    working = db.get_engine()
    db.use_engine(broken)
    try:
        messages, events = run(
            "action_explain_bill", make_tracker("bill", "explain_bill", slots={"customer_id": "C00001"})
        )
    finally:
        db.use_engine(working)
    assert templates(messages) == ["utter_systems_unavailable"] and events == []


def fallback_with(text: str, intent: str = "nlu_fallback", ranking=None, slots=None, events=None):
    tracker = make_tracker(text, intent, slots=slots, events=events)
    tracker.latest_message["intent_ranking"] = ranking or []
    dispatcher = CollectingDispatcher()
    result = asyncio.run(ActionRephraseOrHandoff().run(dispatcher, tracker, DOMAIN))
    return dispatcher.messages, result


def test_a_message_the_classifier_could_not_place_goes_to_the_job_its_nearest_examples_name():
    tracker = make_tracker("what plan have i got", "nlu_fallback")
    tracker.latest_message["scope"] = {"read_as": "nlu_fallback", "nearest_job": {"intent": "plan_info"}}
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionRephraseOrHandoff().run(dispatcher, tracker, DOMAIN))
    assert dispatcher.messages == []
    assert events == [{"event": "followup", "name": "action_plan_info", "timestamp": None}]


def test_without_a_near_job_or_with_a_reading_of_its_own_the_fallback_is_unchanged():
    plain, _ = fallback_with("zzz qqq www vvv")
    assert templates(plain) == ["utter_rephrase"]
    tracker = make_tracker("cancel my netflix please", "out_of_scope")
    tracker.latest_message["scope"] = {"read_as": "faq", "nearest_job": {"intent": "cancel_subscription"}}
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionRephraseOrHandoff().run(dispatcher, tracker, DOMAIN))
    assert templates(dispatcher.messages) == ["utter_out_of_scope"]


def test_a_short_follow_up_about_the_order_in_focus_continues_its_job():
    messages, events = fallback_with("when will it arrive?", slots={"focus_order": "ORD-100001"})
    assert messages == [] and events == [{"event": "followup", "name": "action_check_order_status", "timestamp": None}]
    _, events = fallback_with("and my plan?")
    assert events[0]["name"] == "action_plan_info"


def test_two_close_readings_are_asked_about_with_a_button_each():
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.55},
        {"name": "track_order", "confidence": 0.41},
        {"name": "delivery_problem", "confidence": 0.38},
    ]
    messages, _ = fallback_with("my parcel thing", ranking=ranking)
    assert templates(messages) == ["utter_clarify"]
    assert [b["payload"] for b in said_buttons(messages[0])] == ["/track_order", "/delivery_problem", "/out_of_scope"]
    assert [b["title"] for b in said_buttons(messages[0])][0] == "Where your order is"
    assert messages[0]["first"] == "where your order is"
    one_clear = [{"name": "track_order", "confidence": 0.5}, {"name": "explain_bill", "confidence": 0.05}]
    assert templates(fallback_with("blah", ranking=one_clear)[0]) == ["utter_rephrase"]


def test_out_of_scope_is_said_plainly_and_a_person_only_on_the_second_miss():
    assert templates(fallback_with("order me a pizza", "out_of_scope")[0]) == ["utter_out_of_scope"]
    earlier = [
        {"event": "user", "text": "book a flight", "parse_data": {"intent": {"name": "out_of_scope"}}},
        {"event": "action", "name": "action_rephrase_or_handoff"},
        {"event": "bot", "text": "I can't help ...", "metadata": {"utter_action": "utter_out_of_scope"}},
        {"event": "action", "name": "action_listen"},
    ]
    assert templates(fallback_with("order me a pizza", "out_of_scope", events=earlier)[0]) == ["utter_offer_human"]


def test_a_follow_up_handed_on_is_no_miss_so_no_person_is_offered_yet():
    earlier = [
        {"event": "user", "text": "when's it coming", "parse_data": {"intent": {"name": "nlu_fallback"}}},
        {"event": "action", "name": "action_rephrase_or_handoff"},
        {"event": "action", "name": "action_check_order_status"},
        {"event": "bot", "text": "Order ...", "metadata": {"utter_action": "utter_order_status_shipped"}},
        {"event": "action", "name": "action_listen"},
    ]
    assert templates(fallback_with("order me a pizza", "out_of_scope", events=earlier)[0]) == ["utter_out_of_scope"]


def test_repair_offers_the_next_best_reading_of_the_question_before():
    from actions.support import ActionRepair

    asked = {
        "intent": {"name": "explain_bill"},
        "intent_ranking": [{"name": "explain_bill", "confidence": 0.6}, {"name": "payment_problem", "confidence": 0.3}],
    }
    earlier = [
        {"event": "user", "text": "my bill thing", "parse_data": asked},
        {"event": "action", "name": "action_explain_bill"},
        {"event": "action", "name": "action_listen"},
    ]
    tracker = make_tracker("that didn't answer my question", "repair", events=earlier)
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionRepair().run(dispatcher, tracker, DOMAIN))
    assert templates(dispatcher.messages) == ["utter_repair_next_reading"]
    assert dispatcher.messages[0]["reading"] == "a payment problem"
    buttons = said_buttons(dispatcher.messages[0])
    assert [b["payload"] for b in buttons] == ["/payment_problem", "/human_handoff"]
    assert buttons[0]["title"] == "Yes, a payment problem"


def test_every_job_a_customer_starts_has_a_label():
    from assistant.intent_labels import load_intent_labels

    rules = yaml.safe_load((PROJECT_ROOT / "data" / "rules.yml").read_text())["rules"]
    started = {r["steps"][0]["intent"] for r in rules if "intent" in r["steps"][0] and not r.get("condition")}
    not_jobs = {"greet", "goodbye", "thank", "bot_challenge", "out_of_scope", "nlu_fallback", "inform", "affirm",
                "deny", "resolved_by_rep", "undo_change", "repair"}  # fmt: skip
    assert started - not_jobs <= set(load_intent_labels())
    assert set(load_intent_labels()) <= set(DOMAIN["intents"])


def test_undo_of_a_change_that_cannot_be_taken_back_always_says_so(database_url):
    """Every kind without its own "can't undo" sentence gets the general one, and nothing changes."""
    from actions.changes import DONE_SLOT
    from assistant.changes import KINDS, DoneChange
    from tests.conftest import records

    before = records()
    for kind in KINDS:
        done = DoneChange(kind, {"ticket_number": "T-1", "refund_number": "R-1", "order_number": "N-1"})
        tracker = make_tracker(
            "undo that", "undo_change", slots={DONE_SLOT: done.to_slot()}, metadata={"customer_id": "C00001"}
        )
        messages, _ = run("action_undo_change", tracker)
        own = f"utter_cannot_undo_{kind}"
        assert templates(messages) == [own if own in DOMAIN["responses"] else "utter_cannot_undo"], kind
    assert records() == before


def test_every_response_an_action_names_is_written_in_the_domain():
    """The sentences live in domain.yml: a reply an action asks for by name must be there."""
    import re

    from actions.support import TECH_ISSUES

    named = set()
    for source in (PROJECT_ROOT / "actions").glob("*.py"):
        named |= set(re.findall(r'response="(utter_\w+)"', source.read_text()))
    for source in (PROJECT_ROOT / "assistant").rglob("*.py"):  # the core chooses them as Reply("utter_...", ...)
        named |= set(re.findall(r'"(utter_\w+)"', source.read_text()))
    named |= {f"utter_step_{issue}" for issue in TECH_ISSUES}  # response=f"utter_step_{issue}"
    assert len(named) > 60
    assert sorted(named - set(DOMAIN["responses"])) == []
