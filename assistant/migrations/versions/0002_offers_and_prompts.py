"""Release 2: offers and rep prompts.

Imported customer attributes, add-on offers with their outcome, and the
questions and offers shown to reps with whether they were used.

Revision ID: 0002_offers_and_prompts
Revises: 0001_release_1
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_offers_and_prompts"
down_revision = "0001_release_1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customer_attributes",
        sa.Column("customer_id", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("value", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
        ),
        sa.PrimaryKeyConstraint("customer_id", "name"),
    )
    op.create_table(
        "rep_suggestions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("customer_id", sa.String(length=20), nullable=False),
        sa.Column("conversation_id", sa.String(length=120), nullable=True),
        sa.Column("rep_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("basis", sa.String(length=40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("shown_at", sa.DateTime(), nullable=False),
        sa.Column("use", sa.String(length=20), nullable=False),
        sa.Column("used_text", sa.Text(), nullable=True),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_rep_suggestions_basis"), "rep_suggestions", ["basis"], unique=False)
    op.create_index(op.f("ix_rep_suggestions_conversation_id"), "rep_suggestions", ["conversation_id"], unique=False)
    op.create_index(op.f("ix_rep_suggestions_customer_id"), "rep_suggestions", ["customer_id"], unique=False)
    op.create_index(op.f("ix_rep_suggestions_rep_id"), "rep_suggestions", ["rep_id"], unique=False)
    op.create_index(op.f("ix_rep_suggestions_shown_at"), "rep_suggestions", ["shown_at"], unique=False)
    op.create_index(op.f("ix_rep_suggestions_use"), "rep_suggestions", ["use"], unique=False)
    op.create_table(
        "offer_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("customer_id", sa.String(length=20), nullable=False),
        sa.Column("conversation_id", sa.String(length=120), nullable=True),
        sa.Column("addon_code", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("monthly_price_cents", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("shown_at", sa.DateTime(), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("subscription_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_offer_events_addon_code"), "offer_events", ["addon_code"], unique=False)
    op.create_index(op.f("ix_offer_events_conversation_id"), "offer_events", ["conversation_id"], unique=False)
    op.create_index("ix_offer_events_customer_addon", "offer_events", ["customer_id", "addon_code"], unique=False)
    op.create_index(op.f("ix_offer_events_shown_at"), "offer_events", ["shown_at"], unique=False)
    op.create_index(op.f("ix_offer_events_status"), "offer_events", ["status"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_offer_events_status"), table_name="offer_events")
    op.drop_index(op.f("ix_offer_events_shown_at"), table_name="offer_events")
    op.drop_index("ix_offer_events_customer_addon", table_name="offer_events")
    op.drop_index(op.f("ix_offer_events_conversation_id"), table_name="offer_events")
    op.drop_index(op.f("ix_offer_events_addon_code"), table_name="offer_events")
    op.drop_table("offer_events")
    op.drop_index(op.f("ix_rep_suggestions_use"), table_name="rep_suggestions")
    op.drop_index(op.f("ix_rep_suggestions_shown_at"), table_name="rep_suggestions")
    op.drop_index(op.f("ix_rep_suggestions_rep_id"), table_name="rep_suggestions")
    op.drop_index(op.f("ix_rep_suggestions_customer_id"), table_name="rep_suggestions")
    op.drop_index(op.f("ix_rep_suggestions_conversation_id"), table_name="rep_suggestions")
    op.drop_index(op.f("ix_rep_suggestions_basis"), table_name="rep_suggestions")
    op.drop_table("rep_suggestions")
    op.drop_table("customer_attributes")
