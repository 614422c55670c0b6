"""Open-ended questions for reps: built on the customer's records, never yes/no."""

from __future__ import annotations

import shutil

import pytest

from assistant.business import DEFAULT_DIR, BusinessDataError, closed_opening, parse_rep_questions
from assistant.offers.profile import load_profiles
from assistant.offers.questions import open_questions


@pytest.fixture(scope="module")
def profiles(database_url):
    from assistant.db import session_scope

    with session_scope() as session:
        return load_profiles(session)


def record_values(profile) -> set:
    """Every fact a question may name, straight from the profile's records."""
    values = {o.number for o in profile.orders} | {t.number for t in profile.tickets}
    values |= {p.name for p in profile.plans} | {c.to_name for c in profile.plan_changes}
    values |= {p.name for p in profile.owned}
    return values


def test_three_questions_each_naming_a_fact_from_the_record(profiles):
    with_three = 0
    for profile in profiles.values():
        questions = open_questions(profile)
        assert len(questions) <= 3
        with_three += len(questions) == 3
        for question in questions:
            assert question.fact in question.text, question
            named = [value for value in record_values(profile) if value in question.text]
            assert named, f"{profile.customer_id}: {question.text!r} names nothing from the record"
    assert with_three >= len(profiles) * 0.5, "most customers have at least three records to ask about"


def test_no_question_opens_like_a_yes_no_question(profiles):
    for profile in profiles.values():
        for question in open_questions(profile):
            assert not closed_opening(question.text), question.text
            assert question.text.rstrip().endswith("?")


def test_personas_questions_name_their_own_orders_and_tickets(profiles):
    aisha = [q.text for q in open_questions(profiles["C00003"])]
    assert any("ORD-100004" in q and "Nova X9 phone" in q for q in aisha)
    newest_ticket = profiles["C00003"].tickets[0].number  # TKT-100001 unless other tests opened one since
    assert any(newest_ticket in q for q in aisha)
    jane = [q.text for q in open_questions(profiles["C00001"])]
    assert any("ORD-100001" in q for q in jane)


def test_closed_openings_are_recognised():
    assert closed_opening("Do you like it?") and closed_opening("is it working?") and closed_opening("Can't you?")
    assert not closed_opening("What do you use it for?") and not closed_opening("How is it going?")


def test_a_yes_no_template_fails_at_load_naming_the_line(tmp_path):
    path = tmp_path / "rep_questions.yml"
    shutil.copy(DEFAULT_DIR / "rep_questions.yml", path)
    path.write_text(path.read_text().replace('usage_plan: "What do you mostly', 'usage_plan: "Do you mostly'))
    with pytest.raises(BusinessDataError) as error:
        parse_rep_questions(path)
    line = next(i + 1 for i, row in enumerate(path.read_text().splitlines()) if row.startswith("usage_plan:"))
    assert f"rep_questions.yml:{line}:" in str(error.value) and "yes/no" in str(error.value)


def test_unknown_placeholder_or_record_kind_fails_at_load(tmp_path):
    path = tmp_path / "rep_questions.yml"
    path.write_text('usage_plan: "What do you think of {favourite_colour}?"\n')
    with pytest.raises(BusinessDataError, match="favourite_colour"):
        parse_rep_questions(path)
    path.write_text('horoscope: "What is your {plan} sign?"\n')
    with pytest.raises(BusinessDataError, match="unknown record kind 'horoscope'"):
        parse_rep_questions(path)
