"""What offers and rep prompts do: conversion, revenue, and satisfaction beside them.

Satisfaction is compared on the post-chat survey of the same conversations:
those where an offer was made against those where none was, so supervisors
can see whether offering costs goodwill. Prompts are joined the same way:
the scores of conversations in which a rep used a suggested question.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Dict, List, Optional

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from assistant.cx.feedback import ScoreGroup, scores
from assistant.models import AddOn, Feedback, OfferEvent, RepSuggestion

OUTCOMES = ("shown", "accepted", "declined", "ignored")


@dataclass
class Outcomes:
    """What became of a group of offers."""

    offered: int
    accepted: int
    declined: int
    ignored: int
    waiting: int  # still shown, not answered yet
    monthly_revenue_cents: int  # from accepted offers

    @property
    def conversion(self) -> Optional[float]:
        answered = self.accepted + self.declined + self.ignored
        return self.accepted / answered if answered else None


@dataclass
class AddOnOutcome(Outcomes):
    code: str
    name: str


@dataclass
class ChannelOutcome(Outcomes):
    """Offers the assistant made (chat) or a rep made (rep), with the scores of their conversations."""

    channel: str
    scores: ScoreGroup


@dataclass
class PromptUse:
    basis: str
    shown: int
    used_as_is: int
    used_edited: int
    scores: ScoreGroup  # feedback of the conversations where the rep used one


@dataclass
class OfferReport:
    addons: List[AddOnOutcome]
    channels: List[ChannelOutcome]
    with_offer: ScoreGroup
    without_offer: ScoreGroup
    offer_declined: ScoreGroup
    prompts: List[PromptUse]


def _window(column, date_from: Optional[date], date_to: Optional[date]) -> list:
    conditions = []
    if date_from:
        conditions.append(column >= datetime.combine(date_from, time.min))
    if date_to:
        conditions.append(column <= datetime.combine(date_to, time.max))
    return conditions


def _one(groups: List[ScoreGroup]) -> ScoreGroup:
    return groups[0]


def _outcomes(session: Session, key, window: list) -> List[tuple]:
    """(key, Outcomes) per value of `key`, counted in SQL."""
    counts = [func.sum(case((OfferEvent.status == status, 1), else_=0)) for status in OUTCOMES]
    revenue = func.sum(case((OfferEvent.status == "accepted", OfferEvent.monthly_price_cents), else_=0))
    rows = session.execute(select(key, func.count(), *counts, revenue).where(*window).group_by(key).order_by(key))
    return [
        (
            value,
            Outcomes(
                offered=int(total),
                accepted=int(accepted or 0),
                declined=int(declined or 0),
                ignored=int(ignored or 0),
                waiting=int(shown or 0),
                monthly_revenue_cents=int(money or 0),
            ),
        )
        for value, total, shown, accepted, declined, ignored, money in rows
    ]


def offer_report(session: Session, date_from: Optional[date] = None, date_to: Optional[date] = None) -> OfferReport:
    window = _window(OfferEvent.shown_at, date_from, date_to)
    names: Dict[str, str] = dict(session.execute(select(AddOn.code, AddOn.name)).all())
    addons = [
        AddOnOutcome(**vars(counts), code=code, name=names.get(code, code))
        for code, counts in _outcomes(session, OfferEvent.addon_code, window)
    ]
    feedback_window = (date_from, date_to)
    channels = []
    for channel, counts in _outcomes(session, OfferEvent.channel, window):
        made_there = select(OfferEvent.conversation_id).where(
            OfferEvent.channel == channel, OfferEvent.conversation_id.is_not(None), *window
        )
        conditions = [Feedback.conversation_id.in_(made_there)]
        channels.append(
            ChannelOutcome(
                **vars(counts),
                channel=channel,
                scores=_one(scores(session, None, *feedback_window, conditions=conditions)),
            )
        )
    offered = select(OfferEvent.conversation_id).where(OfferEvent.conversation_id.is_not(None), *window)
    declined = offered.where(OfferEvent.status == "declined")

    prompts = []
    bases = session.execute(
        select(
            RepSuggestion.basis,
            func.count(),
            func.sum(case((RepSuggestion.use == "as_is", 1), else_=0)),
            func.sum(case((RepSuggestion.use == "edited", 1), else_=0)),
        )
        .where(RepSuggestion.kind == "question", *_window(RepSuggestion.shown_at, date_from, date_to))
        .group_by(RepSuggestion.basis)
        .order_by(RepSuggestion.basis)
    ).all()
    for basis, shown, as_is, edited in bases:
        used_in = select(RepSuggestion.conversation_id).where(
            RepSuggestion.basis == basis, RepSuggestion.use != "unused", RepSuggestion.conversation_id.is_not(None)
        )
        prompts.append(
            PromptUse(
                basis=basis,
                shown=int(shown),
                used_as_is=int(as_is or 0),
                used_edited=int(edited or 0),
                scores=_one(
                    scores(session, None, *feedback_window, conditions=[Feedback.conversation_id.in_(used_in)])
                ),
            )
        )
    prompts.sort(key=lambda p: -(p.used_as_is + p.used_edited))
    return OfferReport(
        addons=addons,
        channels=channels,
        with_offer=_one(scores(session, None, *feedback_window, conditions=[Feedback.conversation_id.in_(offered)])),
        without_offer=_one(
            scores(session, None, *feedback_window, conditions=[Feedback.conversation_id.not_in(offered)])
        ),
        offer_declined=_one(
            scores(session, None, *feedback_window, conditions=[Feedback.conversation_id.in_(declined)])
        ),
        prompts=prompts,
    )
