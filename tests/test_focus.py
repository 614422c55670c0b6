"""Which order a follow-up means (assistant/focus.py), without Rasa."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from assistant.focus import OrderCandidate, item_categories, resolve_order

NOW = datetime(2027, 3, 15, 12, 0)
LAPTOP = OrderCandidate("ORD-100001", NOW - timedelta(days=2), "out_for_delivery", ("Aero 13 laptop",), ("laptop",))
MESH = OrderCandidate("ORD-100006", NOW, "processing", ("Mesh Wi-Fi pack of 2",), ("mesh",))
TABLET = OrderCandidate("ORD-100002", NOW - timedelta(days=12), "returned", ("Slate 10 tablet",), ("tablet",))
PHONE_OLD = OrderCandidate("ORD-200001", NOW - timedelta(days=300), "delivered", ("Nova A5 phone",), ("phone",))
PHONE_NEW = OrderCandidate("ORD-200002", NOW - timedelta(days=20), "delivered", ("Nova X9 phone",), ("phone",))
ORDERS = (LAPTOP, MESH, TABLET)


@pytest.mark.parametrize(
    "text, focus, how, number",
    [
        ("wheres my laptop", None, "item", "ORD-100001"),
        ("what about the mesh wifi order", "ORD-100001", "item", "ORD-100006"),
        ("not that one, the router", "ORD-100001", "unknown_item", None),
        ("sorry I meant the tablet", "ORD-100001", "item", "ORD-100002"),
        ("when will it arrive?", "ORD-100001", "focus", "ORD-100001"),
        ("and is it insured?", "ORD-100006", "focus", "ORD-100006"),
        ("where is my order", None, "default", "ORD-100006"),
        ("the second order", None, "ordinal", "ORD-100001"),
        ("what about my latest order", "ORD-100002", "ordinal", "ORD-100006"),
        ("the oldest one", None, "ordinal", "ORD-100002"),
    ],
)
def test_a_follow_up_resolves_against_the_focus(text, focus, how, number):
    resolution = resolve_order(text, ORDERS, focus)
    assert (resolution.how, resolution.number) == (how, number)


def test_the_other_one_is_the_one_not_in_focus():
    assert resolve_order("the other order?", (LAPTOP, MESH), "ORD-100001").number == "ORD-100006"
    assert resolve_order("and the other one", (LAPTOP, MESH), "ORD-100006").number == "ORD-100001"
    several = resolve_order("the other order?", ORDERS, "ORD-100001")
    assert several.how == "ambiguous" and set(several.options) == {"ORD-100006", "ORD-100002"}


def test_two_orders_holding_the_item_are_asked_about_unless_a_word_picks_one():
    both = resolve_order("where's my phone", (PHONE_OLD, PHONE_NEW))
    assert both.how == "ambiguous" and both.options == ("ORD-200002", "ORD-200001")
    assert resolve_order("the older phone", (PHONE_OLD, PHONE_NEW)).number == "ORD-200001"
    assert resolve_order("my latest phone order", (PHONE_OLD, PHONE_NEW)).number == "ORD-200002"


def test_a_number_said_outright_wins_and_no_orders_is_none():
    assert resolve_order("the laptop, ORD-999999", ORDERS, said_number="ORD-999999").how == "explicit"
    assert resolve_order("where is it", ()).how == "none"


def test_item_words():
    assert item_categories("my new telly and the charger") == ["tv", "accessory"]
    assert item_categories("the hub 7") == ["router"]
    assert item_categories("where is my order") == []
