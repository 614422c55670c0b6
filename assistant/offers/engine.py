"""Whether to offer an add-on now, which one, and why: the one place that decides.

An offer is made only when it serves the customer. The guardrails, in order:

1. no offer while a complaint, a cancellation or a hand-off is under way
   (a cancellation gets only the one retention alternative matched to the
   reason the customer gave, from `assistant.plans`);
2. none while the customer has an unresolved ticket, or gave a detractor
   score (0-6) in the last 90 days;
3. none before their own question has been answered, and none when their
   last words were clearly unhappy;
4. at most one offer per conversation;
5. never an add-on they already have or may not take, nor one they declined
   in the last 30 days.

Everything passing these is ranked by the propensity model; reps see the
ranking with the reason it is held back, the assistant makes only the top one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import List, Optional

from assistant import clock
from assistant.business import Catalog
from assistant.cx.scores import DETRACTOR_MAX
from assistant.offers.eligibility import why_not_eligible
from assistant.offers.profile import CustomerProfile
from assistant.offers.propensity import PropensityModel, features
from assistant.offers.reasons import reason_for

DETRACTOR_QUIET_DAYS = 90
DECLINE_QUIET_DAYS = 30
UNHAPPY_SENTIMENT = -0.3


@dataclass(frozen=True)
class ConversationContext:
    """Where the conversation stands when an offer is considered."""

    conversation_id: Optional[str] = None
    topic: Optional[str] = None
    request_answered: bool = False
    sentiment: float = 0.0  # polarity of the customer's latest words, -1..1
    complaint_open: bool = False
    cancelling: bool = False
    handoff_active: bool = False
    # A job of theirs still in progress (a fault being diagnosed, a plan or
    # address change half given): answering a side question does not solve it.
    task_in_progress: Optional[str] = None
    offers_made: int = 0  # offers already made in this conversation
    # In a chat: the customer said their need is met ("thanks", "that's all").
    # Reps see suggestions at any time, so it defaults to True.
    need_met: bool = True
    # The assistant misread a turn of this conversation (a fallback, a correction).
    misunderstood: bool = False
    now: Optional[datetime] = None


@dataclass(frozen=True)
class Offer:
    code: str
    name: str
    monthly_price_cents: int
    score: float
    reason: str
    eligible: bool = True


@dataclass(frozen=True)
class NotOffered:
    code: str
    name: str
    why: str


@dataclass(frozen=True)
class Hold:
    """Why no offer may be made right now (shown to reps, logged for chat)."""

    rule: str
    message: str


@dataclass
class OfferDecision:
    offers: List[Offer] = field(default_factory=list)  # eligible, ranked best first
    not_offered: List[NotOffered] = field(default_factory=list)
    hold: Optional[Hold] = None
    retention_only: bool = False

    @property
    def offer_to_make(self) -> Optional[Offer]:
        """The one offer the assistant may make now, if any."""
        return None if self.hold or not self.offers else self.offers[0]


def conversation_hold(profile: CustomerProfile, context: ConversationContext) -> Optional[Hold]:
    """The first guardrail that forbids an offer in this conversation, or None."""
    now = context.now or clock.now()
    if context.complaint_open:
        return Hold("complaint", "The customer has a complaint under way: no offers.")
    if context.cancelling:
        return Hold(
            "cancellation",
            "The customer is cancelling: only the one alternative matched to their reason may be offered.",
        )
    if context.handoff_active:
        return Hold("handoff", "The conversation is with a person: no automatic offers.")
    unresolved = profile.unresolved_tickets()
    if unresolved:
        ticket = unresolved[0]
        return Hold("unresolved_ticket", f"Ticket {ticket.number} ({ticket.subject}) is still {ticket.status}.")
    for score, at in profile.nps_scores:
        if score <= DETRACTOR_MAX and now - at <= timedelta(days=DETRACTOR_QUIET_DAYS):
            return Hold("recent_detractor", f"They scored us {score} out of 10 on {at:%d %B %Y}.")
    if profile.declines:
        code, declined = max(profile.declines.items(), key=lambda item: item[1])
        if now - declined < timedelta(days=DECLINE_QUIET_DAYS):
            # A no to one add-on is a no to being sold to, for a while.
            return Hold("recent_decline", f"They declined an offer ({code}) on {declined:%d %B %Y}.")
    if context.offers_made:
        return Hold("already_offered", "An offer was already made in this conversation.")
    if context.misunderstood:
        return Hold("misunderstood", "The assistant misread a turn of this conversation.")
    if not context.request_answered:
        return Hold("not_answered", "Their own question has not been answered yet.")
    if context.task_in_progress:
        return Hold("task_in_progress", f"They are still in the middle of {context.task_in_progress}.")
    if not context.need_met:
        return Hold("need_not_met", "They have not said their need is met yet.")
    if context.sentiment <= UNHAPPY_SENTIMENT:
        return Hold("unhappy", "Their last message sounded unhappy.")
    return None


def decide(
    profile: CustomerProfile,
    context: ConversationContext,
    catalog: Catalog,
    model: Optional[PropensityModel],
) -> OfferDecision:
    """Ranked offers for this customer now, with what is held back and why."""
    now = context.now or clock.now()
    decision = OfferDecision(hold=conversation_hold(profile, context))
    decision.retention_only = bool(decision.hold and decision.hold.rule == "cancellation")
    ranked: List[Offer] = []
    for code, spec in catalog.addons.items():
        if code in profile.addons:
            decision.not_offered.append(NotOffered(code, spec.name, "already has it"))
            continue
        why = why_not_eligible(profile, spec, catalog)
        if why:
            decision.not_offered.append(NotOffered(code, spec.name, f"not eligible: {why}"))
            continue
        declined = profile.declines.get(code)
        if declined and now - declined < timedelta(days=DECLINE_QUIET_DAYS):
            decision.not_offered.append(NotOffered(code, spec.name, f"declined on {declined:%d %B %Y}"))
            continue
        addon_model = model.addons.get(code) if model else None
        if addon_model is not None:
            x = features(profile, catalog, without=code)
            score, share, contributions = addon_model.probability(x), addon_model.share, addon_model.contributions(x)
        else:
            score, share, contributions = 0.0, None, []
        ranked.append(
            Offer(
                code=code,
                name=spec.name,
                monthly_price_cents=spec.monthly_price_cents,
                score=round(score, 4),
                reason=reason_for(profile, spec, catalog, share, contributions),
            )
        )
    decision.offers = sorted(ranked, key=lambda offer: (-offer.score, offer.code))
    return decision
