"""Storing CDMs from their keyword dicts, updating conjunction events and the feed in one go.

A CDM arrives as a flat dict of UPPER_SNAKE keywords (TraCSS's V2 bulk form: ``MESSAGE_ID``,
``TCA``, ``MISS_DISTANCE`` [m], ``SAT1_OBJECT_DESIGNATOR`` ...; a plain CCSDS dict with
``OBJECT1_``-style prefixes is accepted too). :func:`store_cdms` extracts the indexed columns,
assigns the global ``counter``, folds each CDM into its conjunction event and appends the feed
messages, all inside the caller's transaction.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from openstc.errors import InvalidArgumentError
from openstc.store import cdm_text, feed
from openstc.store.db import next_value
from openstc.store.models import Cdm, ConjunctionEvent
from openstc.store.times import format_ccsds, format_iso_z, parse_utc

_OBJ_KEYS = {
    "designator": "OBJECT_DESIGNATOR",
    "intl": "INTERNATIONAL_DESIGNATOR",
    "type": "OBJECT_TYPE",
    "operator_org": "OPERATOR_ORGANIZATION",
    "ephemeris_name": "EPHEMERIS_NAME",
}


def _obj(fields: dict[str, Any], n: int, key: str) -> Any:
    for prefix in (f"SAT{n}_", f"OBJECT{n}_"):
        if prefix + key in fields:
            return fields[prefix + key]
    return None


def _float(v: Any) -> float | None:
    if v is None or v == "":
        return None
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def _norad(designator: Any) -> int | None:
    try:
        return int(str(designator).strip())
    except (TypeError, ValueError):
        return None


def cdm_columns(fields: dict[str, Any]) -> dict[str, Any]:
    """The indexed columns of a CDM keyword dict; raises InvalidArgumentError when a core one is bad."""
    missing = [k for k in ("TCA", "MISS_DISTANCE") if fields.get(k) in (None, "")]
    if missing:
        raise InvalidArgumentError(f"CDM lacks {', '.join(missing)}")
    miss = _float(fields["MISS_DISTANCE"])
    if miss is None:
        raise InvalidArgumentError(f"CDM MISS_DISTANCE {fields['MISS_DISTANCE']!r} is not a number")
    created = fields.get("CREATION_DATE")
    cols: dict[str, Any] = {
        "message_id": str(fields.get("MESSAGE_ID") or uuid.uuid4()),
        "tca": parse_utc(str(fields["TCA"])),
        "creation_date": parse_utc(str(created)) if created else datetime.now(UTC),
        "miss_distance_m": miss,
        "collision_probability": _float(fields.get("COLLISION_PROBABILITY")),
        "message_for": fields.get("MESSAGE_FOR"),
        "originator": fields.get("ORIGINATOR"),
        "conjunction_id": fields.get("CONJUNCTION_ID"),
        "screen_volume_shape": fields.get("SCREEN_VOLUME_SHAPE"),
        "ocm_message_id": fields.get("OCM_MESSAGE_ID"),
    }
    for n in (1, 2):
        for col, key in _OBJ_KEYS.items():
            value = _obj(fields, n, key)
            cols[f"object{n}_{col}"] = None if value is None else str(value)
        cols[f"object{n}_norad"] = _norad(cols[f"object{n}_designator"])
    if not cols["conjunction_id"]:
        a, b = sorted([str(cols["object1_designator"]), str(cols["object2_designator"])])
        cols["conjunction_id"] = f"{a}_{b}_{cols['tca'].strftime('%Y%m%dT%H%M%S')}"
    cols["operator_organization"] = cols["object1_operator_org"]
    return cols


def _record(
    fields: dict[str, Any],
    message_id: str,
    creation_date: datetime,
    tca: datetime,
    conjunction_id: str | None,
    correlation_id: str | None,
    counter: int,
    batch_id: str | None,
) -> dict[str, Any]:
    rec = dict(fields)
    rec.setdefault("TRACSS_CDM_VERS", "2.0")
    rec["MESSAGE_ID"] = message_id
    rec["CREATION_DATE"] = rec.get("CREATION_DATE") or format_ccsds(creation_date)
    rec["TCA"] = rec.get("TCA") or format_ccsds(tca)
    rec["CONJUNCTION_ID"] = conjunction_id
    rec["CORRELATION_ID"] = correlation_id
    rec["COUNTER"] = counter
    if batch_id:
        rec["BATCH_ID"] = batch_id
    return rec


def cdm_record(c: Cdm) -> dict[str, Any]:
    """The flat V2 UPPER_SNAKE record of a stored CDM (its keywords plus TraCSS's bookkeeping)."""
    return _record(
        c.fields,
        c.message_id,
        c.creation_date,
        c.tca,
        c.conjunction_id,
        c.correlation_id,
        c.counter,
        c.batch_id,
    )


def record_json(record: dict[str, Any]) -> str:
    """The stored JSON text of a record (compact; what the JSON list concatenates)."""
    return json.dumps(record, separators=(",", ":"), default=str)


def cdm_header(c: Cdm) -> dict[str, str | None]:
    """The ``CdmHeaderV2DTO`` (every value a string, as TraCSS returns it)."""

    def s(v: Any) -> str | None:
        return None if v is None else str(v)

    header = {
        "object1": s(c.object1_designator),
        "object2": s(c.object2_designator),
        "messageId": c.message_id,
        "missDistance": s(c.miss_distance_m),
        "tca": format_ccsds(c.tca),
        "collisionProbability": s(c.collision_probability),
        "correlationId": s(c.correlation_id),
        "userDefinedMeetsAlertableCriteria": "YES" if c.high_alert else "NO",
        "ocmMessageId": s(c.ocm_message_id),
        "conjunctionId": s(c.conjunction_id),
    }
    return {k: v for k, v in header.items() if v is not None}


def store_cdms(
    s: Session,
    records: Sequence[dict[str, Any]],
    *,
    correlation_id: str | None = None,
    batch_id: str | None = None,
    run_id: int | None = None,
    candidate: bool = False,
    owner_org_id: int | None = None,
    kvn_texts: Sequence[str | None] | None = None,
    high_alert_pc: float = 1e-4,
) -> list[StoredCdm]:
    """Store CDMs (keyword dicts), their events and feed messages in the caller's transaction.

    Returns what was stored of each CDM (its columns, without the database id).
    """
    if candidate and owner_org_id is None:
        raise InvalidArgumentError("candidate CDMs need the owning organization")
    first = next_value(s, "cdm.counter", len(records)) + 1 if records else 0
    rows: list[dict[str, Any]] = []
    recs: list[dict[str, Any]] = []
    for i, fields in enumerate(records):
        cols = cdm_columns(fields)
        pc = cols["collision_probability"]
        counter = first + i
        rec = _record(
            fields,
            cols["message_id"],
            cols["creation_date"],
            cols["tca"],
            cols["conjunction_id"],
            correlation_id,
            counter,
            batch_id,
        )
        recs.append(rec)
        stored_kvn = kvn_texts[i] if kvn_texts else None
        rows.append(
            {
                "counter": counter,
                "correlation_id": correlation_id,
                "batch_id": batch_id,
                "run_id": run_id,
                "is_candidate": candidate,
                "owner_org_id": owner_org_id,
                "high_alert": pc is not None and pc >= high_alert_pc,
                "fields": dict(fields),
                # Rendered once here so that listing CDMs never renders them again.
                "kvn": stored_kvn or cdm_text.kvn(rec),
                "record_json": record_json(rec),
                **cols,
            }
        )
    # Core executemany: an ORM unit of work per CDM costs ~10x more for large runs.
    if rows:
        s.execute(insert(Cdm), rows)
    # Plain records for events and feed: a transient ORM Cdm per row cost ~0.5 ms each.
    stored = [StoredCdm(**{k: row[k] for k in _STORED}) for row in rows]
    # Load the events these CDMs touch in one query (a run can bring thousands of CDMs).
    keys = sorted({_event_key(c) for c in stored})
    cache: dict[str, ConjunctionEvent] = {}
    for k in range(0, len(keys), 5000):
        chunk = keys[k : k + 5000]
        cache.update(
            (e.conjunction_id, e)
            for e in s.scalars(select(ConjunctionEvent).where(ConjunctionEvent.conjunction_id.in_(chunk)))
        )
    events = [_fold_event(s, c, cache) for c in stored]
    s.flush()
    if len(rows) >= ANALYZE_AFTER:
        _refresh_statistics(s)
    owner = owner_org_id if candidate else None
    feed.append(
        s,
        feed.TOPIC_CDM_V2,
        (
            ({**rec, "offsetCounter": c.counter}, _norads(c), owner, _designators(c))
            for c, rec in zip(stored, recs, strict=True)
        ),
    )
    feed.append(
        s,
        feed.TOPIC_EVENTS,
        ((event_dto(e), _norads(e), owner, _designators(e)) for e in dict.fromkeys(events)),
    )
    return stored


# A batch this large changes the CDM table's statistics enough for the planners to pick another
# index (measured: SQLite list queries 2-3x faster, PostgreSQL's TCA-day list 99 -> 3 ms).
ANALYZE_AFTER = 1000


def _refresh_statistics(s: Session) -> None:
    """Planner statistics of the CDM table, in the caller's transaction. PostgreSQL's autovacuum
    would get there within a minute or so; SQLite never does on its own. ``analysis_limit`` keeps
    SQLite's ANALYZE to a sample (~0.1 s at 100,000 CDMs)."""
    if s.get_bind().dialect.name == "sqlite":
        s.execute(text("PRAGMA analysis_limit=1000"))
    s.execute(text("ANALYZE cdms"))


@dataclass(slots=True)
class StoredCdm:
    """The columns of one stored CDM that events and the feed need."""

    counter: int
    message_id: str
    conjunction_id: str | None
    is_candidate: bool
    owner_org_id: int | None
    object1_norad: int | None
    object2_norad: int | None
    object1_designator: str | None
    object2_designator: str | None
    tca: datetime
    miss_distance_m: float
    collision_probability: float | None
    creation_date: datetime


_STORED = tuple(StoredCdm.__dataclass_fields__)


def _norads(x: StoredCdm | ConjunctionEvent) -> list[int]:
    return [n for n in (x.object1_norad, x.object2_norad) if n is not None]


def _designators(x: StoredCdm | ConjunctionEvent) -> str:
    return f"{x.object1_designator or ''},{x.object2_designator or ''}"


def _event_key(c: StoredCdm) -> str:
    key = c.conjunction_id or c.message_id
    # Candidate runs never merge into the public event of the pair.
    return f"{key}#{c.owner_org_id}" if c.is_candidate else key


def _fold_event(s: Session, c: StoredCdm, cache: dict[str, ConjunctionEvent]) -> ConjunctionEvent:
    key = _event_key(c)
    ev = cache.get(key)  # the cache holds every stored event of this batch's keys
    if ev is None:
        ev = ConjunctionEvent(
            conjunction_id=key,
            object1_norad=c.object1_norad,
            object2_norad=c.object2_norad,
            object1_designator=c.object1_designator,
            object2_designator=c.object2_designator,
            tca=c.tca,
            miss_distance_m=c.miss_distance_m,
            collision_probability=c.collision_probability,
            is_candidate=c.is_candidate,
            owner_org_id=c.owner_org_id if c.is_candidate else None,
            cdm_message_ids=[],
        )
        s.add(ev)
    # The latest CDM of the pair describes the event best.
    ev.tca = c.tca
    ev.miss_distance_m = c.miss_distance_m
    ev.collision_probability = c.collision_probability
    ev.creation_date = c.creation_date
    ev.cdm_message_ids = [*ev.cdm_message_ids, c.message_id]
    cache[key] = ev
    return ev


def event_dto(e: ConjunctionEvent) -> dict[str, Any]:
    """``ConjunctionDataEventDTO`` of the metadata spec."""
    dto = {
        "conjunctionId": e.conjunction_id,
        "object1ObjectDesignator": e.object1_designator,
        "object2ObjectDesignator": e.object2_designator,
        "creationDate": format_iso_z(e.creation_date),
        "tca": format_iso_z(e.tca),
        "missDistance": e.miss_distance_m,
        "collisionProbability": e.collision_probability,
        "cdmMessageIds": list(e.cdm_message_ids),
    }
    return {k: v for k, v in dto.items() if v is not None}
