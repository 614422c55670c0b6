"""Follow-ups, several requests in a message and typed plan names, read without Rasa."""

from __future__ import annotations

import pytest

from assistant.followups import asks_where_an_item_is, faq_about_own_item, follow_up_intent, points_back
from assistant.models import Plan
from assistant.plans import asks_about_own_plan, read_plan_choice
from assistant.requests import other_requests


@pytest.mark.parametrize(
    "text, focus, last_job, intent",
    [
        ("when will it arrive?", "ORD-1", None, "track_order"),
        ("the other order?", "ORD-1", None, "track_order"),
        ("and the laptop one?", "ORD-1", None, "track_order"),
        ("can you chase it", "ORD-1", None, "delivery_problem"),
        ("cancel it", "ORD-1", None, "cancel_order"),
        ("and my plan?", None, None, "plan_info"),
        ("what's included", None, "plan_info", "plan_info"),
        ("and my bill?", "ORD-1", None, "explain_bill"),
        ("how much?", None, "explain_bill", "explain_bill"),
        ("when will I get it?", None, "refund_status", "refund_status"),
        ("when will I get it?", "ORD-1", "refund_status", "refund_status"),  # the refund, not its order's delivery
        ("when will I get it?", "ORD-1", "track_order", "track_order"),
        ("when will my order arrive?", "ORD-1", "refund_status", "track_order"),  # names the order
        ("sorry I meant the tablet", "ORD-1", "track_order", "track_order"),
        ("roughly what time will it turn up", "ORD-1", "track_order", "track_order"),
        ("whos delivering it", "ORD-1", None, "track_order"),
        ("how much do i pay for it", None, "plan_info", "plan_info"),  # the plan's price, not a payment problem
        ("how much do i pay for it", None, None, "payment_problem"),  # nothing discussed: as before
        ("and my bill?", None, "plan_info", "explain_bill"),
        ("order me a pizza", None, None, None),
        ("when will it arrive?", None, None, None),  # nothing in focus: not a follow-up
        ("I would like to know why the engineer never came to fix my line last week", "ORD-1", None, None),
    ],
)
def test_a_short_follow_up_continues_the_job_just_discussed(text, focus, last_job, intent):
    assert follow_up_intent(text, focus, last_job) == intent


@pytest.mark.parametrize(
    "text, first, others",
    [
        ("where's my order and why is my bill so high", "track_order", ["explain_bill"]),
        ("why is my bill so high and where is my order", "explain_bill", ["track_order"]),
        ("my bill is high, where is my refund?", "explain_bill", ["refund_status"]),
        ("where is my order? also what plan am I on", "track_order", ["plan_info"]),
        ("what plan am I on and has my phone arrived", "plan_info", ["track_order"]),
        ("has my refund come through and how much is my bill", "refund_status", ["explain_bill"]),
        ("has my phone arrived? and how much do I owe", "track_order", ["explain_bill"]),
        ("ok and can i see what plan im on plus any tickets i have open", "plan_info", ["ticket_status"]),
        ("why is my bill higher this month?", "explain_bill", []),
        ("where is my laptop and the charger", "track_order", []),
        ("I want to talk to a person", "human_handoff", []),
    ],
)
def test_several_requests_in_one_message_in_the_order_asked(text, first, others):
    assert other_requests(text, first) == others


OPTIONS = [
    Plan(code="fibre_100", name="Fibre 100", speed_mbps=100, monthly_price_cents=2900),
    Plan(code="fibre_500", name="Fibre 500", speed_mbps=500, monthly_price_cents=3900),
    Plan(code="fibre_900", name="Fibre 900", speed_mbps=900, monthly_price_cents=5200),
]


@pytest.mark.parametrize(
    "text, code",
    [
        ("Fibre 500", "fibre_500"),
        ("the 900 one", "fibre_900"),
        ("900", "fibre_900"),
        ("the cheapest", "fibre_100"),
        ("the fastest please", "fibre_900"),
        ("the second one", "fibre_500"),
        ("2", "fibre_500"),
        ("what about tv?", None),
    ],
)
def test_a_plan_typed_in_words(text, code):
    assert read_plan_choice(text, OPTIONS) == code


@pytest.mark.parametrize(
    "text, asks",
    [
        ("any update on my ticket?", True),
        ("what's happening with my complaint", True),
        ("is TKT-100001 sorted yet", True),
        ("has anyone looked at my fault report", True),
        ("do i have any open tickets", True),
        ("plus any tickets i have open", True),
        ("can you open a new ticket for my router", False),
        ("I want to open a ticket about my router", False),
        ("I'd like to make a complaint, nobody has fixed my wifi", False),
        ("where is my order", False),
        ("my ticket", False),
    ],
)
def test_a_question_about_a_ticket_already_opened(text, asks):
    from assistant.tickets import asks_about_a_ticket

    assert asks_about_a_ticket(text) is asks


def test_an_account_tier_names_plans_of_that_name_or_none():
    from assistant.plans import named_tier, plans_named

    options = [Plan(code="tv_essentials", name="TV Essentials"), Plan(code="tv_premium", name="TV Premium")]
    message = {"entities": [{"entity": "account_tier", "value": "Premium"}]}
    assert named_tier(message) == "premium" and named_tier({"entities": []}) is None
    assert [p.code for p in plans_named(options, "premium")[0]] == ["tv_premium"]
    assert plans_named(options, "gold") == (options, False)


@pytest.mark.parametrize(
    "text, focus, last_job, intent",
    [
        # openers ("ok so", "and") are not counted against the length of a follow-up
        ("so when do i get my money back for it", "ORD-2", "track_order", "request_refund"),
        ("ok so when will it actually turn up then", "ORD-1", "track_order", "track_order"),
        # right after the bill, "when" and "pay it by" ask about the bill, even with an order in focus
        ("when do i have to pay it by", "ORD-1", "explain_bill", "explain_bill"),
        ("when is it due", None, "explain_bill", "explain_bill"),
        ("when will it arrive", "ORD-1", "explain_bill", "track_order"),
    ],
)
def test_follow_ups_with_openers_and_about_the_bill(text, focus, last_job, intent):
    assert follow_up_intent(text, focus, last_job) == intent


@pytest.mark.parametrize(
    "text, first, others",
    [
        ("has my phone been delivered? and whats happening with my ticket", "track_order", ["ticket_status"]),
        ("when was my refund paid and when's my next bill due", "explain_bill", ["refund_status"]),
        ("when was my refund paid and when's my next bill due", "refund_status", ["explain_bill"]),
        ("what broadband am i on and where is my router", None, ["plan_info", "track_order"]),
        ("any update on my ticket?", None, []),  # one request
    ],
)
def test_tickets_refund_dates_and_due_dates_as_second_requests(text, first, others):
    assert other_requests(text, first) == others


# Each part of a message read on its own, as the classifier would (a stand-in for /model/parse).
PART_READINGS = {
    "whats my monthly bill": "explain_bill",
    "have i got any tickets open": "track_order",  # the classifier has no ticket job: the cue reads it
    "how much is next day delivery": "faq/shipping_options",
    "whats ur returns policy": "faq/returns_policy",
    "when will my mesh arrive": "track_order",
    "can i pay with paypal": "faq/payment_methods",
    "my router is late": "delivery_problem",
    "need to know how much i owe": "explain_bill",
    "where is my laptop": "track_order",
    "i want to cancel my plan": "cancel_subscription",
    "where is my refund": "refund_status",
    "hi 2 q's": "greet",
    "what are your opening hours": "faq/opening_hours",
    "did my phone get delivered": "faq/delivery_times",  # read as the FAQ: "my phone" makes it their order
    "my router still hasnt turned up": "nlu_fallback",  # no reading: the cue finds a late order
    "how much do i owe you": "explain_bill",
    "whats my bill this month": "explain_bill",
    "want to cancel the mesh order": "cancel_order",
}


@pytest.mark.parametrize(
    "text, asked",
    [
        ("whats my monthly bill and have i got any tickets open", ["explain_bill", "ticket_status"]),
        (
            "also how much is next day delivery n whats ur returns policy",
            ["faq/shipping_options", "faq/returns_policy"],
        ),
        ("when will my mesh arrive and can i pay with paypal", ["track_order", "faq/payment_methods"]),
        # the question back to the customer ("shall I chase it?") comes after the answer
        ("my router is late and i also need to know how much i owe", ["explain_bill", "delivery_problem"]),
        ("what are your opening hours & did my phone get delivered", ["faq/opening_hours", "track_order"]),
        ("my router still hasnt turned up plus how much do i owe you", ["track_order", "explain_bill"]),
        ("where is my laptop and the charger", []),  # "the charger" is no request of its own
        ("where is my laptop", []),
        # a change is never taken from the rest of a message: one request left, so none
        ("i want to cancel my plan and where is my refund", []),
        ("hi 2 q's - where is my refund, and where is my laptop", ["refund_status", "track_order"]),
        # cancelling an order asks before it writes: taken from the rest, and asked last
        ("whats my bill this month and i also want to cancel the mesh order", ["explain_bill", "cancel_order"]),
    ],
)
def test_each_part_of_a_message_read_on_its_own_in_the_order_asked(text, asked):
    from assistant.requests import requests_in

    assert requests_in(text, PART_READINGS.get) == asked


def test_the_request_answered_first_is_taken_off_once():
    from assistant.requests import still_to_answer

    asked = ["faq/shipping_options", "faq/returns_policy"]
    assert still_to_answer(asked, "faq/returns_policy") == ["faq/shipping_options"]
    assert still_to_answer(asked, "faq/opening_hours") == ["faq/returns_policy"]  # the first FAQ of it
    assert still_to_answer(["track_order", "explain_bill"], "plan_info") == ["track_order", "explain_bill"]


@pytest.mark.parametrize(
    "text, last_job, intent",
    [
        ("when did i first report it", "ticket_status", "ticket_status"),
        ("so is it still open or what", "ticket_status", "ticket_status"),
        ("has anyone been out to look at it", "ticket_status", "ticket_status"),
        ("so is it still open or what", None, None),  # no ticket discussed: not a ticket question
        ("when will my order get here", "ticket_status", None),  # an order: the NLU reads it, not the ticket
    ],
)
def test_a_short_question_right_after_a_ticket_is_about_that_ticket(text, last_job, intent):
    assert follow_up_intent(text, None, last_job) == intent


@pytest.mark.parametrize(
    "text, about_a_ticket",
    [
        ("is anyone actually looking at my broadband fault", True),
        ("any update on the fault", True),
        ("has anyone looked into my complaint", True),
        ("there is a fault on my line", False),  # a new problem, not one already reported
        ("my broadband has a fault, can you fix it", False),
    ],
)
def test_a_fault_already_reported_is_a_ticket_question(text, about_a_ticket):
    from assistant.tickets import asks_about_a_ticket

    assert asks_about_a_ticket(text) is about_a_ticket


@pytest.mark.parametrize(
    "text, proposed, corrected",
    [
        ("hmm no sorry i meant the 500 one not the 100", "fibre_100", "fibre_500"),
        ("not the 900, the 100", "fibre_900", "fibre_100"),
        ("no i meant fibre 500", "fibre_900", "fibre_500"),
        ("no thanks", "fibre_500", None),  # a no, no other plan
        ("yes the 500 please", "fibre_500", None),  # the plan proposed: no correction
        ("the fibre one", "fibre_500", None),  # names no plan on its own
    ],
)
def test_a_plan_corrected_in_the_reply_to_the_change_question(text, proposed, corrected):
    from assistant.plans import corrected_plan

    assert corrected_plan(text, OPTIONS, proposed) == corrected


@pytest.mark.parametrize(
    "text, points",
    [
        ("when will it arrive", True),
        ("and the laptop?", True),
        ("when will my order come", True),
        ("how long will delivery take", True),  # short, with an order just discussed: that order
        ("how long does standard delivery usually take", False),
        ("how long have i got to send stuff back", False),
        ("do you do next day delivery", False),
        ("what time are your phone lines open", False),
    ],
)
def test_an_faq_question_points_back_at_the_focus_or_asks_in_general(text, points):
    assert points_back(text) is points


@pytest.mark.parametrize(
    "text, asks",
    [
        ("when does my contract end", True),
        ("is the broadband out of contract yet", True),
        ("how long am i tied in for", True),
        ("whats my minimum term", True),
        ("how much of that is the mobile", True),
        ("what does the mobile cost on its own", True),
        ("is my phone plan unlimited data", True),
        ("i want to cancel my contract", False),
        ("how much to end my contract early", False),
        ("is there a penalty if i leave my contract", False),
        ("can i upgrade mid contract", False),
        ("my mobile has stopped working", False),
        ("has my mobile been delivered", False),
        ("i want to change my mobile plan", False),
        ("what do i pay a month", True),
        ("how much am i paying monthly", True),
        ("how much do i pay a month for delivery", False),
    ],
)
def test_a_question_about_the_plan_they_have_not_a_change(text, asks):
    assert asks_about_own_plan(text) is asks


def test_what_a_ticket_was_about_after_its_status():
    assert follow_up_intent("remind me what it was about", None, "ticket_status") == "ticket_status"
    assert follow_up_intent("what was that for", None, "ticket_status") == "ticket_status"


@pytest.mark.parametrize(
    "text, intent",
    [
        ("i want to return the tablet", "request_refund"),
        ("can i send the laptop back", "request_refund"),
        ("where is the tablet", "track_order"),
        ("the laptop one", "track_order"),
    ],
)
def test_an_item_named_with_a_wish_to_send_it_back_is_a_refund_request(text, intent):
    assert follow_up_intent(text, None, None) == intent


@pytest.mark.parametrize(
    "text, key, job",
    [
        ("did my new phone get delivered", "delivery_times", "track_order"),
        ("when was my phone delivered", "shipping_options", "track_order"),
        ("i want to return the phone", "returns_policy", "request_refund"),
        ("how long do i have to return things", "returns_policy", None),
        ("how long does the laptop take to deliver usually", "delivery_times", None),
        ("what time do you open", "opening_hours", None),
    ],
)
def test_an_faq_about_their_own_item_is_their_order(text, key, job):
    assert faq_about_own_item(text, key) == job


def test_a_part_of_the_plan_named_right_after_the_plan():
    assert follow_up_intent("and the broadband bit", None, "plan_info") == "plan_info"
    assert follow_up_intent("and the broadband bit", None, "track_order") is None


@pytest.mark.parametrize(
    "text, asks",
    [
        ("when is my mesh wifi turning up", True),
        ("has my laptop shipped", True),
        ("when did my phone arrive", True),
        ("my router keeps dropping", False),
        ("the mesh wifi isnt working", False),
        ("when will my wifi come back", False),
    ],
)
def test_where_an_ordered_item_is_not_a_fault_with_it(text, asks):
    assert asks_where_an_item_is(text) is asks


@pytest.mark.parametrize(
    "text, price",
    [("how much was it again", True), ("what did i pay for it", True), ("how much did that come to all in", True),
     ("and that was how much", True), ("ok what did i pay for the phone and case", True),
     ("how much is my bill", False), ("how much does it cost to leave", False), ("how much is the refund", False),
     ("how much is the quick one", False), ("where is it", False)],
)  # fmt: skip
def test_the_price_of_the_order_in_focus(text, price):
    from assistant.followups import asks_order_price

    assert asks_order_price(text) is price
    if price:  # after an order, the follow-up goes to the order (its price), not a payment problem
        assert follow_up_intent(text, "ORD-100006", "track_order") == "track_order"


@pytest.mark.parametrize(
    "text, asks",
    [("could i still send it back if i dont get on with it", True), ("how long have i got to send it back", True),
     ("can i return the phone", True), ("i want to return it", False), ("where is my return label", False)],
)  # fmt: skip
def test_a_question_whether_it_can_still_go_back(text, asks):
    from assistant.followups import asks_if_returnable

    assert asks_if_returnable(text) is asks


@pytest.mark.parametrize(
    "text, moves",
    [("can u bump me up to fibre 900", True), ("put me on fibre 100 please", True),
     ("is fibre 900 available in my area", False), ("can i get fibre 500 at my postcode", False),
     ("whats the speed of fibre 900", False), ("bump me up to the gold plan", False)],
)  # fmt: skip
def test_a_move_to_a_plan_named(text, moves):
    from assistant.plans import asks_to_move_to_plan

    assert asks_to_move_to_plan(text) is moves


@pytest.mark.parametrize(
    "said, kinds",
    [(["cancel my mobile"], ["mobile"]), (["get rid of the sim"], ["mobile"]), (["cancel my broadband"], ["broadband"]),
     (["i want to cancel"], []), (["cancel my home phone"], ["broadband"])],
)  # fmt: skip
def test_which_part_of_their_plans_a_customer_names(said, kinds):
    from assistant.plans import plan_kinds_named

    assert plan_kinds_named(said[0]) == kinds


@pytest.mark.parametrize(
    "text, job",
    [("can i still cancel it if i change my mind", "cancel_order"),  # longer than a follow-up, still about it
     ("where do i go to pay it", "payment_problem"), ("ok so where do i sort the card out", "payment_problem"),
     ("is my refund for the tv sorted", "refund_status"), ("could i still send it back if i dont get on with it",
                                                           "request_refund"),
     ("could you order me a pizza for when it arrives lol", None)],
)  # fmt: skip
def test_follow_ups_about_the_order_in_focus_by_what_they_ask(text, job):
    assert follow_up_intent(text, "ORD-100006", "track_order") == job


def test_a_correction_naming_the_item_meant_goes_to_that_order():
    assert follow_up_intent("no sorry i meant the laptop, the tablet went back", "ORD-100002", None) == "track_order"
    assert follow_up_intent("sorry i meant the laptop", None, None) == "track_order"


@pytest.mark.parametrize(
    "text, job",
    [("when is my payment due?", "explain_bill"), ("when do i have to pay by", "explain_bill"),
     ("my payment failed when is it due", "payment_problem")],
)  # fmt: skip
def test_when_a_payment_is_due_is_the_bill_not_a_failed_payment(text, job):
    assert follow_up_intent(text, None, None) == job


@pytest.mark.parametrize(
    "text, about",
    [("and how much is the refund", True), ("when does the refund land", True), ("i want a refund", False),
     ("how much refund can i get for my tv", False), ("can i get the refund now", False)],
)  # fmt: skip
def test_a_question_about_the_refund_already_asked_for(text, about):
    from assistant.followups import asks_about_the_refund

    assert asks_about_the_refund(text) is about


def test_when_the_money_comes_for_the_order_in_focus_is_its_refund():
    # request_refund answers an existing refund's state, and asks before starting a new one
    assert follow_up_intent("so when do i actually see that money", "ORD-100002", "track_order") == "request_refund"
