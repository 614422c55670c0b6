"""A deterministic demo business: Northwind Home and ~500 customers with history.

Everything comes from `random.Random` streams of the seed (one per generated
customer) and dates are relative to `today`: the same seed gives the same
customers, holdings and histories whatever the day; only the dates move.
Customers C00001 to C00005 are hand-made personas the demos and tests rely on; the rest are generated with
enough structure (what people own shapes what they add on) for the
recommender to learn from.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Dict, List, Optional, Sequence, Tuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from assistant import clock
from assistant.business import Catalog
from assistant.models import (
    AddOn,
    Bill,
    BillLine,
    Customer,
    DemoDataMarker,
    Order,
    OrderItem,
    Payment,
    Plan,
    Product,
    Refund,
    Subscription,
    Ticket,
)
from assistant.offers.profile import OWNED_ORDER_STATUSES

FIRST_NAMES = (
    "Oliver Amelia George Isla Harry Ava Noah Mia Jack Ivy Leo Grace Arthur Freya Oscar Lily Charlie Emily "
    "Jacob Ella Thomas Sophie Alfie Chloe Henry Evie Joshua Ruby William Poppy James Daisy Mohammed Zara "
    "Ethan Layla Aarav Priya Kofi Ama Liam Niamh Callum Eilidh Rhys Cerys Dylan Seren Tariq Nadia"
).split()
LAST_NAMES = (
    "Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson Evans Walker White "
    "Roberts Green Hall Wood Jackson Clarke Patel Khan Lewis Hughes Edwards Morgan Campbell Stewart "
    "Murray Reid Ahmed Begum Okafor Mensah Nowak Kowalski Oconnor Murphy Kelly Byrne Singh Shah"
).split()
REGIONS: Dict[str, Sequence[str]] = {
    "London": ("E", "N", "SE", "SW", "W", "NW"),
    "South East": ("BN", "GU", "RH", "CT", "ME"),
    "North West": ("M", "L", "PR", "WA", "BL"),
    "Yorkshire": ("LS", "S", "BD", "HU", "YO"),
    "Scotland": ("EH", "G", "AB", "DD"),
    "Wales": ("CF", "SA", "LL", "NP"),
    "Midlands": ("B", "CV", "NG", "LE", "DE"),
    "South West": ("BS", "EX", "PL", "BA", "TR"),
}
STREETS = "High Street|Station Road|Church Lane|Park Avenue|Mill Road|Victoria Street|Green Lane|Queens Road".split("|")
POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
CARRIERS = ("Royal Mail", "DPD", "Evri", "DHL")
PAYMENT_METHODS = ("direct_debit", "card", "card", "direct_debit", "paypal")
FAILURES = ("card expired", "insufficient funds", "bank declined")
ORDER_STATUSES = (
    ("delivered", 0.55),
    ("returned", 0.08),
    ("processing", 0.07),
    ("shipped", 0.08),
    ("out_for_delivery", 0.05),
    ("delayed", 0.06),
    ("lost", 0.03),
    ("cancelled", 0.08),
)
TICKET_SUBJECTS = {
    "delivery": "Parcel not received",
    "billing": "Question about a charge on my bill",
    "technical": "Broadband keeps dropping in the evening",
    "complaint": "Unhappy with how my issue was handled",
    "account": "Change of address",
    "payment": "Direct Debit failed",
}
SHOWCASE_IDS = ("C00001", "C00002", "C00003", "C00004", "C00005")
PRICE_RISE_CENTS = 250


def sync_catalog(session: Session, catalog: Catalog) -> None:
    """Upsert plans, products and add-ons from the catalog file (idempotent)."""
    for spec in catalog.plans.values():
        plan = session.get(Plan, spec.code) or Plan(code=spec.code)
        plan.name, plan.kind, plan.monthly_price_cents = spec.name, spec.kind, spec.monthly_price_cents
        plan.speed_mbps, plan.description = spec.speed_mbps, spec.description
        session.add(plan)
    for spec in catalog.products.values():
        product = session.get(Product, spec.sku) or Product(sku=spec.sku)
        product.name, product.category, product.price_cents = spec.name, spec.category, spec.price_cents
        session.add(product)
    for spec in catalog.addons.values():
        addon = session.get(AddOn, spec.code) or AddOn(code=spec.code)
        addon.name, addon.monthly_price_cents, addon.description = (
            spec.name,
            spec.monthly_price_cents,
            spec.description,
        )
        session.add(addon)
    session.flush()


def demo_data_loaded(session: Session) -> bool:
    return session.execute(select(DemoDataMarker.id).where(DemoDataMarker.complete.is_(True))).first() is not None


def _at(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, time(rng.randint(8, 21), rng.randint(0, 59)))


def _month_start(day: date, months_back: int) -> date:
    """First day of the month `months_back` before `day`'s month (negative: after)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months_back, 12)
    return date(year, month + 1, 1)


def _month_end(start: date) -> date:
    return _month_start(start, -1) - timedelta(days=1)


@dataclass
class _Numbers:
    """Unique random-looking numbers that never collide with the showcase ones."""

    rng: random.Random
    used: Dict[str, set] = field(default_factory=dict)

    def take(self, prefix: str, low: int, high: int) -> str:
        used = self.used.setdefault(prefix, set())
        while True:
            value = self.rng.randint(low, high)
            if value not in used:
                used.add(value)
                return f"{prefix}{value}"

    def reserve(self, prefix: str, value: int) -> None:
        self.used.setdefault(prefix, set()).add(value)


@dataclass
class _BillPlan:
    """The charges of one month, by stable line code."""

    lines: Dict[str, Tuple[str, int]]


@dataclass
class _Held:
    """A subscription and the bills that charge it, counted in months back from this month's (0).

    Counted in bills rather than dates, so what each bill charges is the same
    whatever day the data is made; only the dates move.
    """

    subscription: Subscription
    since: int  # the oldest bill that charges it
    until: int = 0  # the newest one (0: this month's, still charged)


class _Generator:
    def __init__(self, session: Session, catalog_plans: Dict[str, Plan], products: List[Product], seed: int, today):
        self.session = session
        self.rng = random.Random(seed)
        self.seed = seed
        self.today = today
        self.plans = catalog_plans
        self.products = products
        self.by_category: Dict[str, List[Product]] = {}
        for product in products:
            self.by_category.setdefault(product.category, []).append(product)
        self.addons = {a.code: a for a in session.execute(select(AddOn)).scalars()}
        self.numbers = _Numbers(random.Random(f"{seed}:numbers"))
        for showcase_order in range(100001, 100010):
            self.numbers.reserve("ORD-", showcase_order)
        for showcase_refund in range(10001, 10010):
            self.numbers.reserve("RF-", showcase_refund)
        for showcase_bill in range(1000001, 1000100):
            self.numbers.reserve("INV-", showcase_bill)
        for showcase_ticket in range(100001, 100010):
            self.numbers.reserve("TKT-", showcase_ticket)
        self.counts: Dict[str, int] = {}

    # -- helpers ------------------------------------------------------------
    def add(self, row) -> None:
        self.session.add(row)
        name = row.__tablename__
        self.counts[name] = self.counts.get(name, 0) + 1

    def postcode(self, region: str) -> str:
        rng = self.rng
        prefix = rng.choice(REGIONS[region])
        return f"{prefix}{rng.randint(1, 20)} {rng.randint(1, 9)}{rng.choice(POSTCODE_LETTERS)}{rng.choice(POSTCODE_LETTERS)}"

    def order(
        self,
        customer: Customer,
        status: str,
        items: List[Tuple[Product, int]],
        number: Optional[str] = None,
        placed: Optional[date] = None,
    ) -> Order:
        rng, today = self.rng, self.today
        placed = placed or {
            "processing": today - timedelta(days=rng.randint(0, 1)),
            "shipped": today - timedelta(days=rng.randint(1, 3)),
            "out_for_delivery": today - timedelta(days=rng.randint(2, 4)),
            "delayed": today - timedelta(days=rng.randint(8, 12)),
            "lost": today - timedelta(days=rng.randint(14, 25)),
            "cancelled": today - timedelta(days=rng.randint(5, 200)),
            "returned": today - timedelta(days=rng.randint(20, 90)),
        }.get(status, today - timedelta(days=rng.randint(6, 400)))
        placed = max(placed, customer.joined_on)
        shipped = status not in ("processing", "cancelled")
        eta = {
            "processing": today + timedelta(days=rng.randint(3, 5)),
            "shipped": today + timedelta(days=rng.randint(1, 3)),
            "out_for_delivery": today,
            "delayed": today - timedelta(days=rng.randint(1, 4)),
            "cancelled": None,
        }.get(status, placed + timedelta(days=rng.randint(2, 4)))
        delivered = placed + timedelta(days=rng.randint(2, 4)) if status in ("delivered", "returned") else None
        if delivered and delivered > today:
            delivered = today
        order = Order(
            number=number or self.numbers.take("ORD-", 100010, 999999),
            customer_id=customer.id,
            placed_at=_at(placed, rng),
            status=status,
            carrier=rng.choice(CARRIERS) if shipped else None,
            tracking_number=f"TRK{rng.randint(10**9, 10**10 - 1)}GB" if shipped else None,
            shipping_method=rng.choice(("standard", "standard", "express", "next_day")),
            shipped_on=placed + timedelta(days=1) if shipped else None,
            estimated_delivery=eta,
            delivered_on=delivered,
            shipping_address=customer.address,
            total_cents=sum(product.price_cents * quantity for product, quantity in items),
        )
        self.add(order)
        for product, quantity in items:
            self.add(
                OrderItem(
                    order_number=order.number,
                    sku=product.sku,
                    quantity=quantity,
                    unit_price_cents=product.price_cents,
                )
            )
        return order

    def subscription(self, customer: Customer, code: str, started: date, status: str = "active", **extra):
        is_plan = code in self.plans
        price = (self.plans[code] if is_plan else self.addons[code]).monthly_price_cents
        sub = Subscription(
            customer_id=customer.id,
            plan_code=code if is_plan else None,
            addon_code=None if is_plan else code,
            status=status,
            monthly_price_cents=extra.pop("price", price),
            started_on=started,
            **extra,
        )
        self.add(sub)
        return sub

    def bills(
        self,
        customer: Customer,
        months: List[_BillPlan],
        failed_month: Optional[int] = None,
        failure: str = "",
        start_number: Optional[int] = None,
        first_start: Optional[date] = None,
    ) -> List[Bill]:
        """Monthly bills, oldest first; `months[-1]` is this month's bill.

        The first bill's period starts on `first_start` when given, else on
        the first of its month or the day the customer joined, if later:
        nobody is billed (or sent a bill) for days before they joined.
        """
        rng, today = self.rng, self.today
        result = []
        count = len(months)
        for index, month in enumerate(months):
            start = _month_start(today, count - 1 - index)
            end = _month_end(start)
            if index == 0:
                start = first_start or max(start, customer.joined_on)
            number = f"INV-{start_number + index}" if start_number else self.numbers.take("INV-", 1000100, 9999999)
            due = start + timedelta(days=14)
            total = sum(amount for _, amount in month.lines.values())
            is_latest = index == count - 1
            status = "paid"
            if failed_month == index:
                status = "overdue" if due < today else "due"
            elif is_latest and due >= today:
                status = "due"
            bill = Bill(
                number=number,
                customer_id=customer.id,
                period_start=start,
                period_end=end,
                issued_on=start,
                due_on=due,
                total_cents=total,
                status=status,
            )
            self.add(bill)
            for code, (description, amount) in month.lines.items():
                self.add(BillLine(bill_number=number, code=code, description=description, amount_cents=amount))
            self.session.flush()  # payments point at the bill; no relationship orders the inserts
            # Drawn whether or not a payment is made: which bills are paid
            # depends on the date, the rest of the stream must not.
            method, days_early = rng.choice(PAYMENT_METHODS), rng.randint(0, 10)
            paid_at = time(rng.randint(8, 21), rng.randint(0, 59))
            if failed_month == index:
                self.add(
                    Payment(
                        customer_id=customer.id,
                        bill_number=number,
                        amount_cents=total,
                        method="card",
                        status="failed",
                        attempted_at=datetime.combine(min(due, today), paid_at),
                        failure_reason=failure,
                    )
                )
            elif status == "paid":
                self.add(
                    Payment(
                        customer_id=customer.id,
                        bill_number=number,
                        amount_cents=total,
                        method=method,
                        status="succeeded",
                        attempted_at=datetime.combine(min(due - timedelta(days=days_early), today), paid_at),
                    )
                )
            result.append(bill)
        return result

    def ticket(self, customer: Customer, category: str, status: str, created: date, **extra) -> Ticket:
        number = extra.pop("number", None) or self.numbers.take("TKT-", 100010, 999999)
        ticket = Ticket(
            number=number,
            customer_id=customer.id,
            category=category,
            subject=extra.pop("subject", TICKET_SUBJECTS[category]),
            status=status,
            priority=extra.pop("priority", "normal"),
            created_at=_at(created, self.rng),
            updated_at=_at(min(created + timedelta(days=2), self.today), self.rng),
            **extra,
        )
        # Made today, a ticket may have drawn an earlier hour for its update than for its creation.
        ticket.updated_at = max(ticket.updated_at, ticket.created_at)
        self.add(ticket)
        return ticket

    def refund(self, customer: Customer, order: Order, status: str, number: Optional[str] = None) -> Refund:
        rng, today = self.rng, self.today
        self.session.flush()  # the refund points at the order
        requested = (order.delivered_on or order.placed_at.date()) + timedelta(days=rng.randint(1, 6))
        requested = min(requested, today)
        refund = Refund(
            number=number or self.numbers.take("RF-", 10010, 99999),
            customer_id=customer.id,
            order_number=order.number,
            amount_cents=order.total_cents,
            reason=rng.choice(("changed my mind", "faulty", "not as described", "arrived damaged")),
            status=status,
            requested_at=_at(requested, rng),
            expected_by=requested + timedelta(days=7) if status in ("requested", "approved") else None,
            resolved_on=min(requested + timedelta(days=5), today) if status in ("paid", "rejected") else None,
        )
        self.add(refund)
        return refund

    def customer(self, customer_id: str, first: str, last: str, email: str, postcode: str, region: str, joined: date):
        customer = Customer(
            id=customer_id,
            first_name=first,
            last_name=last,
            email=email,
            postcode=postcode,
            region=region,
            phone=f"07{self.rng.randint(100000000, 999999999)}",
            joined_on=joined,
            address=f"{self.rng.randint(1, 180)} {self.rng.choice(STREETS)}",
        )
        self.add(customer)
        return customer

    # -- the hand-made personas --------------------------------------------
    def showcase(self) -> None:
        today, p = self.today, {product.sku: product for product in self.products}

        jane = self.customer(
            "C00001", "Jane", "Doe", "jane.doe@example.com", "LS1 4AP", "Yorkshire", today - timedelta(days=6 * 365)
        )
        self.subscription(jane, "fibre_500", jane.joined_on, price=3900 + PRICE_RISE_CENTS)
        self.subscription(jane, "online_security", jane.joined_on + timedelta(days=400))
        self.subscription(jane, "device_protection", _month_start(today, 0))
        self.order(jane, "out_for_delivery", [(p["LPT-AIR13"], 1), (p["ACC-CHRG"], 1)], number="ORD-100001")
        returned = self.order(
            jane, "returned", [(p["TAB-10"], 1)], number="ORD-100002", placed=today - timedelta(days=12)
        )
        self.refund(jane, returned, "approved", number="RF-10001").expected_by = today + timedelta(days=3)
        plan_line = "plan:fibre_500"
        before = {plan_line: ("Fibre 500 monthly charge", 3900), "addon:online_security": ("Online Security", 400)}
        after = {
            plan_line: ("Fibre 500 monthly charge (annual price rise of £2.50 from this month)", 3900 + 250),
            "addon:online_security": ("Online Security", 400),
            "addon:device_protection": ("Device Protection (new add-on)", 600),
        }
        self.bills(jane, [_BillPlan(dict(before)), _BillPlan(dict(before)), _BillPlan(after)], start_number=1000001)

        sam = self.customer(
            "C00002", "Sam", "Patel", "sam.patel@example.com", "M14 5RT", "North West", today - timedelta(days=20)
        )
        self.subscription(sam, "fibre_100", sam.joined_on)
        self.order(
            sam,
            "delayed",
            [(p["RTR-HUB7"], 1), (p["MSH-DUO"], 1)],
            number="ORD-100003",
            placed=today - timedelta(days=9),
        )
        self.bills(
            sam,
            [_BillPlan({"plan:fibre_100": ("Fibre 100 monthly charge", 2900)})],
            failed_month=0,
            failure="card expired",
            start_number=1000011,
            # His first bill runs from the day he joined, so it fell due (and
            # his card was declined) six days ago whatever the day of the month.
            first_start=sam.joined_on,
        )

        aisha = self.customer(
            "C00003", "Aisha", "Khan", "aisha.khan@example.com", "EH1 1YZ", "Scotland", today - timedelta(days=800)
        )
        self.subscription(aisha, "fibre_900", aisha.joined_on)
        delivered = self.order(
            aisha,
            "delivered",
            [(p["PHN-X9"], 1), (p["ACC-CASE"], 1)],
            number="ORD-100004",
            placed=today - timedelta(days=8),
        )
        delivered.delivered_on = today - timedelta(days=5)
        line = {"plan:fibre_900": ("Fibre 900 monthly charge", 5200)}
        self.bills(aisha, [_BillPlan(dict(line)), _BillPlan(dict(line))], start_number=1000021)
        self.ticket(aisha, "technical", "open", today - timedelta(days=3), number="TKT-100001")

        tom = self.customer(
            "C00004", "Tom", "Evans", "tom.evans@example.com", "CF10 1EP", "Wales", today - timedelta(days=3 * 365)
        )
        self.subscription(tom, "fibre_100", tom.joined_on)
        self.subscription(tom, "mobile_unlimited", tom.joined_on + timedelta(days=200))
        returned = self.order(
            tom, "returned", [(p["TV-43"], 1)], number="ORD-100005", placed=today - timedelta(days=60)
        )
        self.refund(tom, returned, "paid", number="RF-10002")
        lines = {
            "plan:fibre_100": ("Fibre 100 monthly charge", 2900),
            "plan:mobile_unlimited": ("Mobile Unlimited monthly charge", 2000),
        }
        self.bills(tom, [_BillPlan(dict(lines)), _BillPlan(dict(lines))], start_number=1000031)
        self.ticket(
            tom,
            "complaint",
            "closed",
            today - timedelta(days=120),
            number="TKT-100002",
            subject="Engineer missed appointment",
        )

        mia = self.customer(
            "C00005", "Mia", "Wong", "mia.wong@example.com", "BS1 5TR", "South West", today - timedelta(days=45)
        )
        self.subscription(mia, "essential_36", mia.joined_on)
        line = {"plan:essential_36": ("Essential 36 monthly charge", 2400)}
        self.bills(mia, [_BillPlan(dict(line)), _BillPlan(dict(line))], start_number=1000041)

    def showcase_after(self) -> None:
        """Persona records added after everyone else, so the random customers stay as they were."""
        self.rng = random.Random(f"{self.seed}:after")
        mia = self.session.get(Customer, "C00005")
        mesh = next(product for product in self.products if product.sku == "MSH-DUO")
        self.order(mia, "processing", [(mesh, 1)], number="ORD-100006", placed=self.today)

    # -- everyone else -----------------------------------------------------
    def random_customer(self, index: int) -> None:
        # Each customer draws from a stream of their own, so what one customer
        # holds never depends on what another's dates made the generator draw.
        self.rng = rng = random.Random(f"{self.seed}:{index}")
        today = self.today
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        region = rng.choice(list(REGIONS))
        tenure = int(rng.choice((rng.randint(5, 90), rng.randint(90, 730), rng.randint(730, 3650))))
        customer = self.customer(
            f"C{index:05d}",
            first,
            last,
            f"{first.lower()}.{last.lower()}{index}@example.com",
            self.postcode(region),
            region,
            today - timedelta(days=tenure),
        )

        # Orders first: what people own shapes the add-ons they take.
        owned: List[str] = []
        for _ in range(rng.choice((0, 1, 1, 2, 2, 3, 4))):
            status = rng.choices([s for s, _ in ORDER_STATUSES], [w for _, w in ORDER_STATUSES])[0]
            category = rng.choice(list(self.by_category))
            items = [(rng.choice(self.by_category[category]), 1)]
            if rng.random() < 0.3:
                items.append((rng.choice(self.by_category["accessory"]), rng.choice((1, 1, 2))))
            refund = rng.choice(("approved", "paid", "paid", "requested")) if status == "returned" else None
            # A refund still on its way is for a recent return: one sent back
            # months ago would still be expected by a day long gone.
            recent = today - timedelta(days=rng.randint(5, 8)) if refund in ("approved", "requested") else None
            order = self.order(customer, status, items, placed=recent)
            if status in OWNED_ORDER_STATUSES:  # as the offer engine counts them: a returned item is not owned
                owned.append(category)
            if refund:
                self.refund(customer, order, refund)
            elif status == "delivered" and rng.random() < 0.05:
                self.refund(customer, order, "rejected")

        held: List[_Held] = []
        broadband = rng.choices(["essential_36", "fibre_100", "fibre_500", "fibre_900"], [0.2, 0.35, 0.3, 0.15])[0]
        if tenure > 400 and rng.random() < 0.35:
            # An earlier plan, changed a while ago. A change takes effect from
            # a bill, as assistant.plans.change_plan does, at least 180 days
            # after joining: the bills before it charge the old plan.
            previous = rng.choice([code for code in ("essential_36", "fibre_100", "fibre_500") if code != broadband])
            months_ago = rng.randint(1, (tenure - 210) // 31)
            changed = _month_start(today, months_ago)
            old = self.subscription(customer, previous, customer.joined_on, status="cancelled", ends_on=changed)
            self.session.flush()
            new = self.subscription(customer, broadband, changed, replaces_id=old.id)
            held += [_Held(old, since=tenure // 31, until=months_ago + 1), _Held(new, since=months_ago)]
        else:
            held.append(self.held_from(customer, tenure, broadband, 0))
        plans = [broadband]
        if rng.random() < 0.3:
            plans.append(rng.choice(("mobile_lite", "mobile_unlimited")))
            held.append(self.held_from(customer, tenure, plans[-1], min(rng.randint(0, 60), tenure)))
        if rng.random() < 0.25:
            plans.append(rng.choice(("tv_essentials", "tv_premium")))
            held.append(self.held_from(customer, tenure, plans[-1], min(rng.randint(0, 60), tenure)))

        devices = sum(category in ("laptop", "phone", "tablet", "tv") for category in owned)
        computers = sum(category in ("laptop", "phone", "tablet") for category in owned)
        # Zero where the catalog's rules (business/catalog.yml) would not sell the add-on.
        propensity = {
            "device_protection": 0.08 + 0.3 * devices if devices else 0.0,
            "online_security": 0.15 + 0.15 * ("smart_home" in owned) + 0.1 * (tenure > 730),
            "cloud_backup": 0.05 + 0.25 * computers if computers else 0.0,
            "tech_support_plus": 0.05 + 0.2 * (tenure < 120) + 0.1 * ("router" in owned or "mesh" in owned),
            "mesh_wifi_boost": 0.0 if broadband == "essential_36" else 0.06 + 0.25 * ("mesh" in owned),
            "static_ip": 0.3 if broadband == "fibre_900" else (0.08 if broadband == "fibre_500" else 0.0),
            "streaming_pack": 0.45 if "tv_premium" in plans else (0.2 if "tv_essentials" in plans else 0.0),
            "extra_data": 0.4 if "mobile_lite" in plans else 0.0,
        }
        addons = [code for code, p in propensity.items() if rng.random() < min(p, 0.9)]
        for code in addons:
            held.append(self.held_from(customer, tenure, code, rng.randint(0, max(tenure - 1, 0))))

        # An add-on taken this month is one the customer's plans allow.
        others = [code for code, p in propensity.items() if p > 0 and code not in addons]
        self.random_bills(customer, held, others, tenure)

        for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
            category = rng.choice(list(TICKET_SUBJECTS))
            created = today - timedelta(days=rng.randint(0, min(tenure, 365)))
            status = rng.choices(["open", "pending", "resolved", "closed"], [0.15, 0.1, 0.35, 0.4])[0]
            self.ticket(customer, category, status, created, priority="high" if category == "complaint" else "normal")

    def held_from(self, customer: Customer, tenure: int, code: str, days_after_joining: int) -> _Held:
        """A subscription started that many days after the customer joined, and the bills that charge it.

        It is charged from the bill `age // 31` months back: 31-day months
        never outrun the calendar, so that bill's period ends on or after the
        day it started whatever today is, and who pays what does not move with it.
        """
        started = customer.joined_on + timedelta(days=days_after_joining)
        return _Held(self.subscription(customer, code, started), since=(tenure - days_after_joining) // 31)

    def random_bills(self, customer: Customer, held: List[_Held], others: List[str], tenure: int) -> None:
        """This month's bill and up to five before it, charging what the customer held in each month."""
        rng, today = self.rng, self.today
        # One bill per 31 days of tenure at most, so the oldest bill's period
        # ends after the customer joined (see held_from).
        months = max(1, min(rng.randint(3, 6), tenure // 31 + 1))
        history = [_BillPlan({}) for _ in range(months)]
        for item in held:
            sub = item.subscription
            if sub.plan_code:
                key, name = f"plan:{sub.plan_code}", f"{self.plans[sub.plan_code].name} monthly charge"
            else:
                key, name = f"addon:{sub.addon_code}", self.addons[sub.addon_code].name
            for months_back in range(item.until, min(item.since, months - 1) + 1):
                history[months - 1 - months_back].lines[key] = (name, sub.monthly_price_cents)
        scenario = "same"
        if months >= 2:
            latest, previous = history[-1].lines, history[-2].lines
            scenario = rng.choices(
                ["same", "price_rise", "new_addon", "usage", "late_fee", "credit_ended", "addon_removed"],
                [0.45, 0.15, 0.12, 0.1, 0.06, 0.07, 0.05],
            )[0]
            broadband = next(item.subscription for item in held if item.subscription.plan_code and item.until == 0)
            plan_key = f"plan:{broadband.plan_code}"
            if scenario == "price_rise":
                description, amount = latest[plan_key]
                latest[plan_key] = (f"{description} (annual price rise of £2.50)", amount + PRICE_RISE_CENTS)
                broadband.monthly_price_cents = amount + PRICE_RISE_CENTS  # what they pay from now on
            elif scenario == "new_addon" and others:
                code = rng.choice(others)
                self.subscription(customer, code, _month_start(today, 0))  # taken this month: first charged now
                latest[f"addon:{code}"] = (
                    f"{self.addons[code].name} (new add-on)",
                    self.addons[code].monthly_price_cents,
                )
            elif scenario == "usage":
                latest["usage:calls"] = ("Calls outside your bundle", rng.choice((375, 640, 1290, 2215)))
            elif scenario == "late_fee":
                latest["fee:late_payment"] = ("Late payment fee", 1000)
            elif scenario == "credit_ended":
                previous["credit:goodwill"] = ("Goodwill credit", -rng.choice((500, 1000)))
            elif scenario == "addon_removed":
                on_last_bill = [item.subscription for item in held if item.subscription.addon_code and item.since >= 1]
                if on_last_bill:
                    # Cancelled from this month's bill: last month's was its last.
                    dropped = on_last_bill[0]
                    dropped.status, dropped.ends_on = "cancelled", _month_start(today, 0)
                    latest.pop(f"addon:{dropped.addon_code}")
        failed_month = None
        failure = ""
        # A late payment fee is charged for last month's bill, whose payment failed.
        if months >= 2 and (scenario == "late_fee" or rng.random() < 0.08):
            failed_month, failure = months - 2, rng.choice(FAILURES)
        bills = self.bills(customer, history, failed_month=failed_month, failure=failure)
        if failed_month is not None and rng.random() < 0.5:
            # Paid later by another means: the failure is history.
            bill = bills[failed_month]
            bill.status = "paid"
            self.add(
                Payment(
                    customer_id=customer.id,
                    bill_number=bill.number,
                    amount_cents=bill.total_cents,
                    method="card",
                    status="succeeded",
                    attempted_at=_at(min(bill.due_on + timedelta(days=3), today), rng),
                )
            )


def prepare_database(engine, *, customers: int = 500, seed: int = 7, today: date, progress: bool = False):
    """Create or upgrade the tables (migrations), sync the catalog, and load demo data if there is none.

    Returns the rows loaded per table ({} when the data was already there).
    """
    from assistant.business import load_catalog
    from assistant.migrate import upgrade
    from assistant.staff import ensure_demo_staff

    upgrade(engine)
    make_session = sessionmaker(engine, future=True)
    with make_session.begin() as session:
        sync_catalog(session, load_catalog())
    with make_session.begin() as session:
        if demo_data_loaded(session):
            return {}
        counts = load_demo_data(session, seed=seed, customers=customers, today=today, progress=progress)
        # The demo accounts (published passwords) come with the demo data, once: never into a
        # company's own database, and not again when someone removed them.
        ensure_demo_staff(session)
        return counts


def load_demo_data(
    session: Session, *, seed: int = 7, customers: int = 500, today: date, progress: bool = False
) -> Dict[str, int]:
    """Generate the demo business into an empty database; returns rows per table."""
    if session.execute(select(func.count()).select_from(Customer)).scalar_one():
        raise ValueError("the database already has customers; demo data goes into an empty database")
    plans = {plan.code: plan for plan in session.execute(select(Plan)).scalars()}
    products = list(session.execute(select(Product).order_by(Product.sku)).scalars())
    if not plans or not products:
        raise ValueError("sync the catalog (sync_catalog) before loading demo data")
    generator = _Generator(session, plans, products, seed, today)
    generator.showcase()
    indices = range(len(SHOWCASE_IDS) + 1, customers + 1)
    if progress:
        from tqdm import tqdm

        indices = tqdm(indices, desc="demo customers", unit="customer")
    for index in indices:
        generator.random_customer(index)
        if index % 50 == 0:
            session.flush()
    generator.showcase_after()
    session.add(DemoDataMarker(seed=seed, customers=customers, today=today, loaded_at=clock.now(), complete=True))
    session.flush()
    return dict(sorted(generator.counts.items()))
