"""Plans: what a customer has, changing it, and cancelling without a trap.

A cancellation asks for the reason, may offer ONE alternative that fits that
reason, and then does what the customer asked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Dict, List, Optional, Tuple

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from assistant import clock
from assistant.business import Policies
from assistant.dates import add_months, on_date, say_date
from assistant.models import Plan, Subscription
from assistant.money import format_money
from assistant.replies import Reply
from assistant.tickets import open_ticket

CANCEL_REASONS = ("price", "moving", "service_quality", "not_using", "switching_provider", "other")
NOTICE_DAYS = 30


def current_plans(session: Session, customer_id: str) -> List[Subscription]:
    """Active plan subscriptions (not add-ons), broadband first."""
    subs = session.execute(
        select(Subscription)
        .where(
            Subscription.customer_id == customer_id,
            Subscription.plan_code.is_not(None),
            Subscription.status.in_(("active", "cancelling")),
        )
        .options(selectinload(Subscription.plan))
    ).scalars()
    order = {"broadband": 0, "mobile": 1, "tv": 2}
    return sorted(subs, key=lambda sub: order.get(sub.plan.kind, 9))


def asks_whats_included(text: str) -> bool:
    """ "what's included in it?", "what do i get with my plan": what the plan gives, not its price."""
    said = " ".join((text or "").lower().replace("\u2019", "'").split())
    return bool(re.search(r"\bincluded?\b|\bwhat do i get\b|\bcome with\b|\bwhat(?:'?s| is) in (?:it|my plan)\b", said))


# "when does my contract end", "is the broadband out of contract yet", "how long am i tied in":
# a question about the customer's own term, which the classifier reads as leaving by the word "contract".
_TERM = r"(?:contract|minimum term|min term|fixed term|tied in|tied into|locked in|in term|out of term)"
_TERM_QUESTION = re.compile(
    rf"^(?:(?:hi|hiya|hey|ok|so|and|right|quick question|just wondering)[ ,]+)*"
    rf"(?:when|how long|how many|how much longer|is|am|are|has|have|do|does|what|whats|what's|which|until when)\b.*\b{_TERM}"
    rf"|\b{_TERM}\b.*\b(?:end|ends|ending|finish|finishes|up|over|run out|runs out|expire|expires|left|until)\b\W*$"
)
# "how much of that is the mobile", "is my phone plan unlimited data", "what does the mobile cost on its own"
_PART = r"(?:mobile plan|phone plan|mobile contract|phone contract|sim(?: only| plan)?|the mobile|my mobile|mobile bit|mobile part)"
_PART_QUESTION = re.compile(
    rf"\b{_PART}\b.*\b(?:how much|cost|costs|price|pay|paying|included|include|includes|unlimited|data|allowance)\b"
    rf"|\b(?:how much|cost|costs|price|pay|paying|included|unlimited|data|allowance)\b.*\b{_PART}\b"
)
# "what do i pay a month", "how much am i paying monthly": the plan's price, not a failed payment
_MONTHLY = re.compile(
    r"^(?:what|how much) (?:do|am|will|are) (?:i|we) (?:pay|paying|get charged|being charged)"
    r"(?: (?:you|for (?:it|everything|my plan|my stuff)))? (?:a|per|each|every) month$|"
    r"^(?:what|how much) (?:do|am|are) (?:i|we) (?:pay|paying)(?: you)? monthly$|"
    r"^(?:what|how much) (?:do|am|are) (?:i|we) (?:pay|paying)(?: you)? (?:a|per|each) month for (?:the|my) [\w ]{1,20}$"
)
# Words of leaving, changing, fees, orders or faults: then it is not a question about what they have.
_NOT_ABOUT_HAVING = re.compile(
    r"\b(?:cancel|cancelling|leave|leaving|terminate|end it|get out|penalty|fee|fees|charge to|cost to|cost me to|"
    r"renew|switch|change|upgrade|downgrade|move|cheaper|better|faster|add|order|ordered|deliver|delivered|"
    r"arrive|arrived|parcel|refund|return|broken|not working|stopped|fault|signal|new phone|bought)\b"
)


# "can u bump me up to fibre 900", "put me on the 500": a move to one of our plans, by its name.
_MOVE_TO = re.compile(
    r"\b(?:bump|move|switch|swap|upgrade|downgrade|go up|go down|put me|get me|take me|change (?:me|it|my \w+)|"
    r"change over|i want|i'?d like|can i (?:have|get)|could i (?:have|get))\b.*\b(?:to|on|onto|up to|down to|over to)\b"
)


def asks_to_move_to_plan(text: str) -> bool:
    """A request to move to one of the catalog's plans, named ("bump me up to fibre 900")."""
    from assistant.business import load_catalog  # the catalog's plan names, read once and cached

    said = " ".join((text or "").lower().replace("\u2019", "'").split())
    if not said or len(said.split()) > 16 or not _MOVE_TO.search(said):
        return False
    names = [spec.name.lower() for spec in load_catalog().plans.values()]
    return any(re.search(rf"\b{re.escape(name)}\b", said) for name in names)


def asks_about_own_plan(text: str) -> bool:
    """A question about the plan the customer has (its term, the price or contents of a part), not a change."""
    said = " ".join((text or "").lower().replace("\u2019", "'").split()).strip(" ?!.")
    if not said or len(said.split()) > 16 or _NOT_ABOUT_HAVING.search(said):
        return False
    return bool(_TERM_QUESTION.search(said) or _PART_QUESTION.search(said) or _MONTHLY.search(said))


def main_plan(session: Session, customer_id: str) -> Optional[Subscription]:
    plans = current_plans(session, customer_id)
    return plans[0] if plans else None


# What part of their plans a customer names: "cancel my mobile", "get rid of the sim", "the broadband".
_KIND_WORDS = {
    "mobile": re.compile(
        r"\b(?:mobile|mobiles|sim|sims|sim card|sim only|(?<!home )phone (?:plan|contract|line)|data plan)\b"
    ),
    "tv": re.compile(r"\b(?:tv|television|telly)\b"),
    "broadband": re.compile(r"\b(?:broadband|fibre|fiber|internet|wifi|wi-fi|home phone|landline)\b"),
}


def plan_kinds_named(text: Optional[str]) -> List[str]:
    """The kinds of plan ("mobile", "tv", "broadband") a message names, in no particular order."""
    said = " ".join((text or "").lower().replace("\u2019", "'").split())
    return [kind for kind, words in _KIND_WORDS.items() if words.search(said)]


def plan_to_cancel(session: Session, customer_id: str, said: List[str]) -> Optional[Subscription]:
    """The plan the customer asked to cancel: the one part named in their latest words that names
    exactly one they have ("no, just cancel the mobile"), else their main plan."""
    plans = current_plans(session, customer_id)
    for text in reversed(said):
        named = [sub for sub in plans if sub.plan.kind in plan_kinds_named(text)]
        if len(named) == 1:
            return named[0]
    return plans[0] if plans else None


def plan_options(session: Session, current: Plan) -> List[Plan]:
    """Other plans of the same kind, cheapest first."""
    return list(
        session.execute(
            select(Plan).where(Plan.kind == current.kind, Plan.code != current.code).order_by(Plan.monthly_price_cents)
        ).scalars()
    )


def next_bill_start(today: date) -> date:
    return (today.replace(day=1) + timedelta(days=32)).replace(day=1)


@dataclass
class PlanChange:
    old: Subscription
    new: Subscription
    effective: date

    @property
    def monthly_delta_cents(self) -> int:
        return self.new.monthly_price_cents - self.old.monthly_price_cents

    def done(self) -> Reply:
        """The change made, and what it does to the monthly price."""
        delta = self.monthly_delta_cents
        facts = {
            "old_plan": self.old.plan.name,
            "new_plan": self.new.plan.name,
            "effective": f"{self.effective:%d %B %Y}",
            "new_price": format_money(self.new.monthly_price_cents),
        }
        if delta == 0:
            return Reply("utter_plan_changed_same_price", facts)
        return Reply(
            "utter_plan_changed_up" if delta > 0 else "utter_plan_changed_down",
            {**facts, "delta": format_money(abs(delta))},
        )


def price_difference(current_cents: int, other_cents: int) -> Reply:
    """How another plan's price compares with what the customer pays now ("£5.00 less a month than now")."""
    delta = other_cents - current_cents
    if delta == 0:
        return Reply("utter_part_price_same")
    return Reply(
        "utter_part_price_more" if delta > 0 else "utter_part_price_less", {"difference": format_money(abs(delta))}
    )


def change_plan(session: Session, customer_id: str, to_code: str, today: Optional[date] = None) -> Optional[PlanChange]:
    """Schedule a change of the customer's plan of that kind from the next bill.

    Returns None when the customer has no plan of that kind or already has it.
    """
    today = today or clock.today()
    target = session.get(Plan, to_code)
    if target is None:
        return None
    current = next((sub for sub in current_plans(session, customer_id) if sub.plan.kind == target.kind), None)
    if current is None or current.plan_code == to_code:
        return None
    effective = next_bill_start(today)
    # A change asked for twice replaces the earlier pending one.
    for pending in session.execute(
        select(Subscription).where(
            Subscription.customer_id == customer_id,
            Subscription.status == "pending",
            Subscription.replaces_id == current.id,
        )
    ).scalars():
        pending.status = "cancelled"
        pending.ends_on = today
    new = Subscription(
        customer_id=customer_id,
        plan_code=to_code,
        status="pending",
        monthly_price_cents=target.monthly_price_cents,
        started_on=effective,
        replaces_id=current.id,
    )
    current.ends_on = effective
    session.add(new)
    session.flush()
    return PlanChange(old=current, new=new, effective=effective)


RETENTION_KINDS = ("cheaper_plan", "home_move", "engineer_visit")


@dataclass
class RetentionOffer:
    kind: str  # cheaper_plan | home_move | engineer_visit
    alternative: Reply  # what is offered, inside utter_cancel_alternative ("switch to Fibre 100 for ...")
    plan_code: Optional[str] = None


def retention_offer(
    session: Session, customer_id: str, reason: str, leaving: Optional[Subscription] = None
) -> Optional[RetentionOffer]:
    """The one alternative that answers the reason given, or None.

    Nothing is offered to someone who is switching provider or gave no reason:
    a counter-offer there is pressure, not help. The alternatives are for the
    main plan: someone cancelling another part (`leaving`, their mobile) gets none.
    """
    subscription = main_plan(session, customer_id)
    if subscription is None or (leaving is not None and leaving.id != subscription.id):
        return None
    plan = subscription.plan
    if reason in ("price", "not_using"):
        cheaper = [p for p in plan_options(session, plan) if p.monthly_price_cents < subscription.monthly_price_cents]
        if not cheaper:
            return None
        option = cheaper[0] if reason == "not_using" else cheaper[-1]
        saving = subscription.monthly_price_cents - option.monthly_price_cents
        facts = {
            "plan_name": option.name,
            "price": format_money(option.monthly_price_cents),
            "saving": format_money(saving),
        }
        return RetentionOffer(
            "cheaper_plan", Reply("utter_part_alternative_cheaper_plan", facts), plan_code=option.code
        )
    if reason == "moving":
        return RetentionOffer("home_move", Reply("utter_part_alternative_home_move"))
    if reason == "service_quality":
        return RetentionOffer("engineer_visit", Reply("utter_part_alternative_engineer_visit"))
    return None


_ABOUT_ALTERNATIVE = re.compile(
    r"\b(?:how much|price|cost|costs|how fast|fast|slower|faster|quicker|speed|speeds|mbps|difference|what(?:'?s| is| would be) (?:it|that|included)|"
    r"what do(?:es)? (?:i|it|that) (?:get|include|involve|mean)|what would i get|what'?s the catch|catch|"
    r"is (?:it|that|there) (?:free|a fee|a charge|a contract)|any (?:fee|charge)|contract|minimum term|"
    r"how does (?:it|that) work|tell me more|more (?:info|details)|is it (?:any )?good|is it worth)\b"
)


def asks_about_alternative(text: Optional[str]) -> bool:
    """ "How much would that be?", "how fast is it?", "what's the catch?": a question about the
    alternative just offered instead of cancelling, not an answer to it."""
    said = " ".join((text or "").lower().replace("\u2019", "'").split())
    return 0 < len(said.split()) <= 14 and bool(_ABOUT_ALTERNATIVE.search(said))


def retention_offer_details(session: Session, customer_id: str, offer: RetentionOffer) -> Reply:
    """What the alternative offered instead of cancelling is, from the catalog and the customer's plan."""
    if offer.kind == "cheaper_plan" and offer.plan_code:
        plan = session.get(Plan, offer.plan_code)
        current = main_plan(session, customer_id)
        saving = (current.monthly_price_cents if current else plan.monthly_price_cents) - plan.monthly_price_cents
        speed = Reply("utter_part_alternative_speed", {"speed_mbps": plan.speed_mbps}).text() if plan.speed_mbps else ""
        return Reply(
            "utter_alternative_details_cheaper_plan",
            {
                "plan_name": plan.name,
                "price": format_money(plan.monthly_price_cents),
                "saving": format_money(saving),
                "speed": speed,
                "description": plan.description or "",
            },
        )
    return Reply(f"utter_alternative_details_{offer.kind}")


def accept_retention_offer(
    session: Session,
    customer_id: str,
    offer: RetentionOffer,
    policies: Policies,
    conversation_id: Optional[str] = None,
) -> Reply:
    """Carry out the accepted alternative; returns what was done, for the customer."""
    if offer.kind == "cheaper_plan" and offer.plan_code:
        change = change_plan(session, customer_id, offer.plan_code)
        if change is not None:
            return Reply(
                "utter_alternative_plan_changed",
                {"plan_name": change.new.plan.name, "effective": f"{change.effective:%d %B}"},
            )
    category, subject = {
        "home_move": ("account", "Home move: keep service at new address"),
        "engineer_visit": ("technical", "Free engineer visit (retention)"),
    }.get(offer.kind, ("account", "Retention alternative accepted"))
    ticket = open_ticket(session, customer_id, category, subject, conversation_id=conversation_id)
    return Reply(
        "utter_alternative_arranged", {"ticket_number": ticket.number, "within": policies.retention_contact_within}
    )


def plan_held(session: Session, customer_id: str, subscription_id: Optional[int]) -> Optional[Subscription]:
    """That current plan of this customer's, or None (another customer's, an add-on, ended); with no id,
    their main plan."""
    if not subscription_id:
        return main_plan(session, customer_id)
    return next((sub for sub in current_plans(session, customer_id) if sub.id == int(subscription_id)), None)


@dataclass
class Cancellation:
    subscription: Subscription
    ends_on: date


def cancel_main_plan(
    session: Session,
    customer_id: str,
    reason: str,
    today: Optional[date] = None,
    notice_days: int = NOTICE_DAYS,
    subscription_id: Optional[int] = None,
) -> Optional[Cancellation]:
    """Give notice on the main plan, or on the customer's plan `subscription_id` when given."""
    today = today or clock.today()
    subscription = plan_held(session, customer_id, subscription_id)
    if subscription is None:
        return None
    if subscription.status == "cancelling" and subscription.ends_on:
        return Cancellation(subscription, subscription.ends_on)
    subscription.status = "cancelling"
    subscription.ends_on = today + timedelta(days=notice_days)
    subscription.cancel_reason = reason if reason in CANCEL_REASONS else "other"
    session.flush()
    return Cancellation(subscription, subscription.ends_on)


@dataclass
class ExitCost:
    """What leaving a plan now costs: the early exit fee inside the minimum term."""

    subscription: Subscription
    term_ends: date
    last_day: date  # the notice period's end, if the customer gave notice today
    months_left: int  # whole months of the minimum term still left on that day
    fee_cents: int
    notice_days: int

    def reply(self) -> Reply:
        """What leaving this plan now would cost, or why it costs nothing."""
        name = self.subscription.plan.name
        if self.subscription.status == "cancelling" and self.subscription.ends_on:
            return Reply("utter_exit_cost_ending", {"plan_name": name, "ends_on": on_date(self.subscription.ends_on)})
        if self.months_left == 0:
            # The term may end inside the notice period, so not always in the past.
            facts = {
                "plan_name": name,
                "term_ends": on_date(self.term_ends),
                "notice_days": self.notice_days,
                "last_day": say_date(self.last_day),
            }
            ended = self.term_ends <= clock.today()
            return Reply("utter_exit_cost_term_ended" if ended else "utter_exit_cost_term_ends", facts)
        facts = {
            "plan_name": name,
            "term_ends": say_date(self.term_ends),
            "notice_days": self.notice_days,
            "fee": format_money(self.fee_cents),
            "months_left": self.months_left,
            "monthly": format_money(self.subscription.monthly_price_cents),
        }
        return Reply("utter_exit_cost_fee_one_month" if self.months_left == 1 else "utter_exit_cost_fee", facts)

    def summary(self) -> Reply:
        """The plan as the customer has it: price, since when, and where its minimum term stands."""
        sub = self.subscription
        facts = {
            "plan_name": sub.plan.name,
            "price": format_money(sub.monthly_price_cents),
            "started_on": say_date(sub.started_on),
        }
        if sub.status == "cancelling" and sub.ends_on:
            return Reply("utter_part_plan_ending", {**facts, "ends_on": on_date(sub.ends_on)})
        if self.months_left:
            return Reply("utter_part_plan_in_term", {**facts, "term_ends": say_date(self.term_ends)})
        return Reply("utter_part_plan_out_of_term", facts)


def exit_costs(
    session: Session,
    customer_id: str,
    minimum_term_months: int,
    notice_days: int = NOTICE_DAYS,
    today: Optional[date] = None,
) -> List[ExitCost]:
    """For each current plan, what cancelling it today would cost, from its start date and price."""
    today = today or clock.today()
    last_day = today + timedelta(days=notice_days)
    costs = []
    for subscription in current_plans(session, customer_id):
        term_ends = add_months(subscription.started_on, minimum_term_months)
        months_left = 0
        while add_months(last_day, months_left) < term_ends:
            months_left += 1
        if subscription.status == "cancelling":
            months_left = 0
        costs.append(
            ExitCost(
                subscription,
                term_ends,
                last_day,
                months_left,
                months_left * subscription.monthly_price_cents,
                notice_days,
            )
        )
    return costs


_ORDINAL_WORDS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3}


def plan_named(text: str, options: List[Plan]) -> Optional[str]:
    """The one plan among `options` a message names: "Fibre 500", "the 500 one", "essential"; else None."""
    said = " ".join((text or "").lower().replace("\u2019", "'").split())
    mentioned = plans_mentioned(said, options)
    if mentioned:
        return mentioned[0]
    words = set(re.findall(r"[a-z]+", said))
    named = [p for p in options if words & set(re.findall(r"[a-z]{4,}", p.name.lower()))]
    return named[0].code if len(named) == 1 else None


def plans_mentioned(text: str, options: List[Plan]) -> List[str]:
    """Every plan of `options` a message names by its full name or its number, in the order named."""
    said = " ".join((text or "").lower().replace("\u2019", "'").split())
    found = []
    for plan in options:
        at = [said.find(name) for name in (plan.name.lower(), plan.code.replace("_", " ")) if name in said]
        number = [m.start() for n in re.findall(r"\d+", plan.name) for m in re.finditer(rf"\b{n}\b", said)]
        places = at + number
        if places:
            found.append((min(places), plan.code))
    return [code for _, code in sorted(found)]


def corrected_plan(text: str, options: List[Plan], proposed: Optional[str]) -> Optional[str]:
    """The plan a reply to "shall I move you to X?" names instead of X ("no i meant the 500 one not the 900")."""
    others = [code for code in plans_mentioned(text, options) if code != proposed]
    return others[0] if len(others) == 1 else None


def read_plan_choice(text: str, options: List[Plan]) -> Optional[str]:
    """The plan a typed reply picks among the options listed (cheapest first), or None.

    "Fibre 500", "the 900 one", "900", "essential", "the cheapest", "the
    fastest", "the second one" or "2" (the second button).
    """
    said = " ".join((text or "").lower().replace("\u2019", "'").split())
    if not said or not options:
        return None
    named = plan_named(said, options)
    if named:
        return named
    numbers = re.findall(r"\b\d{1,4}\b", said)
    if re.search(r"\b(?:cheapest|lowest|least expensive)\b", said):
        return options[0].code
    if re.search(r"\b(?:fastest|quickest|best|top|most expensive)\b", said):
        return max(options, key=lambda p: (p.speed_mbps or 0, p.monthly_price_cents)).code
    for word, index in _ORDINAL_WORDS.items():
        if re.search(rf"\b{word}\b", said) and index < len(options):
            return options[index].code
    if len(numbers) == 1 and said.strip(" .!") == numbers[0] and 1 <= int(numbers[0]) <= len(options):
        return options[int(numbers[0]) - 1].code
    return None


def named_tier(message: Optional[Dict[str, Any]]) -> Optional[str]:
    """The account tier a message names ("gold", "premium", "pro"), from its `account_tier` entity."""
    for entity in (message or {}).get("entities") or []:
        if entity.get("entity") == "account_tier" and entity.get("value"):
            return str(entity["value"]).strip().lower() or None
    return None


def plans_named(options: List[Plan], tier: str) -> Tuple[List[Plan], bool]:
    """The options whose name has the tier's word (TV Premium for "premium"); all of them, and
    False, when none has: the catalog has no such plan."""
    named = [plan for plan in options if tier in plan.name.lower().split()]
    return (named, True) if named else (options, False)
