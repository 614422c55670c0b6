"""Feedback that keeps failing goes to a dead-letter table; closed accounts are erased.

The outbox gets a backoff time per row; customers get the day their account
was closed and the day its personal data was erased (issue 19).

Revision ID: 0007_dead_letters_and_erasure
Revises: 0006_ticket_reports
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_dead_letters_and_erasure"
down_revision = "0006_ticket_reports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("feedback_outbox") as batch:
        batch.add_column(sa.Column("next_attempt_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("closed_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("erased_on", sa.Date(), nullable=True))
    op.create_table(
        "feedback_dead_letters",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.String(length=120), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("failed_at", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_feedback_dead_letters_conversation_id"), "feedback_dead_letters", ["conversation_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_feedback_dead_letters_conversation_id"), table_name="feedback_dead_letters")
    op.drop_table("feedback_dead_letters")
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("erased_on")
        batch.drop_column("closed_on")
    with op.batch_alter_table("feedback_outbox") as batch:
        batch.drop_column("next_attempt_at")
