"""The people who served the customer: rep scorecards and the thanks they earned."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, List, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.cx.comments import sentiment
from assistant.cx.feedback import ScoreGroup, scores
from assistant.models import Feedback, StaffUser

KUDOS_MIN_SENTIMENT = 0.2
THANKS = re.compile(r"\b(thanks?|thank you|cheers|grateful|appreciate)", re.IGNORECASE)


@dataclass
class Scorecard:
    rep_id: str
    name: str
    group: ScoreGroup


def scorecards(session: Session) -> List[Scorecard]:
    names = {user.username: user.display_name for user in session.execute(select(StaffUser)).scalars()}
    return [
        Scorecard(rep_id=group.key, name=names.get(group.key, group.key), group=group)
        for group in scores(session, "rep")
        if group.key is not None
    ]


@dataclass
class Kudos:
    feedback_id: int
    rep_id: str
    rep_name: str
    comment: str
    sentiment: float
    created_at: str


def kudos(session: Session, limit: int = 50, scan: int = 2000) -> List[Kudos]:
    """Positive comments that thank or name the rep who handled the chat, newest first."""
    first_names: Dict[str, str] = {
        user.username: user.display_name.split()[0] for user in session.execute(select(StaffUser)).scalars()
    }
    rows = session.execute(
        select(Feedback)
        .where(Feedback.rep_id.is_not(None), Feedback.comment != "")
        .order_by(Feedback.created_at.desc())
        .limit(scan)
    ).scalars()
    found: List[Kudos] = []
    for feedback in rows:
        name: Optional[str] = first_names.get(feedback.rep_id)
        names_rep = bool(name) and re.search(rf"\b{re.escape(name)}\b", feedback.comment, re.IGNORECASE)
        if not (names_rep or THANKS.search(feedback.comment)):
            continue
        polarity = sentiment(feedback.comment)
        if polarity < KUDOS_MIN_SENTIMENT:
            continue
        found.append(
            Kudos(
                feedback_id=feedback.id,
                rep_id=feedback.rep_id,
                rep_name=name or feedback.rep_id,
                comment=feedback.comment,
                sentiment=round(polarity, 3),
                created_at=feedback.created_at.isoformat(timespec="seconds"),
            )
        )
        if len(found) >= limit:
            break
    return found
