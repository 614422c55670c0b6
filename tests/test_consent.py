"""The one decider of "is this a yes" before a change to a customer's records."""

from __future__ import annotations

import pytest

from assistant.consent import Consent, asks_to_stop, asks_to_undo, is_plain_no, read_consent, wants_to_stay
from assistant.troubleshooting import read_step_answer

YES = [
    "yes",
    "Yes please",
    "yep, go ahead",
    "Yeah!",
    "y",
    "ok",
    "okay then",
    "sure thing",
    "please do",
    "go ahead",
    "yes, do it please",
    "yes cancel it",
    "just cancel it",
    "cancel it please",
    "refund it",
    "that's right",
    "Yes that’s fine",
    "/affirm",
    # everyday ways of taking what was offered
    "yeah go on, stick it on",
    "go on then chuck it on",
    "bung it on my account",
    "go on then, pop it on my account",
    "sign me up",
    "i'll take it",
    "ok add it",
    "yes set it up please",
]
NO = [
    "no",
    "No thanks",
    "nope",
    "never mind",
    "wait",
    "hold on a sec",
    "maybe later",
    "not now",
    "don't cancel it",
    "no, I meant the other order",
    "no still broken",
    "wait what does that cost?",
    "yes but not yet",
    "ok but first tell me the fee",
    "/deny",
    "maybe another time",
    "i'm ok thanks",
    "im good ta",
    "not this time",
]
NEITHER = [
    "",
    "   ",
    # thanks for what was said is not a yes to the change asked about
    "ok ta",
    "ok thanks",
    "lovely, cheers",
    "great thank you very much",
    "ok ive got money in now, can i just pay it here",
    "sorry wrong number, i meant ORD-100002",
    "how much is it?",
    "what?",
    "yes?",
    "i want to cancel my subscription",
    "where is my order",
    "hmm",
    "yes I restarted it and it still drops",
    "👍🏽 what about my bill",
    "stick it on my other account",
    "pop it on the wrong order",
    "sign me up for the newsletter and tell me my bill",
    "i'm ok with that",  # not a refusal, and not a clear yes either: asked again
    "another time i ordered a router",
]


@pytest.mark.parametrize("text", YES)
def test_only_agreement_is_a_yes(text):
    assert read_consent(text) is Consent.YES


@pytest.mark.parametrize("text", NO)
def test_a_refusal_or_a_hold_is_a_no(text):
    assert read_consent(text) is Consent.NO


@pytest.mark.parametrize("text", NEITHER)
def test_questions_other_requests_and_silence_are_not_a_yes(text):
    assert read_consent(text) is Consent.NEITHER


def test_none_and_very_long_input_are_neither():
    assert read_consent(None) is Consent.NEITHER
    assert read_consent("yes " * 5000 + "and where is my order") is Consent.NEITHER


@pytest.mark.parametrize(
    "text", ["actually never mind, ill stay", "undo that", "put it back please", "I changed my mind", "I'll stay"]
)
def test_taking_back_what_was_just_done(text):
    assert asks_to_undo(text)


@pytest.mark.parametrize("text", ["no", "no thanks, that's all", "thanks", "where is my order"])
def test_a_plain_no_is_not_an_undo(text):
    assert not asks_to_undo(text)


def test_every_yes_and_no_button_label_typed_reads_as_its_button():
    """A customer who types the button's own words ("Yes, chase it", "No, keep my plan") gets that button."""
    import yaml

    from scripts.model import ROOT

    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    checked = 0
    for name, variants in domain["responses"].items():
        for variant in variants:
            for button in variant.get("buttons") or []:
                expected = {"/affirm": Consent.YES, "/deny": Consent.NO}.get(button["payload"])
                if name.startswith("utter_step_"):
                    # a troubleshooting step's "Done" / "I can't do that", read by the step reader
                    done = read_step_answer(button["title"], asked="done")
                    assert done is (expected is Consent.YES), (name, button["title"])
                    checked += 1
                elif expected is not None and not name.startswith("utter_ask_problem_solved"):
                    assert read_consent(button["title"]) is expected, (name, button["title"])
                    checked += 1
    assert checked >= 20


@pytest.mark.parametrize(
    "text",
    [
        "stop",
        "cancel that",
        "never mind",
        "forget it",
        "ok stop please",
        "leave it",
        # everyday ways of dropping it, with a reason about themselves after
        "actually scrap that, forget i asked",
        "tbh forget the whole thing",
        "oh stop, ill do it once ive got the keys",
        "never mind ill stick with it for now",
        "no worries, i'll sort it myself",
    ],
)
def test_stopping_a_form(text):
    from assistant.consent import asks_to_stop

    assert asks_to_stop(text)


@pytest.mark.parametrize(
    "text",
    [
        "no",
        "stop charging me twice",
        "where is my order",
        "cancel my plan",
        "never mind, where is my order?",  # a new question after it
        "i want to stop my plan",
        "ill stop by the shop tomorrow",
    ],
)
def test_not_stopping_a_form(text):
    from assistant.consent import asks_to_stop

    assert not asks_to_stop(text)


@pytest.mark.parametrize("text", ["no", "no leave it, just checking", "nah im fine thanks", "no thanks", "/deny"])
def test_a_plain_no_answers_the_change_wherever_the_nlu_sent_it(text):
    assert is_plain_no(text)


@pytest.mark.parametrize(
    "text", ["no, i meant the tablet", "no wait, where is ORD-100002?", "not that one, the mesh", "yes", "where is it"]
)
def test_a_no_with_a_correction_or_a_question_goes_where_the_question_goes(text):
    assert not is_plain_no(text)


@pytest.mark.parametrize(
    "text, stays",
    [
        ("no leave everything as it is", True),
        ("cancel that, i'll stay", True),
        ("i'll keep my plan thanks", True),
        ("no, cancel my plan", False),
        ("just cancel it", False),
        ("yes do that instead", False),
    ],
)
def test_keeping_what_they_have_while_cancelling(text, stays):
    assert wants_to_stay(text) is stays


@pytest.mark.parametrize("text", ["actually scrap that, forget i asked", "tbh forget the whole thing"])
def test_dropping_it_is_a_no_to_the_change_asked_about(text):
    assert read_consent(text) is Consent.NO


@pytest.mark.parametrize(
    "text",
    [
        "yeah but why hasn't it come, it's been a week",
        "yes but where is it",
        "ok and how much is it",
        "yes but when will it arrive",
    ],
)
def test_agreement_then_a_question_is_neither_yes_nor_no(text):
    # the question is answered and the change asked again; nothing written, nothing dropped
    assert read_consent(text) is Consent.NEITHER


@pytest.mark.parametrize("text", ["yes but not yet", "yes but only if it's free", "ok but not today"])
def test_agreement_with_a_condition_is_still_held_back(text):
    assert read_consent(text) is Consent.NO


@pytest.mark.parametrize(
    "text",
    [
        "actually leave it as it is",
        "no leave my plan as it is",
        "nah leave it for now",
        "keep things as they are please",
        "no leave it, i'll keep it",
        "leave everything as it is",
    ],
)
def test_leave_it_as_it_is_stops_and_is_a_no(text):
    assert asks_to_stop(text) and read_consent(text) is Consent.NO


def test_leave_it_as_it_is_with_a_request_is_not_only_a_stop():
    assert not asks_to_stop("leave my plan as it is but tell me the price")


def test_a_longer_message_with_a_later_in_it_and_no_agreement_is_not_a_no():
    """ "tomorrow" holds back an agreement ("ok but tomorrow"); in "whats the weather gonna be like in
    manchester tomorrow" it is part of another request, which is neither a yes nor a no."""
    assert read_consent("whats the weather gonna be like in manchester tomorrow") is Consent.NEITHER
    assert read_consent("maybe tomorrow") is Consent.NO
    assert read_consent("ok but not till tomorrow") is Consent.NO
