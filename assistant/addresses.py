"""A new address as a customer types it: the address line, the postcode and when the move happens.

`read_address("we're moving to 22 Elm Close, Leeds LS6 2AB next month", today)`
gives the line "22 Elm Close, Leeds", the postcode "LS6 2AB" and the move on the
first of next month. What is taken off the message before the line is kept:

- timing, anywhere in it ("next month", "from the 15th", "on 3 January",
  "from 03/01", "in two weeks", "from Monday", "tomorrow", "today", "already");
- the postcode (the last one written, read as `UK_POSTCODE` reads it), or
  half of one at the end ("London E1") when there is no valid one;
- a lead-in ("it's", "my new address is", "we're moving to", "change it to",
  "send it to", ...) and greetings before it ("hi", "ok");
- politeness at the end ("please", "thanks", "cheers", "ta").

Commas between address parts stay as the customer wrote them; whitespace is
tidied and punctuation trimmed from both ends. The line is at most 200
characters, and only the first 2,000 characters of a message are read.

How timing is read (`today` is the customer's today):

- "next month" is its first day, "next week" its Monday, "next year" 1 January;
- "the 15th" is the next 15th: this month while it is still ahead, else next
  month. A month without that day stands for its last day, as
  `assistant.dates.add_months` treats short months ("the 31st" read on 10
  November is 30 November), unless that last day is today ("the 31st" read on
  30 November is 31 December);
- a date without a year ("3 January", "03/01", UK day first) is the next one,
  so next year once this year's has passed; a date with a year is taken as
  written. A date that does not exist ("31/02") is taken off the line but
  gives no day;
- "from Monday", "on Friday", "next Friday" are the next such weekday after
  today (a bare "Friday" could be Friday Street, so a weekday needs its word);
- "in two weeks", "in a fortnight", "a month from now" count from today;
- "the end of the month", "in March", "from the start of March", "this
  weekend" are read too (a month is its 1st, or its last day for "end of");
- a day that is today or past, "now", "today", "already", "last week", or a
  move told in the past tense ("we've moved", "I moved on the 3rd") means
  the move has happened: `moves_on` is None. A plainly future phrase in the
  same message ("we've moved, change it from next month") still gives its day.

When there are several timing phrases, the first that names a future day is
the one used; all of them are taken off the line.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Callable, Iterable, List, Optional, Tuple

from assistant import clock
from assistant.customers import UK_POSTCODE  # where it is defined: assistant.orders may come to import this module
from assistant.dates import add_months

MAX_LINE = 200
MAX_MESSAGE = 2000

PROBLEMS = ("no_postcode", "no_street", "not_an_address")


@dataclass(frozen=True)
class AddressReading:
    line: Optional[str]  # the address without lead-in, timing, politeness and postcode: "14 Park Road, Manchester"
    postcode: Optional[str]  # normalised UK postcode ("M20 2AB"), or None when there is none or it is not valid
    moves_on: Optional[date]  # the day of the move when the customer says it is in the future, else None
    timing_words: Optional[str]  # the words that gave the timing: "next month", "from the 15th"
    problem: Optional[str]  # None when line and postcode are usable; else one of PROBLEMS


# --- words -------------------------------------------------------------------------

FULL_MONTHS = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}  # fmt: skip
WEEKDAYS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tues": 1, "tue": 1, "wednesday": 2, "weds": 2, "wed": 2,
    "thursday": 3, "thurs": 3, "thur": 3, "thu": 3, "friday": 4, "fri": 4, "saturday": 5, "sat": 5,
    "sunday": 6, "sun": 6,
}  # fmt: skip
NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "a couple of": 2, "couple of": 2,
}  # fmt: skip


def _alternatives(words: Iterable[str]) -> str:
    """A regex alternation, longest words first so "march" is tried before "mar"."""
    return "|".join(sorted((re.escape(word).replace(r"\ ", r"\s+") for word in words), key=len, reverse=True))


MONTH_NAME = rf"(?P<month>{_alternatives(MONTHS)})(?:\.|\b)"
FULL_MONTH_NAME = rf"(?P<month>{_alternatives(FULL_MONTHS)})\b"
WEEKDAY_NAME = rf"(?:{_alternatives(WEEKDAYS)})"
COUNT = rf"(?P<count>{_alternatives(NUMBER_WORDS)}|\d{{1,3}})"
PREP = r"(?:(?:with\s+effect\s+|as\s+)?from|as\s+of|starting(?:\s+(?:on|from))?|beginning|effective(?:\s+from)?|on|by)"
DAY = r"(?P<day>\d{1,2})(?P<ordinal>st|nd|rd|th)?\b"
YEAR = r"(?:,?\s+(?P<year>\d{4})\b)?"


# --- timing ------------------------------------------------------------------------

# What a timing phrase says: (understood, the day or None when it is now or past, rolled forward).
# "Rolled forward" marks a day the customer did not place in a year or month ("the 15th",
# "Friday"): a move told in the past tense reads those as past.
Timing = Tuple[bool, Optional[date], bool]
NOT_TIMING: Timing = (False, None, False)


def _future(day: date, today: date, rolled: bool = False) -> Timing:
    return (True, day if day > today else None, rolled)


def _last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _month_after(year: int, month: int) -> Tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def _day_in_month(year: int, month: int, day: int) -> date:
    """That day of the month, or the month's last day when it is shorter."""
    return date(year, month, min(day, _last_day(year, month)))


def _next_day_of_month(day: int, today: date) -> date:
    """The next `day` of a month from today: today itself, later this month, or next month.

    A month without that day stands for its last day, unless that is today:
    "the 31st" on 30 November is 31 December, not today.
    """
    if day == today.day:
        return today
    if day > today.day:
        candidate = _day_in_month(today.year, today.month, day)
        if candidate > today:
            return candidate
    return _day_in_month(*_month_after(today.year, today.month), day)


def _count(match: re.Match) -> int:
    word = re.sub(r"\s+", " ", match.group("count").lower())
    return NUMBER_WORDS[word] if word in NUMBER_WORDS else int(word)


def _after(count: int, unit: str, today: date) -> date:
    unit = unit.lower().rstrip("s")
    if unit == "day":
        return today + timedelta(days=count)
    if unit == "week":
        return today + timedelta(weeks=count)
    return add_months(today, count)


def _no_day(match: re.Match, today: date) -> Timing:
    """Now, or already past: the move has happened."""
    return (True, None, False)


def _tomorrow(match: re.Match, today: date) -> Timing:
    return _future(today + timedelta(days=2 if match.group("after") else 1), today)


def _next_unit(match: re.Match, today: date) -> Timing:
    unit = match.group("unit").lower()
    if unit == "week":
        return _future(today + timedelta(days=7 - today.weekday()), today)
    if unit == "month":
        return _future(date(*_month_after(today.year, today.month), 1), today)
    return _future(date(today.year + 1, 1, 1), today)


def _end_of_month(match: re.Match, today: date) -> Timing:
    year, month = today.year, today.month
    if match.group("which").lower() == "next":
        year, month = _month_after(year, month)
    return _future(date(year, month, _last_day(year, month)), today)


def _weekend(match: re.Match, today: date) -> Timing:
    if today.weekday() >= 5:
        return (True, None, False)
    return _future(today + timedelta(days=5 - today.weekday()), today, rolled=True)


def _in_count(match: re.Match, today: date) -> Timing:
    return _future(_after(_count(match), match.group("unit"), today), today)


def _fortnight(match: re.Match, today: date) -> Timing:
    return _future(today + timedelta(days=14), today)


def _weekday(match: re.Match, today: date) -> Timing:
    wanted = WEEKDAYS[match.group("weekday").lower()]
    return _future(today + timedelta(days=(wanted - today.weekday() - 1) % 7 + 1), today, rolled=True)


def _ordinal_day(match: re.Match, today: date) -> Timing:
    if not (match.group("ordinal") or match.group("the")):
        return NOT_TIMING  # "on 15 Park Road" is a house number
    day = int(match.group("day"))
    if not 1 <= day <= 31:
        return NOT_TIMING
    if (match.group("which") or "").lower() == "next":
        return _future(_day_in_month(*_month_after(today.year, today.month), day), today)
    return _future(_next_day_of_month(day, today), today, rolled=True)


def _dated(day: int, month: int, year: Optional[str], today: date) -> Timing:
    """A day of a month; one that does not exist (31/02) is timing all the same, giving no day."""
    if year:
        number = int(year)
        try:
            return _future(date(number + 2000 if number < 100 else number, month, day), today)
        except ValueError:
            return (True, None, False)
    for year_ahead in range(today.year, today.year + 9):  # 29 February waits for a leap year
        try:
            candidate = date(year_ahead, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return _future(candidate, today, rolled=True)
    return (True, None, False)


def _day_month(match: re.Match, today: date) -> Timing:
    if not (match.group("prep") or match.group("ordinal") or match.group("the") or match.group("year")):
        return NOT_TIMING  # "12 March Road" is an address
    return _dated(int(match.group("day")), MONTHS[match.group("month").lower()], match.group("year"), today)


def _month_day(match: re.Match, today: date) -> Timing:
    if not (match.group("prep") or match.group("ordinal") or match.group("year")):
        return NOT_TIMING
    return _dated(int(match.group("day")), MONTHS[match.group("month").lower()], match.group("year"), today)


def _numeric(match: re.Match, today: date) -> Timing:
    return _dated(int(match.group("day")), int(match.group("month")), match.group("year"), today)


def _month_only(match: re.Match, today: date) -> Timing:
    month = MONTHS[match.group("month").lower()]
    part = (match.group("part") or "start").lower()
    year = int(match.group("year")) if match.group("year") else today.year
    if not match.group("year") and month < today.month:
        year += 1
    day = {"middle": 15, "end": _last_day(year, month)}.get(part, 1)
    candidate = date(year, month, day)
    if not match.group("year") and candidate <= today and month == today.month:
        return (True, None, False)  # "in December", said in December: it is this month, so now
    return _future(candidate, today, rolled=not match.group("year"))


TIMING_PATTERNS: List[Tuple[str, Callable[[re.Match, date], Timing]]] = [
    (
        rf"(?:{PREP}\s+)?(?P<after>the\s+day\s+after\s+)?tomorrow",
        _tomorrow,
    ),
    (
        r"from\s+now\s+on|(?:(?:from|as\s+of|starting)\s+)?(?:today|tonight|right\s+now|now|already|immediately"
        r"|straight\s+away|right\s+away|asap|as\s+soon\s+as\s+possible|with\s+immediate\s+effect)",
        _no_day,
    ),
    (
        r"yesterday|the\s+other\s+day|recently|last\s+(?:week|weekend|month|year|" + WEEKDAY_NAME + r")"
        r"|(?:a\s+(?:few|couple\s+of)|\d{1,2}|two|three|four|five|six)\s+(?:days?|weeks?|months?)\s+ago",
        _no_day,
    ),
    (
        rf"(?:(?:{PREP}|at)\s+)?(?:the\s+)?(?:(?:start|beginning)\s+of\s+)?next\s+(?P<unit>week|month|year)",
        _next_unit,
    ),
    (rf"(?:(?:{PREP}|at|for)\s+)?(?:the\s+)?end\s+of\s+(?P<which>the|this|next)\s+month", _end_of_month),
    (rf"(?:(?:{PREP}|at|over|this|next)\s+)*(?:the\s+)?weekend", _weekend),
    (
        rf"in\s+(?:about\s+|around\s+|roughly\s+|just\s+)?{COUNT}\s+(?P<unit>days?|weeks?|months?)(?:'?\s+time)?",
        _in_count,
    ),
    (rf"{COUNT}\s+(?P<unit>days?|weeks?|months?)\s+(?:from\s+)?(?:now|today)", _in_count),
    (r"in\s+(?:a|one)\s+fortnight(?:'?s?\s+time)?|a\s+fortnight\s+(?:from\s+)?(?:now|today)", _fortnight),
    (
        rf"(?:(?P<prep>{PREP})\s+)?(?:{WEEKDAY_NAME},?\s+)?(?P<the>the\s+)?{DAY}(?:\s+of)?\s+{MONTH_NAME}{YEAR}",
        _day_month,
    ),
    (rf"(?:(?P<prep>{PREP})\s+)?(?:{WEEKDAY_NAME},?\s+)?{MONTH_NAME}\s+(?:the\s+)?{DAY}{YEAR}", _month_day),
    (
        rf"{PREP}\s+(?:the\s+)?(?P<day>\d{{1,2}})[/.](?P<month>\d{{1,2}})(?:[/.](?P<year>\d{{4}}|\d{{2}}))?(?![/.]?\d)",
        _numeric,
    ),
    (
        rf"{PREP}\s+(?:(?P<the>the)\s+)?{DAY}"
        r"(?:\s+of\s+(?:the\s+)?(?P<which>this|next)(?:\s+month)?|\s+of\s+the\s+month)?"
        r"(?!\s+(?:floor|storey|level))",  # "on the 2nd floor" is where, not when
        _ordinal_day,
    ),
    (rf"(?:(?:{PREP}|this|next|coming)\s+)+(?P<weekday>{WEEKDAY_NAME})", _weekday),
    (
        rf"(?:(?:(?:at|from|by|for)\s+)?(?:the\s+)?(?P<part>start|beginning|middle|end)\s+of|{PREP}|in|during)"
        rf"\s+{FULL_MONTH_NAME}{YEAR}",
        _month_only,
    ),
]
TIMING_PHRASES = [(re.compile(rf"\b(?:{pattern})\b", re.IGNORECASE), read) for pattern, read in TIMING_PATTERNS]

MOVED_ALREADY = re.compile(
    r"\b(?:(?:we|i|they)(?:'ve|\s+have|'d|\s+had)?|have|has)\s+(?:just\s+|already\s+|recently\s+|finally\s+)*"
    r"(?:moved|relocated)\b",
    re.IGNORECASE,
)
MOVES_LATER = re.compile(r"\b(?:will|'ll|shall|going\s+to)\s+have\s+moved\b", re.IGNORECASE)


@dataclass(frozen=True)
class _Phrase:
    start: int
    end: int
    words: str
    day: Optional[date]
    rolled: bool


def _timing_phrases(text: str, today: date) -> List[_Phrase]:
    """Every timing phrase understood, in message order, none overlapping (the longer wins)."""
    found = []
    for pattern, read in TIMING_PHRASES:
        for match in pattern.finditer(text):
            try:
                understood, day, rolled = read(match, today)
            except (ValueError, OverflowError, KeyError):  # 31/02, year 10000: not a day
                continue
            if understood:
                found.append(_Phrase(match.start(), match.end(), _squash(match.group(0)), day, rolled))
    chosen: List[_Phrase] = []
    for phrase in sorted(found, key=lambda p: (p.start, -(p.end - p.start))):
        if not chosen or phrase.start >= chosen[-1].end:
            chosen.append(phrase)
    return chosen


def _read_timing(text: str, today: date) -> Tuple[str, Optional[date], Optional[str]]:
    """(the message without its timing phrases, the day of the move, the words that said so)."""
    phrases = _timing_phrases(text, today)
    moved = None if MOVES_LATER.search(text) else MOVED_ALREADY.search(text)
    for phrase in reversed(phrases):
        text = text[: phrase.start] + " " + text[phrase.end :]
    ahead = [phrase for phrase in phrases if phrase.day is not None and not (moved and phrase.rolled)]
    if ahead:
        return text, ahead[0].day, ahead[0].words
    if phrases:
        return text, None, phrases[0].words
    return text, None, _squash(moved.group(0)) if moved else None


# --- what is not the address -----------------------------------------------------

SUBJECT = (
    r"(?:we|i|they)(?:'re|'m|'ve|'ll\s+be|'ll|\s+are|\s+am|\s+have|\s+will\s+be|\s+will|\s+are\s+going\s+to\s+be)?"
)
LEAD_INS = re.compile(
    r"\b(?:"
    # we're moving to, I've moved to, moving house to, relocating to, moving into
    rf"(?:{SUBJECT}\s+)?(?:just\s+|already\s+|now\s+|recently\s+|finally\s+|soon\s+)*"
    r"(?:moving|move|moved|relocating|relocated)(?:\s+(?:house|home|over|out|in|across))*\s+(?:in)?to"
    # please change my address to, could you update it to
    r"|(?:(?:can|could|would|will)\s+you\s+)?(?:please\s+)?(?:change|update|switch|amend)\s+"
    r"(?:it|this|that|them|(?:my|our|the|your)(?:\s+\w+)?\s+address(?:es)?|my\s+details|the\s+details)?\s*"
    r"(?:over\s+)?to"
    # send it to, deliver my orders to
    r"|(?:(?:can|could|would|will)\s+you\s+)?(?:please\s+)?(?:send|deliver|post|ship|redirect|forward)\s+"
    r"(?:it\s+all|them\s+all|it|them|this|that|everything|all|(?:my|our|the)\s+\w+)?\s*(?:over\s+)?to"
    # we live at, I'm now at
    r"|(?:(?:we|i|they)(?:'re|'m|\s+are|\s+am|\s+now)?\s+)?(?:now\s+)?(?:live|living|based|staying|reside|residing)\s+at"
    r"|(?:we|i)(?:'re|'m|\s+are|\s+am)\s+(?:now\s+)?at"
    r"|change\s+of\s+address"
    # a correction: sorry I meant, no wait I meant, I should have said
    r"|(?:(?:sorry|oops|whoops|no|actually)\W+)*(?:wait\W+)?i\s+(?:meant|mean|should\s+have\s+said)"
    r"|(?:the\s+)?new\s+one\s+(?:is|will\s+be)|here\s+(?:it\s+is|you\s+go|you\s+are)"
    # my new address is, new address:, the address should be
    r"|(?:(?:my|our|the|his|her|their|your)\s+)?(?:new\s+|updated\s+|correct\s+|current\s+)?"
    r"(?:home\s+|delivery\s+|postal\s+|billing\s+|shipping\s+|house\s+)?address\b"
    r"(?:\s+(?:is\s+going\s+to\s+be|will\s+be|should\s+be|would\s+be|has\s+changed\s+to|is\s+changing\s+to"
    r"|changes\s+to|becomes|is\s+now|now\s+is|is)|'s)?"
    r")\b\s*[:=\-]?",
    re.IGNORECASE,
)
# Only where a sentence or clause starts: "it's" later in an address is part of it.
CLAUSE_LEAD_INS = re.compile(
    r"\b(?:(?:it|that|this)(?:'s|\s+is\s+going\s+to\s+be|\s+needs\s+to\s+be|\s+has\s+to\s+be|\s+will\s+be|'ll\s+be"
    r"|\s+should\s+be|\s+would\s+be|\s+is\s+now|\s+now\s+is|\s+is)|its|should\s+be|will\s+be)\b\s*[:=\-]?",
    re.IGNORECASE,
)
GREETINGS = re.compile(
    r"^(?:(?:hi|hello|hey|hiya|ok|okay|yes|yeah|yep|yup|sure|please|pls|um|erm|er|and|basically)\b"
    r"|(?:so|right|well|great|cool|alright|thanks|sorry|there)\b(?=\s*[,.!:;-]))[\s,.!:;-]*",
    re.IGNORECASE,
)
FILLER_BEFORE_CLAUSE = re.compile(r"(?:\b(?:ok|okay|so|yes|yeah|well|right|and|um|erm|sure|hi|hello|hey)\W*)+$", re.I)
POLITENESS = re.compile(
    r"[\s,.;:!-]*\b(?:please|pls|plz|thanks(?:\s+(?:very|so)\s+much|\s+a\s+lot|\s+again)?|thank\s+you"
    r"(?:\s+(?:very|so)\s+much)?|many\s+thanks|cheers|ta|thx|much\s+appreciated"
    r"|if\s+(?:that's|that\s+is)\s+(?:ok|okay|alright|possible|fine)|if\s+possible|if\s+you\s+can)\W*$",
    re.IGNORECASE,
)
TRAILING_NOISE = re.compile(
    r"[\s,;:-]*(?:"
    r"\b(?:is|will\s+be|that's|thats|which\s+is)\s+(?:my|our|the)\s+(?:new\s+)?address"
    r"|\b(?:(?:my|our|the)\s+)?(?:new\s+)?post\s*code(?:\s+(?:is|will\s+be|should\s+be))?"
    rf"|\b(?:and\s+)?{SUBJECT}\s+(?:moving|move|moved)(?:\s+(?:house|in|there|out))*"
    r"|\b(?:and|from|as\s+of|starting|effective|with\s+effect\s+from|to)"
    r")\W*$",
    re.IGNORECASE,
)
LEADING_TO = re.compile(r"^to\s+", re.IGNORECASE)


# --- what an address looks like ---------------------------------------------------

PARTIAL_POSTCODE = re.compile(r"(?:\b(?P<before>\w+)[\s,]+)?(?P<code>\b[A-Z]{1,2}\d[A-Z\d]?(?:\s+\d[A-Z]?)?)\W*$", re.I)
NUMBERED_PARTS = ("flat", "apartment", "apt", "unit", "suite", "no", "number", "house", "plot", "block", "building")

HOUSE_NUMBER = re.compile(
    rf"(?:^|[,;(]\s*|\b(?:{'|'.join(NUMBERED_PARTS)})\.?\s*)"
    r"\d{1,4}[a-z]?(?:\s*[-/]\s*\d{1,4}[a-z]?)?\b(?![:.]\d)",
    re.IGNORECASE,
)
STREET_WORDS = (
    "road rd street st lane ln avenue ave close drive way crescent cres place court terrace tce gardens gdns "
    "grove square sq mews parade wharf quay boulevard embankment wynd brae park hill green rise vale gate "
    "heights croft meadow meadows fields yard estate grange promenade esplanade parkway causeway crossing "
    "cottage cottages farm farmhouse lodge manor rectory vicarage bungalow house hall mill barn villa villas "
    "mansions chambers buildings tower towers flat flats apartments"
).split()
NOT_A_NAME = (
    "the a an my our your his her their its this that these those i we you they he she it me us them by on in "
    "at to of for from no any some which what whose and or but is are was be new same other own nice big car "
    "theme where how"
).split()
STREET = re.compile(
    rf"\b(?!(?:{'|'.join(NOT_A_NAME)})\b)[a-z][\w'.-]*\s+(?:{'|'.join(STREET_WORDS)})\b",
    re.IGNORECASE,
)
QUESTION_WORDS = set(
    "where what when why how who which whose can could would will is are am do does did have has should shall may "
    "might".split()
)


def _looks_like_address(text: str) -> bool:
    return bool(HOUSE_NUMBER.search(text) or STREET.search(text))


def _is_question(line: str) -> bool:
    return line.split(" ", 1)[0].lower().strip("'\"") in QUESTION_WORDS


# --- text ---------------------------------------------------------------------------

QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2032": "'", "\u2013": "-", "\u2014": "-"})


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _clean(text: str) -> str:
    """Plain text: curly quotes straightened; emoji, symbols and control characters gone."""
    text = unicodedata.normalize("NFC", text[:MAX_MESSAGE]).translate(QUOTES)
    kept = []
    for character in text:
        category = unicodedata.category(character)
        if category in ("So", "Sk", "Cs", "Co", "Cn", "Cf"):
            continue
        kept.append(" " if category.startswith(("C", "Z")) else character)
    return _squash("".join(kept))


def _tidy(text: str) -> str:
    text = _squash(text)
    text = re.sub(r"\s*,[\s,]*", ", ", text)  # a run of commas left where words were taken off becomes one
    text = re.sub(r"^[^\w(]+", "", text)
    return re.sub(r"[^\w)]+$", "", text)


def _cut_lead_in(text: str) -> str:
    """The text after the first lead-in that introduces an address (nothing address-like before it)."""
    for match in LEAD_INS.finditer(text):
        if re.search(r"\w", text[match.end() :]) and not _looks_like_address(text[: match.start()]):
            return text[match.end() :]
    for match in CLAUSE_LEAD_INS.finditer(text):
        before = FILLER_BEFORE_CLAUSE.sub("", text[: match.start()]).rstrip()
        at_clause_start = not before or before[-1] in ",.;:!?-"
        if at_clause_start and re.search(r"\w", text[match.end() :]) and not _looks_like_address(before):
            return text[match.end() :]
    return text


def _address_line(text: str) -> Tuple[str, bool]:
    """(the line, whether the customer asked something) once lead-ins, greetings and politeness are off."""
    asked = "?" in text
    for _ in range(10):
        before = text
        text = _tidy(text)
        text = GREETINGS.sub("", text)
        text = _cut_lead_in(text)
        text = LEADING_TO.sub("", _tidy(text))
        text = POLITENESS.sub("", text)
        text = TRAILING_NOISE.sub("", text)
        if text == before:
            break
    asked = asked or _is_question(text)
    line = _tidy(text)[:MAX_LINE]
    return re.sub(r"[^\w)]+$", "", line), asked


def _take_postcode(text: str) -> Tuple[str, Optional[str]]:
    """(the text without its postcode, the postcode "M20 2AB"); the last one written wins.

    Without a valid postcode, half of one at the end ("London E1", "M20 2A") is
    taken off too, so the line is ready for the postcode the assistant asks for.
    """
    matches = list(UK_POSTCODE.finditer(text))
    if not matches:
        partial = PARTIAL_POSTCODE.search(text)
        if partial and (partial.group("before") or "").lower() not in NUMBERED_PARTS:
            return text[: partial.start("code")], None
        return text, None
    match = matches[-1]
    postcode = f"{match.group(1)} {match.group(2)}".upper()
    return text[: match.start()] + " " + text[match.end() :], postcode


def read_address(text: str, today: Optional[date] = None) -> AddressReading:
    """The address, postcode and move date in a customer's message; never raises.

    `problem` is None when the line and postcode are usable, "no_postcode" when
    the line looks like an address but has no valid postcode (the line is kept
    so only the postcode need be asked for), "no_street" when there is a
    postcode but no house number, house name or street, and "not_an_address"
    otherwise ("no idea", "where is my order?").
    """
    today = today or clock.today()
    if isinstance(today, datetime):
        today = today.date()
    message = _clean(text if isinstance(text, str) else str(text or ""))
    message, moves_on, timing_words = _read_timing(message, today)
    message, postcode = _take_postcode(message)
    line, asked = _address_line(message)
    numbered = bool(line and HOUSE_NUMBER.search(line))
    named = bool(line and STREET.search(line))
    if postcode:
        problem = None if numbered or named else "no_street"
    elif numbered or (named and not asked):
        problem = "no_postcode"
    else:
        line, problem = "", "not_an_address"
    return AddressReading(line or None, postcode, moves_on, timing_words, problem)


def corrected_address(line: str, postcode: str, text: str) -> Optional[Tuple[str, str]]:
    """The address an unconfirmed address change should now be, when `text` corrects it.

    "sorry, the postcode is EH2 3AJ" keeps the street and replaces the
    postcode; "no wait, it's 12 Castle Street EH2 3AJ" replaces both. None
    when the message is not such a correction (no postcode in it, a move on
    a later day, or the same address again).
    """
    reading = read_address(text)
    if reading.postcode is None or reading.moves_on is not None:
        return None
    if reading.problem is None and reading.line:
        fixed = (reading.line, reading.postcode)
    elif reading.problem == "no_street" and line:
        fixed = (line, reading.postcode)
    else:
        return None
    return None if fixed == (line, postcode) else fixed
