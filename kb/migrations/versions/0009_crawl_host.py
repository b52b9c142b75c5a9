"""A host's politeness state in the knowledge base, shared by crawler workers

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 08:40:00

Crawler workers on several machines sharing one PostgreSQL keep one request at a time per host,
and its delay between two, through this table: a worker takes a host (held_by, held_until) before
asking it and gives it back with the time it may be asked again (free_at).
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "crawl_host",
        sa.Column("host", sa.String(300), nullable=False),
        sa.Column("held_by", sa.String(200), nullable=True),
        sa.Column("held_until", sa.DateTime(), nullable=True),
        sa.Column("free_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("host"),
    )


def downgrade() -> None:
    op.drop_table("crawl_host")
