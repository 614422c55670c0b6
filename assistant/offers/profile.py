"""A customer's facts as the offer engine sees them, read in a handful of queries.

`load_profiles` reads many customers at once (training reads the whole base
this way); `load_profile` is the same code for one customer, so the model sees
the same features at training and at chat time.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Dict, FrozenSet, Iterable, List, Optional, Tuple

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from assistant import clock
from assistant.models import (
    AddOn,
    Customer,
    CustomerAttribute,
    Feedback,
    OfferEvent,
    Order,
    OrderItem,
    Plan,
    Product,
    Subscription,
    Ticket,
)

HELD_STATUSES = ("active", "pending", "cancelling")
OWNED_ORDER_STATUSES = ("delivered", "shipped", "out_for_delivery")
UNRESOLVED_TICKET_STATUSES = ("open", "pending")


@dataclass(frozen=True)
class PlanHeld:
    code: str
    name: str
    kind: str
    speed_mbps: Optional[int]
    started_on: date


@dataclass(frozen=True)
class PlanChangeFact:
    from_name: str
    to_name: str
    changed_on: date


@dataclass(frozen=True)
class OwnedProduct:
    sku: str
    name: str
    category: str
    order_number: str
    placed_at: datetime
    order_status: str


@dataclass(frozen=True)
class OrderFact:
    number: str
    status: str
    placed_at: datetime
    items: Tuple[str, ...]


@dataclass(frozen=True)
class TicketFact:
    number: str
    category: str
    subject: str
    status: str
    created_at: datetime


@dataclass(frozen=True)
class CustomerProfile:
    customer_id: str
    first_name: Optional[str]
    region: Optional[str]
    joined_on: Optional[date]
    today: date
    plans: Tuple[PlanHeld, ...] = ()
    addons: FrozenSet[str] = frozenset()
    owned: Tuple[OwnedProduct, ...] = ()
    orders: Tuple[OrderFact, ...] = ()  # newest first
    tickets: Tuple[TicketFact, ...] = ()  # newest first
    plan_changes: Tuple[PlanChangeFact, ...] = ()  # newest first
    attributes: Dict[str, str] = field(default_factory=dict)
    nps_scores: Tuple[Tuple[int, datetime], ...] = ()  # newest first
    declines: Dict[str, datetime] = field(default_factory=dict)  # add-on -> latest decline

    @property
    def tenure_days(self) -> int:
        return (self.today - self.joined_on).days if self.joined_on else 0

    @property
    def plan_kinds(self) -> FrozenSet[str]:
        return frozenset(plan.kind for plan in self.plans)

    def plan_of_kind(self, kind: str) -> Optional[PlanHeld]:
        return next((plan for plan in self.plans if plan.kind == kind), None)

    def categories(self) -> Dict[str, int]:
        counts: Dict[str, int] = defaultdict(int)
        for product in self.owned:
            counts[product.category] += 1
        return dict(counts)

    def unresolved_tickets(self) -> List[TicketFact]:
        return [ticket for ticket in self.tickets if ticket.status in UNRESOLVED_TICKET_STATUSES]

    def without_addon(self, code: str) -> "CustomerProfile":
        """The same customer as if they did not have `code` (for evaluation)."""
        return replace(self, addons=self.addons - {code})


def _chunks(values: List[str], size: int = 500) -> Iterable[List[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


class _Query:
    """A statement built once, run for everyone or for a list of customers.

    Building SQLAlchemy statements costs more than running these small
    queries on SQLite, so each is built at import, with an expanding
    parameter for the customer ids.
    """

    def __init__(self, statement, customer_column) -> None:
        self.everyone = statement
        # One customer (every chat and console view) gets a plain "=": an
        # expanding IN list is re-rendered on each run, which costs more.
        self.one = statement.where(customer_column == bindparam("id"))
        self.some = statement.where(customer_column.in_(bindparam("ids", expanding=True)))

    def rows(self, session: Session, ids: Optional[List[str]], **params) -> list:
        if ids is None:
            return list(session.execute(self.everyone, params))
        if len(ids) == 1:
            return list(session.execute(self.one, {"id": ids[0], **params}))
        return [row for chunk in _chunks(ids) for row in session.execute(self.some, {"ids": chunk, **params})]


_CUSTOMERS = _Query(
    select(Customer.id, Customer.first_name, Customer.region, Customer.joined_on).order_by(Customer.id), Customer.id
)
_SUBSCRIPTIONS = _Query(
    select(
        Subscription.customer_id,
        Subscription.plan_code,
        Subscription.addon_code,
        Subscription.status,
        Subscription.started_on,
        Subscription.replaces_id,
        Subscription.id,
        Plan.name,
        Plan.kind,
        Plan.speed_mbps,
    ).outerjoin(Plan, Plan.code == Subscription.plan_code),
    Subscription.customer_id,
)
_ORDER_ITEMS = _Query(
    select(Order.customer_id, Order.number, Order.status, Order.placed_at, Product.sku, Product.name, Product.category)
    .join(OrderItem, OrderItem.order_number == Order.number)
    .join(Product, Product.sku == OrderItem.sku)
    .order_by(Order.placed_at.desc(), OrderItem.id),
    Order.customer_id,
)
_TICKETS = _Query(
    select(
        Ticket.customer_id, Ticket.number, Ticket.category, Ticket.subject, Ticket.status, Ticket.created_at
    ).order_by(Ticket.created_at.desc()),
    Ticket.customer_id,
)
_ATTRIBUTES = _Query(
    select(CustomerAttribute.customer_id, CustomerAttribute.name, CustomerAttribute.value),
    CustomerAttribute.customer_id,
)
_NPS = _Query(
    select(Feedback.customer_id, Feedback.nps, Feedback.created_at)
    .where(Feedback.nps.is_not(None), Feedback.created_at >= bindparam("since"))
    .order_by(Feedback.created_at.desc()),
    Feedback.customer_id,
)
_DECLINES = _Query(
    select(OfferEvent.customer_id, OfferEvent.addon_code, OfferEvent.answered_at).where(
        OfferEvent.status == "declined"
    ),
    OfferEvent.customer_id,
)


def load_profiles(
    session: Session, customer_ids: Optional[Iterable[str]] = None, today: Optional[date] = None
) -> Dict[str, CustomerProfile]:
    """Profiles of the given customers (all when None), keyed by customer id."""
    today = today or clock.today()
    wanted = None if customer_ids is None else list(dict.fromkeys(customer_ids))
    customers = _CUSTOMERS.rows(session, wanted)
    if not customers:
        return {}
    ids = None if wanted is None else [row.id for row in customers]

    plans = defaultdict(list)
    addons = defaultdict(set)
    changes = defaultdict(list)
    sub_rows = _SUBSCRIPTIONS.rows(session, ids)
    plan_names_by_sub = {row.id: row.name for row in sub_rows if row.plan_code}
    for row in sub_rows:
        if row.plan_code and row.status in HELD_STATUSES:
            plans[row.customer_id].append(PlanHeld(row.plan_code, row.name, row.kind, row.speed_mbps, row.started_on))
        elif row.addon_code and row.status in HELD_STATUSES:
            addons[row.customer_id].add(row.addon_code)
        if row.plan_code and row.replaces_id and row.replaces_id in plan_names_by_sub:
            changes[row.customer_id].append(
                PlanChangeFact(plan_names_by_sub[row.replaces_id], row.name, row.started_on)
            )

    owned = defaultdict(list)
    orders: Dict[str, Dict[str, OrderFact]] = defaultdict(dict)
    for row in _ORDER_ITEMS.rows(session, ids):
        fact = orders[row.customer_id].get(row.number)
        items = (fact.items if fact else ()) + (row.name,)
        orders[row.customer_id][row.number] = OrderFact(row.number, row.status, row.placed_at, items)
        if row.status in OWNED_ORDER_STATUSES:
            owned[row.customer_id].append(
                OwnedProduct(row.sku, row.name, row.category, row.number, row.placed_at, row.status)
            )

    tickets = defaultdict(list)
    for row in _TICKETS.rows(session, ids):
        tickets[row.customer_id].append(TicketFact(row.number, row.category, row.subject, row.status, row.created_at))
    attributes = defaultdict(dict)
    for row in _ATTRIBUTES.rows(session, ids):
        attributes[row.customer_id][row.name] = row.value
    nps = defaultdict(list)
    since = datetime.combine(today - timedelta(days=365), datetime.min.time())
    for row in _NPS.rows(session, ids, since=since):
        nps[row.customer_id].append((row.nps, row.created_at))
    declines: Dict[str, Dict[str, datetime]] = defaultdict(dict)
    for row in _DECLINES.rows(session, ids):
        latest = declines[row.customer_id].get(row.addon_code)
        if latest is None or row.answered_at > latest:
            declines[row.customer_id][row.addon_code] = row.answered_at

    return {
        row.id: CustomerProfile(
            customer_id=row.id,
            first_name=row.first_name,
            region=row.region,
            joined_on=row.joined_on,
            today=today,
            plans=tuple(sorted(plans[row.id], key=lambda plan: plan.kind)),
            addons=frozenset(addons[row.id]),
            owned=tuple(owned[row.id]),
            orders=tuple(orders[row.id].values()),
            tickets=tuple(tickets[row.id]),
            plan_changes=tuple(sorted(changes[row.id], key=lambda change: change.changed_on, reverse=True)),
            attributes=dict(attributes[row.id]),
            nps_scores=tuple(nps[row.id]),
            declines=dict(declines[row.id]),
        )
        for row in customers
    }


def load_profile(session: Session, customer_id: str, today: Optional[date] = None) -> Optional[CustomerProfile]:
    return load_profiles(session, [customer_id], today).get(customer_id)


def addon_names(session: Session) -> Dict[str, str]:
    return dict(session.execute(select(AddOn.code, AddOn.name)).all())
