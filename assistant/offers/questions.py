"""Three open-ended questions a rep can ask, each built on a fact from the record.

The templates are in `business/rep_questions.yml`; this module finds which
records the customer has (a recent order, a recent ticket, a plan change, a
tenure milestone, how they use the service) and fills them in, most recent
and most personal first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional

from assistant.business import load_rep_questions
from assistant.offers.profile import CustomerProfile
from assistant.offers.reasons import DEVICES, _listing

RECENT_ORDER_DAYS = 60
RECENT_TICKET_DAYS = 120
RECENT_PLAN_CHANGE_DAYS = 365
ON_THE_WAY = ("processing", "shipped", "out_for_delivery", "delayed")


@dataclass(frozen=True)
class Question:
    basis: str  # the kind of record it is built on
    fact: str  # the record it names (an order number, a ticket, a plan, ...)
    text: str


def _record_facts(profile: CustomerProfile) -> Dict[str, Dict[str, str]]:
    """For each kind of record the customer has, the values its template needs."""
    today = profile.today
    found: Dict[str, Dict[str, str]] = {}
    broadband = profile.plan_of_kind("broadband") or (profile.plans[0] if profile.plans else None)
    plan = broadband.name if broadband else None

    recent = [o for o in profile.orders if (today - o.placed_at.date()).days <= RECENT_ORDER_DAYS]
    delivered = next((o for o in recent if o.status == "delivered"), None)
    if delivered:
        found["recent_delivery"] = {
            "order_items": _listing(list(delivered.items)),
            "order_number": delivered.number,
            "order_date": f"{delivered.placed_at:%d %B}",
        }
    coming = next((o for o in recent if o.status in ON_THE_WAY), None)
    if coming:
        found["order_on_the_way"] = {"order_items": _listing(list(coming.items)), "order_number": coming.number}
    ticket = next((t for t in profile.tickets if (today - t.created_at.date()).days <= RECENT_TICKET_DAYS), None)
    if ticket:
        found["recent_ticket"] = {
            "ticket_number": ticket.number,
            "ticket_subject": ticket.subject[0].lower() + ticket.subject[1:] if ticket.subject else ticket.category,
            "ticket_date": f"{ticket.created_at:%d %B}",
        }
    change = next((c for c in profile.plan_changes if (today - c.changed_on).days <= RECENT_PLAN_CHANGE_DAYS), None)
    if change:
        found["plan_change"] = {
            "from_plan": change.from_name,
            "to_plan": change.to_name,
            "change_month": f"{change.changed_on:%B %Y}",
        }
    years = profile.tenure_days // 365
    if plan and years >= 1:
        found["tenure"] = {"plan": plan, "tenure_years": f"{years} years" if years > 1 else "first year"}
    elif plan and profile.joined_on:
        found["new_customer"] = {"plan": plan, "tenure_weeks": str(max(profile.tenure_days // 7, 1))}
    devices = _listing([p.name for p in profile.owned if p.category in DEVICES])
    if devices:
        found["usage_devices"] = {"devices": devices}
    if plan:
        found["usage_plan"] = {"plan": plan}
    return found


def open_questions(
    profile: CustomerProfile, limit: int = 3, templates: Optional[Dict[str, str]] = None
) -> List[Question]:
    templates = templates or load_rep_questions()
    found = _record_facts(profile)
    questions = []
    for basis, template in templates.items():
        values = found.get(basis)
        if values is None:
            continue
        text = template.format(**values)
        questions.append(Question(basis, next(iter(values.values())), text))
        if len(questions) == limit:
            break
    return questions
