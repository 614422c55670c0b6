"""Replies typed in words where the assistant offered buttons (business/typed_answers.yml)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from assistant.business import BusinessDataError
from assistant.typed_answers import load_typed_answers, parse_typed_answers, read_button, read_choice, reading_among

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "slot, reply, answer",
    [
        ("cancel_reason", "honestly it's just too expensive", "price"),
        ("cancel_reason", "We're moving house in March", "moving"),
        ("cancel_reason", "I barely use it these days", "not_using"),
        ("cancel_reason", "found a better deal elsewhere", "switching_provider"),
        ("cancel_reason", "I'm moving to another provider", "switching_provider"),  # the longer phrase wins
        ("cancel_reason", "the connection keeps dropping", "service_quality"),
        ("tech_issue", "Slow speed", "slow_speed"),
        ("tech_issue", "the wi-fi keeps cutting out upstairs", "wifi_dropouts"),
        ("tech_issue", "no internet at all since this morning", "no_connection"),
        ("tech_issue", "the TV box shows no picture", "tv_service"),
    ],
)
def test_a_typed_reply_chooses_the_answer_it_names(slot, reply, answer):
    assert read_choice(slot, reply) == answer


@pytest.mark.parametrize(
    "slot, reply",
    [
        ("cancel_reason", "what's my bill this month?"),
        ("tech_issue", "where is my order"),
        ("tech_issue", "speedy"),  # whole words only
    ],
)
def test_a_reply_naming_no_answer_is_left_to_the_dialogue(slot, reply):
    assert read_choice(slot, reply) is None


def test_the_answers_are_the_values_of_the_buttons_they_stand_for():
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    for slot, answers in load_typed_answers().items():
        buttons = domain["responses"][f"utter_ask_{slot}"][0]["buttons"]
        values = {
            json.loads(re.sub(r"\{\{|\}\}", lambda m: m.group()[0], b["payload"].split("/inform", 1)[1]))[slot]
            if b["payload"].startswith("/inform")
            else b["payload"]  # the survey's buttons send the score itself
            for b in buttons
        }
        assert set(answers) == values, slot


def test_a_phrase_under_two_answers_is_refused_with_its_line(tmp_path):
    path = tmp_path / "typed_answers.yml"
    path.write_text("tech_issue:\n  slow_speed: [slow, speed]\n  wifi_dropouts: [wifi, slow]\n")
    with pytest.raises(BusinessDataError, match=r"typed_answers.yml:3: 'slow' already chooses 'slow_speed'"):
        parse_typed_answers(path)


def test_answers_that_are_not_a_list_of_phrases_are_refused_with_their_line(tmp_path):
    path = tmp_path / "typed_answers.yml"
    path.write_text("cancel_reason:\n  price: too expensive\n")
    with pytest.raises(BusinessDataError, match=r"typed_answers.yml:2: 'cancel_reason.price' should be a list"):
        parse_typed_answers(path)


def test_a_button_picked_by_its_place_in_the_list():
    assert read_choice("tech_issue", "2", numbered=True) == "slow_speed"
    assert read_choice("tech_issue", "the second one", numbered=True) == "slow_speed"
    assert read_choice("tech_issue", "option 3", numbered=True) == "wifi_dropouts"
    assert read_choice("cancel_reason", "the last one please", numbered=True) == "other"
    assert read_choice("tech_issue", "7", numbered=True) is None  # only four buttons
    assert read_choice("tech_issue", "2 of them", numbered=True) is None
    assert read_choice("tech_issue", "2") is None  # a number means a place only where buttons were shown


def test_the_answers_are_listed_in_the_order_of_their_buttons():
    """A typed "2" must pick the second button the customer saw."""
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    from assistant.typed_answers import IN_BUTTON_ORDER

    for slot in IN_BUTTON_ORDER:
        buttons = domain["responses"][f"utter_ask_{slot}"][0]["buttons"]
        shown = [re.search(rf'"{slot}": "(\w+)"', b["payload"])[1] for b in buttons]
        assert list(load_typed_answers()[slot]) == shown, slot


CLARIFY = ["Cancelling your plan", "A problem with your broadband or TV", "Something else"]


@pytest.mark.parametrize(
    "reply, index",
    [
        ("the first one", 0),
        ("1", 0),
        ("cancelling", 0),
        ("cancel my plan", 0),
        ("Cancelling your plan", 0),
        ("the broadband one", 1),
        ("2", 1),
        ("something else", 2),
        ("last one", 2),
    ],
)
def test_a_button_typed_by_its_place_its_label_or_its_own_words(reply, index):
    assert read_button(reply, CLARIFY) == index


def test_a_yes_or_a_no_typed_for_yes_and_no_buttons():
    assert read_button("yeah", ["Yes, what plan you're on", "Talk to a person"]) == 0
    assert read_button("a person please", ["Yes, what plan you're on", "Talk to a person"]) == 1
    assert read_button("nope", ["Yes, a person please", "No, I'll try again"]) == 1


@pytest.mark.parametrize("reply", ["yes", "switching provider", "7", "where is my order", ""])
def test_a_reply_fitting_no_button_or_two_picks_none(reply):
    assert read_button(reply, CLARIFY) is None


def _ranking(**confidences):
    return [{"name": name, "confidence": value} for name, value in confidences.items()]


def test_a_reply_naming_no_button_picks_the_job_the_nlu_clearly_reads_it_as():
    buttons = ["cancel_subscription", "technical_problem", "out_of_scope"]
    # "switching provider": the NLU could not place it, but ranks cancelling far above the problem
    ranking = _ranking(nlu_fallback=0.55, cancel_subscription=0.41, change_plan=0.2, technical_problem=0.05)
    assert reading_among(ranking, buttons) == "cancel_subscription"


@pytest.mark.parametrize(
    "ranking",
    [
        _ranking(nlu_fallback=0.55, cancel_subscription=0.3, technical_problem=0.2),  # two close readings
        _ranking(nlu_fallback=0.55, track_order=0.8, cancel_subscription=0.1),  # nothing to do with either
        _ranking(nlu_fallback=0.55),  # no reading at all
        [],
    ],
)
def test_no_button_is_picked_without_a_clear_lead(ranking):
    assert reading_among(ranking, ["cancel_subscription", "technical_problem"]) is None
