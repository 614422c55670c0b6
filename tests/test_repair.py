"""Which replies are misses, and a customer telling the assistant its last answer missed (no Rasa)."""

from __future__ import annotations

import pytest

from assistant.repair import complains_about_answer, is_keyboard_mash, turn_missed


@pytest.mark.parametrize(
    "text",
    [
        "eh? that doesn't help me",
        "useless, that doesnt explain anything",
        "that is not what i meant",
        "you didnt answer me",
        "huh?",
        "what?",
        "sorry what",
        "this isn't helpful",
        "no that doesn't make sense",
        "you're not getting me",
        "youre still not understanding me",
        "thats not what i need",
    ],
)
def test_saying_the_last_answer_missed(text):
    assert complains_about_answer(text)


@pytest.mark.parametrize(
    "text",
    [
        "what plan am i on",
        "it doesn't work",  # a fault, not a complaint about the answer
        "my bill isn't right",
        "i don't understand my bill",
        "what does that cost",
        "that's not right, my bill should be £29",  # longer than a complaint: a correction with its own facts
        "",
        None,
    ],
)
def test_a_question_or_a_fault_is_not_a_complaint_about_the_answer(text):
    assert not complains_about_answer(text)


def test_a_turn_missed_when_it_asked_to_rephrase_clarified_or_apologised():
    assert turn_missed(["utter_rephrase"])
    assert turn_missed(["utter_clarify"])
    assert turn_missed([None, "utter_repair_capabilities"])


def test_a_follow_up_handed_on_and_answered_is_no_miss():
    # "when will it arrive?": the NLU fell back, the order's status answered it
    assert not turn_missed(["utter_order_status_out_for_delivery_tracked"])
    assert not turn_missed([None])
    assert not turn_missed([])


@pytest.mark.parametrize("text", ["asdfghjkl", "qwqw;;p", "zxcvbnm", "jkhgfdsa", "lkjlkj"])
def test_keyboard_mash_is_asked_again_not_called_out_of_scope(text):
    assert is_keyboard_mash(text)


@pytest.mark.parametrize(
    "text", ["order me a pizza", "hmm", "nvm", "tv", "strengths and weaknesses", "ORD-100001", "M14 5RT", "ok"]
)
def test_words_numbers_and_short_chat_words_are_not_keyboard_mash(text):
    assert not is_keyboard_mash(text)
