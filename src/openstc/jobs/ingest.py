"""Catalog ingest: OMM/TLE catalogs (files, URLs or bytes) into the catalog and element-set history.

Reads with :func:`openstc.formats.catalog.read_catalog` (CelesTrak CSV/JSON/XML, Space-Track JSON,
TLE; lenient, so one bad row is reported, not fatal), then in ONE transaction upserts the TraCSS
Cat entries (claims and operator-set fields are kept), appends new element sets (an already stored
``(norad, epoch, source)`` is skipped) and publishes catalog changes to the feed. Every ingest is
recorded as a ``CATALOG_INGEST`` provenance row with its counts and per-row failures.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from openstc.formats.elset import ElementSet
from openstc.store import feed
from openstc.store.db import transaction
from openstc.store.models import CatalogObject, ElementSetRecord, ScreeningRun

CHUNK = 2000


@dataclass
class IngestReport:
    objects_new: int = 0
    objects_updated: int = 0
    element_sets: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)
    correlation_id: str = ""


def object_type_of(e: ElementSet) -> str:
    """Space-Track's OBJECT_TYPE when given, else CelesTrak's naming convention (R/B, DEB)."""
    t = (e.extra.get("OBJECT_TYPE") or "").upper()
    if t:
        return {"ROCKET BODY": "ROCKET BODY", "DEBRIS": "DEBRIS", "PAYLOAD": "PAYLOAD"}.get(t, t)
    name = (e.object_name or "").upper()
    if " R/B" in name or name.endswith("R/B"):
        return "ROCKET BODY"
    if " DEB" in name or name.endswith("DEB"):
        return "DEBRIS"
    return "PAYLOAD" if name else "UNKNOWN"


def orbital_regime_of(e: ElementSet) -> str:
    """LEO/MEO/GEO/HEO from the mean motion (rev/day) and eccentricity."""
    n, ecc = e.mean_motion_rev_day, e.eccentricity
    if ecc > 0.25:
        return "HEO"
    if n >= 11.25:
        return "LEO"
    if 0.99 <= n <= 1.01 and ecc < 0.01:
        return "GEO"
    return "MEO"


def _insert(session: Session) -> Any:
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def store_element_sets(s: Session, elsets: Iterable[ElementSet], source: str, report: IngestReport) -> None:
    """Upsert catalog entries and append element sets inside the caller's transaction."""
    items = list(elsets)
    ins = _insert(s)
    count = select(func.count()).select_from(ElementSetRecord).where(ElementSetRecord.source == source)
    before = int(s.scalar(count) or 0)  # executemany rowcounts are not reliable across drivers
    now = datetime.now(UTC)
    changed: list[CatalogObject] = []
    for k in range(0, len(items), CHUNK):
        chunk = items[k : k + CHUNK]
        ids = [e.norad_id for e in chunk]
        existing = {
            o.norad_id: o for o in s.scalars(select(CatalogObject).where(CatalogObject.norad_id.in_(ids)))
        }
        for e in chunk:
            obj = existing.get(e.norad_id)
            if obj is None:
                obj = CatalogObject(
                    norad_id=e.norad_id,
                    satellite_name=e.object_name,
                    international_designator=e.object_id,
                    object_type=object_type_of(e),
                    orbital_regime=orbital_regime_of(e),
                    country_of_un_registry=e.extra.get("COUNTRY_CODE") or None,
                    rcs_size=e.extra.get("RCS_SIZE") or None,
                    launch_date=e.extra.get("LAUNCH_DATE") or None,
                    decay_date=e.extra.get("DECAY_DATE") or None,
                    alternate_names=[],
                    extra={},
                )
                s.add(obj)
                existing[e.norad_id] = obj
                report.objects_new += 1
                changed.append(obj)
            else:
                regime = orbital_regime_of(e)
                if obj.orbital_regime != regime or (e.object_name and obj.satellite_name != e.object_name):
                    obj.orbital_regime = regime
                    obj.satellite_name = e.object_name or obj.satellite_name
                    obj.updated_at = now
                    report.objects_updated += 1
                    changed.append(obj)
        s.flush()
        rows = [
            {
                "norad_id": e.norad_id,
                "epoch": e.epoch,
                "mean_motion_rev_day": e.mean_motion_rev_day,
                "eccentricity": e.eccentricity,
                "inclination_deg": e.inclination_deg,
                "raan_deg": e.raan_deg,
                "arg_perigee_deg": e.arg_perigee_deg,
                "mean_anomaly_deg": e.mean_anomaly_deg,
                "bstar_per_er": e.bstar_per_er,
                "mean_motion_dot_rev_day2": e.mean_motion_dot_rev_day2,
                "mean_motion_ddot_rev_day3": e.mean_motion_ddot_rev_day3,
                "object_name": e.object_name,
                "object_id": e.object_id,
                "classification": (e.classification or "U")[:1],
                "element_set_no": e.element_set_no,
                "rev_at_epoch": e.rev_at_epoch,
                "source": source,
                "ingested_at": now,
            }
            for e in chunk
        ]
        stmt = ins(ElementSetRecord).on_conflict_do_nothing(index_elements=["norad_id", "epoch", "source"])
        s.execute(stmt, rows)
    report.element_sets += int(s.scalar(count) or 0) - before
    feed.append(
        s,
        feed.TOPIC_CATALOG,
        (
            (
                {"noradId": o.norad_id, "satelliteName": o.satellite_name, "objectType": o.object_type},
                [o.norad_id],
                None,
                str(o.norad_id),
            )
            for o in changed
        ),
    )


def digest_of(data: str | bytes) -> str:
    """The SHA-256 of a catalog file's bytes, recorded in its ingest's provenance message."""
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


def find_ingest(sessions: sessionmaker[Session], data: str | bytes) -> ScreeningRun | None:
    """The latest completed ingest of exactly these bytes, if any (a re-run may skip the file)."""
    with sessions() as s:
        return s.scalar(
            select(ScreeningRun)
            .where(
                ScreeningRun.run_type == "CATALOG_INGEST",
                ScreeningRun.status == "COMPLETED",
                ScreeningRun.message.contains(f"sha256 {digest_of(data)}"),
            )
            .order_by(ScreeningRun.id.desc())
            .limit(1)
        )


def ingest_catalog(sessions: sessionmaker[Session], data: str | bytes, source: str) -> IngestReport:
    """Read a catalog leniently and store it in one transaction, with a provenance row (whose
    message carries the file's SHA-256, see :func:`find_ingest`)."""
    from openstc.formats.catalog import read_catalog

    started = datetime.now(UTC)
    result = read_catalog(data, strict=False)
    report = IngestReport(correlation_id=str(uuid.uuid4()))
    report.failures = [
        {"code": getattr(err, "code", "FORMAT_SYNTAX"), "reason": str(err)} for err in result.errors
    ]
    with transaction(sessions) as s:
        store_element_sets(s, result.elements, source, report)
        s.add(
            ScreeningRun(
                run_type="CATALOG_INGEST",
                correlation_id=report.correlation_id,
                status="COMPLETED",
                queued_at=started,
                started_at=started,
                finished_at=datetime.now(UTC),
                primaries=len(result.elements),
                failures=report.failures[:1000],
                message=(
                    f"{source}: {report.objects_new} new objects, {report.objects_updated} updated, "
                    f"{report.element_sets} new element sets, {len(report.failures)} rows rejected "
                    f"(sha256 {digest_of(data)})"
                ),
            )
        )
    return report


def ingest_location(sessions: sessionmaker[Session], location: str, timeout_s: float = 60.0) -> IngestReport:
    """Ingest a catalog from a local path or an http(s) URL."""
    if location.startswith(("http://", "https://")):
        import httpx

        response = httpx.get(location, timeout=timeout_s, follow_redirects=True)
        response.raise_for_status()
        return ingest_catalog(sessions, response.content, location)
    return ingest_catalog(sessions, Path(location).read_bytes(), Path(location).name)
