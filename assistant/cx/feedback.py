"""Recording post-chat feedback, opening follow-ups, and scores grouped in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

from sqlalchemy import case, func, select
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from assistant import clock
from assistant.cx.scores import DETRACTOR_MAX, PROMOTER_MIN, SATISFIED_MIN, Ces, Csat, Nps, is_detractor
from assistant.models import Feedback, FollowUp

FOLLOW_UP_WITHIN = timedelta(hours=48)
# The NPS bands as conditions on the stored answer (assistant/cx/scores.py has the cut-offs).
BANDS = {
    "promoter": Feedback.nps >= PROMOTER_MIN,
    "passive": Feedback.nps.between(DETRACTOR_MAX + 1, PROMOTER_MIN - 1),
    "detractor": Feedback.nps <= DETRACTOR_MAX,
}
GROUPS = ("day", "week", "month", "rep", "topic", "channel")


class FeedbackConflict(ValueError):
    """This conversation already has different feedback recorded."""


def _buckets(moment: datetime) -> Dict[str, date]:
    day = moment.date()
    return {"created_on": day, "week": day - timedelta(days=day.weekday()), "month": day.replace(day=1)}


def record_feedback(
    session: Session,
    *,
    conversation_id: str,
    customer_id: Optional[str],
    nps: Optional[int],
    csat: Optional[int] = None,
    ces: Optional[int] = None,
    comment: str = "",
    rep_id: Optional[str] = None,
    channel: str = "chat",
    topic: Optional[str] = None,
    now: Optional[datetime] = None,
) -> Tuple[Feedback, bool]:
    """Store one survey per conversation; returns (record, created).

    The same submission again returns the stored record (created=False); a
    different one for the same conversation raises FeedbackConflict. A
    detractor (NPS 0–6) opens a follow-up due within 48 hours.
    """
    answers = {
        "customer_id": customer_id,
        "nps": nps,
        "csat": csat,
        "ces": ces,
        "comment": comment or "",
        "rep_id": rep_id,
        "channel": channel,
        "topic": topic,
    }
    existing = session.execute(select(Feedback).where(Feedback.conversation_id == conversation_id)).scalar_one_or_none()
    if existing is not None:
        if all(getattr(existing, name) == value for name, value in answers.items()):
            return existing, False
        raise FeedbackConflict(f"conversation {conversation_id!r} already has feedback")
    now = now or clock.now()
    feedback = Feedback(conversation_id=conversation_id, created_at=now, **answers, **_buckets(now))
    session.add(feedback)
    session.flush()
    if is_detractor(nps):
        session.add(
            FollowUp(
                feedback_id=feedback.id,
                customer_id=customer_id,
                status="open",
                created_at=now,
                due_at=now + FOLLOW_UP_WITHIN,
                updated_at=now,
            )
        )
        session.flush()
    return feedback, True


@dataclass
class ScoreGroup:
    key: Optional[str]
    nps: Nps
    csat: Csat
    ces: Ces


def scores(
    session: Session,
    group_by: Optional[str] = None,
    date_from: Optional[date] = None,
    date_to: Optional[date] = None,
    conditions: Sequence[Any] = (),
) -> List[ScoreGroup]:
    """NPS, CSAT and CES overall or per group, aggregated by the database.

    `conditions` narrows the feedback (e.g. conversations that had an offer).
    """
    column = {
        None: None,
        "day": Feedback.created_on,
        "week": Feedback.week,
        "month": Feedback.month,
        "rep": Feedback.rep_id,
        "topic": Feedback.topic,
        "channel": Feedback.channel,
    }[group_by]
    measures = [
        func.sum(case((BANDS["promoter"], 1), else_=0)),
        func.sum(case((BANDS["passive"], 1), else_=0)),
        func.sum(case((BANDS["detractor"], 1), else_=0)),
        func.sum(case((Feedback.csat >= SATISFIED_MIN, 1), else_=0)),
        func.count(Feedback.csat),
        func.sum(Feedback.ces),
        func.sum(Feedback.ces * Feedback.ces),
        func.count(Feedback.ces),
    ]
    query = select(*([column] if column is not None else []), *measures)
    if date_from:
        query = query.where(Feedback.created_on >= date_from)
    if date_to:
        query = query.where(Feedback.created_on <= date_to)
    for condition in conditions:
        query = query.where(condition)
    if column is not None:
        query = query.group_by(column).order_by(column)
    groups = []
    for row in session.execute(query):
        values = list(row)
        key = values.pop(0) if column is not None else None
        promoters, passives, detractors, satisfied, csat_n, ces_sum, ces_squares, ces_n = (v or 0 for v in values)
        groups.append(
            ScoreGroup(
                key=key.isoformat() if isinstance(key, date) else key,
                nps=Nps(int(promoters), int(passives), int(detractors)),
                csat=Csat(int(satisfied), int(csat_n)),
                ces=Ces(float(ces_sum), float(ces_squares), int(ces_n)),
            )
        )
    return groups


SORTABLE = {"created_at": Feedback.created_at, "nps": Feedback.nps, "csat": Feedback.csat, "ces": Feedback.ces}


@dataclass
class FeedbackQuery:
    date_from: Optional[date] = None
    date_to: Optional[date] = None
    rep_id: Optional[str] = None
    channel: Optional[str] = None
    topic: Optional[str] = None
    band: Optional[str] = None
    text: Optional[str] = None
    sort: str = "created_at"
    descending: bool = True
    page: int = 1
    page_size: int = 50


def _log_conditions(query: FeedbackQuery) -> List[Any]:
    conditions = []
    if query.date_from:
        conditions.append(Feedback.created_on >= query.date_from)
    if query.date_to:
        conditions.append(Feedback.created_on <= query.date_to)
    if query.rep_id:
        conditions.append(Feedback.rep_id == query.rep_id)
    if query.channel:
        conditions.append(Feedback.channel == query.channel)
    if query.topic:
        conditions.append(Feedback.topic == query.topic)
    if query.band:
        conditions.append(BANDS[query.band])
    if query.text:
        escaped = query.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(func.lower(Feedback.comment).like(f"%{escaped.lower()}%", escape="\\"))
    return conditions


def _log_order(query: FeedbackQuery) -> Tuple[Any, Any]:
    order = SORTABLE[query.sort]
    return order.desc() if query.descending else order.asc(), Feedback.id.desc()


def feedback_log(session: Session, query: FeedbackQuery) -> Tuple[List[Feedback], int]:
    """One page of the feedback log and the total matching, filtered in SQL."""
    conditions = _log_conditions(query)
    total = session.execute(select(func.count()).select_from(Feedback).where(*conditions)).scalar_one()
    rows = session.execute(
        select(Feedback)
        .where(*conditions)
        .order_by(*_log_order(query))
        .offset((query.page - 1) * query.page_size)
        .limit(query.page_size)
    ).scalars()
    return list(rows), total


# What an export row carries: the log's columns, read as plain rows (no ORM objects to build and track).
EXPORTED = (
    Feedback.id, Feedback.conversation_id, Feedback.customer_id, Feedback.nps, Feedback.csat, Feedback.ces,
    Feedback.comment, Feedback.rep_id, Feedback.channel, Feedback.topic, Feedback.created_at,
)  # fmt: skip


def feedback_export(
    session: Session, query: FeedbackQuery, batch_rows: int = 1000, at_most: Optional[int] = None
) -> Iterator[List[Row]]:
    """Every row of the log that matches, in the log's order, a batch at a time (`query.page` is ignored).

    Rows are read as the caller asks for the next batch, so memory holds one
    batch whatever the size of the export: PostgreSQL sends them through a
    server-side cursor (`stream_results`), SQLite steps through its result
    as they are fetched. The read stays open until the last batch is taken
    (or the iterator is closed), so take batches at the pace they are used.
    """
    statement = select(*EXPORTED).where(*_log_conditions(query)).order_by(*_log_order(query))
    if at_most is not None:
        statement = statement.limit(at_most)
    result = session.execute(statement.execution_options(stream_results=True, yield_per=batch_rows))
    try:
        yield from result.partitions()
    finally:
        result.close()


FOLLOW_UP_STEPS = ("open", "contacted", "resolved")


class FollowUpError(ValueError):
    """A follow-up change that would move it backwards or is unknown."""


def update_follow_up(
    session: Session,
    follow_up: FollowUp,
    status: Optional[str] = None,
    owner: Optional[str] = None,
    notes: Optional[str] = None,
    now: Optional[datetime] = None,
) -> FollowUp:
    """Move a follow-up forward (open → contacted → resolved), set owner, add notes."""
    if status is not None:
        if status not in FOLLOW_UP_STEPS:
            raise FollowUpError(f"status must be one of {', '.join(FOLLOW_UP_STEPS)}")
        if FOLLOW_UP_STEPS.index(status) < FOLLOW_UP_STEPS.index(follow_up.status):
            raise FollowUpError(f"a {follow_up.status} follow-up can't go back to {status}")
        follow_up.status = status
    if owner is not None:
        follow_up.owner = owner
    if notes:
        stamp = (now or clock.now()).strftime("%Y-%m-%d %H:%M")
        follow_up.notes = f"{follow_up.notes}\n[{stamp}] {notes}".strip()
    follow_up.updated_at = now or clock.now()
    session.flush()
    return follow_up


def is_overdue(follow_up: FollowUp, now: Optional[datetime] = None) -> bool:
    return follow_up.status != "resolved" and (now or clock.now()) > follow_up.due_at
