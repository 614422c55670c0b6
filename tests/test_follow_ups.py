"""Follow-ups, several requests in a message and typed plan names, read without Rasa."""

from __future__ import annotations

import pytest

from assistant.followups import follow_up_intent
from assistant.models import Plan
from assistant.plans import read_plan_choice
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
