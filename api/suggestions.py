"""Suggestions for the rep console, what reps did with them, and what offers do.

- `GET /api/customers/{customer_id}/suggestions`, `GET /api/conversations/{id}/suggestions`:
  three open questions and the ranked offers with reasons (or why offers are held back);
  each is logged with an id;
- `POST /api/suggestions/{id}/use`: the rep used it as is, edited it, or not at all; an
  offer used in a reply is logged as an offer made (channel `rep`) and its id returned;
- `POST /api/offers/{id}/answer`: what the customer said to a rep's offer (yes adds the
  add-on, pending from the next bill, as in the chat);
- `GET /api/offers/report`: conversion and revenue per add-on, satisfaction with and
  without offers, and the prompts reps used most with their conversations' scores.
"""

from __future__ import annotations

from datetime import date
from typing import List, Literal, Optional

from fastapi import APIRouter, HTTPException, Path, Query, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from api.deps import RepDep, SessionDep, SupervisorDep, sqlite_write_lock
from api.feedback import ScoreGroupOut, score_group_out
from assistant.customers import CUSTOMER_ID_PATTERN
from assistant.handoff import latest_handoff, why_rep_may_not_act
from assistant.models import OfferEvent, RepSuggestion, StaffUser
from assistant.offers.log import accept_offer, decline_offer, record_suggestion_use
from assistant.offers.report import Outcomes, offer_report
from assistant.offers.suggestions import RepSuggestions, offer_made_by_rep, suggestions_for
from connectors.transcripts import conversation_state

router = APIRouter(tags=["suggestions"])

CUSTOMER_ID = Path(..., min_length=1, max_length=20, pattern=CUSTOMER_ID_PATTERN)
CONVERSATION_ID = Path(..., min_length=1, max_length=120)


class QuestionOut(BaseModel):
    suggestion_id: int
    basis: str = Field(..., description="the record it is built on: recent_delivery, recent_ticket, tenure, ...")
    fact: str
    text: str


class OfferOut(BaseModel):
    suggestion_id: int
    code: str
    name: str
    monthly_price_cents: int
    score: float = Field(..., description="estimated chance this customer wants it, 0-1")
    reason: str
    eligible: bool


class NotOfferedOut(BaseModel):
    code: str
    name: str
    why: str


class HoldOut(BaseModel):
    rule: str
    message: str


class SuggestionsOut(BaseModel):
    customer_id: str
    conversation_id: Optional[str]
    questions: List[QuestionOut]
    offers: List[OfferOut]
    offers_held_back: Optional[HoldOut] = Field(None, description="why no offer should be made now, if so")
    not_offered: List[NotOfferedOut]


def _logged(session, result: RepSuggestions, rep_id: str) -> RepSuggestions:
    with sqlite_write_lock(session):
        result.log(session, rep_id)
        session.commit()
    return result


def _out(result: RepSuggestions) -> Response:
    """The JSON answer, serialised once (the console calls this on every view).

    FastAPI would validate and re-encode a returned model field by field, a
    third of this endpoint's time; returning the response skips that, and
    the model still documents it in OpenAPI.
    """
    ids = [row.id for row in result.logged]
    decision = result.decision
    out = SuggestionsOut(
        customer_id=result.customer_id,
        conversation_id=result.conversation_id,
        questions=[
            QuestionOut(suggestion_id=i, basis=q.basis, fact=q.fact, text=q.text) for i, q in zip(ids, result.questions)
        ],
        offers=[
            OfferOut(suggestion_id=i, **{k: getattr(o, k) for k in OfferOut.__fields__ if k != "suggestion_id"})
            for i, o in zip(ids[len(result.questions) :], decision.offers)
        ],
        offers_held_back=HoldOut(rule=decision.hold.rule, message=decision.hold.message) if decision.hold else None,
        not_offered=[NotOfferedOut(code=n.code, name=n.name, why=n.why) for n in decision.not_offered],
    )
    return Response(content=out.json(), media_type="application/json")


@router.get(
    "/api/customers/{customer_id}/suggestions",
    response_model=SuggestionsOut,
    summary="Open questions and add-on offers for this customer",
)
def customer_suggestions(session: SessionDep, user: RepDep, customer_id: str = CUSTOMER_ID) -> Response:
    result = suggestions_for(session, customer_id)
    if result is None:
        raise HTTPException(status_code=404, detail=f"No customer with id {customer_id!r}.")
    return _out(_logged(session, result, user.username))


@router.get(
    "/api/conversations/{conversation_id}/suggestions",
    response_model=SuggestionsOut,
    summary="Open questions and offers for the customer in this conversation",
)
def conversation_suggestions(session: SessionDep, user: RepDep, conversation_id: str = CONVERSATION_ID) -> Response:
    state = conversation_state(session, conversation_id)
    handoff = latest_handoff(session, conversation_id)
    customer_id = (handoff.customer_id if handoff else None) or state.customer_id
    if customer_id is None:
        detail = (
            "This conversation has no identified customer yet."
            if state.known or handoff
            else f"No conversation with id {conversation_id!r}."
        )
        raise HTTPException(status_code=404, detail=detail)
    result = suggestions_for(
        session,
        customer_id,
        conversation_id=conversation_id,
        complaint_open=state.complaint_open or bool(handoff and handoff.reason == "complaint"),
        cancelling=state.cancelling,
    )
    if result is None:
        raise HTTPException(status_code=404, detail=f"No customer with id {customer_id!r}.")
    return _out(_logged(session, result, user.username))


class SuggestionUse(BaseModel):
    use: Literal["as_is", "edited", "unused"]
    text: Optional[str] = Field(None, max_length=2000, description="what the rep sent, when edited")


class SuggestionUseOut(BaseModel):
    suggestion_id: int
    use: str
    used_text: Optional[str]
    offer_id: Optional[int] = Field(None, description="the offer made, when an offer was used in a reply")


@router.post(
    "/api/suggestions/{suggestion_id}/use",
    response_model=SuggestionUseOut,
    summary="Record whether the rep used a suggestion (as is, edited, or not at all)",
)
def use_suggestion(
    session: SessionDep, user: RepDep, body: SuggestionUse, suggestion_id: int = Path(..., ge=1, le=2**31 - 1)
) -> SuggestionUseOut:
    suggestion = session.get(RepSuggestion, suggestion_id)
    if suggestion is None:
        raise HTTPException(status_code=404, detail=f"No suggestion {suggestion_id}.")
    if suggestion.rep_id != user.username and not _is_supervisor(user):
        raise HTTPException(status_code=403, detail="That suggestion was shown to another rep.")
    if body.use == "edited" and not (body.text or "").strip():
        raise HTTPException(status_code=422, detail="An edited suggestion needs the text the rep sent.")
    with sqlite_write_lock(session):
        record_suggestion_use(session, suggestion, body.use, (body.text or "").strip() or None)
        offer = offer_made_by_rep(session, suggestion)
        session.commit()
    return SuggestionUseOut(
        suggestion_id=suggestion.id,
        use=suggestion.use,
        used_text=suggestion.used_text,
        offer_id=offer.id if offer else None,
    )


class OfferAnswer(BaseModel):
    answer: Literal["accepted", "declined"]


class OfferAnswerOut(BaseModel):
    offer_id: int
    status: str
    reference: Optional[str] = Field(None, description="the pending add-on's SUB- reference, when accepted")
    starts_on: Optional[date] = None


@router.post(
    "/api/offers/{offer_id}/answer",
    response_model=OfferAnswerOut,
    summary="Record the customer's answer to an offer a rep made",
)
def answer_offer(
    session: SessionDep, user: RepDep, body: OfferAnswer, offer_id: int = Path(..., ge=1, le=2**31 - 1)
) -> OfferAnswerOut:
    event = session.get(OfferEvent, offer_id)
    if event is None or event.channel != "rep":
        raise HTTPException(status_code=404, detail=f"No offer {offer_id} made by a rep.")
    if not _may_answer(session, user, event):
        raise HTTPException(status_code=403, detail=f"Offer {offer_id} was made in a conversation you do not hold.")
    if event.status != "shown":
        raise HTTPException(status_code=409, detail=f"Offer {offer_id} was already answered: {event.status}.")
    with sqlite_write_lock(session):
        if body.answer == "accepted":
            accepted = accept_offer(session, event)
            session.commit()
            return OfferAnswerOut(
                offer_id=event.id,
                status=event.status,
                reference=f"SUB-{accepted.subscription.id}",
                starts_on=accepted.starts_on,
            )
        decline_offer(session, event)
        session.commit()
    return OfferAnswerOut(offer_id=event.id, status=event.status)


def _is_supervisor(user: StaffUser) -> bool:
    return user.role == "supervisor"


def _may_answer(session, user: StaffUser, event: OfferEvent) -> bool:
    """Supervisors answer any rep offer; a rep one made in a conversation they may act on
    (waiting for a person, or held by them), or, outside a conversation, one they made."""
    if _is_supervisor(user):
        return True
    if event.conversation_id:
        return why_rep_may_not_act(session, event.conversation_id, user.username) is None
    made = session.execute(
        select(RepSuggestion.id).where(
            RepSuggestion.customer_id == event.customer_id,
            RepSuggestion.kind == "offer",
            RepSuggestion.basis == event.addon_code,
            RepSuggestion.rep_id == user.username,
            RepSuggestion.use != "unused",
            RepSuggestion.conversation_id.is_(None),
        )
    ).first()
    return made is not None


class OutcomesOut(BaseModel):
    offered: int
    accepted: int
    declined: int
    ignored: int
    waiting: int
    conversion: Optional[float] = Field(None, description="accepted / answered (accepted + declined + ignored)")
    monthly_revenue_cents: int


class AddOnOutcomeOut(OutcomesOut):
    code: str
    name: str


class ChannelOutcomeOut(OutcomesOut):
    channel: str = Field(..., description="chat (the assistant made the offer) or rep (a rep did)")
    scores: ScoreGroupOut = Field(..., description="post-chat feedback of the conversations with such an offer")


def _outcomes_out(outcome: Outcomes) -> dict:
    """The counts of an add-on's or a channel's offers, conversion rounded for display."""
    counts = {k: getattr(outcome, k) for k in OutcomesOut.__fields__ if k != "conversion"}
    return dict(counts, conversion=None if outcome.conversion is None else round(outcome.conversion, 4))


class PromptUseOut(BaseModel):
    basis: str
    shown: int
    used_as_is: int
    used_edited: int
    scores: ScoreGroupOut


class OfferReportOut(BaseModel):
    addons: List[AddOnOutcomeOut]
    channels: List[ChannelOutcomeOut]
    with_offer: ScoreGroupOut
    without_offer: ScoreGroupOut
    offer_declined: ScoreGroupOut
    prompts: List[PromptUseOut]


@router.get(
    "/api/offers/report",
    response_model=OfferReportOut,
    summary="Offer conversion and revenue, satisfaction with and without offers, prompts used",
)
def get_offer_report(
    session: SessionDep,
    _user: SupervisorDep,
    date_from: Optional[date] = Query(None, alias="from"),
    date_to: Optional[date] = Query(None, alias="to"),
) -> OfferReportOut:
    if date_from and date_to and date_from > date_to:
        raise HTTPException(status_code=422, detail="'from' is after 'to': no day can be in that range.")
    report = offer_report(session, date_from, date_to)
    return OfferReportOut(
        addons=[AddOnOutcomeOut(**_outcomes_out(a), code=a.code, name=a.name) for a in report.addons],
        channels=[
            ChannelOutcomeOut(**_outcomes_out(c), channel=c.channel, scores=score_group_out(c.scores))
            for c in report.channels
        ],
        with_offer=score_group_out(report.with_offer),
        without_offer=score_group_out(report.without_offer),
        offer_declined=score_group_out(report.offer_declined),
        prompts=[
            PromptUseOut(
                basis=p.basis,
                shown=p.shown,
                used_as_is=p.used_as_is,
                used_edited=p.used_edited,
                scores=score_group_out(p.scores),
            )
            for p in report.prompts
        ],
    )
