"""Initial schema of the openstc store (accounts, catalog, ephemerides, runs, CDMs, events, feed).

Revision ID: 0001
Revises:
Create Date: 2026-11-22 01:46:47.759752
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "element_sets",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("norad_id", sa.Integer(), nullable=False),
        sa.Column("epoch", sa.DateTime(timezone=True), nullable=False),
        sa.Column("mean_motion_rev_day", sa.Float(), nullable=False),
        sa.Column("eccentricity", sa.Float(), nullable=False),
        sa.Column("inclination_deg", sa.Float(), nullable=False),
        sa.Column("raan_deg", sa.Float(), nullable=False),
        sa.Column("arg_perigee_deg", sa.Float(), nullable=False),
        sa.Column("mean_anomaly_deg", sa.Float(), nullable=False),
        sa.Column("bstar_per_er", sa.Float(), nullable=False),
        sa.Column("mean_motion_dot_rev_day2", sa.Float(), nullable=False),
        sa.Column("mean_motion_ddot_rev_day3", sa.Float(), nullable=False),
        sa.Column("object_name", sa.String(length=200), nullable=True),
        sa.Column("object_id", sa.String(length=20), nullable=True),
        sa.Column("classification", sa.String(length=1), nullable=False),
        sa.Column("element_set_no", sa.Integer(), nullable=False),
        sa.Column("rev_at_epoch", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=60), nullable=False),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("norad_id", "epoch", "source"),
    )
    with op.batch_alter_table("element_sets", schema=None) as batch_op:
        batch_op.create_index("ix_elset_norad_epoch", ["norad_id", "epoch"], unique=False)

    op.create_table(
        "organizations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("country", sa.String(length=80), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "sequences",
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("next_value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "catalog_objects",
        sa.Column("norad_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("international_designator", sa.String(length=20), nullable=True),
        sa.Column("satellite_name", sa.String(length=200), nullable=True),
        sa.Column("alternate_names", sa.JSON(), nullable=False),
        sa.Column("object_type", sa.String(length=40), nullable=True),
        sa.Column("orbital_regime", sa.String(length=40), nullable=True),
        sa.Column("organization", sa.String(length=200), nullable=True),
        sa.Column("owner_org_id", sa.Integer(), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("country_of_launch_license", sa.String(length=80), nullable=True),
        sa.Column("country_of_headquarters", sa.String(length=80), nullable=True),
        sa.Column("country_providing_communication_license", sa.String(length=80), nullable=True),
        sa.Column("country_providing_remote_sensing", sa.String(length=80), nullable=True),
        sa.Column("country_of_un_registry", sa.String(length=80), nullable=True),
        sa.Column("rcs_size", sa.String(length=20), nullable=True),
        sa.Column("hard_body_radius_m", sa.Float(), nullable=True),
        sa.Column("maneuverable", sa.String(length=20), nullable=True),
        sa.Column("operational_status", sa.String(length=40), nullable=True),
        sa.Column("launch_date", sa.String(length=20), nullable=True),
        sa.Column("decay_date", sa.String(length=20), nullable=True),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["owner_org_id"], ["organizations.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("norad_id"),
    )
    with op.batch_alter_table("catalog_objects", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_catalog_objects_international_designator"),
            ["international_designator"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_catalog_objects_object_type"), ["object_type"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_catalog_objects_orbital_regime"), ["orbital_regime"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_catalog_objects_organization"), ["organization"], unique=False)
        batch_op.create_index(batch_op.f("ix_catalog_objects_owner_org_id"), ["owner_org_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_catalog_objects_satellite_name"), ["satellite_name"], unique=False
        )

    op.create_table(
        "conjunction_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conjunction_id", sa.String(length=200), nullable=False),
        sa.Column("object1_norad", sa.Integer(), nullable=True),
        sa.Column("object2_norad", sa.Integer(), nullable=True),
        sa.Column("object1_designator", sa.String(length=40), nullable=True),
        sa.Column("object2_designator", sa.String(length=40), nullable=True),
        sa.Column("tca", sa.DateTime(timezone=True), nullable=False),
        sa.Column("miss_distance_m", sa.Float(), nullable=False),
        sa.Column("collision_probability", sa.Float(), nullable=True),
        sa.Column("creation_date", sa.DateTime(timezone=True), nullable=False),
        sa.Column("is_candidate", sa.Boolean(), nullable=False),
        sa.Column("owner_org_id", sa.Integer(), nullable=True),
        sa.Column("cdm_message_ids", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["owner_org_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("conjunction_id"),
    )
    with op.batch_alter_table("conjunction_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_conjunction_events_object1_norad"), ["object1_norad"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_conjunction_events_object2_norad"), ["object2_norad"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_conjunction_events_tca"), ["tca"], unique=False)

    op.create_table(
        "feed_messages",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("topic", sa.String(length=100), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("norad_ids", sa.JSON(), nullable=False),
        sa.Column("owner_org_id", sa.Integer(), nullable=True),
        sa.Column("designator", sa.String(length=200), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["owner_org_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("topic", "offset"),
    )
    op.create_table(
        "groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("org_id", "name"),
    )
    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_groups_org_id"), ["org_id"], unique=False)

    op.create_table(
        "screening_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_type", sa.String(length=30), nullable=False),
        sa.Column("correlation_id", sa.String(length=64), nullable=False),
        sa.Column("batch_id", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("requested_by_org_id", sa.Integer(), nullable=True),
        sa.Column("scheduled_for", sa.DateTime(timezone=True), nullable=True),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("primaries", sa.Integer(), nullable=False),
        sa.Column("secondaries", sa.Integer(), nullable=False),
        sa.Column("conjunctions", sa.Integer(), nullable=False),
        sa.Column("cdms", sa.Integer(), nullable=False),
        sa.Column("failures", sa.JSON(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["requested_by_org_id"], ["organizations.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("correlation_id"),
    )
    with op.batch_alter_table("screening_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_screening_runs_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_screening_runs_run_type"), ["run_type"], unique=False)
        batch_op.create_index(batch_op.f("ix_screening_runs_status"), ["status"], unique=False)

    op.create_table(
        "third_party_grants",
        sa.Column("grantor_org_id", sa.Integer(), nullable=False),
        sa.Column("grantee_org_id", sa.Integer(), nullable=False),
        sa.Column("norad_id", sa.Integer(), nullable=False),
        sa.Column("access", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(["grantee_org_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["grantor_org_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("grantor_org_id", "grantee_org_id", "norad_id"),
    )
    with op.batch_alter_table("third_party_grants", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_third_party_grants_grantee_org_id"), ["grantee_org_id"], unique=False
        )

    op.create_table(
        "cdms",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("counter", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.Column("correlation_id", sa.String(length=64), nullable=True),
        sa.Column("batch_id", sa.String(length=64), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("conjunction_id", sa.String(length=200), nullable=True),
        sa.Column("ocm_message_id", sa.String(length=200), nullable=True),
        sa.Column("creation_date", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tca", sa.DateTime(timezone=True), nullable=False),
        sa.Column("message_for", sa.String(length=200), nullable=True),
        sa.Column("originator", sa.String(length=200), nullable=True),
        sa.Column("operator_organization", sa.String(length=200), nullable=True),
        sa.Column("miss_distance_m", sa.Float(), nullable=False),
        sa.Column("collision_probability", sa.Float(), nullable=True),
        sa.Column("screen_volume_shape", sa.String(length=20), nullable=True),
        sa.Column("high_alert", sa.Boolean(), nullable=False),
        sa.Column("is_candidate", sa.Boolean(), nullable=False),
        sa.Column("owner_org_id", sa.Integer(), nullable=True),
        sa.Column("object1_norad", sa.Integer(), nullable=True),
        sa.Column("object1_designator", sa.String(length=40), nullable=True),
        sa.Column("object1_intl", sa.String(length=20), nullable=True),
        sa.Column("object1_type", sa.String(length=40), nullable=True),
        sa.Column("object1_operator_org", sa.String(length=200), nullable=True),
        sa.Column("object1_ephemeris_name", sa.String(length=200), nullable=True),
        sa.Column("object2_norad", sa.Integer(), nullable=True),
        sa.Column("object2_designator", sa.String(length=40), nullable=True),
        sa.Column("object2_intl", sa.String(length=20), nullable=True),
        sa.Column("object2_type", sa.String(length=40), nullable=True),
        sa.Column("object2_operator_org", sa.String(length=200), nullable=True),
        sa.Column("object2_ephemeris_name", sa.String(length=200), nullable=True),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("kvn", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["owner_org_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["run_id"], ["screening_runs.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("counter"),
        sa.UniqueConstraint("message_id"),
    )
    with op.batch_alter_table("cdms", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cdms_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_cdms_collision_probability"), ["collision_probability"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_cdms_conjunction_id"), ["conjunction_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cdms_correlation_id"), ["correlation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cdms_creation_date"), ["creation_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_cdms_miss_distance_m"), ["miss_distance_m"], unique=False)
        batch_op.create_index(batch_op.f("ix_cdms_object1_designator"), ["object1_designator"], unique=False)
        batch_op.create_index(batch_op.f("ix_cdms_object1_norad"), ["object1_norad"], unique=False)
        batch_op.create_index(batch_op.f("ix_cdms_object2_designator"), ["object2_designator"], unique=False)
        batch_op.create_index(batch_op.f("ix_cdms_object2_norad"), ["object2_norad"], unique=False)
        batch_op.create_index(batch_op.f("ix_cdms_tca"), ["tca"], unique=False)

    op.create_table(
        "group_satellites",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("norad_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["groups.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("group_id", "norad_id"),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("org_role", sa.String(length=20), nullable=True),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("group_role", sa.String(length=20), nullable=True),
        sa.Column("is_site_admin", sa.Boolean(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["groups.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_org_id"), ["org_id"], unique=False)

    op.create_table(
        "api_clients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("secret_hash", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("client_id"),
    )
    with op.batch_alter_table("api_clients", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_clients_user_id"), ["user_id"], unique=False)

    op.create_table(
        "ephemerides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.Column("norad_id", sa.Integer(), nullable=True),
        sa.Column("object_designator", sa.String(length=40), nullable=True),
        sa.Column("object_name", sa.String(length=200), nullable=True),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("owner_org_id", sa.Integer(), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=True),
        sa.Column("batch_id", sa.String(length=64), nullable=True),
        sa.Column("file_name", sa.String(length=300), nullable=True),
        sa.Column("originator", sa.String(length=200), nullable=True),
        sa.Column("creation_date", sa.DateTime(timezone=True), nullable=True),
        sa.Column("start_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stop_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("raw_text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["owner_org_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["uploaded_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("ephemerides", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ephemerides_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ephemerides_creation_date"), ["creation_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_ephemerides_message_id"), ["message_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ephemerides_norad_id"), ["norad_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_ephemerides_object_designator"), ["object_designator"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_ephemerides_owner_org_id"), ["owner_org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ephemerides_stop_time"), ["stop_time"], unique=False)
        batch_op.create_index(batch_op.f("ix_ephemerides_uploaded_at"), ["uploaded_at"], unique=False)

    op.create_table(
        "upload_batches",
        sa.Column("batch_id", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("trigger_ca", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("cdm_found", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("batch_id"),
    )
    with op.batch_alter_table("upload_batches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_upload_batches_org_id"), ["org_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("upload_batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_upload_batches_org_id"))

    op.drop_table("upload_batches")
    with op.batch_alter_table("ephemerides", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ephemerides_uploaded_at"))
        batch_op.drop_index(batch_op.f("ix_ephemerides_stop_time"))
        batch_op.drop_index(batch_op.f("ix_ephemerides_owner_org_id"))
        batch_op.drop_index(batch_op.f("ix_ephemerides_object_designator"))
        batch_op.drop_index(batch_op.f("ix_ephemerides_norad_id"))
        batch_op.drop_index(batch_op.f("ix_ephemerides_message_id"))
        batch_op.drop_index(batch_op.f("ix_ephemerides_creation_date"))
        batch_op.drop_index(batch_op.f("ix_ephemerides_batch_id"))

    op.drop_table("ephemerides")
    with op.batch_alter_table("api_clients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_clients_user_id"))

    op.drop_table("api_clients")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_org_id"))

    op.drop_table("users")
    op.drop_table("group_satellites")
    with op.batch_alter_table("cdms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cdms_tca"))
        batch_op.drop_index(batch_op.f("ix_cdms_object2_norad"))
        batch_op.drop_index(batch_op.f("ix_cdms_object2_designator"))
        batch_op.drop_index(batch_op.f("ix_cdms_object1_norad"))
        batch_op.drop_index(batch_op.f("ix_cdms_object1_designator"))
        batch_op.drop_index(batch_op.f("ix_cdms_miss_distance_m"))
        batch_op.drop_index(batch_op.f("ix_cdms_creation_date"))
        batch_op.drop_index(batch_op.f("ix_cdms_correlation_id"))
        batch_op.drop_index(batch_op.f("ix_cdms_conjunction_id"))
        batch_op.drop_index(batch_op.f("ix_cdms_collision_probability"))
        batch_op.drop_index(batch_op.f("ix_cdms_batch_id"))

    op.drop_table("cdms")
    with op.batch_alter_table("third_party_grants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_third_party_grants_grantee_org_id"))

    op.drop_table("third_party_grants")
    with op.batch_alter_table("screening_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_screening_runs_status"))
        batch_op.drop_index(batch_op.f("ix_screening_runs_run_type"))
        batch_op.drop_index(batch_op.f("ix_screening_runs_batch_id"))

    op.drop_table("screening_runs")
    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_groups_org_id"))

    op.drop_table("groups")
    op.drop_table("feed_messages")
    with op.batch_alter_table("conjunction_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conjunction_events_tca"))
        batch_op.drop_index(batch_op.f("ix_conjunction_events_object2_norad"))
        batch_op.drop_index(batch_op.f("ix_conjunction_events_object1_norad"))

    op.drop_table("conjunction_events")
    with op.batch_alter_table("catalog_objects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalog_objects_satellite_name"))
        batch_op.drop_index(batch_op.f("ix_catalog_objects_owner_org_id"))
        batch_op.drop_index(batch_op.f("ix_catalog_objects_organization"))
        batch_op.drop_index(batch_op.f("ix_catalog_objects_orbital_regime"))
        batch_op.drop_index(batch_op.f("ix_catalog_objects_object_type"))
        batch_op.drop_index(batch_op.f("ix_catalog_objects_international_designator"))

    op.drop_table("catalog_objects")
    op.drop_table("sequences")
    op.drop_table("organizations")
    with op.batch_alter_table("element_sets", schema=None) as batch_op:
        batch_op.drop_index("ix_elset_norad_epoch")

    op.drop_table("element_sets")
