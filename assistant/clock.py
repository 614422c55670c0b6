"""The product's one clock: what "now" and "today" are.

Everything stored is UTC (naive datetimes, as the database columns are).
`ASSISTANT_TODAY=2027-03-15` moves the whole product, the demo generator
included, to that day while the time of day keeps running: the test suite
runs as of another date with it (`.ci/run` does, months away), so a date
dependence fails on the day it is written rather than weeks later.
"""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Optional

TODAY_SETTING = "ASSISTANT_TODAY"


class ClockSettingError(ValueError):
    """ASSISTANT_TODAY is set but is not a date."""


@lru_cache(maxsize=8)
def _offset_for(setting: str, real_today: date) -> timedelta:
    try:
        wanted = date.fromisoformat(setting.strip())
    except ValueError:
        raise ClockSettingError(f"{TODAY_SETTING}={setting!r} is not a date like 2027-03-15") from None
    return wanted - real_today


def _real_utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def offset() -> timedelta:
    """How far the product's clock is from the real one (zero unless ASSISTANT_TODAY is set)."""
    setting = os.environ.get(TODAY_SETTING, "").strip()
    if not setting:
        return timedelta(0)
    return _offset_for(setting, _real_utc_now().date())


def now() -> datetime:
    """The current time in UTC, naive (as stored)."""
    return _real_utc_now() + offset()


def today() -> date:
    """Today's date in UTC."""
    return now().date()


def check_setting() -> Optional[str]:
    """A one-line complaint about ASSISTANT_TODAY, or None when it is unset or a date."""
    try:
        offset()
    except ClockSettingError as error:
        return str(error)
    return None


def local_now(timezone_name: str) -> datetime:
    """The current wall-clock time where the business is (naive, in that zone): opening hours, what customers read."""
    from zoneinfo import ZoneInfo

    return now().replace(tzinfo=timezone.utc).astimezone(ZoneInfo(timezone_name)).replace(tzinfo=None)
