"""Supervisor views of people and words: rep scorecards, kudos, comment themes."""

from __future__ import annotations

from datetime import date
from typing import List, Optional, Tuple

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field

from api.deps import SessionDep, SupervisorDep
from api.feedback import Measure, NpsMeasure, _measure
from assistant.cx import comments as comment_analysis
from assistant.cx.people import kudos, scorecards

router = APIRouter(prefix="/api", tags=["people"])


class ScorecardOut(BaseModel):
    rep_id: str
    name: str
    nps: NpsMeasure
    csat: Measure


class KudosOut(BaseModel):
    feedback_id: int
    rep_id: str
    rep_name: str
    comment: str
    sentiment: float
    created_at: str


class PeopleOut(BaseModel):
    scorecards: List[ScorecardOut]
    kudos: List[KudosOut]


@router.get("/scorecards", response_model=PeopleOut, summary="NPS and CSAT per rep, with margins; kudos")
def get_scorecards(session: SessionDep, _user: SupervisorDep) -> PeopleOut:
    cards = [
        ScorecardOut(
            rep_id=card.rep_id,
            name=card.name,
            nps=_measure(
                card.group.nps,
                promoters=card.group.nps.promoters,
                passives=card.group.nps.passives,
                detractors=card.group.nps.detractors,
            ),
            csat=_measure(card.group.csat),
        )
        for card in scorecards(session)
    ]
    return PeopleOut(scorecards=cards, kudos=[KudosOut(**k.__dict__) for k in kudos(session)])


class BandThemes(BaseModel):
    comments: int
    mean_sentiment: Optional[float]
    themes: List[Tuple[str, int]]


class ThemesOut(BaseModel):
    all: BandThemes
    promoter: BandThemes
    passive: BandThemes
    detractor: BandThemes
    comments_analysed: int = Field(..., description="How many of the newest comments in the range were analysed")
    comments_total: int = Field(..., description="How many comments the range holds")
    analysed_at_most: int = Field(
        ...,
        description="The most a summary analyses: the newest comments up to this many "
        f"(and {comment_analysis.THEMES_CHARACTERS_AT_MOST:,} characters)",
    )


@router.get("/feedback/themes", response_model=ThemesOut, summary="Recurring themes and sentiment by NPS band")
def get_themes(
    session: SessionDep,
    _user: SupervisorDep,
    date_from: Optional[date] = Query(None, alias="from"),
    date_to: Optional[date] = Query(None, alias="to"),
    limit: int = Query(
        comment_analysis.THEMES_AT_MOST,
        ge=1,
        le=20000,
        description=f"Newest comments analysed; never more than {comment_analysis.THEMES_AT_MOST:,}",
    ),
) -> ThemesOut:
    if date_from and date_to and date_from > date_to:
        raise HTTPException(status_code=422, detail="'from' is after 'to': no day can be in that range.")
    summary = comment_analysis.themes(session, date_from, date_to, newest=limit)
    return ThemesOut(
        **{band: BandThemes(**value.__dict__) for band, value in summary.bands.items()},
        comments_analysed=summary.comments_analysed,
        comments_total=summary.comments_total,
        analysed_at_most=comment_analysis.THEMES_AT_MOST,
    )
