"""Twelve weeks of past surveys, offers and rep prompts, so the demo dashboard has a history.

Loaded by `init-db` for the demo database only (never for tests, which count
their own feedback). Deterministic for a seed and a day. The personas
C00001–C00005 get none, so their stories stay as written.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Dict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assistant.cx.feedback import record_feedback
from assistant.cx.scores import nps_band
from assistant.demo_data import SHOWCASE_IDS
from assistant.models import AddOn, Customer, Feedback, FollowUp, OfferEvent, RepSuggestion

TOPICS = ("track_order", "explain_bill", "payment_problem", "request_refund", "technical_problem", "change_plan")
REPS = ("priya", "marcus")
# Written for the demo by this team.
COMMENTS = {
    "promoter": ("Quick and clear, thanks.", "Sorted in two minutes.", "Knew my order straight away."),
    "passive": ("Fine, but I had to ask twice.", "Answer was right, took a while.", ""),
    "detractor": (
        "Still no engineer date after two calls.",
        "The bill went up and nobody told me why.",
        "Waited ages for a person.",
    ),
}
QUESTION_BASES = ("recent_delivery", "recent_ticket", "tenure", "usage_plan")


def load_demo_feedback(session: Session, *, seed: int = 7, today: date, weeks: int = 12) -> Dict[str, int]:
    if session.execute(select(func.count()).select_from(Feedback)).scalar_one():
        return {}
    rng = random.Random(seed)
    customers = [
        c for c in session.execute(select(Customer.id).order_by(Customer.id)).scalars() if c not in SHOWCASE_IDS
    ]
    addons = list(session.execute(select(AddOn.code, AddOn.name, AddOn.monthly_price_cents)))
    counts = {"feedback": 0, "offer_events": 0, "rep_suggestions": 0}
    for n in range(weeks * 25):
        customer = rng.choice(customers)
        moment = datetime.combine(
            today - timedelta(days=rng.randint(1, weeks * 7)), time(rng.randint(8, 19), rng.randint(0, 59))
        )
        conversation = f"demo-{n:04d}"
        topic = rng.choice(TOPICS)
        with_rep = rng.random() < 0.3
        offered = not with_rep and topic in ("track_order", "explain_bill", "change_plan") and rng.random() < 0.5
        nps = min(10, max(0, round(rng.gauss(8.2 if topic != "technical_problem" else 6.5, 2.2))))
        band = nps_band(nps)
        if offered:
            code, name, price = rng.choice(addons)
            status = rng.choices(("accepted", "declined", "ignored"), (0.22, 0.5, 0.28))[0]
            session.add(
                OfferEvent(
                    customer_id=customer, conversation_id=conversation, addon_code=code,
                    reason=f"{name} suits what you have with us.", score=round(rng.uniform(0.15, 0.6), 3),
                    monthly_price_cents=price, channel="chat", status=status, shown_at=moment,
                    answered_at=moment + timedelta(minutes=1),
                )
            )  # fmt: skip
            counts["offer_events"] += 1
        if with_rep:
            for basis in rng.sample(QUESTION_BASES, 3):
                use = rng.choices(("unused", "as_is", "edited"), (0.5, 0.35, 0.15))[0]
                session.add(
                    RepSuggestion(
                        customer_id=customer, conversation_id=conversation, rep_id=rng.choice(REPS), kind="question",
                        basis=basis, text=f"({basis.replace('_', ' ')} question)", shown_at=moment, use=use,
                        used_at=moment + timedelta(minutes=2) if use != "unused" else None,
                    )
                )  # fmt: skip
                counts["rep_suggestions"] += 1
        record_feedback(
            session,
            conversation_id=conversation,
            customer_id=customer,
            nps=nps,
            csat=min(5, max(1, round(nps / 2))),
            ces=min(7, max(1, round(8 - nps * 0.6 + rng.uniform(-1, 1)))),
            comment=rng.choice(COMMENTS[band]),
            rep_id=rng.choice(REPS) if with_rep else None,
            channel=rng.choice(("socketio", "socketio", "rest")),
            topic=topic,
            now=moment,
        )
        counts["feedback"] += 1
    session.flush()
    # The team has worked through older follow-ups; the last fortnight's are still open.
    for follow_up in session.execute(select(FollowUp)).scalars():
        age = (datetime.combine(today, time.min) - follow_up.created_at).days
        if age > 14:
            follow_up.status = "resolved" if rng.random() < 0.85 else "contacted"
            follow_up.owner, follow_up.updated_at = "sam", follow_up.created_at + timedelta(days=1)
    session.flush()
    return counts
