"""SQLAlchemy models of the business: customers and everything they have with us.

Money is stored as integer cents so bills add up exactly. Every column the
assistant or a dashboard filters on carries an index.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()


class Plan(Base):
    """A service plan a customer subscribes to (broadband, mobile, TV)."""

    __tablename__ = "plans"

    code = Column(String(40), primary_key=True)
    name = Column(String(120))
    kind = Column(String(20), index=True)
    monthly_price_cents = Column(Integer)
    speed_mbps = Column(Integer, nullable=True)
    description = Column(Text, default="")


class Product(Base):
    """A device or accessory sold in the shop."""

    __tablename__ = "products"

    sku = Column(String(40), primary_key=True)
    name = Column(String(120))
    category = Column(String(40), index=True)
    price_cents = Column(Integer)


class AddOn(Base):
    """An add-on service from the catalog (protection plan, extra speed, ...)."""

    __tablename__ = "addons"

    code = Column(String(40), primary_key=True)
    name = Column(String(120))
    monthly_price_cents = Column(Integer)
    description = Column(Text, default="")


class Customer(Base):
    __tablename__ = "customers"

    id = Column(String(20), primary_key=True)
    first_name = Column(String(60))
    last_name = Column(String(60))
    email = Column(String(200), unique=True, index=True)
    postcode = Column(String(12))
    region = Column(String(40), index=True)
    phone = Column(String(30), default="")
    joined_on = Column(Date, index=True)
    address = Column(String(200), default="")
    # The day the team closed the account; its transcripts and personal fields
    # are erased once the notice period in business/policies.yml has passed.
    closed_on = Column(Date, nullable=True)
    erased_on = Column(Date, nullable=True)

    subscriptions = relationship("Subscription", back_populates="customer")
    orders = relationship("Order", back_populates="customer")
    bills = relationship("Bill", back_populates="customer")
    tickets = relationship("Ticket", back_populates="customer")

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Subscription(Base):
    """A plan or an add-on a customer has (or had, or asked for)."""

    __tablename__ = "subscriptions"
    __table_args__ = (Index("ix_subscriptions_customer_status", "customer_id", "status"),)

    id = Column(Integer, primary_key=True, autoincrement=True)
    customer_id = Column(ForeignKey("customers.id"))
    plan_code = Column(ForeignKey("plans.code"), nullable=True)
    addon_code = Column(ForeignKey("addons.code"), nullable=True)
    # active | pending | cancelling | cancelled
    status = Column(String(20), index=True)
    monthly_price_cents = Column(Integer)
    started_on = Column(Date)
    ends_on = Column(Date, nullable=True)
    cancel_reason = Column(String(60), nullable=True)
    replaces_id = Column(ForeignKey("subscriptions.id"), nullable=True)

    customer = relationship("Customer", back_populates="subscriptions")
    plan = relationship("Plan")
    addon = relationship("AddOn")


class Order(Base):
    __tablename__ = "orders"

    number = Column(String(20), primary_key=True)
    customer_id = Column(ForeignKey("customers.id"), index=True)
    placed_at = Column(DateTime, index=True)
    # processing | shipped | out_for_delivery | delivered | delayed | lost | cancelled | returned
    status = Column(String(20), index=True)
    carrier = Column(String(40), nullable=True)
    tracking_number = Column(String(40), nullable=True)
    shipping_method = Column(String(20), default="standard")
    shipped_on = Column(Date, nullable=True)
    estimated_delivery = Column(Date, nullable=True)
    delivered_on = Column(Date, nullable=True)
    shipping_address = Column(String(200), default="")
    total_cents = Column(Integer)

    customer = relationship("Customer", back_populates="orders")
    items = relationship("OrderItem", back_populates="order", order_by="OrderItem.id")


class OrderItem(Base):
    __tablename__ = "order_items"

    id = Column(Integer, primary_key=True, autoincrement=True)
    order_number = Column(ForeignKey("orders.number"), index=True)
    sku = Column(ForeignKey("products.sku"))
    quantity = Column(Integer, default=1)
    unit_price_cents = Column(Integer)

    order = relationship("Order", back_populates="items")
    product = relationship("Product")


class Bill(Base):
    __tablename__ = "bills"
    __table_args__ = (Index("ix_bills_customer_period", "customer_id", "period_start"),)

    number = Column(String(20), primary_key=True)
    customer_id = Column(ForeignKey("customers.id"))
    period_start = Column(Date)
    period_end = Column(Date)
    issued_on = Column(Date)
    due_on = Column(Date)
    total_cents = Column(Integer)
    # paid | due | overdue
    status = Column(String(20), index=True)

    customer = relationship("Customer", back_populates="bills")
    lines = relationship("BillLine", back_populates="bill", order_by="BillLine.id")


class BillLine(Base):
    """One line of a bill. `code` identifies the same charge across bills."""

    __tablename__ = "bill_lines"

    id = Column(Integer, primary_key=True, autoincrement=True)
    bill_number = Column(ForeignKey("bills.number"), index=True)
    code = Column(String(60))
    description = Column(String(200))
    amount_cents = Column(Integer)

    bill = relationship("Bill", back_populates="lines")


class Payment(Base):
    __tablename__ = "payments"

    id = Column(Integer, primary_key=True, autoincrement=True)
    customer_id = Column(ForeignKey("customers.id"), index=True)
    bill_number = Column(ForeignKey("bills.number"), nullable=True)
    amount_cents = Column(Integer)
    method = Column(String(30))
    # succeeded | failed | pending
    status = Column(String(20), index=True)
    attempted_at = Column(DateTime, index=True)
    failure_reason = Column(String(120), nullable=True)


class Refund(Base):
    __tablename__ = "refunds"

    number = Column(String(20), primary_key=True)
    customer_id = Column(ForeignKey("customers.id"), index=True)
    order_number = Column(ForeignKey("orders.number"), nullable=True)
    amount_cents = Column(Integer)
    reason = Column(String(120))
    # requested | approved | paid | rejected
    status = Column(String(20), index=True)
    requested_at = Column(DateTime, index=True)
    expected_by = Column(Date, nullable=True)
    resolved_on = Column(Date, nullable=True)


class Ticket(Base):
    __tablename__ = "tickets"

    number = Column(String(20), primary_key=True)
    customer_id = Column(ForeignKey("customers.id"), index=True)
    order_number = Column(ForeignKey("orders.number"), nullable=True)
    # delivery | billing | technical | complaint | account | payment | other
    category = Column(String(30), index=True)
    subject = Column(String(200))
    details = Column(Text, default="")
    # open | pending | resolved | closed
    status = Column(String(20), index=True)
    priority = Column(String(10), default="normal")
    created_at = Column(DateTime, index=True)
    updated_at = Column(DateTime)
    conversation_id = Column(String(120), nullable=True, index=True)
    # How many times the customer has reported this problem (a repeat adds a
    # note here instead of a second ticket; the third is escalated).
    reports = Column(Integer, nullable=False, default=1, server_default="1")

    customer = relationship("Customer", back_populates="tickets")


class Handoff(Base):
    """A conversation handed to a human rep."""

    __tablename__ = "handoffs"

    id = Column(Integer, primary_key=True, autoincrement=True)
    conversation_id = Column(String(120), index=True)
    customer_id = Column(ForeignKey("customers.id"), nullable=True)
    reason = Column(String(60))
    # waiting | with_rep | returned | resolved
    status = Column(String(20), index=True)
    requested_at = Column(DateTime, index=True)
    rep_id = Column(String(40), nullable=True)


class DemoDataMarker(Base):
    """Records that (and how) demo data was loaded, so loading is idempotent."""

    __tablename__ = "demo_data"
    __table_args__ = (UniqueConstraint("seed"),)

    id = Column(Integer, primary_key=True, autoincrement=True)
    seed = Column(Integer)
    customers = Column(Integer)
    today = Column(Date)
    loaded_at = Column(DateTime)
    complete = Column(Boolean, default=False)


class Feedback(Base):
    """One post-chat survey: at most one per conversation."""

    __tablename__ = "feedback"
    __table_args__ = (
        UniqueConstraint("conversation_id"),
        Index("ix_feedback_created_on", "created_on"),
        Index("ix_feedback_week", "week"),
        Index("ix_feedback_month", "month"),
        # Scores per rep, topic or channel read only these columns: with them
        # in the index, the GROUP BY never visits the table (1M answers on
        # SQLite: by rep 1.04 -> 0.25 s). The group column leads, so a lookup
        # by rep alone uses the same index.
        *(
            Index(f"ix_feedback_{group}_scores", group, "nps", "csat", "ces")
            for group in ("rep_id", "topic", "channel")
        ),
    )

    id = Column(Integer, primary_key=True, autoincrement=True)
    conversation_id = Column(String(120), nullable=False)
    customer_id = Column(ForeignKey("customers.id"), index=True)
    nps = Column(Integer, nullable=True, index=True)
    csat = Column(Integer, nullable=True)
    ces = Column(Integer, nullable=True)
    comment = Column(Text, default="")
    rep_id = Column(String(40), nullable=True)
    channel = Column(String(30))
    topic = Column(String(40), nullable=True)
    created_at = Column(DateTime, nullable=False)
    # Calendar buckets stored at write time, so grouping is the same plain
    # GROUP BY on SQLite and PostgreSQL, and indexed.
    created_on = Column(Date, nullable=False)
    week = Column(Date, nullable=False)  # the Monday of its ISO week
    month = Column(Date, nullable=False)  # the first of its month


class FollowUp(Base):
    """A detractor's feedback, to be answered by a person (closing the loop)."""

    __tablename__ = "followups"

    id = Column(Integer, primary_key=True, autoincrement=True)
    feedback_id = Column(ForeignKey("feedback.id"), unique=True)
    customer_id = Column(ForeignKey("customers.id"), index=True)
    # open | contacted | resolved
    status = Column(String(20), index=True, nullable=False)
    owner = Column(String(40), nullable=True)
    notes = Column(Text, default="")
    created_at = Column(DateTime, nullable=False)
    due_at = Column(DateTime, nullable=False, index=True)
    updated_at = Column(DateTime, nullable=False)


class FeedbackOutbox(Base):
    """Feedback the action server could not hand to the sidecar yet.

    The sidecar drains it (at start and on a timer); recording is idempotent
    per conversation, so each survey arrives exactly once.
    """

    __tablename__ = "feedback_outbox"

    id = Column(Integer, primary_key=True, autoincrement=True)
    conversation_id = Column(String(120), nullable=False, index=True)
    payload = Column(Text, nullable=False)  # JSON of the feedback fields
    created_at = Column(DateTime, nullable=False)
    attempts = Column(Integer, default=0, nullable=False)
    delivered_at = Column(DateTime, nullable=True, index=True)
    last_error = Column(String(200), nullable=True)
    # After a failed delivery the next try waits (backoff); None: due now.
    next_attempt_at = Column(DateTime, nullable=True)


class FeedbackDeadLetter(Base):
    """Feedback that could not be recorded: the sidecar refused it, or it kept failing.

    Supervisors see these (`GET /api/feedback/dead-letters`) and can send one
    back to the outbox once the cause is fixed; nothing a customer answered
    is dropped silently.
    """

    __tablename__ = "feedback_dead_letters"

    id = Column(Integer, primary_key=True, autoincrement=True)
    conversation_id = Column(String(120), nullable=False, index=True)
    payload = Column(Text, nullable=False)
    created_at = Column(DateTime, nullable=False)  # when the customer answered
    failed_at = Column(DateTime, nullable=False)
    attempts = Column(Integer, nullable=False)
    last_error = Column(String(200), nullable=False)


class StaffUser(Base):
    """A support rep or supervisor who signs in to the console or the API."""

    __tablename__ = "staff_users"

    username = Column(String(40), primary_key=True)
    display_name = Column(String(80), nullable=False)
    # rep | supervisor
    role = Column(String(20), nullable=False)
    password_hash = Column(String(200), nullable=False)
    active = Column(Boolean, default=True, nullable=False)


class CustomerAttribute(Base):
    """A fact about a customer imported from a company's CRM (contract type, ...).

    Kept as name/value text so any export can be loaded without a schema
    change; the offer model turns each pair into a feature.
    """

    __tablename__ = "customer_attributes"

    customer_id = Column(ForeignKey("customers.id"), primary_key=True)
    name = Column(String(60), primary_key=True)
    value = Column(String(120), nullable=False)


class OfferEvent(Base):
    """One add-on offer made to a customer, and what they did with it."""

    __tablename__ = "offer_events"
    __table_args__ = (Index("ix_offer_events_customer_addon", "customer_id", "addon_code"),)

    id = Column(Integer, primary_key=True, autoincrement=True)
    customer_id = Column(ForeignKey("customers.id"), nullable=False)
    conversation_id = Column(String(120), nullable=True, index=True)
    addon_code = Column(String(40), nullable=False, index=True)
    reason = Column(String(300), nullable=False)
    score = Column(Float, nullable=False)
    monthly_price_cents = Column(Integer, nullable=False)
    # chat (the assistant made it) | rep (a rep made it from the console)
    channel = Column(String(20), nullable=False, default="chat")
    # shown | accepted | declined | ignored
    status = Column(String(20), nullable=False, index=True)
    shown_at = Column(DateTime, nullable=False, index=True)
    answered_at = Column(DateTime, nullable=True)
    subscription_id = Column(ForeignKey("subscriptions.id"), nullable=True)


class RepSuggestion(Base):
    """A question or offer shown to a rep, and whether the rep used it."""

    __tablename__ = "rep_suggestions"

    id = Column(Integer, primary_key=True, autoincrement=True)
    customer_id = Column(ForeignKey("customers.id"), nullable=False, index=True)
    conversation_id = Column(String(120), nullable=True, index=True)
    rep_id = Column(String(40), nullable=False, index=True)
    # question | offer
    kind = Column(String(20), nullable=False)
    # what the question is built on (recent_order, ticket, tenure, ...) or the add-on code
    basis = Column(String(40), nullable=False, index=True)
    text = Column(Text, nullable=False)
    shown_at = Column(DateTime, nullable=False, index=True)
    # unused | as_is | edited
    use = Column(String(20), nullable=False, default="unused", index=True)
    used_text = Column(Text, nullable=True)
    used_at = Column(DateTime, nullable=True)


class SignInAttempt(Base):
    """One try at signing in (a customer's email and postcode, or a staff password).

    Kept for the rate limits and lockouts (assistant/sign_in_limits.py): in the
    database, so every sidecar worker, action server and replica counts the same
    tries. Rows older than a day are deleted as new ones come.
    """

    __tablename__ = "sign_in_attempts"
    __table_args__ = (
        Index("ix_sign_in_attempts_account", "scope", "account", "attempted_at"),
        Index("ix_sign_in_attempts_address", "scope", "address", "attempted_at"),
    )

    id = Column(Integer, primary_key=True, autoincrement=True)
    # customer (chat sign-in and the in-chat identity form) | staff
    scope = Column(String(20), nullable=False)
    address = Column(String(64), nullable=False)
    # the email or username tried, lower-cased
    account = Column(String(200), nullable=False)
    succeeded = Column(Boolean, nullable=False)
    attempted_at = Column(DateTime, nullable=False, index=True)


class StaffSession(Base):
    """A signed-in page session of a rep or supervisor, kept server-side so it can be ended.

    The browser holds a random id; only its SHA-256 is stored, so a copy of the
    table signs nobody in. Sign-out, `assistant.cli end-sessions` and a new
    password end sessions; so does the account being disabled.
    """

    __tablename__ = "staff_sessions"

    id_hash = Column(String(64), primary_key=True)
    username = Column(ForeignKey("staff_users.username"), nullable=False, index=True)
    created_at = Column(DateTime, nullable=False)
    expires_at = Column(DateTime, nullable=False, index=True)
    ended_at = Column(DateTime, nullable=True)
