"""Space-Track conjunction rows: the public ``cdm_public`` class and the wide ``cdm`` class.

Space-Track serves conjunctions as flat JSON rows whose values are all strings (``null`` when
absent). Two classes matter:

- ``cdm_public`` (16 fields): :class:`SpaceTrackCdmPublic`, typed. ``CREATED`` uses a space
  between date and time while ``TCA`` uses ``T``; ``MIN_RNG`` is metres; ``SAT_n_EXCL_VOL`` is a
  ``varchar`` (``"5.00"``, the exclusion-volume radius in metres) and is parsed defensively: a
  value that is not a number is kept as text and its number is None. :meth:`SpaceTrackCdmPublic.to_cdm`
  gives the partial :class:`~openstc.formats.cdm.Cdm` the row supports (no states, no covariance).
- ``cdm`` (expanded, operator access): the CCSDS CDM keywords flattened, object keywords prefixed
  ``SAT1_``/``SAT2_``, each unit in a ``<KEY>_UNIT`` field, times possibly split into ``<KEY>`` and
  ``<KEY>_FRACTION``, Space-Track ``COMMENT_*`` fields. :func:`cdm_from_row` maps a row onto the
  CDM model (SI inside, converted with the row's units or the standard's); fields that are not
  CDM keywords (``CDM_ID``, ``FILENAME``, ``INSERT_EPOCH``, ``GID``, ...) are kept in
  :attr:`SpaceTrackCdm.extra`, never dropped.

Field list: ``tests/data/spacetrack/SPACETRACK.md`` sections 4.4/4.5. Errors are :class:`FormatError`
with the row as a JSON pointer (``/3``) and the field as keyword; ``strict=False`` collects them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from math import isfinite
from typing import Any, Generic, TypeVar

from openstc.errors import FormatError
from openstc.formats import units
from openstc.formats.catalog import parse_epoch
from openstc.formats.cdm import Cdm
from openstc.formats.model import Block

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RowsResult(Generic[T]):
    """Rows read, and (lenient mode) the rows that could not be read, each a FormatError."""

    records: list[T]
    errors: list[FormatError]


# --- cdm_public --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CdmPublicObject:
    """One object of a ``cdm_public`` row."""

    norad_id: int | None
    name: str | None
    object_type: str | None  # PAYLOAD, ROCKET BODY, DEBRIS, UNKNOWN
    rcs_size: str | None  # SMALL, MEDIUM, LARGE
    exclusion_volume_radius_m: float | None  # EXCL_VOL when it reads as a number of metres
    exclusion_volume_text: str | None  # EXCL_VOL exactly as served


@dataclass(frozen=True, slots=True)
class SpaceTrackCdmPublic:
    """A typed ``cdm_public`` row."""

    cdm_id: int
    created: datetime | None
    emergency_reportable: bool | None
    tca: datetime | None
    min_range_m: float | None
    pc: float | None
    sat1: CdmPublicObject
    sat2: CdmPublicObject

    def to_cdm(self) -> Cdm:
        """The partial CDM this row supports: header, TCA, miss distance, Pc, object identities.

        It has no state vectors or covariances (nor the other keywords the standard makes mandatory),
        so it is for display and indexing, not for Pc work, and the strict CDM writer refuses it.
        """
        msg = Cdm.new()
        msg.header.update(CREATION_DATE=self.created, ORIGINATOR="SPACE-TRACK", MESSAGE_ID=str(self.cdm_id))
        msg.relative.update(TCA=self.tca, MISS_DISTANCE=self.min_range_m, COLLISION_PROBABILITY=self.pc)
        for obj, sat in zip(msg.objects, (self.sat1, self.sat2), strict=True):
            obj.metadata.update(
                OBJECT_DESIGNATOR=None if sat.norad_id is None else str(sat.norad_id),
                CATALOG_NAME="SATCAT",
                OBJECT_NAME=sat.name,
                OBJECT_TYPE=sat.object_type,
            )
            if sat.exclusion_volume_text is not None:
                obj.metadata.comments.append(f"Exclusion Volume Radius = {sat.exclusion_volume_text} [m]")
        if self.emergency_reportable is not None:
            msg.relative.comments.append(
                f"Emergency Reportable = {'Y' if self.emergency_reportable else 'N'}"
            )
        return msg


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _where(row: int | None, key: str, why: str, code: str = "FORMAT_BAD_VALUE") -> FormatError:
    return FormatError(why, code=code, path=None if row is None else f"/{row}", keyword=key)


def _f(fields: Mapping[str, Any], key: str, row: int | None) -> float | None:
    v = fields.get(key)
    if _blank(v):
        return None
    if isinstance(v, bool) or not isinstance(v, str | int | float):
        raise _where(row, key, f"{v!r} is not a number")
    try:
        x = float(v)
    except ValueError:
        raise _where(row, key, f"{v!r} is not a number") from None
    if not isfinite(x):
        raise _where(row, key, f"{v!r} is not a finite number")
    return x


def _i(fields: Mapping[str, Any], key: str, row: int | None) -> int | None:
    v = fields.get(key)
    if _blank(v):
        return None
    if isinstance(v, bool):
        raise _where(row, key, f"{v!r} is not an integer")
    try:
        return int(v) if isinstance(v, int) else int(str(v).strip())
    except ValueError:
        raise _where(row, key, f"{v!r} is not an integer") from None


def _s(fields: Mapping[str, Any], key: str) -> str | None:
    v = fields.get(key)
    return None if _blank(v) else str(v).strip()


def _t(
    fields: Mapping[str, Any], key: str, row: int | None, fraction_key: str | None = None
) -> datetime | None:
    v = fields.get(key)
    if _blank(v):
        return None
    text = str(v).strip()
    frac = None if fraction_key is None else fields.get(fraction_key)
    if not _blank(frac) and "." not in text[10:]:
        # A separate fraction field: "0.235" (seconds) or "235" (the digits after the point).
        f = str(frac).strip()
        digits = f.split(".", 1)[1] if "." in f else f
        if not (digits.isascii() and digits.isdigit()):
            raise _where(
                row, fraction_key or key, f"{frac!r} is not a fraction of a second", "FORMAT_BAD_DATE"
            )
        text = f"{text}.{digits}"
    try:
        return parse_epoch(text)
    except (ValueError, OverflowError):
        raise _where(row, key, f"{v!r} is not a date and time", "FORMAT_BAD_DATE") from None


def _excl_vol(text: str | None) -> float | None:
    """``"5.00"``, ``"5.00 m"``, ``"5.00 [m]"`` -> 5.0; anything else (``"Y"``, ``"N/A"``) -> None."""
    if text is None:
        return None
    s = text.strip().removesuffix("[m]").removesuffix("m").strip()
    try:
        x = float(s)
    except ValueError:
        return None
    return x if isfinite(x) and x >= 0.0 else None


def _public_object(fields: Mapping[str, Any], n: int, row: int | None) -> CdmPublicObject:
    vol = _s(fields, f"SAT_{n}_EXCL_VOL")
    return CdmPublicObject(
        norad_id=_i(fields, f"SAT_{n}_ID", row),
        name=_s(fields, f"SAT_{n}_NAME"),
        object_type=_s(fields, f"SAT{n}_OBJECT_TYPE"),
        rcs_size=_s(fields, f"SAT{n}_RCS"),
        exclusion_volume_radius_m=_excl_vol(vol),
        exclusion_volume_text=vol,
    )


def cdm_public_from_row(fields: Mapping[str, Any], row: int | None = None) -> SpaceTrackCdmPublic:
    """Type one ``cdm_public`` row (``row`` is its index, for error paths)."""
    cdm_id = _i(fields, "CDM_ID", row)
    if cdm_id is None:
        raise _where(row, "CDM_ID", "CDM_ID is missing", "FORMAT_MISSING_KEYWORD")
    flag = _s(fields, "EMERGENCY_REPORTABLE")
    if flag is not None and flag.upper() not in ("Y", "N"):
        raise _where(row, "EMERGENCY_REPORTABLE", f"{flag!r} is not Y or N")
    pc = _f(fields, "PC", row)
    if pc is not None and not 0.0 <= pc <= 1.0:
        raise _where(row, "PC", f"probability {pc!r} is outside [0, 1]")
    return SpaceTrackCdmPublic(
        cdm_id=cdm_id,
        created=_t(fields, "CREATED", row),
        emergency_reportable=None if flag is None else flag.upper() == "Y",
        tca=_t(fields, "TCA", row),
        min_range_m=_f(fields, "MIN_RNG", row),
        pc=pc,
        sat1=_public_object(fields, 1, row),
        sat2=_public_object(fields, 2, row),
    )


def _rows(data: str | bytes | Sequence[Mapping[str, Any]] | Mapping[str, Any]) -> list[Any]:
    if isinstance(data, str | bytes):
        try:
            doc = json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
            raise FormatError(f"not valid JSON: {exc}", code="FORMAT_SYNTAX") from None
    else:
        doc = data
    if isinstance(doc, Mapping):
        doc = [doc]
    if not isinstance(doc, list | tuple):
        raise FormatError("Space-Track rows must be a JSON array of objects", code="FORMAT_SYNTAX", path="/")
    return list(doc)


def _read_rows(data: Any, one: Any, strict: bool) -> RowsResult[Any]:
    records: list[Any] = []
    errors: list[FormatError] = []
    for i, rec in enumerate(_rows(data)):
        try:
            if not isinstance(rec, Mapping):
                raise FormatError("array item is not an object", code="FORMAT_SYNTAX", path=f"/{i}")
            records.append(one(rec, i))
        except FormatError as err:
            if strict:
                raise
            errors.append(err)
    return RowsResult(records, errors)


def read_cdm_public(
    data: str | bytes | Sequence[Mapping[str, Any]], *, strict: bool = True
) -> RowsResult[SpaceTrackCdmPublic]:
    """Every row of a ``cdm_public`` JSON answer (text, bytes or already-decoded rows)."""
    return _read_rows(data, cdm_public_from_row, strict)


# --- cdm (expanded) ----------------------------------------------------------------------------


@dataclass(slots=True)
class SpaceTrackCdm:
    """A full Space-Track ``cdm`` row as a CDM, plus the row's fields that are not CDM keywords."""

    cdm: Cdm
    cdm_id: int | None
    extra: dict[str, str] = field(default_factory=dict)


_OBJECT_BLOCKS = ("metadata", "odParameters", "additionalParameters", "stateVector", "rtnCovariance")
_HEADER_KEYS = ("CREATION_DATE", "ORIGINATOR", "MESSAGE_FOR", "MESSAGE_ID", "CLASSIFICATION")


def _comment_label(key: str) -> str:
    return key.removeprefix("COMMENT_").replace("_", " ").title()


def _set_value(
    block: Block, key: str, raw: Any, fields: Mapping[str, Any], prefix: str, row: int | None
) -> None:
    """Set ``key`` on ``block`` from the row's text, converting from its ``_UNIT`` (or the standard's)."""
    kw = block.spec.kwmap[key]
    name = prefix + key
    if kw.kind == "time":
        block.set(key, _t(fields, name, row, name + "_FRACTION"))
        return
    if kw.kind in ("float", "int"):
        unit = _s(fields, name + "_UNIT") or kw.unit
        if unit and not units.is_known(unit):
            raise _where(row, name + "_UNIT", f"unknown unit {unit!r}", "FORMAT_BAD_UNIT")
        if kw.kind == "int":
            block.set(key, _i(fields, name, row))
        else:
            value = _f(fields, name, row)
            block.set(key, None if value is None else units.to_si(value, unit))
        return
    if kw.kind in ("floats", "ints"):
        parts = str(raw).replace(",", " ").split()
        try:
            block.set(key, [float(p) if kw.kind == "floats" else int(p) for p in parts])
        except ValueError:
            raise _where(row, name, f"{raw!r} is not a list of numbers") from None
        return
    block.set(key, str(raw).strip())


def cdm_from_row(fields: Mapping[str, Any], row: int | None = None) -> SpaceTrackCdm:
    """Map one wide ``cdm`` row onto the CDM model (``row`` is its index, for error paths)."""
    version = _s(fields, "CCSDS_CDM_VERS") or "1.0"
    msg = Cdm.new(version if version in ("1.0", "2.0") else "1.0")
    extra: dict[str, str] = {}
    relative, rel_state = msg.relative, msg.relative_state
    objects = msg.objects
    blocks = [
        {key: obj.metadata if key == "metadata" else obj.block(key) for key in _OBJECT_BLOCKS}
        for obj in objects
    ]
    for name, raw in fields.items():
        if _blank(raw) or name.endswith(("_UNIT", "_FRACTION")) or name == "CCSDS_CDM_VERS":
            continue
        prefix, key, target = "", name, None
        if name[:3] == "SAT" and name[3:4] in ("1", "2") and name[4:5] == "_":
            prefix, key = name[:5], name[5:]
            n = int(name[3]) - 1
            if key == "OBJECT":
                continue  # OBJECT1 / OBJECT2: fixed by the segment order
            if key.startswith("COMMENT_"):
                objects[n].metadata.comments.append(f"{_comment_label(key)} = {str(raw).strip()}")
                continue
            target = next((b for b in blocks[n].values() if key in b.spec.kwmap), None)
        elif name.startswith("COMMENT_"):
            relative.comments.append(f"{_comment_label(name)} = {str(raw).strip()}")
            continue
        elif name in _HEADER_KEYS:
            target = msg.header
        elif name in relative.spec.kwmap:
            target = relative
        elif name in rel_state.spec.kwmap:
            target = rel_state
        if target is None:
            extra[name] = str(raw)
            continue
        _set_value(target, key, raw, fields, prefix, row)
    for obj in objects:  # the standard's block order; optional blocks the row left empty are dropped
        kept = [
            b
            for b in obj.data.children
            if b.values or b.comments or b.spec.key in ("stateVector", "rtnCovariance")
        ]
        kept.sort(key=lambda b: _OBJECT_BLOCKS.index(b.spec.key) if b.spec.key in _OBJECT_BLOCKS else 99)
        obj.data.children[:] = kept
    cdm_id = _i(fields, "CDM_ID", row)
    if msg.header.get("MESSAGE_ID") is None and cdm_id is not None:
        msg.header.set("MESSAGE_ID", str(cdm_id))
    if relative.get("TCA") is None:
        raise _where(row, "TCA", "TCA is missing", "FORMAT_MISSING_KEYWORD")
    for obj, n in zip(objects, (1, 2), strict=True):
        if obj.metadata.get("OBJECT_DESIGNATOR") is None:
            raise _where(
                row, f"SAT{n}_OBJECT_DESIGNATOR", "object designator is missing", "FORMAT_MISSING_KEYWORD"
            )
    return SpaceTrackCdm(msg, cdm_id, extra)


def read_spacetrack_cdms(
    data: str | bytes | Sequence[Mapping[str, Any]], *, strict: bool = True
) -> RowsResult[SpaceTrackCdm]:
    """Every row of a ``cdm`` JSON answer as a CDM."""
    return _read_rows(data, cdm_from_row, strict)
