"""TraCSS's text forms of a stored CDM record: KVN, CCSDS CDM XML and CSV.

A stored CDM is TraCSS's flat V2 record (UPPER_SNAKE keywords, ``SAT1_``/``SAT2_`` object prefixes,
units as ``*_UNIT`` keys; see :mod:`openstc.events.cdm_flat`). TraCSS serves the same message as
(``SUMMARY.md`` and the metadata spec's examples):

- KVN: ``CCSDS_CDM_VERS`` first, keys left-justified in 41 columns, one *unprefixed* ``OBJECT``
  block per object, units after the value as ``[unit]``;
- XML: ``<tracssCdms>`` holding one CCSDS CDM ``<cdm>`` per message. TraCSS's own example places a
  few V2 keywords where the CDM XSD does not allow them (``CONJUNCTION_ID`` in ``header``, a
  body-level ``userDefinedParameters``); we write valid CCSDS CDM XML instead (see :func:`xml_cdm`);
- CSV: one row per CDM under the V2 field names (``CORRELATION_ID``, ``TRACSS_CDM_VERS`` ...
  ``SAT2_DCP_SENSITIVITY_VECTOR_VELOCITY_UNIT``, ``USER_DEFINED_...``).

The layouts are declared once below; keys a record has that the layout lacks are kept (at the end
of the nearest block) rather than dropped, absent keys are omitted.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from typing import Any
from xml.sax.saxutils import escape, quoteattr

# Bookkeeping keys of the record that are not CCSDS keywords (JSON and CSV carry them).
BOOKKEEPING = ("CORRELATION_ID", "COUNTER", "BATCH_ID", "OFFSET_COUNTER")
HEADER = ("CLASSIFICATION", "CREATION_DATE", "ORIGINATOR", "MESSAGE_FOR", "MESSAGE_ID", "CONJUNCTION_ID")
XML_HEADER = ("CREATION_DATE", "ORIGINATOR", "MESSAGE_FOR", "MESSAGE_ID", "CLASSIFICATION")
RELATIVE_STATE = tuple(f"RELATIVE_{q}_{c}" for q in ("POSITION", "VELOCITY") for c in "RTN")
RELATIVE_BEFORE = ("TCA", "MISS_DISTANCE", "MAHALANOBIS_DISTANCE", "RELATIVE_SPEED")
RELATIVE_AFTER = (
    "APPROACH_ANGLE",
    "START_SCREEN_PERIOD",
    "STOP_SCREEN_PERIOD",
    "SCREEN_TYPE",
    "SCREEN_VOLUME_FRAME",
    "SCREEN_VOLUME_SHAPE",
    "SCREEN_VOLUME_RADIUS",
    "SCREEN_VOLUME_X",
    "SCREEN_VOLUME_Y",
    "SCREEN_VOLUME_Z",
    "SCREEN_ENTRY_TIME",
    "SCREEN_EXIT_TIME",
    "SCREEN_PC_THRESHOLD",
    "COLLISION_PERCENTILE",
    "COLLISION_PROBABILITY",
    "COLLISION_PROBABILITY_METHOD",
    "COLLISION_MAX_PROBABILITY",
    "COLLISION_MAX_PC_METHOD",
)
OBJ_METADATA = (
    "OBJECT",
    "OBJECT_DESIGNATOR",
    "CATALOG_NAME",
    "OBJECT_NAME",
    "INTERNATIONAL_DESIGNATOR",
    "OBJECT_TYPE",
    "OPS_STATUS",
    "OPERATOR_CONTACT_POSITION",
    "OPERATOR_ORGANIZATION",
    "OPERATOR_PHONE",
    "OPERATOR_EMAIL",
    "EPHEMERIS_NAME",
    "COVARIANCE_METHOD",
    "MANEUVERABLE",
    "ORBIT_CENTER",
    "REF_FRAME",
    "GRAVITY_MODEL",
    "ATMOSPHERIC_MODEL",
    "N_BODY_PERTURBATIONS",
    "SOLAR_RAD_PRESSURE",
    "EARTH_TIDES",
    "INTRACK_THRUST",
)
OBJ_OD = (
    "TIME_LASTOB_START",
    "TIME_LASTOB_END",
    "RECOMMENDED_OD_SPAN",
    "ACTUAL_OD_SPAN",
    "OBS_AVAILABLE",
    "OBS_USED",
    "TRACKS_AVAILABLE",
    "TRACKS_USED",
    "RESIDUALS_ACCEPTED",
    "WEIGHTED_RMS",
)
OBJ_TRACSS = (
    "DENSITY_FORECAST_UNCERTAINTY",
    "SCREENING_DATA_SOURCE",
    "DCP_SENSITIVITY_VECTOR_POSITION",
    "DCP_SENSITIVITY_VECTOR_VELOCITY",
)
OBJ_ADDITIONAL = (
    "AREA_PC",
    "MASS",
    "HBR",
    "CD_AREA_OVER_MASS",
    "CR_AREA_OVER_MASS",
    "THRUST_ACCELERATION",
    "SEDR",
    "APOAPSIS_ALTITUDE",
    "PERIAPSIS_ALTITUDE",
    "INCLINATION",
)
OBJ_STATE = ("X", "Y", "Z", "X_DOT", "Y_DOT", "Z_DOT")
_RTN = ("R", "T", "N", "RDOT", "TDOT", "NDOT")
OBJ_COVARIANCE = tuple(f"C{a}_{b}" for i, a in enumerate(_RTN) for b in _RTN[: i + 1])
USER_DEFINED = (
    "USER_DEFINED_MEETS_ALERTABLE_CRITERIA",
    "USER_DEFINED_RUN_ID",
    "USER_DEFINED_CORRELATION_ID",
    "USER_DEFINED_DILUTION_STATUS",
    "USER_DEFINED_DILUTION_SIGNIFICANCE",
    "USER_DEFINED_ENVIRONMENTAL_IMPACT_FRAGMENTATION",
    "USER_DEFINED_FRAGMENTATION_MODEL",
)
# TraCSS's units when a record does not carry its own *_UNIT key (the metadata KVN example's).
DEFAULT_UNITS: dict[str, str] = {
    "MISS_DISTANCE": "m",
    "RELATIVE_SPEED": "m/s",
    **{k: ("m" if "POSITION" in k else "m/s") for k in RELATIVE_STATE},
    "APPROACH_ANGLE": "deg",
    "SCREEN_VOLUME_X": "km",
    "SCREEN_VOLUME_Y": "km",
    "SCREEN_VOLUME_Z": "km",
    "RECOMMENDED_OD_SPAN": "d",
    "ACTUAL_OD_SPAN": "d",
    "RESIDUALS_ACCEPTED": "%",
    "AREA_PC": "m**2",
    "MASS": "kg",
    "HBR": "m",
    "CD_AREA_OVER_MASS": "m**2/kg",
    "CR_AREA_OVER_MASS": "m**2/kg",
    "THRUST_ACCELERATION": "m/s**2",
    "SEDR": "W/kg",
    "APOAPSIS_ALTITUDE": "km",
    "PERIAPSIS_ALTITUDE": "km",
    "INCLINATION": "deg",
    "X": "km",
    "Y": "km",
    "Z": "km",
    "X_DOT": "km/s",
    "Y_DOT": "km/s",
    "Z_DOT": "km/s",
    "DCP_SENSITIVITY_VECTOR_POSITION": "m",
    "DCP_SENSITIVITY_VECTOR_VELOCITY": "m/sec",
    **{k: ("m**2", "m**2/s", "m**2/s**2")[k.count("DOT")] for k in OBJ_COVARIANCE},
}
# Covariance rows beyond the 6x6 RTN block (drag, SRP, thrust) and the alternate forms.
_COV_PREFIXES = ("CDRG_", "CSRP_", "CTHR_", "CX_", "CY_", "CZ_", "CX_DOT", "CY_DOT", "CZ_DOT", "CSIG3")
_UNITS_SPACING = {"MISS_DISTANCE": 31, "SCREEN_VOLUME_X": 31, "SCREEN_VOLUME_Y": 31, "SCREEN_VOLUME_Z": 31}
_UNITS_SPACING.update(
    dict.fromkeys(("DCP_SENSITIVITY_VECTOR_POSITION", "DCP_SENSITIVITY_VECTOR_VELOCITY"), 1)
)
_OBJ_KNOWN = frozenset(OBJ_METADATA + OBJ_OD + OBJ_TRACSS + OBJ_ADDITIONAL + OBJ_STATE + OBJ_COVARIANCE)
_TOP_KNOWN = frozenset(
    (
        "TRACSS_CDM_VERS",
        "CCSDS_CDM_VERS",
        *BOOKKEEPING,
        *HEADER,
        *RELATIVE_BEFORE,
        *RELATIVE_STATE,
        *RELATIVE_AFTER,
        *USER_DEFINED,
    )
)


def _unit_keys(names: Iterable[str], prefix: str = "") -> list[str]:
    out = []
    for n in names:
        out.append(prefix + n)
        if n in DEFAULT_UNITS:
            out.append(f"{prefix}{n}_UNIT")
    return out


def _object_columns(n: int) -> list[str]:
    p = f"SAT{n}_"
    return _unit_keys(OBJ_METADATA + OBJ_OD + OBJ_ADDITIONAL + OBJ_STATE + OBJ_COVARIANCE + OBJ_TRACSS, p)


# The V2 field names in TraCSS's order: the CSV header (then any other keys the rows have).
CSV_COLUMNS: tuple[str, ...] = tuple(
    [
        "CORRELATION_ID",
        "TRACSS_CDM_VERS",
        *HEADER,
        *_unit_keys(RELATIVE_BEFORE + RELATIVE_STATE + RELATIVE_AFTER),
        *_object_columns(1),
        *_object_columns(2),
        *list(USER_DEFINED),
    ]
)


def text(v: Any) -> str:
    """A value as TraCSS writes it: floats by repr, None empty, lists/dicts as compact JSON."""
    if v is None:
        return ""
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, (dict, list)):
        return json.dumps(v, separators=(",", ":"))
    return str(v)


def _split(record: dict[str, Any]) -> tuple[list[str], dict[int, dict[str, Any]], list[str]]:
    """Unknown top-level keys, the per-object dicts (unprefixed names) and the user-defined keys."""
    extra_top: list[str] = []
    objects: dict[int, dict[str, Any]] = {1: {}, 2: {}}
    user: list[str] = [k for k in USER_DEFINED if k in record]
    for k in record:
        if k.startswith(("SAT1_", "SAT2_", "OBJECT1_", "OBJECT2_")):
            n = int(k[3] if k.startswith("SAT") else k[6])
            name = k.split("_", 1)[1]
            objects[n][name] = record[k]
        elif k.startswith("USER_DEFINED_"):
            if k not in USER_DEFINED:
                user.append(k)
        elif k not in _TOP_KNOWN and not k.endswith("_UNIT"):
            extra_top.append(k)
    return extra_top, objects, user


def _unit(values: dict[str, Any], name: str) -> str | None:
    unit = values.get(f"{name}_UNIT")
    return str(unit) if unit else DEFAULT_UNITS.get(name)


def _object_extras(obj: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Keys of an object the layout lacks: (covariance-like, other)."""
    cov: list[str] = []
    other: list[str] = []
    for k in obj:
        if k in _OBJ_KNOWN or k.endswith("_UNIT"):
            continue
        (cov if k.startswith(_COV_PREFIXES) else other).append(k)
    return cov, other


# --- KVN ---------------------------------------------------------------------------------------


def _kvn_line(values: dict[str, Any], name: str, key: str | None = None) -> str:
    value = text(values[name])
    unit = _unit(values, name)
    line = f"{(key or name):<41}= {value}"
    if unit and value:
        line += " " * _UNITS_SPACING.get(name, 30) + f"[{unit}]"
    return line + "\n"


def kvn(record: dict[str, Any]) -> str:
    """One CDM in TraCSS's metadata KVN layout."""
    extra_top, objects, user = _split(record)
    out = [f"{'CCSDS_CDM_VERS':<41}= {text(record.get('TRACSS_CDM_VERS') or '2.0')}\n"]
    for name in (*HEADER, *RELATIVE_BEFORE, *RELATIVE_STATE, *RELATIVE_AFTER, *extra_top):
        if name in record:
            out.append(_kvn_line(record, name))
    for n in (1, 2):
        obj = objects[n]
        cov, other = _object_extras(obj)
        names = OBJ_METADATA + tuple(other) + OBJ_OD + OBJ_ADDITIONAL + OBJ_STATE + OBJ_COVARIANCE
        for name in (*names, *cov, *OBJ_TRACSS):
            if name in obj:
                out.append(_kvn_line(obj, name))
    for name in user:
        out.append(_kvn_line(record, name))
    return "".join(out)


# --- XML ---------------------------------------------------------------------------------------


def _xml_elems(values: dict[str, Any], names: Iterable[str], indent: str) -> list[str]:
    out = []
    for name in names:
        if name not in values:
            continue
        value = text(values[name])
        unit = _unit(values, name)
        attr = f" units={quoteattr(unit)}" if unit and value else ""
        out.append(f"{indent}<{name}{attr}>{escape(value)}</{name}>\n" if value else f"{indent}<{name}/>\n")
    return out


def _xml_group(tag: str, values: dict[str, Any], names: Sequence[str], indent: str) -> list[str]:
    inner = _xml_elems(values, names, indent + "  ")
    return [f"{indent}<{tag}>\n", *inner, f"{indent}</{tag}>\n"] if inner else []


def xml_cdm(record: dict[str, Any], indent: str = "  ") -> str:
    """One ``<cdm>`` element, valid CCSDS CDM XML (the XSD's block order, which
    :mod:`openstc.formats` reads back losslessly); TraCSS's V2 extras go where CCSDS 508 v2 puts
    them: ``CONJUNCTION_ID`` in ``relativeMetadataData``, the density/DCP keywords in
    ``additionalCovarianceMetadata``, user-defined parameters in the first segment."""
    extra_top, objects, user = _split(record)
    i1, i2, i3, i4 = (indent + "  " * k for k in range(1, 5))
    version = escape(text(record.get("TRACSS_CDM_VERS") or "2.0"))
    out = [f'{indent}<cdm xmlns="urn:ccsds:schema:ndmxml" id="CCSDS_CDM_VERS" version="{version}">\n']
    out += _xml_group("header", record, XML_HEADER, i1)
    out.append(f"{i1}<body>\n{i2}<relativeMetadataData>\n")
    out += _xml_elems(record, ("CONJUNCTION_ID", *RELATIVE_BEFORE, "APPROACH_ANGLE"), i3)
    out += _xml_group("relativeStateVector", record, RELATIVE_STATE, i3)
    out += _xml_elems(record, (*RELATIVE_AFTER[1:], *extra_top), i3)
    out.append(f"{i2}</relativeMetadataData>\n")
    for n in (1, 2):
        obj = objects[n]
        if not obj:
            continue
        cov, other = _object_extras(obj)
        out.append(f"{i2}<segment>\n")
        out += _xml_group("metadata", obj, OBJ_METADATA, i3)
        out.append(f"{i3}<data>\n")
        out += _xml_group("odParameters", obj, OBJ_OD, i4)
        out += _xml_group("additionalParameters", obj, (*OBJ_ADDITIONAL, *other), i4)
        out += _xml_group("stateVector", obj, OBJ_STATE, i4)
        out += _xml_group("covarianceMatrix", obj, (*OBJ_COVARIANCE, *cov), i4)
        out += _xml_group("additionalCovarianceMetadata", obj, OBJ_TRACSS, i4)
        if n == 1 and user:
            out.append(f"{i4}<userDefinedParameters>\n")
            for k in user:
                param = quoteattr(k.removeprefix("USER_DEFINED_"))
                out.append(
                    f"{i4}  <USER_DEFINED parameter={param}>{escape(text(record[k]))}</USER_DEFINED>\n"
                )
            out.append(f"{i4}</userDefinedParameters>\n")
        out.append(f"{i3}</data>\n{i2}</segment>\n")
    out.append(f"{i1}</body>\n{indent}</cdm>\n")
    return "".join(out)


def xml_document(cdms: Iterable[str]) -> str:
    """TraCSS's XML list: ``<tracssCdms>`` around ``<cdm>`` elements from :func:`xml_cdm`."""
    return '<?xml version="1.0" encoding="UTF-8"?>\n<tracssCdms>\n' + "".join(cdms) + "</tracssCdms>\n"


def xml_fields(record: dict[str, Any], fields: Sequence[str], indent: str = "  ") -> str:
    """A ``<cdm>`` holding only the requested fields, flat (the ``fields`` parameter)."""
    inner = "".join(
        f"{indent}  <{k}>{escape(text(record[k]))}</{k}>\n"
        for k in fields
        if k in record and k.replace("_", "").isalnum()
    )
    return f"{indent}<cdm>\n{inner}{indent}</cdm>\n"


# --- CSV ---------------------------------------------------------------------------------------


def csv_document(records: Sequence[dict[str, Any]], fields: Sequence[str] | None = None) -> str:
    """CSV with TraCSS's V2 field names as the header; ``fields`` picks and orders the columns."""
    if fields:
        columns = list(fields)
    else:
        known = set(CSV_COLUMNS)
        extra: dict[str, None] = {}
        for rec in records:
            extra.update((k, None) for k in rec if k not in known)
        columns = [*CSV_COLUMNS, *extra]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for rec in records:
        writer.writerow([text(rec.get(k)) for k in columns])
    return buf.getvalue()
