"""The CDM visibility indexes end with the CDM id, so that PostgreSQL answers a list's visibility branches
from the index alone (an index-only scan; without ``id`` in the index every matching row was read from
the table to get it: a TCA-day list of an O/O with 100 satellites read ~1,000 table pages, and the CDM
list took 0.80 ms of database CPU per request instead of 0.58, issue #5). SQLite keeps the rowid in
every index entry anyway; the index is the same on both so that the schema is one.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 07:55:00
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


_VISIBLE = ["tca", "creation_date", "miss_distance_m", "is_candidate", "owner_org_id", "counter"]


def upgrade() -> None:
    for n in (1, 2):
        op.drop_index(f"ix_cdms_object{n}_visible", table_name="cdms")
        op.create_index(
            f"ix_cdms_object{n}_visible", "cdms", [f"object{n}_norad", *_VISIBLE, "id"], unique=False
        )


def downgrade() -> None:
    for n in (1, 2):
        op.drop_index(f"ix_cdms_object{n}_visible", table_name="cdms")
        op.create_index(f"ix_cdms_object{n}_visible", "cdms", [f"object{n}_norad", *_VISIBLE], unique=False)
