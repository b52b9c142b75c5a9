"""A claimed frontier URL says who claimed it and when (its lease)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 06:50:00

On a shared PostgreSQL several crawler workers claim from one job's frontier. A worker starting
on that job used to put every URL in flight back to pending, the ones live workers were fetching
too; with the claimer and the claim time it puts back only its own (from before it was killed)
and those whose lease has run out. Rows claimed before this revision have neither, and are
requeued as before.
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("crawl_url", sa.Column("claimed_by", sa.String(200), nullable=True))
    op.add_column("crawl_url", sa.Column("claimed_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("crawl_url") as batch:
        batch.drop_column("claimed_at")
        batch.drop_column("claimed_by")
