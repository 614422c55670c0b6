"""How many times a customer reported the problem a ticket is about.

A repeat report adds a note to the open ticket instead of opening a second
one; the third report escalates it (issue 16).

Revision ID: 0006_ticket_reports
Revises: 0005_staff_sessions
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_ticket_reports"
down_revision = "0005_staff_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("reports", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("reports")
