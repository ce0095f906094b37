"""The SQLAlchemy 2 models of the openstc store: what the service keeps between runs.

One declarative ``Base`` holds every table; the Alembic migrations under ``migrations/`` create the
same schema. Times are stored as UTC through :class:`UTCDateTime` (naive in SQLite, which has no
time zones; ``timestamptz`` in PostgreSQL) and always come back UTC-aware. Distances are metres,
sizes metres, probabilities plain floats: the API converts to TraCSS units at the edge.

The columns a TraCSS filter can address are real indexed columns; the full message is kept as a
JSON keyword dict (UPPER_SNAKE CCSDS/TraCSS keywords) and, when we have it, the original KVN text.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator[datetime]):
    """A datetime stored as UTC and returned UTC-aware on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; openstc times are UTC-aware")
        value = value.astimezone(UTC)
        # SQLite keeps text; dropping tzinfo keeps the lexicographic order equal to the time order.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON(), list[Any]: JSON()}


# --- accounts -------------------------------------------------------------------------------


class Organization(Base):
    """An O/O, third-party partner or national-government organization (handbook 7.1)."""

    __tablename__ = "organizations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default="OO")  # OO | THIRD_PARTY | GOV
    country: Mapped[str | None] = mapped_column(String(80))  # HQ country; the nation of a GOV account
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    users: Mapped[list[User]] = relationship(back_populates="organization")


class Group(Base):
    """A group of users and satellites inside one organization."""

    __tablename__ = "groups"
    __table_args__ = (UniqueConstraint("org_id", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))


class GroupSatellite(Base):
    __tablename__ = "group_satellites"
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True)
    norad_id: Mapped[int] = mapped_column(Integer, primary_key=True)


class User(Base):
    """A user; ``org_role`` ADMIN/USER/None and, in a group, ``group_role`` ADMIN/MEMBER."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    username: Mapped[str] = mapped_column(String(200), unique=True)
    email: Mapped[str | None] = mapped_column(String(320))
    org_role: Mapped[str | None] = mapped_column(String(20))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="SET NULL"))
    group_role: Mapped[str | None] = mapped_column(String(20))
    is_site_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    organization: Mapped[Organization] = relationship(back_populates="users")


class ApiClient(Base):
    """Client credentials of one user; only a hash of the secret is kept."""

    __tablename__ = "api_clients"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class ThirdPartyGrant(Base):
    """An O/O organization granting a partner organization read or read/write on one satellite."""

    __tablename__ = "third_party_grants"
    grantor_org_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    grantee_org_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    norad_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    access: Mapped[str] = mapped_column(String(10), default="READ")  # READ | WRITE (= read/write)


# --- catalog ---------------------------------------------------------------------------------


class CatalogObject(Base):
    """One TraCSS Cat entry; ``owner_org_id`` is the organization that claimed the satellite."""

    __tablename__ = "catalog_objects"
    norad_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    international_designator: Mapped[str | None] = mapped_column(String(20), index=True)
    satellite_name: Mapped[str | None] = mapped_column(String(200), index=True)
    alternate_names: Mapped[list[Any]] = mapped_column(default=list)
    object_type: Mapped[str | None] = mapped_column(String(40), index=True)
    orbital_regime: Mapped[str | None] = mapped_column(String(40), index=True)
    organization: Mapped[str | None] = mapped_column(String(200), index=True)
    owner_org_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL"), index=True
    )
    claimed_at: Mapped[datetime | None] = mapped_column()
    # The five nationality-identifying fields (handbook 7.4).
    country_of_launch_license: Mapped[str | None] = mapped_column(String(80))
    country_of_headquarters: Mapped[str | None] = mapped_column(String(80))
    country_providing_communication_license: Mapped[str | None] = mapped_column(String(80))
    country_providing_remote_sensing: Mapped[str | None] = mapped_column(String(80))
    country_of_un_registry: Mapped[str | None] = mapped_column(String(80))
    rcs_size: Mapped[str | None] = mapped_column(String(20))
    hard_body_radius_m: Mapped[float | None] = mapped_column(Float)
    maneuverable: Mapped[str | None] = mapped_column(String(20))  # YES | NO | N/A
    operational_status: Mapped[str | None] = mapped_column(String(40))
    launch_date: Mapped[str | None] = mapped_column(String(20))
    decay_date: Mapped[str | None] = mapped_column(String(20))
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)  # any other TraCSS Cat fields
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def nationality_fields(self) -> tuple[str | None, ...]:
        return (
            self.country_of_launch_license,
            self.country_of_headquarters,
            self.country_providing_communication_license,
            self.country_providing_remote_sensing,
            self.country_of_un_registry,
        )


class ElementSetRecord(Base):
    """Element-set history: every SGP4 mean-element set ever ingested for an object."""

    __tablename__ = "element_sets"
    __table_args__ = (
        UniqueConstraint("norad_id", "epoch", "source"),
        Index("ix_elset_norad_epoch", "norad_id", "epoch"),
    )
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    norad_id: Mapped[int] = mapped_column(Integer)
    epoch: Mapped[datetime] = mapped_column()
    mean_motion_rev_day: Mapped[float] = mapped_column(Float)
    eccentricity: Mapped[float] = mapped_column(Float)
    inclination_deg: Mapped[float] = mapped_column(Float)
    raan_deg: Mapped[float] = mapped_column(Float)
    arg_perigee_deg: Mapped[float] = mapped_column(Float)
    mean_anomaly_deg: Mapped[float] = mapped_column(Float)
    bstar_per_er: Mapped[float] = mapped_column(Float, default=0.0)
    mean_motion_dot_rev_day2: Mapped[float] = mapped_column(Float, default=0.0)
    mean_motion_ddot_rev_day3: Mapped[float] = mapped_column(Float, default=0.0)
    object_name: Mapped[str | None] = mapped_column(String(200))
    object_id: Mapped[str | None] = mapped_column(String(20))
    classification: Mapped[str] = mapped_column(String(1), default="U")
    element_set_no: Mapped[int] = mapped_column(Integer, default=999)
    rev_at_epoch: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[str] = mapped_column(String(60), default="")
    ingested_at: Mapped[datetime] = mapped_column(default=utcnow)


# --- ephemerides, screenings, CDMs, events ---------------------------------------------------


class Ephemeris(Base):
    """An uploaded OCM: operational (public) or candidate (visible to the submitting organization)."""

    __tablename__ = "ephemerides"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[str] = mapped_column(String(200), index=True)
    norad_id: Mapped[int | None] = mapped_column(Integer, index=True)
    object_designator: Mapped[str | None] = mapped_column(String(40), index=True)
    object_name: Mapped[str | None] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(String(20), default="OPERATIONAL")  # OPERATIONAL | CANDIDATE
    owner_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    batch_id: Mapped[str | None] = mapped_column(String(64), index=True)
    file_name: Mapped[str | None] = mapped_column(String(300))
    originator: Mapped[str | None] = mapped_column(String(200))
    creation_date: Mapped[datetime | None] = mapped_column(index=True)
    start_time: Mapped[datetime | None] = mapped_column()
    stop_time: Mapped[datetime | None] = mapped_column(index=True)
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict)  # parsed header/metadata keywords
    raw_text: Mapped[str] = mapped_column(Text)


class UploadBatch(Base):
    """One OCM upload request (TraCSS 'operational batch'); CDMs of its on-demand run carry its id."""

    __tablename__ = "upload_batches"
    batch_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    trigger_ca: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), default="RECEIVED")
    cdm_found: Mapped[bool] = mapped_column(Boolean, default=False)


class ScreeningRun(Base):
    """Provenance of one screening: routine (ALL_VS_ALL/PAYLOAD_VS_ALL) or on demand."""

    __tablename__ = "screening_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_type: Mapped[str] = mapped_column(String(30), index=True)
    correlation_id: Mapped[str] = mapped_column(String(64), unique=True)
    batch_id: Mapped[str | None] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(20), default="QUEUED", index=True)
    requested_by_org_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL")
    )
    scheduled_for: Mapped[datetime | None] = mapped_column()
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    primaries: Mapped[int] = mapped_column(Integer, default=0)
    secondaries: Mapped[int] = mapped_column(Integer, default=0)
    conjunctions: Mapped[int] = mapped_column(Integer, default=0)
    cdms: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[list[Any]] = mapped_column(default=list)  # [{"noradId":..,"code":..,"reason":..}]
    message: Mapped[str | None] = mapped_column(Text)


class Cdm(Base):
    """A conjunction data message with the columns TraCSS filters on and the whole message."""

    __tablename__ = "cdms"
    # Visibility is "object1 or object2 is readable" plus the time window and the usual filters: these
    # covering indexes let both databases test those in the index and only read the matching rows.
    # TCA second: TCA windows and activeCdmsOnly become index ranges (TCA-day list 3.0 -> 1.2 ms).
    # The id last: PostgreSQL then reads the visibility branches from the index only (revision 0003).
    __table_args__ = tuple(
        Index(
            f"ix_cdms_object{n}_visible",
            f"object{n}_norad",
            "tca",
            "creation_date",
            "miss_distance_m",
            "is_candidate",
            "owner_org_id",
            "counter",
            "id",
        )
        for n in (1, 2)
    )
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    counter: Mapped[int] = mapped_column(BigInteger, unique=True)
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    correlation_id: Mapped[str | None] = mapped_column(String(64), index=True)
    batch_id: Mapped[str | None] = mapped_column(String(64), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("screening_runs.id", ondelete="SET NULL"))
    conjunction_id: Mapped[str | None] = mapped_column(String(200), index=True)
    ocm_message_id: Mapped[str | None] = mapped_column(String(200))
    creation_date: Mapped[datetime] = mapped_column(index=True)
    tca: Mapped[datetime] = mapped_column(index=True)
    message_for: Mapped[str | None] = mapped_column(String(200))
    originator: Mapped[str | None] = mapped_column(String(200))
    operator_organization: Mapped[str | None] = mapped_column(String(200))
    miss_distance_m: Mapped[float] = mapped_column(Float, index=True)
    collision_probability: Mapped[float | None] = mapped_column(Float, index=True)
    screen_volume_shape: Mapped[str | None] = mapped_column(String(20))
    high_alert: Mapped[bool] = mapped_column(Boolean, default=False)
    is_candidate: Mapped[bool] = mapped_column(Boolean, default=False)
    owner_org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    object1_norad: Mapped[int | None] = mapped_column(Integer)
    object1_designator: Mapped[str | None] = mapped_column(String(40), index=True)
    object1_intl: Mapped[str | None] = mapped_column(String(20))
    object1_type: Mapped[str | None] = mapped_column(String(40))
    object1_operator_org: Mapped[str | None] = mapped_column(String(200))
    object1_ephemeris_name: Mapped[str | None] = mapped_column(String(200))
    object2_norad: Mapped[int | None] = mapped_column(Integer)
    object2_designator: Mapped[str | None] = mapped_column(String(40), index=True)
    object2_intl: Mapped[str | None] = mapped_column(String(20))
    object2_type: Mapped[str | None] = mapped_column(String(40))
    object2_operator_org: Mapped[str | None] = mapped_column(String(200))
    object2_ephemeris_name: Mapped[str | None] = mapped_column(String(200))
    fields: Mapped[dict[str, Any]] = mapped_column(default=dict)  # UPPER_SNAKE keyword -> value
    kvn: Mapped[str | None] = mapped_column(Text)
    # The V2 record as compact JSON, rendered once when stored: a JSON list is concatenation.
    record_json: Mapped[str | None] = mapped_column(Text)


class ConjunctionEvent(Base):
    """The evolving conjunction of a pair, summarising its CDMs."""

    __tablename__ = "conjunction_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conjunction_id: Mapped[str] = mapped_column(String(200), unique=True)
    object1_norad: Mapped[int | None] = mapped_column(Integer, index=True)
    object2_norad: Mapped[int | None] = mapped_column(Integer, index=True)
    object1_designator: Mapped[str | None] = mapped_column(String(40))
    object2_designator: Mapped[str | None] = mapped_column(String(40))
    tca: Mapped[datetime] = mapped_column(index=True)
    miss_distance_m: Mapped[float] = mapped_column(Float)
    collision_probability: Mapped[float | None] = mapped_column(Float)
    creation_date: Mapped[datetime] = mapped_column(default=utcnow)
    is_candidate: Mapped[bool] = mapped_column(Boolean, default=False)
    owner_org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    cdm_message_ids: Mapped[list[Any]] = mapped_column(default=list)


class FeedMessage(Base):
    """The subscriber feed: per-topic, gap-free offsets starting at 0 (Kafka-like)."""

    __tablename__ = "feed_messages"
    __table_args__ = (UniqueConstraint("topic", "offset"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    topic: Mapped[str] = mapped_column(String(100))
    offset: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Visibility: the NORAD ids concerned and, for candidate data, the only organization that may read it.
    norad_ids: Mapped[list[Any]] = mapped_column(default=list)
    owner_org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    designator: Mapped[str | None] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Sequence(Base):
    """Named gap-free counters (``feed:<topic>`` offsets, ``cdm.counter``); the row lock serialises them."""

    __tablename__ = "sequences"
    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    next_value: Mapped[int] = mapped_column(BigInteger, default=0)
