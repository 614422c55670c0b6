"""Post-chat feedback: stored once, follow-ups for detractors, scores aggregated in SQL."""

from __future__ import annotations

import asyncio
import base64
import csv
import io
import tracemalloc
import uuid
from datetime import date, datetime, timedelta
from typing import List, Tuple

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import sessionmaker

from api import feedback as feedback_api
from assistant import clock, db
from assistant.cx.feedback import FeedbackConflict, feedback_export, record_feedback, scores
from assistant.demo_data import prepare_database
from assistant.identity import mint_survey_token, survey_secret
from assistant.models import Feedback, FollowUp

SUPERVISOR = ("sam", "sam-demo")


@pytest.fixture
def fresh():
    engine = db.make_engine("sqlite://")
    prepare_database(engine, customers=10, today=date(2026, 11, 2))
    with sessionmaker(engine, future=True)() as session:
        yield session


def test_same_submission_twice_is_one_record(fresh):
    first, created = record_feedback(fresh, conversation_id="c1", customer_id="C00001", nps=9, comment="great")
    again, created_again = record_feedback(fresh, conversation_id="c1", customer_id="C00001", nps=9, comment="great")
    assert created and not created_again and first.id == again.id
    assert len(fresh.execute(select(Feedback)).scalars().all()) == 1
    with pytest.raises(FeedbackConflict):
        record_feedback(fresh, conversation_id="c1", customer_id="C00001", nps=2)


def test_a_detractor_opens_a_follow_up_due_in_48_hours(fresh):
    now = datetime(2026, 11, 2, 10, 0)
    feedback, _ = record_feedback(fresh, conversation_id="c2", customer_id="C00002", nps=3, now=now)
    record_feedback(fresh, conversation_id="c3", customer_id="C00003", nps=7, now=now)
    followups = fresh.execute(select(FollowUp)).scalars().all()
    assert [(f.feedback_id, f.status, f.due_at) for f in followups] == [
        (feedback.id, "open", now + timedelta(hours=48))
    ]


def test_scores_grouped_by_rep_and_week_match_hand_counts(fresh):
    monday = datetime(2026, 11, 2, 9)
    answers = [  # (rep, nps, csat, ces, day offset)
        ("ann", 10, 5, 1, 0),
        ("ann", 9, 4, 2, 1),
        ("ann", 3, 2, 6, 8),
        ("bob", 8, 4, 3, 2),
        ("bob", 6, None, None, 9),
    ]
    for i, (rep, nps, csat, ces, offset) in enumerate(answers):
        record_feedback(
            fresh,
            conversation_id=f"s{i}",
            customer_id="C00001",
            nps=nps,
            csat=csat,
            ces=ces,
            rep_id=rep,
            now=monday + timedelta(days=offset),
        )
    by_rep = {g.key: g for g in scores(fresh, "rep")}
    assert (by_rep["ann"].nps.promoters, by_rep["ann"].nps.passives, by_rep["ann"].nps.detractors) == (2, 0, 1)
    assert by_rep["ann"].nps.score == pytest.approx(100 / 3)
    # bob: one passive (8), one detractor (6): (0 - 1) / 2 = -50
    assert (by_rep["bob"].nps.score, by_rep["bob"].csat.n, by_rep["bob"].ces.n) == (-50.0, 1, 1)
    assert by_rep["ann"].csat.score == pytest.approx(200 / 3) and by_rep["ann"].ces.score == pytest.approx(3.0)
    by_week = {g.key: g.nps.n for g in scores(fresh, "week")}
    assert by_week == {"2026-11-02": 3, "2026-11-09": 2}
    overall = scores(fresh)[0]
    assert overall.key is None and overall.nps.n == 5 and overall.nps.small_sample
    only_first_week = scores(fresh, None, date(2026, 11, 2), date(2026, 11, 8))[0]
    assert only_first_week.nps.n == 3


# --- the HTTP API -----------------------------------------------------------


@pytest.fixture(scope="module")
def api(database_url):
    from fastapi.testclient import TestClient

    from api.main import app

    with TestClient(app, headers={"X-Console": "1"}) as client:  # as the pages send it
        yield client


def survey(customer_id="C00001", **answers):
    conversation = f"fb-{uuid.uuid4().hex[:10]}"
    body = {"conversation_id": conversation, "customer_id": customer_id, "nps": 9, "channel": "chat"}
    body.update(answers)
    body["token"] = mint_survey_token(conversation, customer_id, survey_secret())
    return body


def test_post_feedback_stores_once_and_returns_the_id(api):
    body = survey(nps=10, csat=5, ces=2, comment="Sorted in two minutes, thanks Priya")
    first = api.post("/api/feedback", json=body)
    assert first.status_code == 201 and first.json()["duplicate"] is False
    again = api.post("/api/feedback", json=body)
    assert again.status_code == 200 and again.json() == {"id": first.json()["id"], "duplicate": True}
    changed = api.post("/api/feedback", json={**body, "nps": 0})
    assert changed.status_code == 409


@pytest.mark.parametrize(
    "change, status, words",
    [
        ({"nps": 11}, 422, "nps"),
        ({"nps": "ten"}, 422, "nps"),
        ({"nps": 7.5}, 422, "whole number"),
        ({"csat": 0}, 422, "csat"),
        ({"ces": 8}, 422, "ces"),
        ({"comment": "x" * 3_000}, 422, "comment"),
        ({"comment": "x" * 100_000}, 413, "larger than 64 KB"),  # refused before it is read
        ({"surprise": 1}, 422, "surprise"),
        ({"nps": None, "csat": None, "ces": None, "comment": " "}, 422, "Nothing to record"),
        ({"token": "forged.token"}, 403, "malformed token"),
    ],
)
def test_bad_submissions_get_a_clear_4xx_and_store_nothing(api, session, change, status, words):
    body = {**survey(), **change}
    response = api.post("/api/feedback", json=body)
    assert response.status_code == status and words in str(response.json()["detail"])
    stored = session.execute(select(Feedback).where(Feedback.conversation_id == body["conversation_id"])).first()
    assert stored is None


def test_a_token_for_another_conversation_or_expired_is_refused(api):
    body = survey()
    other = survey()
    assert api.post("/api/feedback", json={**body, "token": other["token"]}).status_code == 403
    expired = mint_survey_token(body["conversation_id"], "C00001", survey_secret(), now=0)
    response = api.post("/api/feedback", json={**body, "token": expired})
    assert response.status_code == 403 and "expired" in response.json()["detail"]


def test_scores_endpoint_counts_new_feedback(api):
    before = api.get("/api/scores", auth=SUPERVISOR).json()["groups"]
    n_before = before[0]["nps"]["n"] if before else 0
    assert api.post("/api/feedback", json=survey(nps=2, comment="slow")).status_code == 201
    after = api.get("/api/scores", auth=SUPERVISOR).json()["groups"][0]["nps"]
    assert after["n"] == n_before + 1 and after["detractors"] >= 1
    assert after["margin_of_error"] is not None
    assert api.get("/api/scores?group_by=week", auth=SUPERVISOR).json()["group_by"] == "week"


def test_impossible_date_range_and_unknown_grouping(api):
    assert api.get("/api/scores?from=2026-02-01&to=2026-01-01", auth=SUPERVISOR).status_code == 422
    assert api.get("/api/scores?group_by=planet", auth=SUPERVISOR).status_code == 422


def post(api, rep, nps, comment="", **extra):
    body = survey(nps=nps, comment=comment, rep_id=rep, **extra)
    response = api.post("/api/feedback", json=body)
    assert response.status_code == 201, response.text
    return body["conversation_id"]


def test_feedback_log_filters_search_sorts_and_pages(api):
    rep = f"rep-{uuid.uuid4().hex[:6]}"
    for nps, comment in [(10, "Lovely, fast"), (8, "ok"), (2, "100% useless_ really"), (5, "slow reply"), (9, "")]:
        post(api, rep, nps, comment, topic="explain_bill")
    log = lambda query: api.get(f"/api/feedback?rep={rep}&{query}", auth=SUPERVISOR)  # noqa: E731
    everything = log("").json()
    assert everything["total"] == 5
    assert [r["nps"] for r in log("sort=nps&order=asc").json()["rows"]] == [2, 5, 8, 9, 10]
    assert [r["nps"] for r in log("band=detractor").json()["rows"]] == [5, 2]  # newest first
    assert [r["comment"] for r in log("q=SLOW").json()["rows"]] == ["slow reply"]
    assert [r["comment"] for r in log("q=100%25").json()["rows"]] == ["100% useless_ really"]  # % taken literally
    page2 = log("sort=nps&order=asc&page=2&page_size=2").json()
    assert page2["total"] == 5 and [r["nps"] for r in page2["rows"]] == [8, 9]
    assert log("topic=complaint").json()["total"] == 0
    row = everything["rows"][0]
    assert row["transcript_url"].startswith("/api/conversations/") and row["band"] in (
        "promoter",
        "passive",
        "detractor",
    )


def test_feedback_log_as_csv_keeps_comments_as_written_and_defuses_formulas(api):
    rep = f"rep-{uuid.uuid4().hex[:6]}"
    post(api, rep, 3, '<script>alert(1)</script>, "quoted"')
    post(api, rep, 9, '=HYPERLINK("http://evil")')
    response = api.get(f"/api/feedback?rep={rep}&format=csv&sort=nps&order=asc", auth=SUPERVISOR)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["comment"] for r in rows] == ['<script>alert(1)</script>, "quoted"', '\'=HYPERLINK("http://evil")']


def test_csv_export_is_the_log_as_before_header_quoting_and_cells(api):
    rep = f"rep-{uuid.uuid4().hex[:6]}"
    first = post(api, rep, 3, '<script>alert(1)</script>, "quoted"')
    second = post(api, rep, 9, "-2 for the wait\nbut fixed")
    response = api.get(f"/api/feedback?rep={rep}&format=csv&sort=nps&order=asc", auth=SUPERVISOR)
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="feedback.csv"'
    text = response.text
    assert text.startswith(
        "id,created_at,conversation_id,customer_id,nps,band,csat,ces,rep_id,channel,topic,comment,transcript_url\r\n"
    )
    rows = api.get(f"/api/feedback?rep={rep}&sort=nps&order=asc", auth=SUPERVISOR).json()["rows"]
    expected = "".join(
        f"{r['id']},{r['created_at']},{r['conversation_id']},C00001,{r['nps']},{r['band']},,,{rep},chat,,"
        f"{comment},/api/conversations/{r['conversation_id']}/transcript\r\n"
        for r, comment in zip(rows, ['"<script>alert(1)</script>, ""quoted"""', '"\'-2 for the wait\nbut fixed"'])
    )
    assert [r["conversation_id"] for r in rows] == [first, second]
    assert text.split("\r\n", 1)[1] == expected  # nothing after the rows: no "export stopped" line


@pytest.fixture
def log_of_20k(tmp_path, database_url):
    """The sidecar pointed, for one test, at a database of its own holding 20,000 answers."""
    engine = db.make_engine(f"sqlite:///{tmp_path / 'big-log.db'}")
    prepare_database(engine, customers=3, today=date(2026, 11, 2))
    start = datetime(2026, 1, 1)
    rows = []
    for i in range(20_000):
        moment = start + timedelta(minutes=i)
        day = moment.date()
        comment = "=SUM(A1:A9)" if i % 7 == 0 else f'row {i}, "quoted"'
        rows.append(dict(
            conversation_id=f"big-{i}", customer_id=None, nps=i % 11, csat=None, ces=1 + i % 7, comment=comment,
            rep_id="big", channel="chat", topic=None, created_at=moment, created_on=day,
            week=day - timedelta(days=day.weekday()), month=day.replace(day=1),
        ))  # fmt: skip
    with engine.begin() as connection:
        connection.execute(insert(Feedback), rows)
    previous = db.get_engine()
    db.use_engine(engine)
    yield engine
    db.use_engine(previous)
    engine.dispose()


def test_a_20k_row_export_has_every_row_in_order_with_cells_defused(api, log_of_20k):
    response = api.get("/api/feedback?format=csv&rep=big", auth=SUPERVISOR)
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 20_000
    ids = [int(r["id"]) for r in rows]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 20_000  # newest first, each once
    by_conversation = {r["conversation_id"]: r for r in rows}
    assert by_conversation["big-0"]["comment"] == "'=SUM(A1:A9)"
    assert by_conversation["big-19998"]["comment"] == 'row 19998, "quoted"'
    assert by_conversation["big-19998"]["band"] == "detractor" and by_conversation["big-19998"]["nps"] == "0"


def _streamed_get(path: str, query: str) -> Tuple[int, List[int]]:
    """GET straight through the ASGI app: the status and the size of each body message, nothing kept."""
    from api.main import app

    sizes: List[int] = []
    status = {}
    done = asyncio.Event()

    async def receive():
        if not status:
            status["asked"] = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message):
        if message["type"] == "http.response.start":
            status["code"] = message["status"]
        elif message["type"] == "http.response.body":
            sizes.append(len(message.get("body", b"")))
            if not message.get("more_body"):
                done.set()

    credentials = base64.b64encode(":".join(SUPERVISOR).encode())
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": query.encode(), "root_path": "",
        "headers": [(b"host", b"testserver"), (b"authorization", b"Basic " + credentials)],
        "client": ("127.0.0.1", 50000), "server": ("testserver", 80),
    }  # fmt: skip
    asyncio.run(app(scope, receive, send))
    return status["code"], sizes


def _peak_memory_of_export(query: str) -> Tuple[int, List[int]]:
    tracemalloc.start()
    try:
        status, sizes = _streamed_get("/api/feedback", query)
        assert status == 200
        return tracemalloc.get_traced_memory()[1], sizes
    finally:
        tracemalloc.stop()


def test_a_20k_row_export_streams_in_batches_and_its_memory_does_not_grow_with_the_rows(api, log_of_20k):
    _streamed_get("/api/feedback", "format=csv&rep=big&to=2026-01-01")  # a warm-up: imports, compiled queries
    peak_of_3_days, sizes_of_3_days = _peak_memory_of_export("format=csv&rep=big&to=2026-01-03")  # 4,320 rows
    peak, sizes = _peak_memory_of_export("format=csv&rep=big")
    data_chunks = [size for size in sizes if size]
    # the header, then one chunk per batch of 1,000 rows read
    assert len(data_chunks) == 1 + 20_000 // feedback_api.EXPORT_BATCH_ROWS
    # Holding every row would take more memory for 20,000 rows than for 4,320,
    # more than the 1.9 MB of CSV they add; a batch at a time takes the same.
    added = sum(sizes) - sum(sizes_of_3_days)
    assert peak - peak_of_3_days < added / 10, (peak, peak_of_3_days, added)


def test_a_database_failure_mid_export_ends_the_file_with_a_line_not_a_trace(api, log_of_20k, monkeypatch, caplog):
    def failing_after_one_batch(session, query, batch_rows, at_most=None):
        batches = feedback_export(session, query, batch_rows, at_most)
        yield next(batches)
        raise OperationalError("SELECT feedback.id ...", {}, Exception("disk I/O error"))

    monkeypatch.setattr(feedback_api, "feedback_export", failing_after_one_batch)
    response = api.get("/api/feedback?format=csv&rep=big", auth=SUPERVISOR)
    assert response.status_code == 200
    lines = list(csv.reader(io.StringIO(response.text)))
    assert len(lines) == 1 + 1_000 + 1
    assert lines[-1] == ["Export stopped after 1,000 rows: something went wrong on our side; please export again."]
    assert "Traceback" not in response.text and "disk I/O" not in response.text
    assert any("feedback export stopped after 1000 rows" in r.getMessage() for r in caplog.records)


def test_an_export_holds_one_database_connection_while_it_streams(api, monkeypatch):
    from fastapi.testclient import TestClient

    from api.main import app

    rep = f"rep-{uuid.uuid4().hex[:6]}"
    post(api, rep, 7, "fine")
    held = []

    def noting_connections(session, query, batch_rows, at_most=None):
        for batch in feedback_export(session, query, batch_rows, at_most):
            held.append(db.get_engine().pool.checkedout())
            yield batch

    monkeypatch.setattr(feedback_api, "feedback_export", noting_connections)
    with TestClient(app, headers={"X-Console": "1"}) as browser:  # signed in with the cookie, read per request
        assert browser.post("/api/session", json={"username": "sam", "password": "sam-demo"}).status_code == 200
        assert len(browser.get(f"/api/feedback?rep={rep}&format=csv").text.splitlines()) == 2
    assert held == [1]  # the export's own; the request's session gave its connection back


def test_an_export_past_its_cap_says_where_it_stopped(api, monkeypatch):
    rep = f"rep-{uuid.uuid4().hex[:6]}"
    for nps in range(4):
        post(api, rep, nps, "fine")
    monkeypatch.setattr(feedback_api, "EXPORT_AT_MOST", 3)
    lines = api.get(f"/api/feedback?rep={rep}&format=csv", auth=SUPERVISOR).text.splitlines()
    assert len(lines) == 1 + 3 + 1 and lines[-1] == "Export stopped at 3 rows: narrow the filters for the rest."
    monkeypatch.setattr(feedback_api, "EXPORT_AT_MOST", 4)
    assert len(api.get(f"/api/feedback?rep={rep}&format=csv", auth=SUPERVISOR).text.splitlines()) == 1 + 4


def test_feedback_log_refuses_an_impossible_range_and_non_supervisors(api):
    assert api.get("/api/feedback?from=2026-05-01&to=2026-04-01", auth=SUPERVISOR).status_code == 422
    assert api.get("/api/feedback", auth=("priya", "priya-demo")).status_code == 403
    assert api.get("/api/feedback").status_code == 401


def test_follow_up_moves_forward_only_and_flags_overdue(api, session):
    rep = f"rep-{uuid.uuid4().hex[:6]}"
    conversation = post(api, rep, 1, "never again")
    feedback = session.execute(select(Feedback).where(Feedback.conversation_id == conversation)).scalar_one()
    follow_up = session.execute(select(FollowUp).where(FollowUp.feedback_id == feedback.id)).scalar_one()
    listed = {f["id"]: f for f in api.get("/api/followups?status=open", auth=SUPERVISOR).json()}
    assert listed[follow_up.id]["overdue"] is False and listed[follow_up.id]["comment"] == "never again"
    url = f"/api/followups/{follow_up.id}"
    moved = api.patch(
        url, json={"status": "contacted", "owner": "sam", "notes": "Called, offered credit"}, auth=SUPERVISOR
    )
    assert (
        moved.status_code == 200 and moved.json()["status"] == "contacted" and "offered credit" in moved.json()["notes"]
    )
    back = api.patch(url, json={"status": "open"}, auth=SUPERVISOR)
    assert back.status_code == 409 and "can't go back" in back.json()["detail"]
    assert api.patch(url, json={"status": "done"}, auth=SUPERVISOR).status_code == 422
    assert api.patch("/api/followups/999999", json={"status": "resolved"}, auth=SUPERVISOR).status_code == 404
    # two days later and not resolved: overdue
    session.expire_all()
    row = session.get(FollowUp, follow_up.id)
    row.due_at = clock.now() - timedelta(minutes=1)
    session.commit()
    overdue_ids = [f["id"] for f in api.get("/api/followups?overdue=true", auth=SUPERVISOR).json()]
    assert follow_up.id in overdue_ids


def test_transcript_of_a_real_conversation(api, chat):
    sender = f"tr-{uuid.uuid4().hex[:8]}"
    chat.text(sender, "where is my order", "C00001")
    lines = api.get(f"/api/conversations/{sender}/transcript", auth=("priya", "priya-demo")).json()
    assert lines[0] == {"speaker": "customer", "text": "where is my order", "at": lines[0]["at"]}
    assert any("ORD-100001" in line["text"] for line in lines if line["speaker"] == "assistant")
    assert api.get("/api/conversations/nope/transcript", auth=("priya", "priya-demo")).status_code == 404


def test_nul_characters_are_a_clear_4xx_on_every_database(api):
    response = api.get("/api/feedback?q=%00", auth=SUPERVISOR)
    assert response.status_code in (200, 422)  # SQLite stores NUL; PostgreSQL refuses it
    if response.status_code == 422:
        assert "NUL" in response.json()["detail"]
    posted = api.post("/api/feedback", json=survey(comment="bad\u0000byte"))
    assert posted.status_code in (201, 422)


def test_the_same_survey_sent_many_times_at_once_is_stored_once(sidecar_url, session):
    """Clients retry: concurrent copies give one 201, the rest 200 with the same id, one row."""
    import asyncio

    import httpx

    body = survey(nps=3, comment="sent from a flaky connection")

    async def send_all():
        async with httpx.AsyncClient(base_url=sidecar_url, timeout=30) as client:
            return await asyncio.gather(*(client.post("/api/feedback", json=body) for _ in range(12)))

    responses = asyncio.run(send_all())
    assert sorted(r.status_code for r in responses) == [200] * 11 + [201]
    assert len({r.json()["id"] for r in responses}) == 1
    rows = session.execute(select(Feedback).where(Feedback.conversation_id == body["conversation_id"])).all()
    assert len(rows) == 1
    follow_ups = session.execute(select(FollowUp).where(FollowUp.feedback_id == rows[0][0].id)).all()
    assert len(follow_ups) == 1
