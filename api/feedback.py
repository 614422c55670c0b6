"""Post-chat feedback in (`POST /api/feedback`) and CX scores out (`GET /api/scores`)."""

from __future__ import annotations

from datetime import date
from typing import List, Literal, Optional

from fastapi import APIRouter, HTTPException, Query, Response
from pydantic import BaseModel, Field, validator

from api.deps import SessionDep, SupervisorDep
from assistant.customers import get_customer
from assistant.cx.feedback import FeedbackConflict, record_feedback, scores
from assistant.identity import InvalidToken, signing_secret, verify_survey_token

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
def post_feedback(body: FeedbackIn, session: SessionDep, response: Response) -> FeedbackStored:
    try:
        signed = verify_survey_token(body.token, signing_secret())
    except InvalidToken as error:
        raise HTTPException(status_code=403, detail=f"Survey token refused: {error}.")
    if signed["conversation_id"] != body.conversation_id or signed["customer_id"] != body.customer_id:
        raise HTTPException(status_code=403, detail="Survey token refused: it was issued for another conversation.")
    if body.nps is None and body.csat is None and body.ces is None and not body.comment.strip():
        raise HTTPException(status_code=422, detail="Nothing to record: every question was skipped.")
    if body.customer_id and get_customer(session, body.customer_id) is None:
        raise HTTPException(status_code=404, detail=f"No customer with id {body.customer_id!r}.")
    try:
        feedback, created = record_feedback(session, **body.dict(exclude={"token"}))
    except FeedbackConflict:
        raise HTTPException(status_code=409, detail="This conversation already has different feedback recorded.")
    if not created:
        response.status_code = 200
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
    groups = [
        ScoreGroupOut(
            group=g.key,
            nps=_measure(g.nps, promoters=g.nps.promoters, passives=g.nps.passives, detractors=g.nps.detractors),
            csat=_measure(g.csat),
            ces=_measure(g.ces),
        )
        for g in scores(session, group_by, date_from, date_to)
    ]
    return ScoresOut(group_by=group_by, groups=groups)
