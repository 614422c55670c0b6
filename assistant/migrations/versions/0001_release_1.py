"""Release 1: the schema the first release created with `create_all`.

Customers and their records, the catalog, hand-offs, feedback, follow-ups,
the feedback outbox and staff accounts. Databases made by that release carry
no version table; `assistant.migrate` recognises them and stamps this
revision before upgrading.

Revision ID: 0001_release_1
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_release_1"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "addons",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=True),
        sa.Column("monthly_price_cents", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "customers",
        sa.Column("id", sa.String(length=20), nullable=False),
        sa.Column("first_name", sa.String(length=60), nullable=True),
        sa.Column("last_name", sa.String(length=60), nullable=True),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("postcode", sa.String(length=12), nullable=True),
        sa.Column("region", sa.String(length=40), nullable=True),
        sa.Column("phone", sa.String(length=30), nullable=True),
        sa.Column("joined_on", sa.Date(), nullable=True),
        sa.Column("address", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_customers_email"), "customers", ["email"], unique=True)
    op.create_index(op.f("ix_customers_joined_on"), "customers", ["joined_on"], unique=False)
    op.create_index(op.f("ix_customers_region"), "customers", ["region"], unique=False)
    op.create_table(
        "demo_data",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("seed", sa.Integer(), nullable=True),
        sa.Column("customers", sa.Integer(), nullable=True),
        sa.Column("today", sa.Date(), nullable=True),
        sa.Column("loaded_at", sa.DateTime(), nullable=True),
        sa.Column("complete", sa.Boolean(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("seed"),
    )
    op.create_table(
        "feedback_outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.String(length=120), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_feedback_outbox_conversation_id"), "feedback_outbox", ["conversation_id"], unique=False)
    op.create_index(op.f("ix_feedback_outbox_delivered_at"), "feedback_outbox", ["delivered_at"], unique=False)
    op.create_table(
        "plans",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=True),
        sa.Column("monthly_price_cents", sa.Integer(), nullable=True),
        sa.Column("speed_mbps", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_index(op.f("ix_plans_kind"), "plans", ["kind"], unique=False)
    op.create_table(
        "products",
        sa.Column("sku", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=True),
        sa.Column("category", sa.String(length=40), nullable=True),
        sa.Column("price_cents", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("sku"),
    )
    op.create_index(op.f("ix_products_category"), "products", ["category"], unique=False)
    op.create_table(
        "staff_users",
        sa.Column("username", sa.String(length=40), nullable=False),
        sa.Column("display_name", sa.String(length=80), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("username"),
    )
    op.create_table(
        "bills",
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("customer_id", sa.String(length=20), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("total_cents", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
        ),
        sa.PrimaryKeyConstraint("number"),
    )
    op.create_index("ix_bills_customer_period", "bills", ["customer_id", "period_start"], unique=False)
    op.create_index(op.f("ix_bills_status"), "bills", ["status"], unique=False)
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.String(length=120), nullable=False),
        sa.Column("customer_id", sa.String(length=20), nullable=True),
        sa.Column("nps", sa.Integer(), nullable=True),
        sa.Column("csat", sa.Integer(), nullable=True),
        sa.Column("ces", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("rep_id", sa.String(length=40), nullable=True),
        sa.Column("channel", sa.String(length=30), nullable=True),
        sa.Column("topic", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("conversation_id"),
    )
    op.create_index(op.f("ix_feedback_channel"), "feedback", ["channel"], unique=False)
    op.create_index("ix_feedback_created_on", "feedback", ["created_on"], unique=False)
    op.create_index(op.f("ix_feedback_customer_id"), "feedback", ["customer_id"], unique=False)
    op.create_index("ix_feedback_month", "feedback", ["month"], unique=False)
    op.create_index(op.f("ix_feedback_nps"), "feedback", ["nps"], unique=False)
    op.create_index(op.f("ix_feedback_rep_id"), "feedback", ["rep_id"], unique=False)
    op.create_index(op.f("ix_feedback_topic"), "feedback", ["topic"], unique=False)
    op.create_index("ix_feedback_week", "feedback", ["week"], unique=False)
    op.create_table(
        "handoffs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.String(length=120), nullable=True),
        sa.Column("customer_id", sa.String(length=20), nullable=True),
        sa.Column("reason", sa.String(length=60), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=True),
        sa.Column("requested_at", sa.DateTime(), nullable=True),
        sa.Column("rep_id", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_handoffs_conversation_id"), "handoffs", ["conversation_id"], unique=False)
    op.create_index(op.f("ix_handoffs_requested_at"), "handoffs", ["requested_at"], unique=False)
    op.create_index(op.f("ix_handoffs_status"), "handoffs", ["status"], unique=False)
    op.create_table(
        "orders",
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("customer_id", sa.String(length=20), nullable=True),
        sa.Column("placed_at", sa.DateTime(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=True),
        sa.Column("carrier", sa.String(length=40), nullable=True),
        sa.Column("tracking_number", sa.String(length=40), nullable=True),
        sa.Column("shipping_method", sa.String(length=20), nullable=True),
        sa.Column("shipped_on", sa.Date(), nullable=True),
        sa.Column("estimated_delivery", sa.Date(), nullable=True),
        sa.Column("delivered_on", sa.Date(), nullable=True),
        sa.Column("shipping_address", sa.String(length=200), nullable=True),
        sa.Column("total_cents", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
        ),
        sa.PrimaryKeyConstraint("number"),
    )
    op.create_index(op.f("ix_orders_customer_id"), "orders", ["customer_id"], unique=False)
    op.create_index(op.f("ix_orders_placed_at"), "orders", ["placed_at"], unique=False)
    op.create_index(op.f("ix_orders_status"), "orders", ["status"], unique=False)
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("customer_id", sa.String(length=20), nullable=True),
        sa.Column("plan_code", sa.String(length=40), nullable=True),
        sa.Column("addon_code", sa.String(length=40), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=True),
        sa.Column("monthly_price_cents", sa.Integer(), nullable=True),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("cancel_reason", sa.String(length=60), nullable=True),
        sa.Column("replaces_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["addon_code"],
            ["addons.code"],
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
        ),
        sa.ForeignKeyConstraint(
            ["plan_code"],
            ["plans.code"],
        ),
        sa.ForeignKeyConstraint(
            ["replaces_id"],
            ["subscriptions.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_subscriptions_customer_status", "subscriptions", ["customer_id", "status"], unique=False)
    op.create_index(op.f("ix_subscriptions_status"), "subscriptions", ["status"], unique=False)
    op.create_table(
        "bill_lines",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("bill_number", sa.String(length=20), nullable=True),
        sa.Column("code", sa.String(length=60), nullable=True),
        sa.Column("description", sa.String(length=200), nullable=True),
        sa.Column("amount_cents", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["bill_number"],
            ["bills.number"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_bill_lines_bill_number"), "bill_lines", ["bill_number"], unique=False)
    op.create_table(
        "followups",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("feedback_id", sa.Integer(), nullable=True),
        sa.Column("customer_id", sa.String(length=20), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("owner", sa.String(length=40), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
        ),
        sa.ForeignKeyConstraint(
            ["feedback_id"],
            ["feedback.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("feedback_id"),
    )
    op.create_index(op.f("ix_followups_customer_id"), "followups", ["customer_id"], unique=False)
    op.create_index(op.f("ix_followups_due_at"), "followups", ["due_at"], unique=False)
    op.create_index(op.f("ix_followups_status"), "followups", ["status"], unique=False)
    op.create_table(
        "order_items",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("order_number", sa.String(length=20), nullable=True),
        sa.Column("sku", sa.String(length=40), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=True),
        sa.Column("unit_price_cents", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_number"],
            ["orders.number"],
        ),
        sa.ForeignKeyConstraint(
            ["sku"],
            ["products.sku"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_order_items_order_number"), "order_items", ["order_number"], unique=False)
    op.create_table(
        "payments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("customer_id", sa.String(length=20), nullable=True),
        sa.Column("bill_number", sa.String(length=20), nullable=True),
        sa.Column("amount_cents", sa.Integer(), nullable=True),
        sa.Column("method", sa.String(length=30), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=True),
        sa.Column("attempted_at", sa.DateTime(), nullable=True),
        sa.Column("failure_reason", sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(
            ["bill_number"],
            ["bills.number"],
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_payments_attempted_at"), "payments", ["attempted_at"], unique=False)
    op.create_index(op.f("ix_payments_customer_id"), "payments", ["customer_id"], unique=False)
    op.create_index(op.f("ix_payments_status"), "payments", ["status"], unique=False)
    op.create_table(
        "refunds",
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("customer_id", sa.String(length=20), nullable=True),
        sa.Column("order_number", sa.String(length=20), nullable=True),
        sa.Column("amount_cents", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=120), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=True),
        sa.Column("requested_at", sa.DateTime(), nullable=True),
        sa.Column("expected_by", sa.Date(), nullable=True),
        sa.Column("resolved_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
        ),
        sa.ForeignKeyConstraint(
            ["order_number"],
            ["orders.number"],
        ),
        sa.PrimaryKeyConstraint("number"),
    )
    op.create_index(op.f("ix_refunds_customer_id"), "refunds", ["customer_id"], unique=False)
    op.create_index(op.f("ix_refunds_requested_at"), "refunds", ["requested_at"], unique=False)
    op.create_index(op.f("ix_refunds_status"), "refunds", ["status"], unique=False)
    op.create_table(
        "tickets",
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("customer_id", sa.String(length=20), nullable=True),
        sa.Column("order_number", sa.String(length=20), nullable=True),
        sa.Column("category", sa.String(length=30), nullable=True),
        sa.Column("subject", sa.String(length=200), nullable=True),
        sa.Column("details", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=True),
        sa.Column("priority", sa.String(length=10), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.Column("conversation_id", sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
        ),
        sa.ForeignKeyConstraint(
            ["order_number"],
            ["orders.number"],
        ),
        sa.PrimaryKeyConstraint("number"),
    )
    op.create_index(op.f("ix_tickets_category"), "tickets", ["category"], unique=False)
    op.create_index(op.f("ix_tickets_conversation_id"), "tickets", ["conversation_id"], unique=False)
    op.create_index(op.f("ix_tickets_created_at"), "tickets", ["created_at"], unique=False)
    op.create_index(op.f("ix_tickets_customer_id"), "tickets", ["customer_id"], unique=False)
    op.create_index(op.f("ix_tickets_status"), "tickets", ["status"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_tickets_status"), table_name="tickets")
    op.drop_index(op.f("ix_tickets_customer_id"), table_name="tickets")
    op.drop_index(op.f("ix_tickets_created_at"), table_name="tickets")
    op.drop_index(op.f("ix_tickets_conversation_id"), table_name="tickets")
    op.drop_index(op.f("ix_tickets_category"), table_name="tickets")
    op.drop_table("tickets")
    op.drop_index(op.f("ix_refunds_status"), table_name="refunds")
    op.drop_index(op.f("ix_refunds_requested_at"), table_name="refunds")
    op.drop_index(op.f("ix_refunds_customer_id"), table_name="refunds")
    op.drop_table("refunds")
    op.drop_index(op.f("ix_payments_status"), table_name="payments")
    op.drop_index(op.f("ix_payments_customer_id"), table_name="payments")
    op.drop_index(op.f("ix_payments_attempted_at"), table_name="payments")
    op.drop_table("payments")
    op.drop_index(op.f("ix_order_items_order_number"), table_name="order_items")
    op.drop_table("order_items")
    op.drop_index(op.f("ix_followups_status"), table_name="followups")
    op.drop_index(op.f("ix_followups_due_at"), table_name="followups")
    op.drop_index(op.f("ix_followups_customer_id"), table_name="followups")
    op.drop_table("followups")
    op.drop_index(op.f("ix_bill_lines_bill_number"), table_name="bill_lines")
    op.drop_table("bill_lines")
    op.drop_index(op.f("ix_subscriptions_status"), table_name="subscriptions")
    op.drop_index("ix_subscriptions_customer_status", table_name="subscriptions")
    op.drop_table("subscriptions")
    op.drop_index(op.f("ix_orders_status"), table_name="orders")
    op.drop_index(op.f("ix_orders_placed_at"), table_name="orders")
    op.drop_index(op.f("ix_orders_customer_id"), table_name="orders")
    op.drop_table("orders")
    op.drop_index(op.f("ix_handoffs_status"), table_name="handoffs")
    op.drop_index(op.f("ix_handoffs_requested_at"), table_name="handoffs")
    op.drop_index(op.f("ix_handoffs_conversation_id"), table_name="handoffs")
    op.drop_table("handoffs")
    op.drop_index("ix_feedback_week", table_name="feedback")
    op.drop_index(op.f("ix_feedback_topic"), table_name="feedback")
    op.drop_index(op.f("ix_feedback_rep_id"), table_name="feedback")
    op.drop_index(op.f("ix_feedback_nps"), table_name="feedback")
    op.drop_index("ix_feedback_month", table_name="feedback")
    op.drop_index(op.f("ix_feedback_customer_id"), table_name="feedback")
    op.drop_index("ix_feedback_created_on", table_name="feedback")
    op.drop_index(op.f("ix_feedback_channel"), table_name="feedback")
    op.drop_table("feedback")
    op.drop_index(op.f("ix_bills_status"), table_name="bills")
    op.drop_index("ix_bills_customer_period", table_name="bills")
    op.drop_table("bills")
    op.drop_table("staff_users")
    op.drop_index(op.f("ix_products_category"), table_name="products")
    op.drop_table("products")
    op.drop_index(op.f("ix_plans_kind"), table_name="plans")
    op.drop_table("plans")
    op.drop_index(op.f("ix_feedback_outbox_delivered_at"), table_name="feedback_outbox")
    op.drop_index(op.f("ix_feedback_outbox_conversation_id"), table_name="feedback_outbox")
    op.drop_table("feedback_outbox")
    op.drop_table("demo_data")
    op.drop_index(op.f("ix_customers_region"), table_name="customers")
    op.drop_index(op.f("ix_customers_joined_on"), table_name="customers")
    op.drop_index(op.f("ix_customers_email"), table_name="customers")
    op.drop_table("customers")
    op.drop_table("addons")
