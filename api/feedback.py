"""Post-chat feedback in (`POST /api/feedback`) and CX scores out (`GET /api/scores`)."""

from __future__ import annotations

import csv
import io
import logging
from datetime import date
from typing import Iterator, List, Literal, Optional
from urllib.parse import quote

import anyio
from fastapi import APIRouter, HTTPException, Path, Query, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field, validator
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from api.deps import RepDep, SessionDep, SupervisorDep, sqlite_write_lock
from assistant import clock
from assistant.customers import get_customer
from assistant.cx.feedback import (
    FeedbackConflict,
    FeedbackQuery,
    FollowUpError,
    ScoreGroup,
    feedback_export,
    feedback_log,
    is_overdue,
    record_feedback,
    scores,
    update_follow_up,
)
from assistant.cx.scores import nps_band
from assistant.db import session_scope
from assistant.identity import InvalidToken, survey_secret, verify_survey_token
from assistant.models import Feedback, FollowUp
from connectors.transcripts import transcript

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/api", tags=["feedback"])

MAX_COMMENT = 2000


class FeedbackIn(BaseModel):
    conversation_id: str = Field(..., min_length=1, max_length=120)
    customer_id: Optional[str] = Field(None, max_length=20)
    nps: Optional[int] = Field(None, ge=0, le=10, description="Likelihood to recommend, 0–10")
    csat: Optional[int] = Field(None, ge=1, le=5, description="Satisfaction, 1–5")
    ces: Optional[int] = Field(None, ge=1, le=7, description="Effort, 1 (easy) to 7 (hard)")
    comment: str = Field("", max_length=MAX_COMMENT)
    rep_id: Optional[str] = Field(None, max_length=40)
    channel: str = Field("chat", min_length=1, max_length=30)
    topic: Optional[str] = Field(None, max_length=40)
    token: str = Field(..., min_length=1, max_length=1000, description="Survey token signed for this conversation")

    class Config:
        extra = "forbid"

    @validator("nps", "csat", "ces", pre=True)
    def whole_numbers_only(cls, value):  # noqa: N805  (pydantic validator)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise ValueError("must be a whole number")
        return value


class FeedbackStored(BaseModel):
    id: int
    duplicate: bool


@router.post(
    "/feedback",
    response_model=FeedbackStored,
    status_code=201,
    responses={200: {"model": FeedbackStored, "description": "The same submission again: nothing new stored"}},
    summary="Record a customer's post-chat survey",
)
async def post_feedback(body: FeedbackIn, response: Response) -> FeedbackStored:
    stored = await anyio.to_thread.run_sync(store_feedback, body, limiter=_feedback_threads())
    if not stored.duplicate:
        return stored
    response.status_code = 200
    return stored


# On SQLite the writes queue on one lock (api/deps.py). Threads beyond a few
# only wait there, and do their checks meanwhile, competing with the writer
# for the interpreter: with 32 connections the write held the lock 1.7-2 ms
# against 0.9 ms alone. So this endpoint runs on a few threads of its own;
# other endpoints keep the shared pool.
FEEDBACK_THREADS = 4
_limiter: Optional[anyio.CapacityLimiter] = None


def _feedback_threads() -> anyio.CapacityLimiter:
    global _limiter
    if _limiter is None:
        _limiter = anyio.CapacityLimiter(FEEDBACK_THREADS)
    return _limiter


def store_feedback(body: FeedbackIn) -> FeedbackStored:
    try:
        signed = verify_survey_token(body.token, survey_secret())
    except InvalidToken as error:
        raise HTTPException(status_code=403, detail=f"Survey token refused: {error}.")
    if signed["conversation_id"] != body.conversation_id or signed["customer_id"] != body.customer_id:
        raise HTTPException(status_code=403, detail="Survey token refused: it was issued for another conversation.")
    if body.nps is None and body.csat is None and body.ces is None and not body.comment.strip():
        raise HTTPException(status_code=422, detail="Nothing to record: every question was skipped.")
    with session_scope() as session:
        if body.customer_id and get_customer(session, body.customer_id) is None:
            raise HTTPException(status_code=404, detail=f"No customer with id {body.customer_id!r}.")
        answers = body.dict(exclude={"token"})
        try:
            try:
                with sqlite_write_lock(session):
                    feedback, created = record_feedback(session, **answers)
                    session.commit()
            except IntegrityError:
                # A copy of this survey, sent at the same moment, was stored
                # between our check and our insert (PostgreSQL has no write
                # queue): read it back, as for any repeat.
                session.rollback()
                feedback, created = record_feedback(session, **answers)
        except FeedbackConflict:
            raise HTTPException(status_code=409, detail="This conversation already has different feedback recorded.")
        return FeedbackStored(id=feedback.id, duplicate=not created)


class Measure(BaseModel):
    score: Optional[float]
    margin_of_error: Optional[float] = Field(None, description="95% margin, in the score's own units")
    n: int
    small_sample: bool


class NpsMeasure(Measure):
    promoters: int
    passives: int
    detractors: int


class ScoreGroupOut(BaseModel):
    group: Optional[str]
    nps: NpsMeasure
    csat: Measure
    ces: Measure


class ScoresOut(BaseModel):
    group_by: Optional[str]
    groups: List[ScoreGroupOut]


def _measure(value, **extra) -> dict:
    return dict(
        score=None if value.score is None else round(value.score, 2),
        margin_of_error=None if value.margin is None else round(value.margin, 2),
        n=value.n,
        small_sample=value.small_sample,
        **extra,
    )


def score_group_out(group: ScoreGroup) -> ScoreGroupOut:
    nps = group.nps
    return ScoreGroupOut(
        group=group.key,
        nps=_measure(nps, promoters=nps.promoters, passives=nps.passives, detractors=nps.detractors),
        csat=_measure(group.csat),
        ces=_measure(group.ces),
    )


@router.get("/scores", response_model=ScoresOut, summary="NPS, CSAT and CES with margins, overall or grouped")
def get_scores(
    session: SessionDep,
    _user: SupervisorDep,
    group_by: Optional[Literal["day", "week", "month", "rep", "topic", "channel"]] = None,
    date_from: Optional[date] = Query(None, alias="from"),
    date_to: Optional[date] = Query(None, alias="to"),
) -> ScoresOut:
    if date_from and date_to and date_from > date_to:
        raise HTTPException(status_code=422, detail="'from' is after 'to': no day can be in that range.")
    return ScoresOut(
        group_by=group_by, groups=[score_group_out(g) for g in scores(session, group_by, date_from, date_to)]
    )


class FeedbackRow(BaseModel):
    id: int
    conversation_id: str
    customer_id: Optional[str]
    nps: Optional[int]
    band: Optional[str]
    csat: Optional[int]
    ces: Optional[int]
    comment: str = Field(..., description="As the customer wrote it; render as text, never as HTML")
    rep_id: Optional[str]
    channel: str
    topic: Optional[str]
    created_at: str
    transcript_url: str


class FeedbackPage(BaseModel):
    total: int
    page: int
    page_size: int
    rows: List[FeedbackRow]


CSV_COLUMNS = [
    "id", "created_at", "conversation_id", "customer_id", "nps", "band", "csat", "ces",
    "rep_id", "channel", "topic", "comment", "transcript_url",
]  # fmt: skip


def _fields(feedback) -> dict:
    """A log row's fields from a stored answer (a `Feedback` or an export row with the same names)."""
    return dict(
        id=feedback.id,
        conversation_id=feedback.conversation_id,
        customer_id=feedback.customer_id,
        nps=feedback.nps,
        band=None if feedback.nps is None else nps_band(feedback.nps),
        csat=feedback.csat,
        ces=feedback.ces,
        comment=feedback.comment or "",
        rep_id=feedback.rep_id,
        channel=feedback.channel,
        topic=feedback.topic,
        created_at=feedback.created_at.isoformat(timespec="seconds"),
        transcript_url=f"/api/conversations/{quote(feedback.conversation_id, safe='')}/transcript",
    )


def _row(feedback) -> FeedbackRow:
    return FeedbackRow(**_fields(feedback))


def _csv_cell(value) -> str:
    text = "" if value is None else str(value)
    # A cell starting with = + - @ would run as a formula in a spreadsheet; one starting
    # with a tab or a carriage return can too, once the spreadsheet trims it (OWASP).
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


# The export is streamed a batch of rows at a time, so the sidecar holds one
# batch however many rows match; past EXPORT_AT_MOST rows it stops and says so.
EXPORT_BATCH_ROWS = 1000
EXPORT_AT_MOST = 1_000_000


def feedback_csv(query: FeedbackQuery) -> Iterator[str]:
    """The feedback log as CSV text, one chunk per batch of rows read.

    It runs while the response is sent, after the request's own session has
    closed, so it reads through a session of its own. The status and headers
    are gone by then: if the database fails mid-way, the error is logged and
    the file ends with a line saying where the export stopped (no stack
    trace reaches the client).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def taken() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(CSV_COLUMNS)
    yield taken()
    written = 0
    try:
        with session_scope() as session:
            for batch in feedback_export(session, query, EXPORT_BATCH_ROWS, at_most=EXPORT_AT_MOST + 1):
                for row in batch:
                    if written == EXPORT_AT_MOST:
                        writer.writerow([f"Export stopped at {written:,} rows: narrow the filters for the rest."])
                        yield taken()
                        return
                    values = _fields(row)
                    writer.writerow([_csv_cell(values[name]) for name in CSV_COLUMNS])
                    written += 1
                yield taken()
    except Exception:  # the client has its 200 already: end the file saying so, never with a trace
        logger.exception("feedback export stopped after %d rows", written)
        writer.writerow(
            [f"Export stopped after {written:,} rows: something went wrong on our side; please export again."]
        )
        yield taken()


@router.get(
    "/feedback",
    response_model=FeedbackPage,
    summary="The feedback log: filter, search, sort, page, or export as CSV (streamed)",
    responses={200: {"content": {"text/csv": {}}}},
)
def get_feedback(
    session: SessionDep,
    _user: SupervisorDep,
    date_from: Optional[date] = Query(None, alias="from"),
    date_to: Optional[date] = Query(None, alias="to"),
    rep: Optional[str] = Query(None, max_length=40),
    channel: Optional[str] = Query(None, max_length=30),
    topic: Optional[str] = Query(None, max_length=40),
    band: Optional[Literal["promoter", "passive", "detractor"]] = None,
    q: Optional[str] = Query(None, max_length=200, description="Text to find in comments"),
    sort: Literal["created_at", "nps", "csat", "ces"] = "created_at",
    order: Literal["asc", "desc"] = "desc",
    page: int = Query(1, ge=1, le=100_000),
    page_size: int = Query(50, ge=1, le=500),
    format: Literal["json", "csv"] = "json",
):
    if date_from and date_to and date_from > date_to:
        raise HTTPException(status_code=422, detail="'from' is after 'to': no day can be in that range.")
    query = FeedbackQuery(
        date_from=date_from, date_to=date_to, rep_id=rep, channel=channel, topic=topic, band=band, text=q,
        sort=sort, descending=order == "desc", page=page, page_size=page_size,
    )  # fmt: skip
    if format == "csv":
        # The stream reads through a session of its own; this one's connection goes back to the
        # pool now rather than after the last row is sent.
        session.close()
        return StreamingResponse(
            feedback_csv(query),
            media_type="text/csv",
            headers={"Content-Disposition": 'attachment; filename="feedback.csv"'},
        )
    rows, total = feedback_log(session, query)
    return FeedbackPage(total=total, page=page, page_size=page_size, rows=[_row(r) for r in rows])


class TranscriptLine(BaseModel):
    speaker: str
    text: str
    at: str


@router.get(
    "/conversations/{conversation_id}/transcript",
    response_model=List[TranscriptLine],
    summary="What was said in a conversation (from the tracker store)",
)
def get_transcript(
    session: SessionDep, _user: RepDep, conversation_id: str = Path(..., min_length=1, max_length=120)
) -> List[TranscriptLine]:
    lines = transcript(session, conversation_id)
    if not lines:
        raise HTTPException(status_code=404, detail=f"No transcript for conversation {conversation_id!r}.")
    return [TranscriptLine(**line) for line in lines]


class FollowUpOut(BaseModel):
    id: int
    feedback_id: int
    customer_id: Optional[str]
    status: str
    owner: Optional[str]
    notes: str
    created_at: str
    due_at: str
    overdue: bool
    nps: Optional[int]
    comment: str


class FollowUpPatch(BaseModel):
    status: Optional[Literal["open", "contacted", "resolved"]] = None
    owner: Optional[str] = Field(None, min_length=1, max_length=40)
    notes: Optional[str] = Field(None, max_length=2000)

    class Config:
        extra = "forbid"


def _follow_up_out(follow_up, feedback) -> FollowUpOut:
    return FollowUpOut(
        id=follow_up.id,
        feedback_id=follow_up.feedback_id,
        customer_id=follow_up.customer_id,
        status=follow_up.status,
        owner=follow_up.owner,
        notes=follow_up.notes or "",
        created_at=follow_up.created_at.isoformat(timespec="seconds"),
        due_at=follow_up.due_at.isoformat(timespec="seconds"),
        overdue=is_overdue(follow_up),
        nps=feedback.nps,
        comment=feedback.comment or "",
    )


@router.get("/followups", response_model=List[FollowUpOut], summary="Detractor follow-ups, overdue flagged")
def get_follow_ups(
    session: SessionDep,
    _user: SupervisorDep,
    status: Optional[Literal["open", "contacted", "resolved"]] = None,
    overdue: Optional[bool] = None,
    limit: int = Query(200, ge=1, le=1000),
) -> List[FollowUpOut]:
    query = select(FollowUp, Feedback).join(Feedback, Feedback.id == FollowUp.feedback_id)
    if status:
        query = query.where(FollowUp.status == status)
    if overdue is not None:
        late = (FollowUp.status != "resolved") & (FollowUp.due_at < clock.now())
        query = query.where(late if overdue else ~late)
    rows = session.execute(query.order_by(FollowUp.due_at).limit(limit)).all()
    return [_follow_up_out(follow_up, feedback) for follow_up, feedback in rows]


@router.patch(
    "/followups/{follow_up_id}", response_model=FollowUpOut, summary="Move a follow-up on, assign it, add notes"
)
def patch_follow_up(
    body: FollowUpPatch, session: SessionDep, user: SupervisorDep, follow_up_id: int = Path(..., ge=1, le=2**31 - 1)
) -> FollowUpOut:
    follow_up = session.get(FollowUp, follow_up_id)
    if follow_up is None:
        raise HTTPException(status_code=404, detail=f"No follow-up {follow_up_id}.")
    try:
        update_follow_up(session, follow_up, status=body.status, owner=body.owner, notes=body.notes)
    except FollowUpError as error:
        raise HTTPException(status_code=409, detail=str(error).capitalize() + ".")
    return _follow_up_out(follow_up, session.get(Feedback, follow_up.feedback_id))
