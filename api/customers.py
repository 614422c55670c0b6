"""`GET /api/customers/{customer_id}`: one customer's history for a rep."""

from __future__ import annotations

from typing import List, Optional

from fastapi import APIRouter, HTTPException, Path
from pydantic import BaseModel

from api.deps import RepDep, SessionDep
from assistant.history import customer_history, history_as_dict

router = APIRouter(prefix="/api/customers", tags=["customers"])


class SubscriptionOut(BaseModel):
    kind: str
    code: str
    name: str
    status: str
    monthly_price_cents: int
    started_on: str
    ends_on: Optional[str]


class OrderOut(BaseModel):
    number: str
    status: str
    placed_at: str
    items: str
    total_cents: int
    carrier: Optional[str]
    tracking_number: Optional[str]
    estimated_delivery: Optional[str]
    delivered_on: Optional[str]


class BillLineOut(BaseModel):
    code: str
    description: str
    amount_cents: int


class BillOut(BaseModel):
    number: str
    period_start: str
    period_end: str
    total_cents: int
    status: str
    due_on: str
    lines: List[BillLineOut]


class TicketOut(BaseModel):
    number: str
    category: str
    subject: str
    status: str
    created_at: str


class ScoreOut(BaseModel):
    created_on: str
    nps: Optional[int]
    csat: Optional[int]
    ces: Optional[int]


class CustomerOut(BaseModel):
    customer_id: str
    name: str
    email: str
    postcode: str
    region: str
    joined_on: str
    tenure_days: int
    subscriptions: List[SubscriptionOut]
    recent_orders: List[OrderOut]
    latest_bills: List[BillOut]
    open_tickets: List[TicketOut]
    last_scores: List[ScoreOut]


@router.get("/{customer_id}", response_model=CustomerOut, summary="A customer's profile and recent history")
def get_customer(
    session: SessionDep,
    _user: RepDep,
    customer_id: str = Path(..., min_length=1, max_length=20, pattern=r"^[A-Za-z0-9_-]+$"),
) -> CustomerOut:
    history = customer_history(session, customer_id)
    if history is None:
        raise HTTPException(status_code=404, detail=f"No customer with id {customer_id!r}.")
    return CustomerOut(**history_as_dict(history))
