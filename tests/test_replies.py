"""The demo's replies come from domain.yml: every template renders, and every placeholder is filled.

Rasa fills a response's `{placeholders}` from the values an action passes
and from the slots; a placeholder nobody fills reaches the customer as
"{order_number}". These tests render every response with sample values, the
way Rasa does and the way `assistant/replies.py` does, and check in the code
that each response chosen by name gets the values its template asks for.
"""

from __future__ import annotations

import ast
import copy
import re
from pathlib import Path
from typing import Dict, Iterator, List, Set, Tuple

import pytest
import yaml
from rasa.core.nlg.interpolator import interpolate

from assistant.replies import Reply, placeholders, render

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text())
SLOTS = set(DOMAIN["slots"])
# Keywords of `dispatcher.utter_message` itself: a placeholder of that name could never be passed.
UTTER_KEYWORDS = {"text", "image", "json_message", "response", "attachment", "buttons", "elements", "template"}

# A value for every placeholder in domain.yml, as the core or an action would give it.
SAMPLE_VALUES: Dict[str, str] = {
    "ordered_on": "on Sunday 29 November",
    "total": "£918.00",
    "addon": "Device Protection",
    "addons": "Device Protection, Online Security",
    "address": "14 Castle Street",
    "advice": "Please update your card details in your account first.",
    "after": "£41.50",
    "amount": "£129.00",
    "attribute": "region",
    "before": "£39.00",
    "company": "Vinted",
    "bill_number": "INV-1000003",
    "bought": "a laptop",
    "by_day": "by Friday 4 December",
    "carrier": "DPD",
    "changes_text": "Device Protection (new add-on): £6.00, new on this bill",
    "closure_facts": "Your Fibre 500 plan would be cancelled with the usual notice, and any early exit fee would apply.",
    "costs": "Fibre 500: your minimum term ended on Friday 3 December 2021, so there's no fee to leave.",
    "count": "2",
    "customer_name": "Jane",
    "deadline": "Friday 4 December",
    "delivered_on": "on Friday 20 November",
    "delta": "£5.00",
    "delta_text": "£8.50 more than",
    "description": "repair or replacement of devices bought from us",
    "difference": "£5.00",
    "due_on": "on Tuesday 15 December",
    "due_text": "It is due on Tuesday 15 December.",
    "effective": "01 January 2027",
    "email": "jane.doe@example.com",
    "ends_on": "Friday 1 January",
    "eta": "tomorrow",
    "expected_by": "by Saturday 5 December",
    "expected_on": "on Saturday 21 November",
    "failed_on": "yesterday",
    "failure_reason": "card expired",
    "fee": "£290.00",
    "first": "where your order is",
    "first_button": "Where your order is",
    "first_intent": "track_order",
    "issue": "no connection",
    "item": "tablet",
    "items": "Aero 13 laptop and 65 W USB-C charger",
    "last_day": "Friday 1 January 2027",
    "latest_total": "£51.50",
    "line": "Fibre 500 monthly charge",
    "lines_text": "Fibre 500 monthly charge £41.50",
    "masked_email": "j***@example.com",
    "monthly": "£29.00",
    "months_left": "10",
    "moves_on": "Saturday 12 December",
    "new_plan": "Fibre 100",
    "new_price": "£29.00",
    "next_step": "We'll send the right item today and a prepaid label to return the wrong one.",
    "notice_days": "30",
    "offer": "move your service to your new address at no charge",
    "old_address": "1 Old Lane",
    "old_plan": "Fibre 500",
    "old_postcode": "LS1 4AP",
    "open_day": "Monday",
    "open_time": "08:00",
    "opened_on": "on Saturday 28 November",
    "order_number": "ORD-100001",
    "orders": "ORD-100001, ORD-100004",
    "owned": "Online Security",
    "paid_on": "on Monday 23 November",
    "period_end": "31 Dec 2026",
    "period_start": "01 Dec",
    "plan_name": "Fibre 500",
    "plans": "Fibre 500 and TV Basics",
    "position": "2",
    "postcode": "EH2 3AH",
    "previous_total": "£43.00",
    "price": "£41.50",
    "problem": "a damaged delivery",
    "processing_days": "5",
    "reading": "a payment problem",
    "reading_intent": "payment_problem",
    "reason": "order ORD-100001 has already left our warehouse",
    "reference": "SUB-42",
    "refund_number": "RF-10001",
    "refund_sentence": "Refund RF-10001 for order ORD-100002 (£329.00) was paid yesterday.",
    "reported_on": "Monday 23 November",
    "reports": "third",
    "response_hours": "24",
    "saving": "£12.50",
    "speed": "It gives speeds up to 500 Mbps.",
    "speed_mbps": "500",
    "second": "a problem with a delivery",
    "second_button": "A problem with a delivery",
    "second_intent": "delivery_problem",
    "setting": "north",
    "share": "42%",
    "start_date": "01 January 2027",
    "started_on": "Thursday 3 December 2020",
    "status": "out for delivery",
    "status_sentence": "Order ORD-100001 (Slate 10 tablet) was returned to us.",
    "subject": "Broadband keeps dropping in the evening",
    "term_ends": "Friday 3 December 2027",
    "ticket_number": "TKT-565359",
    "ticket_status": "still open with our team",
    "tickets": "TKT-100001, Broadband keeps dropping in the evening, opened Saturday 28 November",
    "tier": "gold",
    "tracking_number": "TRK9979544025GB",
    "unpaid": "£10.50",
    "updated_on": "yesterday",
    "which_refund": "Refund RF-10001 for order ORD-100002 (£329.00)",
    "window_days": "30",
    "within": "2 working days",
}


def responses() -> Iterator[Tuple[str, dict]]:
    for name, variations in DOMAIN["responses"].items():
        for variation in variations:
            yield name, variation


def template_strings(variation: dict) -> List[str]:
    buttons = variation.get("buttons") or []
    return [variation.get("text", "")] + [b["title"] for b in buttons] + [b["payload"] for b in buttons]


def test_every_placeholder_has_a_sample_value_and_none_is_an_utter_message_keyword():
    named = {key for _, variation in responses() for text in template_strings(variation) for key in placeholders(text)}
    assert sorted(named - set(SAMPLE_VALUES)) == []  # a new placeholder: add its sample value here
    assert sorted(named & UTTER_KEYWORDS) == []
    assert sorted(set(SAMPLE_VALUES) - named) == []  # a sample for a placeholder no longer used


@pytest.mark.parametrize("name", sorted(DOMAIN["responses"]))
def test_every_response_renders_with_sample_values(name):
    """Filled as Rasa fills it: nothing left in braces, and the core's own rendering says the same."""
    for variation in DOMAIN["responses"][name]:
        filled = interpolate(copy.deepcopy(variation), dict(SAMPLE_VALUES))
        text = filled.get("text", "")
        assert text.strip() and "{" not in text and "}" not in text, text
        for button in filled.get("buttons") or []:
            assert button["title"].strip() and "{" not in button["title"], button
            assert re.search(r"{\w+}", button["payload"]) is None, button  # '/inform{"x": "y"}' is JSON, filled
    assert render(name, SAMPLE_VALUES) == interpolate(DOMAIN["responses"][name][0]["text"], dict(SAMPLE_VALUES))


def test_rendering_without_a_value_fails_loudly_rather_than_showing_braces():
    with pytest.raises(KeyError, match="order_number"):
        Reply("utter_order_status_returned", {"items": "Slate 10 tablet"}).text()
    with pytest.raises(KeyError):
        render("utter_no_such_response", {})
    assert Reply("utter_order_status_returned", {"order_number": "ORD-1", "items": "a tablet"}).text() == (
        "Order ORD-1 (a tablet) was returned to us."
    )


# --- each response chosen by name gets the values its template asks for ----------------


def _literal_names(node: ast.AST) -> List[str]:
    """ "utter_x", or both names of "utter_x" if ... else "utter_y"."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("utter_"):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _literal_names(node.body) + _literal_names(node.orelse)
    return []


def choices_in_code() -> Iterator[Tuple[str, str, Set[str], bool]]:
    """(where, response, the values given, whether slots may fill the rest) for each choice with known values.

    `dispatcher.utter_message(response="utter_x", a=..., b=...)` in actions/ (Rasa adds the slots), and
    `Reply("utter_x", {"a": ..., "b": ...})` in assistant/ and actions/ (rendered by the core too, so no slots).
    A choice whose values are unpacked from elsewhere (`**reply.values`) is checked by the tests of its core.
    """
    for path in sorted([*(ROOT / "actions").glob("*.py"), *(ROOT / "assistant").rglob("*.py")]):
        where = str(path.relative_to(ROOT))
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr == "utter_message":
                keywords = {k.arg: k.value for k in node.keywords}
                if None in keywords or "response" not in keywords:
                    continue  # **values: checked where they are made
                for name in _literal_names(keywords["response"]):
                    yield where, name, set(keywords) - {"response", "buttons"}, True
            elif isinstance(func, ast.Name) and func.id == "Reply" and node.args:
                names = _literal_names(node.args[0])
                if len(node.args) == 1:
                    given: Set[str] = set()
                elif isinstance(node.args[1], ast.Dict) and None not in node.args[1].keys:
                    given = {k.value for k in node.args[1].keys if isinstance(k, ast.Constant)}
                else:
                    continue  # {**facts, ...} or a variable: checked by the tests of that function
                for name in names:
                    yield where, name, given, False


def test_each_response_chosen_by_name_gets_every_value_its_template_asks_for():
    texts = {name: template_strings(variations[0]) for name, variations in DOMAIN["responses"].items()}
    checked, unfilled = 0, []
    for where, name, given, slots_fill in choices_in_code():
        assert name in texts, f"{where}: {name} is not in domain.yml"
        asked = {key for text in texts[name] for key in placeholders(text)}
        missing = asked - given - (SLOTS if slots_fill else set())
        if missing:
            unfilled.append(f"{where}: {name} without {', '.join(sorted(missing))}")
        checked += 1
    assert unfilled == []
    assert checked > 80


def test_responses_rasa_utters_by_itself_need_only_slots():
    """A response a rule, a story or a form says needs no value an action would pass."""
    said_by_rasa = set()
    for path in (ROOT / "data").rglob("*.yml"):
        said_by_rasa |= set(re.findall(r"action: (utter_\w+)", path.read_text()))
    form_slots = {slot for form in DOMAIN["forms"].values() for slot in form["required_slots"]}
    said_by_rasa |= {f"utter_ask_{slot}" for slot in form_slots if f"utter_ask_{slot}" in DOMAIN["responses"]}
    assert said_by_rasa
    for name in sorted(said_by_rasa):
        asked = {key for text in template_strings(DOMAIN["responses"][name][0]) for key in placeholders(text)}
        assert asked <= SLOTS, (name, asked - SLOTS)
