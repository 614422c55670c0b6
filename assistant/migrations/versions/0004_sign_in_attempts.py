"""Sign-in attempts, for the rate limits and lockouts of customer and staff sign-in.

Revision ID: 0004_sign_in_attempts
Revises: 0003_feedback_score_indexes
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_sign_in_attempts"
down_revision = "0003_feedback_score_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sign_in_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("account", sa.String(length=200), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("attempted_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sign_in_attempts_account", "sign_in_attempts", ["scope", "account", "attempted_at"])
    op.create_index("ix_sign_in_attempts_address", "sign_in_attempts", ["scope", "address", "attempted_at"])
    op.create_index(op.f("ix_sign_in_attempts_attempted_at"), "sign_in_attempts", ["attempted_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_sign_in_attempts_attempted_at"), table_name="sign_in_attempts")
    op.drop_index("ix_sign_in_attempts_address", table_name="sign_in_attempts")
    op.drop_index("ix_sign_in_attempts_account", table_name="sign_in_attempts")
    op.drop_table("sign_in_attempts")
