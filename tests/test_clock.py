"""The one clock, ASSISTANT_TODAY, and the date windows tested at their edges."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from assistant import clock
from assistant.cx.feedback import FOLLOW_UP_WITHIN, is_overdue
from assistant.dates import say_date
from assistant.models import FollowUp
from assistant.offers.profile import CustomerProfile, OrderFact, PlanHeld
from assistant.offers.questions import RECENT_ORDER_DAYS, _record_facts

TODAY = date(2027, 3, 15)


@pytest.fixture
def real_now(monkeypatch):
    """Pin the real clock to a known instant, so the shift is checked exactly."""
    instant = datetime(2026, 12, 1, 15, 30, 5)
    monkeypatch.setattr(clock, "_real_utc_now", lambda: instant)
    monkeypatch.delenv(clock.TODAY_SETTING, raising=False)
    return instant


def test_without_the_setting_the_clock_is_the_real_utc_one(real_now):
    assert clock.now() == real_now
    assert clock.today() == date(2026, 12, 1)


def test_assistant_today_moves_the_date_and_keeps_the_time_of_day(real_now, monkeypatch):
    monkeypatch.setenv(clock.TODAY_SETTING, "2027-03-15")
    assert clock.today() == TODAY
    assert clock.now() == datetime(2027, 3, 15, 15, 30, 5)
    monkeypatch.setenv(clock.TODAY_SETTING, "2026-11-30")
    assert clock.today() == date(2026, 11, 30)


def test_a_setting_that_is_not_a_date_is_refused_with_its_name(real_now, monkeypatch):
    monkeypatch.setenv(clock.TODAY_SETTING, "next tuesday")
    with pytest.raises(clock.ClockSettingError, match="ASSISTANT_TODAY='next tuesday' is not a date"):
        clock.today()
    assert clock.check_setting().startswith("ASSISTANT_TODAY=")


def test_what_customers_read_is_in_the_business_time_zone(monkeypatch):
    monkeypatch.delenv(clock.TODAY_SETTING, raising=False)
    monkeypatch.setattr(clock, "_real_utc_now", lambda: datetime(2027, 7, 1, 7, 30))
    assert clock.local_now("Europe/London") == datetime(2027, 7, 1, 8, 30)  # BST
    monkeypatch.setattr(clock, "_real_utc_now", lambda: datetime(2027, 1, 4, 7, 30))
    assert clock.local_now("Europe/London") == datetime(2027, 1, 4, 7, 30)  # GMT


def test_say_date_at_the_edges_of_a_year():
    new_year = date(2027, 1, 1)
    assert say_date(date(2026, 12, 31), new_year) == "yesterday"
    assert say_date(date(2026, 12, 30), new_year) == "Wednesday 30 December 2026"
    assert say_date(date(2027, 1, 3), new_year) == "Sunday 3 January"


def test_a_follow_up_is_overdue_the_minute_after_it_is_due():
    opened = datetime(2027, 3, 15, 9, 0)
    follow_up = FollowUp(status="open", due_at=opened + FOLLOW_UP_WITHIN)
    assert not is_overdue(follow_up, opened + FOLLOW_UP_WITHIN - timedelta(minutes=1))
    assert not is_overdue(follow_up, opened + FOLLOW_UP_WITHIN)
    assert is_overdue(follow_up, opened + FOLLOW_UP_WITHIN + timedelta(minutes=1))
    follow_up.status = "resolved"
    assert not is_overdue(follow_up, opened + timedelta(days=30))


def _profile(joined_days_ago: int, order_days_ago: int = 400) -> CustomerProfile:
    plan = PlanHeld("fibre_100", "Fibre 100", "broadband", 100, TODAY - timedelta(days=joined_days_ago))
    placed = datetime.combine(TODAY - timedelta(days=order_days_ago), datetime.min.time())
    order = OrderFact("ORD-1", "delivered", placed, ("Tablet",))
    return CustomerProfile(
        customer_id="C09999",
        first_name="Lee",
        region="Wales",
        joined_on=TODAY - timedelta(days=joined_days_ago),
        today=TODAY,
        plans=(plan,),
        orders=(order,),
    )


@pytest.mark.parametrize(
    "days, kind, words",
    [
        (364, "new_customer", "52"),
        (365, "tenure", "first year"),
        (729, "tenure", "first year"),
        (730, "tenure", "2 years"),
    ],
)
def test_tenure_milestones_the_day_before_and_after(days, kind, words):
    facts = _record_facts(_profile(days))
    assert set(facts) & {"tenure", "new_customer"} == {kind}
    assert words in (facts[kind].get("tenure_years") or facts[kind].get("tenure_weeks"))


def test_a_recent_delivery_is_recent_until_the_last_day_of_its_window():
    assert "recent_delivery" in _record_facts(_profile(900, order_days_ago=RECENT_ORDER_DAYS))
    assert "recent_delivery" not in _record_facts(_profile(900, order_days_ago=RECENT_ORDER_DAYS + 1))
