"""CDMs keep their rendered V2 record (JSON text) so a list is a query plus concatenation; covering
indexes for the visibility test (object NORAD id) with the columns TraCSS users filter on.

Rows stored before this revision have ``record_json`` NULL; the API renders those on the fly.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 04:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


_VISIBLE = ["tca", "creation_date", "miss_distance_m", "is_candidate", "owner_org_id", "counter"]


def upgrade() -> None:
    with op.batch_alter_table("cdms", schema=None) as batch_op:
        batch_op.add_column(sa.Column("record_json", sa.Text(), nullable=True))
        for n in (1, 2):
            # The new index starts with the NORAD id, so it replaces the single-column one.
            batch_op.drop_index(f"ix_cdms_object{n}_norad")
            batch_op.create_index(f"ix_cdms_object{n}_visible", [f"object{n}_norad", *_VISIBLE], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("cdms", schema=None) as batch_op:
        for n in (1, 2):
            batch_op.drop_index(f"ix_cdms_object{n}_visible")
            batch_op.create_index(f"ix_cdms_object{n}_norad", [f"object{n}_norad"], unique=False)
        batch_op.drop_column("record_json")
