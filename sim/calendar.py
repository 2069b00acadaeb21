"""The model calendar: one step is one day, from a start date over a horizon in months."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

DAYS_PER_YEAR = 365.25  # mean Julian year: rates per year become rates per day by this
DAYS_PER_MONTH = DAYS_PER_YEAR / 12  # mean month, for "months since start" outcomes and monthly rates
DAYS_PER_WEEK = 7  # the narcotics and security phases act once a week


def next_multiple(day: int, every: int) -> int:
    """The first day from `day` on that is a multiple of `every` (a weekly phase's next day)."""
    return -(-day // every) * every


def parse_date(text: str, key: str) -> dt.date:
    """Parse an ISO date (YYYY-MM-DD) or raise ValueError naming the config key."""
    try:
        return dt.date.fromisoformat(str(text))
    except ValueError:
        raise ValueError(f"{key} = {text!r} is not a date; use YYYY-MM-DD") from None


def add_months(date: dt.date, months: int) -> dt.date:
    """The same day-of-month `months` later (clamped to the month's last day); ValueError when
    that lies beyond the calendar (after the year 9999)."""
    y, m = divmod(date.month - 1 + months, 12)
    year, month = date.year + y, m + 1
    if not dt.MINYEAR <= year <= dt.MAXYEAR:
        raise ValueError(f"{months} months after {date} is beyond the year {dt.MAXYEAR}")
    last_day = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(date.day, last_day))


@dataclass(frozen=True)
class Calendar:
    """Dates of the run. Day 0 is the start date; step d moves the model to day d."""

    start: dt.date
    end: dt.date

    @classmethod
    def from_config(cls, start: str, horizon_months: int) -> "Calendar":
        s = parse_date(start, "model.calendar.start")
        return cls(s, add_months(s, horizon_months))

    @property
    def n_days(self) -> int:
        return (self.end - self.start).days

    def date(self, day: int) -> dt.date:
        return self.start + dt.timedelta(days=day)

    def day_of(self, date: dt.date) -> int:
        return (date - self.start).days

    def months_since_start(self, day: int) -> float:
        return day / DAYS_PER_MONTH

    def is_month_end(self, day: int) -> bool:
        """True when `day` is the last day of a calendar month, or the last day of the run."""
        return day == self.n_days or self.date(day + 1).day == 1
