"""Dates in the words a customer uses ("today", "tomorrow", "Friday 27 November")."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Optional, Union

from assistant import clock


def say_date(day: Union[date, datetime, None], today: Optional[date] = None) -> str:
    if day is None:
        return "an unknown date"
    if isinstance(day, datetime):
        day = day.date()
    today = today or clock.today()
    if day == today:
        return "today"
    if day == today + timedelta(days=1):
        return "tomorrow"
    if day == today - timedelta(days=1):
        return "yesterday"
    return f"{day:%A} {day.day} {day:%B}" + ("" if day.year == today.year else f" {day.year}")


# Build sentences with these rather than "on {say_date(...)}", which reads
# "due on yesterday" or "arrives on today" as soon as the day is near.
RELATIVE_DAYS = ("today", "tomorrow", "yesterday")


def on_date(day: Union[date, datetime, None], today: Optional[date] = None) -> str:
    """When something happens: "on Friday 27 November", but "yesterday", never "on yesterday"."""
    said = say_date(day, today)
    return said if said in RELATIVE_DAYS else f"on {said}"


def by_date(day: Union[date, datetime, None], today: Optional[date] = None) -> str:
    """A deadline still to come: "by Friday 27 November", "by tomorrow", but "today", not "by today"."""
    said = say_date(day, today)
    return said if said == "today" else f"by {said}"


def add_business_days(start: date, days: int) -> date:
    day = start
    while days > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def add_months(start: date, months: int) -> date:
    """The same day `months` later (the month's last day when it has no such day)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    for day in range(start.day, 27, -1):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    return date(year, month, min(start.day, 28))
