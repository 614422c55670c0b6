"""Comment themes and sentiment; rep scorecards and kudos."""

from __future__ import annotations

import uuid
from typing import List

import pytest
from sqlalchemy import delete

from assistant.cx import comments
from assistant.cx.comments import ThemeCache, analyse, sentiment
from assistant.models import Feedback
from tests.test_feedback import SUPERVISOR, api, survey  # noqa: F401  (fixture)


def test_themes_are_lemmatised_nouns_counted_once_per_comment_by_band():
    summary = analyse(
        [
            ("The engineer was late and the router still drops. I reset the router twice.", 2),
            ("Engineers never came, awful router", 1),
            ("Priya sorted my bill quickly, thank you", 10),
            ("Quick answer about my bill", 9),
            ("", 5),
        ]
    )
    assert dict(summary["detractor"].themes) == {"router": 2, "engineer": 2}
    assert dict(summary["promoter"].themes)["bill"] == 2
    assert summary["all"].comments == 4 and summary["passive"].comments == 0
    assert summary["detractor"].mean_sentiment < 0 < summary["promoter"].mean_sentiment


@pytest.mark.parametrize("text, sign", [("Brilliant, thank you!", 1), ("Terrible and slow", -1)])
def test_sentiment_sign(text, sign):
    assert sentiment(text) * sign > 0


def test_scorecards_kudos_and_themes_endpoints(api):  # noqa: F811
    rep = "priya"
    marker = uuid.uuid4().hex[:6]
    posted = [
        (10, f"Thanks Priya, brilliant help with my {marker} bill"),
        (2, f"Awful, the {marker} modem is still broken"),
        (9, ""),
    ]
    for nps, comment in posted:
        assert api.post("/api/feedback", json=survey(nps=nps, comment=comment, rep_id=rep)).status_code == 201
    people = api.get("/api/scorecards", auth=SUPERVISOR).json()
    card = next(c for c in people["scorecards"] if c["rep_id"] == rep)
    assert card["name"] == "Priya Shah" and card["nps"]["n"] >= 3 and card["nps"]["margin_of_error"] is not None
    kudos_comments = [k["comment"] for k in people["kudos"]]
    assert posted[0][1] in kudos_comments and posted[1][1] not in kudos_comments
    themes = api.get("/api/feedback/themes", auth=SUPERVISOR).json()
    # (the marker can join the phrase: "cfbcaf modem" when its hex digits are all letters)
    assert any("modem" in theme for theme in dict(themes["detractor"]["themes"]))
    assert api.get("/api/scorecards", auth=("priya", "priya-demo")).status_code == 403


@pytest.fixture
def spacy_runs(monkeypatch) -> List[List[str]]:
    """A cache of its own for the themes endpoint, and the texts of every spaCy run it makes."""
    runs: List[List[str]] = []
    read = comments.read_comments

    def counted(texts):
        runs.append(list(texts))
        return read(texts)

    monkeypatch.setattr(comments, "read_comments", counted)
    monkeypatch.setattr(comments, "CACHE", ThemeCache())
    return runs


def post_comment(api, nps: int, comment: str) -> None:  # noqa: F811
    assert api.post("/api/feedback", json=survey(nps=nps, comment=comment)).status_code == 201


def test_themes_asked_again_with_no_new_feedback_run_no_analysis(api, spacy_runs, monkeypatch):  # noqa: F811
    summaries = []
    summarise = comments.summarise
    monkeypatch.setattr(comments, "summarise", lambda *args: summaries.append(1) or summarise(*args))
    post_comment(api, 1, "The router keeps dropping")
    first = api.get("/api/feedback/themes", auth=SUPERVISOR).json()
    assert len(spacy_runs) == 1 and "The router keeps dropping" in spacy_runs[0] and len(summaries) == 1
    again = api.get("/api/feedback/themes", auth=SUPERVISOR).json()
    assert again == first and len(spacy_runs) == 1 and len(summaries) == 1  # the summary kept, nothing read
    # another range is another summary, but its comments were read already
    assert api.get("/api/feedback/themes?limit=1", auth=SUPERVISOR).json()["comments_analysed"] == 1
    assert len(spacy_runs) == 1


def test_a_new_comment_is_the_only_one_analysed_and_is_counted(api, spacy_runs):  # noqa: F811
    post_comment(api, 2, "Awful modem, it never works")
    before = api.get("/api/feedback/themes", auth=SUPERVISOR).json()
    new_comment = f"The modem died again, ticket {uuid.uuid4().hex[:6]}"
    post_comment(api, 0, new_comment)
    after = api.get("/api/feedback/themes", auth=SUPERVISOR).json()
    assert spacy_runs[1:] == [[new_comment]]
    assert after["comments_total"] == before["comments_total"] + 1
    modem = lambda summary: dict(summary["detractor"]["themes"]).get("modem", 0)  # noqa: E731
    assert modem(after) == modem(before) + 1


def test_a_removed_comment_is_noticed(api, spacy_runs, session):  # noqa: F811
    body = survey(nps=9, comment="Helpful agent, quick fix")
    assert api.post("/api/feedback", json=body).status_code == 201
    post_comment(api, 8, "Fine")  # so the removed one is not the newest
    before = api.get("/api/feedback/themes", auth=SUPERVISOR).json()
    session.execute(delete(Feedback).where(Feedback.conversation_id == body["conversation_id"]))
    session.commit()
    after = api.get("/api/feedback/themes", auth=SUPERVISOR).json()
    assert after["comments_total"] == before["comments_total"] - 1


def test_themes_analyse_at_most_the_cap_and_say_so(api, spacy_runs, monkeypatch):  # noqa: F811
    for nps, comment in [(9, "Lovely engineer"), (3, "Slow refund"), (10, "Quick bill answer"), (5, "Late parcel")]:
        post_comment(api, nps, comment)
    monkeypatch.setattr(comments, "THEMES_AT_MOST", 3)
    capped = api.get("/api/feedback/themes?limit=20000", auth=SUPERVISOR).json()
    assert (capped["comments_analysed"], capped["analysed_at_most"]) == (3, 3)
    assert capped["comments_total"] >= 4 and capped["all"]["comments"] == 3
    assert spacy_runs == [["Late parcel", "Quick bill answer", "Slow refund"]]  # the newest three
    assert api.get("/api/feedback/themes?limit=2", auth=SUPERVISOR).json()["comments_analysed"] == 2


def test_themes_analyse_at_most_the_characters_cap(api, spacy_runs, monkeypatch):  # noqa: F811
    newest, older = "Brilliant help with my broadband", "The engineer never turned up at all"
    post_comment(api, 2, older)
    post_comment(api, 9, newest)
    monkeypatch.setattr(comments, "THEMES_CHARACTERS_AT_MOST", len(newest) + len(older) - 1)
    summary = api.get("/api/feedback/themes", auth=SUPERVISOR).json()
    assert summary["comments_analysed"] == 1 and spacy_runs == [[newest]]


def test_the_theme_cache_keeps_at_most_its_size(spacy_runs):
    cache = ThemeCache(readings_kept=2, summaries_kept=1)
    readings = cache.readings(["the engineer", "the router", "the engineer", "the agent"])
    assert [sorted(r.themes) for r in readings] == [["engineer"], ["router"], ["engineer"], ["agent"]]
    assert spacy_runs == [["the engineer", "the router", "the agent"]]  # the same text read once
    assert len(cache) == 2
    cache.readings(["the agent"])  # still kept: the newest two
    cache.readings(["the engineer"])  # dropped: read again
    assert spacy_runs[1:] == [["the engineer"]]
    cache.keep_summary("a", comments.Themes({}, 0, 0))
    cache.keep_summary("b", comments.Themes({}, 0, 0))
    assert cache.summary("a") is None and cache.summary("b") is not None
