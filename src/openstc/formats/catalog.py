"""Whole catalogs of SGP4 element sets, read fast into :class:`ElementSet` lists.

The encodings CelesTrak and Space-Track serve for the GP (OMM) classes, detected from content:

- ``celestrak-csv``: a header row of CCSDS keywords, numbers written ``.1843421`` / ``.16091E-2``,
  CRLF or LF line ends, names quoted only when they contain a comma;
- ``celestrak-json``: a JSON array of flat objects, numbers as JSON numbers;
- ``spacetrack-json``: the same keys with every value a string (``null`` for absent), plus
  Space-Track's own fields (``DECAY_DATE``, ``OBJECT_TYPE``, ``RCS_SIZE``, ``COUNTRY_CODE``,
  ``LAUNCH_DATE``, ``SITE``, ``FILE``, ``GP_ID``, ``SEMIMAJOR_AXIS``, ``PERIOD``, ``APOAPSIS``,
  ``PERIAPSIS``, ``TLE_LINE0``...), kept in ``ElementSet.extra`` as strings;
- ``celestrak-xml``: CCSDS NDM/XML (``ndmxml-2.0.0``) wrapping one ``<omm>`` per object (or a bare
  ``<omm>``); DTDs and entities are refused (defusedxml, ``FORMAT_UNSAFE_XML``); the empty
  ``CREATION_DATE``/``ORIGINATOR`` CelesTrak writes are accepted;
- ``spacetrack-xml``: Space-Track's ``format/xml``, ``<xml>`` of flat ``<item>`` records;
- ``tle``: 2LE/3LE text, handed to :mod:`openstc.formats.tle`.

This is the flat fast path; the full CCSDS OMM model with KVN/XML/JSON codecs lives in
``openstc.formats.omm``. A bad row raises :class:`FormatError` with its line (CSV) or JSON pointer /
XML path and the keyword; with ``strict=False`` the row is skipped and the error is collected in
``ReadResult.errors`` instead.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from math import isfinite
from typing import Any

from openstc.errors import FormatError
from openstc.formats.elset import ElementSet, ReadResult, gc_paused
from openstc.formats.tle import read_tle

# The keywords mapped onto ElementSet fields; every other non-empty one goes to ``extra``.
_ANGLES = ("INCLINATION", "RA_OF_ASC_NODE", "ARG_OF_PERICENTER", "MEAN_ANOMALY")
_MANDATORY = ("EPOCH", "MEAN_MOTION", "ECCENTRICITY", *_ANGLES, "NORAD_CAT_ID")
_OPTIONAL_NUMBERS = ("BSTAR", "MEAN_MOTION_DOT", "MEAN_MOTION_DDOT")
_OTHER = (
    "OBJECT_NAME",
    "OBJECT_ID",
    "EPHEMERIS_TYPE",
    "CLASSIFICATION_TYPE",
    "ELEMENT_SET_NO",
    "REV_AT_EPOCH",
)
_CORE = frozenset((*_MANDATORY, *_OPTIONAL_NUMBERS, *_OTHER))
# Redundant with the element set itself (and large): not copied into ``extra``.
_DROP = frozenset(("TLE_LINE1", "TLE_LINE2"))

_Where = Callable[[str | None], FormatError]


def parse_epoch(text: str) -> datetime:
    """A CCSDS epoch as CelesTrak/Space-Track write it (``2024-10-29T12:18:43.492896``, optional ``Z``,
    or day-of-year ``2024-303T12:18:43.49``), UTC. Raises ValueError."""
    s = text.strip()
    if s.endswith("Z"):
        s = s[:-1]
    if len(s) > 8 and s[4] == "-" and s[8] in "T ":
        # Day-of-year form YYYY-DDDThh:mm:ss[.f]
        doy = int(s[5:8])
        if not 1 <= doy <= 366:
            raise ValueError(f"day of year {doy} is outside 1..366")
        day0 = datetime(int(s[:4]), 1, 1, tzinfo=UTC) + timedelta(days=doy - 1)
        rest = datetime.fromisoformat("2000-01-01T" + s[9:])
        return day0 + (rest - datetime(2000, 1, 1))
    dt = datetime.fromisoformat(s)
    if dt.tzinfo is not None:
        return dt.astimezone(UTC)
    return dt.replace(tzinfo=UTC)


def _float(value: Any, key: str, where: _Where) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise where(key) from None
    if not isfinite(x):
        raise where(key)
    return x


def _int(value: Any, key: str, where: _Where) -> int:
    if isinstance(value, bool):
        raise where(key)
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        raise where(key) from None


def _opt(fields: Mapping[str, Any], key: str) -> Any:
    v = fields.get(key)
    return None if v is None or v == "" else v


def _opt_float(fields: Mapping[str, Any], key: str, default: float, where: _Where) -> float:
    """An optional real field: ``default`` when absent or empty."""
    v = _opt(fields, key)
    return default if v is None else _float(v, key, where)


def _opt_int(fields: Mapping[str, Any], key: str, default: int, where: _Where) -> int:
    """An optional integer field: ``default`` when absent or empty."""
    v = _opt(fields, key)
    return default if v is None else _int(v, key, where)


def element_set_from_fields(
    fields: Mapping[str, Any],
    source: str,
    *,
    line: int | None = None,
    path: str | None = None,
) -> ElementSet:
    """One :class:`ElementSet` from flat OMM keyword -> value (strings or JSON numbers).

    ``line``/``path`` say where the record stands, for the error raised on a bad value.
    """

    def bad(key: str | None, why: str | None = None, code: str = "FORMAT_BAD_VALUE") -> FormatError:
        if why is None:
            why = f"{fields.get(key or '')!r} is not a valid value" if key else "bad record"
        return FormatError(why, code=code, line=line, path=path, keyword=key)

    for key in _MANDATORY:
        if _opt(fields, key) is None:
            raise bad(key, "mandatory keyword is missing or empty", "FORMAT_MISSING_KEYWORD")
    epoch_v = fields["EPOCH"]
    if not isinstance(epoch_v, str):
        raise bad("EPOCH", code="FORMAT_BAD_DATE")
    try:
        epoch = parse_epoch(epoch_v)
    except (ValueError, OverflowError):
        raise bad("EPOCH", f"{epoch_v!r} is not a CCSDS date", "FORMAT_BAD_DATE") from None
    norad = _int(fields["NORAD_CAT_ID"], "NORAD_CAT_ID", bad)
    n = _float(fields["MEAN_MOTION"], "MEAN_MOTION", bad)
    e = _float(fields["ECCENTRICITY"], "ECCENTRICITY", bad)
    if norad < 0:
        raise bad("NORAD_CAT_ID")
    if n <= 0.0:
        raise bad("MEAN_MOTION", f"mean motion {n!r} rev/day must be positive")
    if not 0.0 <= e < 1.0:
        raise bad("ECCENTRICITY", f"eccentricity {e!r} is outside [0, 1)")
    bstar = _opt_float(fields, "BSTAR", 0.0, bad)
    ndot = _opt_float(fields, "MEAN_MOTION_DOT", 0.0, bad)
    nddot = _opt_float(fields, "MEAN_MOTION_DDOT", 0.0, bad)
    ephem = _opt_int(fields, "EPHEMERIS_TYPE", 0, bad)
    elnum = _opt_int(fields, "ELEMENT_SET_NO", 999, bad)
    rev = _opt_int(fields, "REV_AT_EPOCH", 0, bad)
    cls = _opt(fields, "CLASSIFICATION_TYPE")
    name = _opt(fields, "OBJECT_NAME")
    oid = _opt(fields, "OBJECT_ID")
    extra = {
        k: str(val)
        for k, val in fields.items()
        if k not in _CORE and k not in _DROP and val is not None and val != ""
    }
    return ElementSet(
        norad,
        epoch,
        n,
        e,
        _float(fields["INCLINATION"], "INCLINATION", bad),
        _float(fields["RA_OF_ASC_NODE"], "RA_OF_ASC_NODE", bad),
        _float(fields["ARG_OF_PERICENTER"], "ARG_OF_PERICENTER", bad),
        _float(fields["MEAN_ANOMALY"], "MEAN_ANOMALY", bad),
        bstar,
        ndot,
        nddot,
        None if name is None else str(name).strip(),
        None if oid is None else str(oid).strip(),
        "U" if cls is None else str(cls).strip()[:1] or "U",
        ephem,
        elnum,
        rev,
        None,
        None,
        source,
        extra,
    )


def _text(data: str | bytes) -> str:
    if isinstance(data, str):
        return data[1:] if data.startswith("\ufeff") else data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FormatError(f"catalog text is not UTF-8 (byte {exc.start})", code="FORMAT_SYNTAX") from None


def read_celestrak_csv(data: str | bytes, *, strict: bool = True) -> ReadResult:
    """CelesTrak's OMM CSV: header row of keywords, one object per line (CRLF or LF)."""
    text = _text(data)
    lines = text.splitlines()
    if not lines or "," not in lines[0]:
        raise FormatError("no CSV header row of OMM keywords", code="FORMAT_SYNTAX", line=1)
    quoted = '"' in text
    header = next(csv.reader([lines[0]])) if quoted else lines[0].split(",")
    header = [h.strip() for h in header]
    width = len(header)
    if not quoted:
        fast = _fast_csv(header, lines)
        if fast is not None:
            return ReadResult(fast, [], "celestrak-csv")
    elements: list[ElementSet] = []
    errors: list[FormatError] = []
    append = elements.append
    for idx in range(1, len(lines)):
        row = lines[idx]
        if not row.strip():
            continue
        try:
            values = next(csv.reader([row])) if quoted and '"' in row else row.split(",")
            if len(values) != width:
                raise FormatError(
                    f"row has {len(values)} values for {width} header columns",
                    code="FORMAT_BAD_DATA_LINE",
                    line=idx + 1,
                )
            append(
                element_set_from_fields(dict(zip(header, values, strict=True)), "celestrak-csv", line=idx + 1)
            )
        except FormatError as err:
            if strict:
                raise
            errors.append(err)
    return ReadResult(elements, errors, "celestrak-csv")


def _fast_csv(header: list[str], lines: list[str]) -> list[ElementSet] | None:
    """Column-wise parse of a clean CSV (no quotes, every value valid); None when anything is off,
    so that the row-by-row path can say precisely which row and keyword are bad."""
    if len(set(header)) != len(header):
        return None
    width = len(header)
    rows = [ln.split(",") for ln in lines[1:] if ln.strip()]
    if not rows or any(len(r) != width for r in rows):
        return None if rows else []
    with gc_paused():  # also when called directly, not through read_catalog (openstc demo does)
        return _fast_columns(
            dict(zip(header, zip(*rows, strict=True), strict=True)), len(rows), "celestrak-csv"
        )


def _fast_json(doc: list[Any], encoding: str) -> list[ElementSet] | None:
    """The column-wise path for JSON rows that all carry the same keys; None to fall back."""
    if not doc or not all(type(r) is dict for r in doc):
        return None
    keys = doc[0].keys()
    if any(r.keys() != keys for r in doc):
        return None
    with gc_paused():
        return _fast_columns({k: [r[k] for r in doc] for k in keys}, len(doc), encoding)


def _fast_columns(cols: Mapping[str, Sequence[Any]], n_rows: int, source: str) -> list[ElementSet] | None:
    """ElementSets from whole columns (str or JSON values), converted with ``map`` in C loops."""
    if any(k not in cols for k in _MANDATORY):
        return None

    def floats(key: str, default: float) -> list[float] | None:
        c = cols.get(key)
        if c is None:
            return [default] * n_rows
        # type checks via set(map(type, ...)) run in C: a per-value generator cost ~40% of a CSV load
        if "" in c or None in c or bool in set(map(type, c)):
            return None
        out = list(map(float, c))
        return out if all(map(isfinite, out)) else None

    def ints(key: str, default: int) -> list[int] | None:
        c = cols.get(key)
        if c is None:
            return [default] * n_rows
        if not set(map(type, c)) <= {str, int}:
            return None
        return list(map(int, c))

    def strs(key: str) -> list[str | None]:
        c = cols.get(key)
        if c is None:
            return [None] * n_rows
        return [None if v is None else (str(v).strip() or None) for v in c]

    try:
        epochs = [datetime.fromisoformat(v + "+00:00") for v in cols["EPOCH"]]
        norad, ephem = ints("NORAD_CAT_ID", 0), ints("EPHEMERIS_TYPE", 0)
        elnum, rev = ints("ELEMENT_SET_NO", 999), ints("REV_AT_EPOCH", 0)
        num = [floats(k, 0.0) for k in ("MEAN_MOTION", "ECCENTRICITY", *_ANGLES, *_OPTIONAL_NUMBERS)]
    except (ValueError, TypeError):
        return None
    mm, ecc, inc, raan, argp, ma, bstar, ndot, nddot = num
    if mm is None or ecc is None or inc is None or raan is None or argp is None or ma is None:
        return None
    if bstar is None or ndot is None or nddot is None or norad is None:
        return None
    if ephem is None or elnum is None or rev is None:
        return None
    if min(mm) <= 0.0 or min(ecc) < 0.0 or max(ecc) >= 1.0 or min(norad) < 0:
        return None
    names, oids = strs("OBJECT_NAME"), strs("OBJECT_ID")
    classes = [(c or "U")[:1] for c in strs("CLASSIFICATION_TYPE")]
    extra_cols = [(k, c) for k, c in cols.items() if k not in _CORE and k not in _DROP]
    extras: list[dict[str, str]] = [{} for _ in range(n_rows)]
    for k, c in extra_cols:
        for x, v in zip(extras, c, strict=True):
            if v is not None and v != "":
                x[k] = str(v)
    make = ElementSet
    columns = (norad, epochs, mm, ecc, inc, raan, argp, ma, bstar, ndot, nddot, names, oids, classes)
    return [
        make(a, b, c, d, e, f, g, h, i, j, k, n1, n2, cl, t, u, v, None, None, source, x)
        for (a, b, c, d, e, f, g, h, i, j, k, n1, n2, cl), t, u, v, x in zip(
            zip(*columns, strict=True), ephem, elnum, rev, extras, strict=True
        )
    ]


def read_omm_json(data: str | bytes | list[Any], *, strict: bool = True) -> ReadResult:
    """CelesTrak JSON (numbers) or Space-Track ``gp`` JSON (all strings); a list of flat objects."""
    if isinstance(data, list):
        doc: Any = data
    else:
        try:
            doc = json.loads(_text(data))
        except (json.JSONDecodeError, RecursionError) as exc:
            line = getattr(exc, "lineno", None)
            raise FormatError(f"not valid JSON: {exc}", code="FORMAT_SYNTAX", line=line) from None
    if isinstance(doc, dict):
        doc = [doc]
    if not isinstance(doc, list):
        raise FormatError("JSON catalog must be an array of OMM objects", code="FORMAT_SYNTAX", path="/")
    encoding = "celestrak-json"
    for rec in doc:
        if isinstance(rec, dict) and "NORAD_CAT_ID" in rec:
            encoding = "spacetrack-json" if isinstance(rec["NORAD_CAT_ID"], str) else "celestrak-json"
            break
    fast = _fast_json(doc, encoding)
    if fast is not None:
        return ReadResult(fast, [], encoding)
    elements: list[ElementSet] = []
    errors: list[FormatError] = []
    for i, rec in enumerate(doc):
        try:
            if not isinstance(rec, dict):
                raise FormatError("array item is not an object", code="FORMAT_SYNTAX", path=f"/{i}")
            elements.append(element_set_from_fields(rec, encoding, path=f"/{i}"))
        except FormatError as err:
            if strict:
                raise
            errors.append(err)
    return ReadResult(elements, errors, encoding)


def _local(tag: Any) -> str:
    t = str(tag)
    return t.rsplit("}", 1)[-1] if "}" in t else t


_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_PLAIN_ENCODINGS = (b"utf-8", b"utf8", b"us-ascii", b"ascii", b"iso-8859-1", b"latin-1", b"latin1")


def _parse_xml(raw: bytes, defused_fromstring: Callable[[bytes], Any]) -> Any:
    """Parse with the C-accelerated stdlib parser when the document provably has no DTD (so no
    entity can be declared, external or expanding); anything else goes through defusedxml, which
    refuses DTDs and entities. defusedxml's Python-level tree builder is 3-4 times slower."""
    from xml.etree.ElementTree import fromstring

    head = raw[:512]
    m = _XML_ENCODING.match(head)
    plain = m is None or m.group(1).lower() in _PLAIN_ENCODINGS
    plain = plain and b"\x00" not in head and not raw.startswith((b"\xff\xfe", b"\xfe\xff"))
    if plain and b"<!DOCTYPE" not in raw and b"<!ENTITY" not in raw:
        return fromstring(raw)
    return defused_fromstring(raw)


def read_omm_xml(data: str | bytes, *, strict: bool = True) -> ReadResult:
    """CCSDS NDM/XML as CelesTrak serves it: ``<ndm>`` of ``<omm>`` (or a single ``<omm>`` root)."""
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        root = _parse_xml(raw, fromstring)
    except DefusedXmlException as exc:
        raise FormatError(f"refused XML: {exc}", code="FORMAT_UNSAFE_XML") from None
    except (ParseError, ValueError, LookupError) as exc:  # bad syntax, bad or unknown encoding
        line = exc.position[0] if isinstance(exc, ParseError) else None
        raise FormatError(f"not well-formed XML: {exc}", code="FORMAT_SYNTAX", line=line) from None
    encoding = "celestrak-xml"
    if _local(root.tag) == "omm":
        omms = [root]
        prefix = "/omm"
    elif _local(root.tag) == "ndm":
        omms = [child for child in root if _local(child.tag) == "omm"]
        prefix = "/ndm/omm"
    elif _local(root.tag) == "xml":  # Space-Track's format/xml: <xml><item>flat fields</item>...</xml>
        omms = [child for child in root if _local(child.tag) == "item"]
        prefix, encoding = "/xml/item", "spacetrack-xml"
    else:
        raise FormatError(
            f"root element <{_local(root.tag)}> is not <ndm>, <omm> or <xml>", code="FORMAT_UNSUPPORTED"
        )
    namespaced = any("}" in str(e.tag) for e in root.iter())
    elements: list[ElementSet] = []
    errors: list[FormatError] = []
    for i, omm in enumerate(omms):
        path = prefix if prefix == "/omm" else f"{prefix}[{i + 1}]"
        try:
            fields: dict[str, Any] = {}
            for part in omm.iter():
                tag = _local(part.tag) if namespaced else part.tag
                if len(part) == 0 and tag not in ("omm", "COMMENT"):
                    text = (part.text or "").strip()
                    if tag == "USER_DEFINED":
                        key = part.get("parameter")
                        if key:
                            fields[f"USER_DEFINED_{key}"] = text
                    elif tag not in fields:
                        fields[tag] = text
            elements.append(element_set_from_fields(fields, encoding, path=path))
        except FormatError as err:
            if strict:
                raise
            errors.append(err)
    return ReadResult(elements, errors, encoding)


def detect_encoding(data: str | bytes) -> str:
    """Which catalog encoding ``data`` is, from its first characters (``FORMAT_UNSUPPORTED`` if none)."""
    head = data[:4096]
    text = head.decode("utf-8", errors="replace") if isinstance(head, bytes) else head
    text = text.lstrip("\ufeff \t\r\n")
    if text.startswith("<"):
        return "celestrak-xml"
    if text.startswith(("[", "{")):
        start = text.find('"NORAD_CAT_ID"')
        if start >= 0 and text[start + 14 :].lstrip(" :\t\r\n").startswith('"'):
            return "spacetrack-json"
        return "celestrak-json"
    first = text.split("\n", 1)[0]
    if "," in first and ("NORAD_CAT_ID" in first or "EPOCH" in first):
        return "celestrak-csv"
    if "CCSDS_OMM_VERS" in text[:200]:
        raise FormatError(
            "OMM KVN is read by openstc.formats.omm, not the catalog reader", code="FORMAT_UNSUPPORTED"
        )
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    if any(ln.startswith("1 ") for ln in lines[:3]) and any(ln.startswith("2 ") for ln in lines[:4]):
        return "tle"
    raise FormatError(
        "not a catalog encoding we know (CelesTrak CSV/JSON/XML, Space-Track JSON, TLE)",
        code="FORMAT_UNSUPPORTED",
    )


def read_catalog(data: str | bytes, *, strict: bool = True, encoding: str | None = None) -> ReadResult:
    """Element sets of a catalog in any supported encoding (detected unless ``encoding`` is given)."""
    enc = encoding or detect_encoding(data)
    with gc_paused():
        return _read(data, enc, strict)


def _read(data: str | bytes, enc: str, strict: bool) -> ReadResult:
    if enc == "celestrak-csv":
        return read_celestrak_csv(data, strict=strict)
    if enc in ("celestrak-json", "spacetrack-json"):
        return read_omm_json(data, strict=strict)
    if enc in ("celestrak-xml", "spacetrack-xml"):
        return read_omm_xml(data, strict=strict)
    if enc == "tle":
        return read_tle(data, strict=strict)
    raise FormatError(f"unknown catalog encoding {enc!r}", code="FORMAT_UNSUPPORTED")


def load_catalog(data: str | bytes) -> list[ElementSet]:
    """Strictly read a catalog: every element set, or a :class:`FormatError` for the first bad one."""
    return read_catalog(data, strict=True).elements
