"""Reading a new address from a customer's message: line, postcode, move date and what is missing."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.addresses import PROBLEMS, AddressReading, read_address

TODAY = date(2026, 12, 1)  # a Tuesday


@pytest.mark.parametrize(
    "text, line, postcode",
    [
        ("its 14 Park Road, Manchester M20 2AB", "14 Park Road, Manchester", "M20 2AB"),
        ("it's 14 Park Road, Manchester M20 2AB", "14 Park Road, Manchester", "M20 2AB"),
        ("It is 14 Park Road, Manchester M20 2AB", "14 Park Road, Manchester", "M20 2AB"),
        ("my new address is flat 2, 10 High St, London e1 6an please", "flat 2, 10 High St, London", "E1 6AN"),
        ("The new address is 4 High St, Bristol BS1 5TR", "4 High St, Bristol", "BS1 5TR"),
        ("new address: 4 High St, Bristol BS1 5TR", "4 High St, Bristol", "BS1 5TR"),
        ("We're moving to 22 Elm Close, Leeds LS6 2AB", "22 Elm Close, Leeds", "LS6 2AB"),
        ("we are moving to 22 Elm Close, Leeds LS6 2AB", "22 Elm Close, Leeds", "LS6 2AB"),
        ("I'm moving to 22 Elm Close, Leeds LS6 2AB", "22 Elm Close, Leeds", "LS6 2AB"),
        ("moving to 22 Elm Close, Leeds LS6 2AB", "22 Elm Close, Leeds", "LS6 2AB"),
        ("I moved to 22 Elm Close, Leeds LS6 2AB", "22 Elm Close, Leeds", "LS6 2AB"),
        ("change it to 27 Canal Wharf, Leeds LS11 5PS", "27 Canal Wharf, Leeds", "LS11 5PS"),
        ("Hi, please change my address to 27 Canal Wharf, Leeds LS11 5PS cheers", "27 Canal Wharf, Leeds", "LS11 5PS"),
        ("it should be 27 Canal Wharf, Leeds LS11 5PS", "27 Canal Wharf, Leeds", "LS11 5PS"),
        ("send it to 27 Canal Wharf, Leeds LS11 5PS ta", "27 Canal Wharf, Leeds", "LS11 5PS"),
        ("could you update my delivery address to 3 Mill Lane, York YO1 7HH?", "3 Mill Lane, York", "YO1 7HH"),
        ("we now live at 3 Mill Lane, York YO1 7HH, thank you", "3 Mill Lane, York", "YO1 7HH"),
        ("I need to change my address, it's 3 Mill Lane, York YO1 7HH", "3 Mill Lane, York", "YO1 7HH"),
        ("ok so it's 3 Mill Lane, York YO1 7HH thanks!", "3 Mill Lane, York", "YO1 7HH"),
        ("14 Park Road is my new address, M20 2AB", "14 Park Road", "M20 2AB"),
        ("14 Park Road, my postcode is M20 2AB", "14 Park Road", "M20 2AB"),
        ("😀 it’s 14 Park Road, Manchester M20 2AB 🏠🙏", "14 Park Road, Manchester", "M20 2AB"),
        ("Flat 3/1, 22 Queen Street, Glasgow G1 3DX", "Flat 3/1, 22 Queen Street, Glasgow", "G1 3DX"),
        ("Rose Cottage, Little Snoring, NR21 0AA", "Rose Cottage, Little Snoring", "NR21 0AA"),
        ("12 March Road, Wisbech PE13 1AA", "12 March Road, Wisbech", "PE13 1AA"),  # a month name in a street
        ("Well Street, London E9 7PX", "Well Street, London", "E9 7PX"),
        (
            "Flat 4, on the 2nd floor, 8 Dock Road, Hull HU1 2AA",
            "Flat 4, on the 2nd floor, 8 Dock Road, Hull",
            "HU1 2AA",
        ),
        ("it is 4 Privet Drive, Little Whinging, Surrey GU1 1AA", "4 Privet Drive, Little Whinging, Surrey", "GU1 1AA"),
    ],
)
def test_the_line_and_postcode_are_read_without_lead_in_or_politeness(text, line, postcode):
    reading = read_address(text, TODAY)
    assert (reading.line, reading.postcode, reading.problem) == (line, postcode, None)


@pytest.mark.parametrize(
    "text, line, postcode",
    [
        ("14 park road manchester m202ab", "14 park road manchester", "M20 2AB"),
        ("14 Park Road, Manchester, M20 2AB.", "14 Park Road, Manchester", "M20 2AB"),
        ("14 Park Road, M20 2AB, Manchester", "14 Park Road, Manchester", "M20 2AB"),  # no stray comma
        ("14 park road , manchester ,m20 2ab", "14 park road, manchester", "M20 2AB"),
        ("14,   Park Road,\tManchester   M20   2AB", "14, Park Road, Manchester", "M20 2AB"),  # commas as written
        ("  -- 14 Park Road, Manchester M20 2AB !!", "14 Park Road, Manchester", "M20 2AB"),
    ],
)
def test_postcodes_are_normalised_and_the_line_tidied(text, line, postcode):
    reading = read_address(text, TODAY)
    assert (reading.line, reading.postcode) == (line, postcode)


@pytest.mark.parametrize(
    "text, today, moves_on, timing_words",
    [
        ("from the 15th it's 3 Mill Lane, York YO1 7HH", date(2026, 12, 20), date(2027, 1, 15), "from the 15th"),
        ("on the 15th it's 3 Mill Lane, York YO1 7HH", date(2026, 12, 10), date(2026, 12, 15), "on the 15th"),
        ("next week it's 3 Mill Lane, York YO1 7HH", TODAY, date(2026, 12, 7), "next week"),  # Monday
        ("3 Mill Lane, York YO1 7HH from tomorrow", TODAY, date(2026, 12, 2), "from tomorrow"),
        ("on 3 January it's 3 Mill Lane, York YO1 7HH", date(2026, 12, 20), date(2027, 1, 3), "on 3 January"),
        ("on 3 January it's 3 Mill Lane, York YO1 7HH", date(2026, 11, 1), date(2027, 1, 3), "on 3 January"),
        ("from January 3rd: 3 Mill Lane, York YO1 7HH", date(2026, 12, 20), date(2027, 1, 3), "from January 3rd"),
        ("on 20 March it's 3 Mill Lane, York YO1 7HH", date(2026, 12, 20), date(2027, 3, 20), "on 20 March"),
        ("from 03/01 it's 3 Mill Lane, York YO1 7HH", date(2026, 12, 20), date(2027, 1, 3), "from 03/01"),  # UK order
        ("from 03/01/2027 3 Mill Lane, York YO1 7HH", TODAY, date(2027, 1, 3), "from 03/01/2027"),
        ("in two weeks we're moving to 3 Mill Lane, York YO1 7HH", TODAY, date(2026, 12, 15), "in two weeks"),
        ("in 2 weeks' time, 3 Mill Lane, York YO1 7HH", TODAY, date(2026, 12, 15), "in 2 weeks' time"),
        ("from Monday it's 3 Mill Lane, York YO1 7HH", TODAY, date(2026, 12, 7), "from Monday"),
        ("on Friday: 3 Mill Lane, York YO1 7HH", TODAY, date(2026, 12, 4), "on Friday"),
        ("on Tuesday: 3 Mill Lane, York YO1 7HH", TODAY, date(2026, 12, 8), "on Tuesday"),  # today is one: next week's
        ("moving to 3 Mill Lane, York YO1 7HH on the 15th of next month", TODAY, date(2027, 1, 15), None),
        ("by the end of the month it will be 3 Mill Lane, York YO1 7HH", TODAY, date(2026, 12, 31), None),
        ("in March we're moving to 3 Mill Lane, York YO1 7HH", TODAY, date(2027, 3, 1), "in March"),
    ],
)
def test_a_move_in_the_future_gives_its_day(text, today, moves_on, timing_words):
    reading = read_address(text, today)
    assert reading.moves_on == moves_on
    assert (reading.line, reading.postcode, reading.problem) == ("3 Mill Lane, York", "YO1 7HH", None)
    if timing_words:
        assert reading.timing_words == timing_words


@pytest.mark.parametrize(
    "text, timing_words",
    [
        ("3 Mill Lane, York YO1 7HH from today", "from today"),
        ("it's 3 Mill Lane, York YO1 7HH now", "now"),
        ("I've already moved to 3 Mill Lane, York YO1 7HH", "already"),
        ("we've moved to 3 Mill Lane, York YO1 7HH", "we've moved"),
        ("we moved on the 3rd to 3 Mill Lane, York YO1 7HH", "on the 3rd"),  # past tense: not next month's 3rd
        ("we moved on Friday to 3 Mill Lane, York YO1 7HH", "on Friday"),
        ("on 3 January 2026 we moved to 3 Mill Lane, York YO1 7HH", "on 3 January 2026"),
        ("on the 1st it's 3 Mill Lane, York YO1 7HH", "on the 1st"),  # the 1st is today
    ],
)
def test_a_move_today_or_in_the_past_has_no_day(text, timing_words):
    reading = read_address(text, TODAY)
    assert (reading.line, reading.postcode, reading.problem) == ("3 Mill Lane, York", "YO1 7HH", None)
    assert reading.moves_on is None
    assert reading.timing_words == timing_words


def test_moving_next_month_is_the_first_of_next_month():
    reading = read_address("we're moving to 22 Elm Close, Leeds LS6 2AB next month", date(2026, 12, 1))
    assert reading == AddressReading("22 Elm Close, Leeds", "LS6 2AB", date(2027, 1, 1), "next month", None)


def test_a_message_without_timing_has_none():
    reading = read_address("14 Park Road, Manchester M20 2AB", TODAY)
    assert (reading.moves_on, reading.timing_words) == (None, None)


def test_a_plainly_future_phrase_wins_over_a_past_tense_move():
    reading = read_address("we've moved, change it from next month to 14 Park Road M20 2AB", TODAY)
    assert (reading.line, reading.moves_on) == ("14 Park Road", date(2027, 1, 1))


@pytest.mark.parametrize(
    "text, today, moves_on",
    [
        ("next month", date(2026, 12, 31), date(2027, 1, 1)),
        ("next month", date(2027, 1, 31), date(2027, 2, 1)),
        ("next week", date(2026, 12, 27), date(2026, 12, 28)),  # a Sunday: the Monday is tomorrow
        ("tomorrow", date(2026, 12, 31), date(2027, 1, 1)),
        ("from the 1st", date(2026, 12, 31), date(2027, 1, 1)),
        ("on the 31st", date(2026, 11, 10), date(2026, 11, 30)),  # November has no 31st: its last day
        ("on the 31st", date(2026, 11, 30), date(2026, 12, 31)),  # ...unless that is today
        ("from the 30th", date(2027, 2, 10), date(2027, 2, 28)),
        ("from the 30th", date(2027, 2, 28), date(2027, 3, 30)),
        ("on the 31st", date(2027, 1, 31), None),  # today
        ("in a month", date(2027, 1, 31), date(2027, 2, 28)),
        ("on 29 February", TODAY, date(2028, 2, 29)),  # the next leap year
        ("from 31/12", date(2026, 12, 31), None),
        ("from 01/01", date(2026, 12, 31), date(2027, 1, 1)),
        ("on 31 December", date(2026, 12, 30), date(2026, 12, 31)),
    ],
)
def test_month_and_year_ends(text, today, moves_on):
    assert read_address(f"{text} it's 14 Park Road M20 2AB", today).moves_on == moves_on


def test_a_date_that_does_not_exist_is_taken_off_the_line_without_a_day():
    reading = read_address("on 31/02 it's 14 Park Road M20 2AB", TODAY)
    assert (reading.line, reading.moves_on, reading.timing_words) == ("14 Park Road", None, "on 31/02")


@pytest.mark.parametrize(
    "text, line, postcode, problem",
    [
        ("LS6 2AB", None, "LS6 2AB", "no_street"),
        ("Leeds LS6 2AB", "Leeds", "LS6 2AB", "no_street"),
        ("my postcode is M20 2AB", None, "M20 2AB", "no_street"),
        ("14 Park Road Manchester", "14 Park Road Manchester", None, "no_postcode"),
        ("its 14 Park Road, Manchester please", "14 Park Road, Manchester", None, "no_postcode"),
        ("Rose Cottage, Little Snoring", "Rose Cottage, Little Snoring", None, "no_postcode"),
        ("14 Park Road, Manchester M20 2A", "14 Park Road, Manchester", None, "no_postcode"),  # half a postcode
        ("Flat 2, 10 High St, London E1", "Flat 2, 10 High St, London", None, "no_postcode"),
        ("where is my order?", None, None, "not_an_address"),
        ("where is order ORD-482913?", None, None, "not_an_address"),
        ("is there a car park?", None, None, "not_an_address"),
        ("no idea", None, None, "not_an_address"),
        ("what?", None, None, "not_an_address"),
        ("somewhere in Leeds", None, None, "not_an_address"),
        ("I moved last week", None, None, "not_an_address"),
        ("thanks", None, None, "not_an_address"),
        ("", None, None, "not_an_address"),
    ],
)
def test_what_is_missing_is_named(text, line, postcode, problem):
    reading = read_address(text, TODAY)
    assert (reading.line, reading.postcode, reading.problem) == (line, postcode, problem)


def test_the_timing_is_kept_when_the_postcode_is_missing():
    reading = read_address("we're moving to 22 Elm Close, Leeds next month", TODAY)
    assert (reading.line, reading.problem, reading.moves_on) == ("22 Elm Close, Leeds", "no_postcode", date(2027, 1, 1))


def test_the_line_is_at_most_200_characters():
    reading = read_address("14 " + "Very Long Road Name " * 30 + "Leeds LS6 2AB", TODAY)
    assert reading.postcode == "LS6 2AB" and reading.problem is None
    assert len(reading.line) <= 200 and reading.line.startswith("14 Very Long Road Name")
    assert reading.line == reading.line.strip(" ,")


def test_today_defaults_to_the_products_clock(monkeypatch):
    monkeypatch.setenv("ASSISTANT_TODAY", "2026-12-20")
    assert read_address("from the 15th it's 3 Mill Lane, York YO1 7HH").moves_on == date(2027, 1, 15)


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "?!",
        "🙂🙂🙂",
        "\x00\u200d\ufe0f",
        "a" * 10_000,
        "moving " * 500,
        "on the 99th",
        "from 00/13",
        "1" * 3000,
    ],
)
def test_odd_input_gives_a_reading(text):
    reading = read_address(text, TODAY)
    assert isinstance(reading, AddressReading)
    assert reading.problem in PROBLEMS or reading.problem is None
    assert reading.line is None or 0 < len(reading.line) <= 200


@settings(max_examples=300, deadline=None, database=None)  # nothing written into the work tree
@given(
    text=st.text(max_size=300)
    | st.lists(
        st.sampled_from(["14", "Park", "Road", ",", "M20", "2AB", "from", "the", "15th", "next", "month", "it's", "?"]),
        max_size=30,
    ).map(" ".join),
    today=st.dates(),
)
def test_no_message_and_no_day_make_it_raise(text, today):
    reading = read_address(text, today)
    assert reading.line is None or len(reading.line) <= 200
    assert reading.moves_on is None or reading.moves_on > today
    assert reading.problem in PROBLEMS or (reading.line and reading.postcode)


@pytest.mark.parametrize(
    "text, fixed",
    [
        ("sorry, the postcode is EH2 3AJ", ("12 Castle Street, Edinburgh", "EH2 3AJ")),
        ("no wait, it is 14 Castle Street EH2 3AH", ("14 Castle Street", "EH2 3AH")),
        ("sorry I meant 5 High St, Leith EH6 6AA", ("5 High St, Leith", "EH6 6AA")),
        ("12 Castle Street, Edinburgh EH2 3AH", None),  # the same address again: nothing to correct
        ("where is my order", None),
        ("the postcode is EH2 3AJ but we move next month", None),  # a later move is not a correction
    ],
)
def test_a_correction_of_an_address_not_yet_confirmed(text, fixed):
    from assistant.addresses import corrected_address

    assert corrected_address("12 Castle Street, Edinburgh", "EH2 3AH", text) == fixed
