"""URL columns hold 2,083 characters on PostgreSQL

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 05:15:00

The crawler keeps addresses of up to 2,083 characters (crawler.urls.MAX_URL_CHARS). SQLite does not
enforce a varchar's length, so nothing changes there; PostgreSQL does, and widening a varchar is a
change of the catalogue only (no table is rewritten).
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

COLUMNS = (("document", "url"), ("document", "final_url"), ("crawl_url", "url"), ("crawl_url", "referrer"))


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in COLUMNS:
        op.alter_column(table, column, type_=sa.String(2083), existing_type=sa.String(2048))


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in COLUMNS:
        op.alter_column(table, column, type_=sa.String(2048), existing_type=sa.String(2083))
