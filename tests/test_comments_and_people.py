"""Comment themes and sentiment; rep scorecards and kudos."""

from __future__ import annotations

import uuid

import pytest

from assistant.cx.comments import analyse, sentiment
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
