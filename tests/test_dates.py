"""Dates in replies read as English when they are near: never "on today" or "due on yesterday"."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from assistant import clock
from assistant.dates import by_date, on_date, say_date
from assistant.models import Order, Plan, Refund, Subscription
from assistant.orders import describe_status, why_not_cancellable
from assistant.plans import ExitCost
from assistant.refunds import describe_refund

TODAY = date(2026, 11, 24)  # a Tuesday
NEAR = {"yesterday": TODAY - timedelta(days=1), "today": TODAY, "tomorrow": TODAY + timedelta(days=1)}
MISREAD = re.compile(r"\bon (today|tomorrow|yesterday)\b|\bby (today|yesterday)\b", re.IGNORECASE)


def reads_well(sentence: str) -> bool:
    return MISREAD.search(sentence) is None


@pytest.mark.parametrize(
    "day, on",
    [
        (TODAY, "today"),
        (TODAY + timedelta(days=1), "tomorrow"),
        (TODAY - timedelta(days=1), "yesterday"),
        (TODAY - timedelta(days=3), "on Saturday 21 November"),
        (date(2027, 1, 4), "on Monday 4 January 2027"),
    ],
)
def test_on_is_left_out_before_a_relative_day(day, on):
    assert on_date(day, TODAY) == on
    assert say_date(day, TODAY) == on.removeprefix("on ")


@pytest.mark.parametrize(
    "day, by",
    [
        (TODAY, "today"),
        (TODAY + timedelta(days=1), "by tomorrow"),
        (TODAY + timedelta(days=3), "by Friday 27 November"),
    ],
)
def test_a_deadline_today_is_not_by_today(day, by):
    assert by_date(day, TODAY) == by


@pytest.mark.parametrize("word", list(NEAR))
@pytest.mark.parametrize("status", ["processing", "shipped", "delayed", "delivered"])
def test_order_status_with_a_near_date(status, word):
    day = NEAR[word]
    order = Order(number="ORD-123456", status=status, estimated_delivery=day, delivered_on=day, items=[])
    sentence = describe_status(order, TODAY).text()
    assert reads_well(sentence) and word in sentence, sentence


def test_order_status_with_a_far_date_says_on():
    order = Order(number="ORD-123456", status="delivered", delivered_on=TODAY - timedelta(days=4), items=[])
    assert describe_status(order, TODAY).values["delivered_on"] == "on Friday 20 November"
    assert describe_status(order, TODAY).text().endswith("was delivered on Friday 20 November.")
    shipped = Order(number="ORD-123456", status="shipped", estimated_delivery=TODAY + timedelta(days=3), items=[])
    assert describe_status(shipped, TODAY).text().endswith("is due on Friday 27 November.")


def test_a_delivered_order_that_cannot_be_cancelled():
    order = Order(number="ORD-123456", status="delivered", delivered_on=clock.today(), items=[])
    reply = why_not_cancellable(order, 30)
    assert reply.name == "utter_order_delivered_not_cancellable" and reply.values["delivered_on"] == "today"
    assert reads_well(reply.text()) and "was delivered today, so" in reply.text()


@pytest.mark.parametrize("word", list(NEAR))
@pytest.mark.parametrize("status", ["requested", "approved", "paid"])
def test_refund_with_a_near_date(status, word):
    refund = Refund(number="RF-12345", amount_cents=1999, status=status, expected_by=NEAR[word], resolved_on=NEAR[word])
    sentence = describe_refund(refund, TODAY).text()
    assert reads_well(sentence) and word in sentence, sentence


def test_a_refund_past_its_expected_day_is_said_to_be_late():
    refund = Refund(number="RF-12345", amount_cents=1999, status="approved", expected_by=TODAY - timedelta(days=3))
    late = describe_refund(refund, TODAY)
    assert late.name == "utter_refund_approved_late" and late.values["expected_on"] == "on Saturday 21 November"
    assert late.text().endswith("it was expected on Saturday 21 November and is late.")
    on_time = Refund(number="RF-12345", amount_cents=1999, status="approved", expected_by=TODAY + timedelta(days=3))
    assert describe_refund(on_time, TODAY).name == "utter_refund_approved"
    assert describe_refund(on_time, TODAY).text().endswith("expect it in your account by Friday 27 November.")


@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_exit_cost_with_a_near_date(offset):
    today = clock.today()
    day = today + timedelta(days=offset)
    plan = Plan(code="fibre_100", name="Fibre 100")
    ending = Subscription(plan=plan, status="cancelling", ends_on=day, monthly_price_cents=2900)
    active = Subscription(plan=plan, status="active", monthly_price_cents=2900)
    for cost in (
        ExitCost(ending, day, today + timedelta(days=30), 0, 0, 30),
        ExitCost(active, day, today + timedelta(days=30), 0, 0, 30),
    ):
        sentence = cost.reply().text()
        assert reads_well(sentence) and say_date(day) in sentence, sentence
    assert ("term ends tomorrow" in sentence) == (offset == 1), sentence  # not "ended" before it has
