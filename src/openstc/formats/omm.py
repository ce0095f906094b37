"""CCSDS Orbit Mean-elements Message (OMM, 502.0-B-2/B-3): model, KVN/XML/JSON, ElementSet bridge.

An :class:`Omm` holds typed keyword blocks: ``header``, ``metadata``, ``mean_elements``,
``spacecraft``, ``tle`` (TLE-related parameters), the optional 6x6 ``covariance`` (m**2-based SI,
with ``covariance_frame``) and ``user`` (``USER_DEFINED_*``).

Units. Everything is SI except the mean elements and TLE parameters that define an SGP4 element
set, which keep the message's units so that TLE <-> OMM <-> ``sgp4`` trips are bit-exact: angles
(INCLINATION, RA_OF_ASC_NODE, ARG_OF_PERICENTER, MEAN_ANOMALY) in deg, MEAN_MOTION rev/day,
MEAN_MOTION_DOT rev/day**2 and MEAN_MOTION_DDOT rev/day**3, BSTAR 1/ER. SI views are offered as
properties (``inclination`` rad, ``mean_motion`` rad/s, ...). ``MEAN_MOTION_DOT`` follows the
Space-Track/CelesTrak/sgp4 convention: it *is* the TLE line-1 field (n-dot/2), never halved again.
SEMI_MAJOR_AXIS (m), GM (m**3/s**2), areas, masses and the covariance are SI.

JSON: the XML mirror (``{"omm": {...}}``) is written; reading also accepts the flat Space-Track /
CelesTrak objects (or a one-element list of them), whose extra fields land in ``extra``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any, ClassVar

import numpy as np

from openstc.errors import FormatError
from openstc.formats.ccsds_time import Epoch
from openstc.formats.elset import ElementSet
from openstc.formats.model import FormatWarning, ReadContext
from openstc.formats.odm_read import TimeSystemRead, TokenReadable, json_root, load_json, read_version
from openstc.formats.oem import COV_KEYS
from openstc.formats.oem_io import (
    Cursor,
    Tok,
    XNode,
    register_odm,
    tok_error,
    unexpected,
    write_xml,
    xml_tokens,
)
from openstc.formats.oem_io import xnode_to_json as _to_json
from openstc.formats.oem_keys import (
    KeywordBlock,
    fmt_float,
    kvn_lines,
    located,
    missing_mandatory,
    parse_float,
    read_block,
    require_declared,
    xml_fill,
)
from openstc.formats.omm_keys import (
    FLAT_DEFAULTS,
    HEADER,
    MEAN_ELEMENTS,
    METADATA,
)
from openstc.formats.omm_keys import SECTION_OF as _SECTION_OF
from openstc.formats.omm_keys import SECTIONS as _SECTIONS
from openstc.formats.omm_keys import XML_SECTION as _XML_SECTION

_COV = {k: (i, j) for k, i, j in COV_KEYS}
_REV_DAY = 2.0 * math.pi / 86400.0


@dataclass(slots=True)
class Omm(TimeSystemRead, TokenReadable):
    """An OMM. Blocks are :class:`~openstc.formats.oem_keys.KeywordBlock` (keyword -> typed value)."""

    XML_TAG: ClassVar[str] = "omm"

    header: KeywordBlock = field(default_factory=KeywordBlock)
    metadata: KeywordBlock = field(default_factory=KeywordBlock)
    mean_elements: KeywordBlock = field(default_factory=KeywordBlock)
    spacecraft: KeywordBlock = field(default_factory=KeywordBlock)
    tle: KeywordBlock = field(default_factory=KeywordBlock)
    covariance: np.ndarray | None = None  # (6, 6) m**2, m**2/s, m**2/s**2
    covariance_frame: str | None = None
    covariance_comments: list[str] = field(default_factory=list)
    user: dict[str, str] = field(default_factory=dict)
    version: str = "3.0"
    warnings: list[FormatWarning] = field(default_factory=list, compare=False)
    extra: dict[str, str] = field(default_factory=dict, compare=False)  # non-CCSDS JSON fields
    # ElementSet fields with no OMM keyword (exact TLE epoch, source), kept for a lossless bridge.
    elset_origin: dict[str, Any] = field(default_factory=dict, compare=False)

    # ------------------------------------------------------------------------------ accessors
    @property
    def epoch(self) -> Epoch:
        e = self.mean_elements["EPOCH"]
        assert isinstance(e, Epoch)
        return e

    @property
    def mean_element_theory(self) -> str:
        return str(self.metadata.get("MEAN_ELEMENT_THEORY", ""))

    @property
    def is_sgp4(self) -> bool:
        """Whether the elements are SGP4/SDP4 (TLE) mean elements (``SGP4``, ``SGP/SGP4``, ``SDP4``)."""
        t = self.mean_element_theory.upper().replace(" ", "")
        return t in ("SGP4", "SGP/SGP4", "SDP4", "SGP4/SDP4", "SGP/SGP4/SDP4")

    @property
    def inclination(self) -> float:
        """Inclination, rad."""
        return math.radians(float(self.mean_elements["INCLINATION"]))

    @property
    def raan(self) -> float:
        return math.radians(float(self.mean_elements["RA_OF_ASC_NODE"]))

    @property
    def arg_of_pericenter(self) -> float:
        return math.radians(float(self.mean_elements["ARG_OF_PERICENTER"]))

    @property
    def mean_anomaly(self) -> float:
        return math.radians(float(self.mean_elements["MEAN_ANOMALY"]))

    @property
    def mean_motion(self) -> float | None:
        """Mean motion, rad/s (None when the OMM gives SEMI_MAJOR_AXIS instead)."""
        n = self.mean_elements.get("MEAN_MOTION")
        return None if n is None else float(n) * _REV_DAY

    # ------------------------------------------------------------------------------- reading
    @classmethod
    def from_json(cls, data: str | bytes | dict[str, Any] | list[Any], ctx: ReadContext | None = None) -> Omm:
        """The structured JSON (part A's convention), or one flat Space-Track/CelesTrak object
        (or a list holding one)."""
        obj = load_json(data)
        if isinstance(obj, list):
            if len(obj) != 1:
                raise FormatError(
                    f"JSON list holds {len(obj)} OMMs, expected 1 (use omms_from_json)",
                    code="FORMAT_UNSUPPORTED",
                )
            obj = obj[0]
        if not isinstance(obj, dict):
            raise FormatError("JSON OMM must be an object", code="FORMAT_SYNTAX")
        if _is_flat(obj):
            return cls._from_flat(obj, ctx)
        ctx = ctx or ReadContext()
        return cls._from_tokens(xml_tokens(json_root(obj, "omm"), "CCSDS_OMM_VERS", ctx), ctx=ctx)

    @classmethod
    def _from_flat(cls, obj: dict[str, Any], ctx: ReadContext | None = None) -> Omm:
        ctx = ctx or ReadContext()
        toks: list[Tok] = [Tok("kv", key="CCSDS_OMM_VERS", value=str(obj.get("CCSDS_OMM_VERS", "2.0")))]
        extra: dict[str, str] = {}
        for k, v in obj.items():
            key = str(k).upper()
            text = "" if v is None else (v if isinstance(v, str) else repr(v))
            if key == "CCSDS_OMM_VERS":
                continue
            if key in FLAT_DEFAULTS and text.strip() == "":  # defaulted below, as when left out
                ctx.warn("empty value treated as absent", path=f"/{k}", keyword=key)
                continue
            if key == "COMMENT":
                toks.append(Tok("comment", value=text, path=f"/{k}"))
            elif (
                key in _SECTION_OF or key in _COV or key == "COV_REF_FRAME" or key.startswith("USER_DEFINED_")
            ):
                toks.append(Tok("kv", key=key, value=text, path=f"/{k}"))
            else:
                extra[key] = text
        omm = cls._from_tokens(toks, flat=True, ctx=ctx)
        omm.extra = extra
        return omm

    @classmethod
    def _from_tokens(cls, toks: list[Tok], ctx: ReadContext | None = None, flat: bool = False) -> Omm:
        ctx = ctx or ReadContext()
        c = Cursor(toks)
        version = read_version(c, "CCSDS_OMM_VERS")
        groups: dict[str, list[Tok]] = {name: [] for name, _ in _SECTIONS}
        cov: list[Tok] = []
        user: dict[str, str] = {}
        pending: list[Tok] = []
        in_cov = False
        while not c.done():
            t = c.next()
            if t.kind == "comment":
                pending.append(t)
            elif t.kind in ("start", "stop"):
                if t.key == "COVARIANCE":
                    in_cov = t.kind == "start"
                elif t.key == "META" and t.kind == "start" and groups["metadata"]:
                    raise unexpected(Tok("kv", key="metadata", line=t.line, path=t.path), "(second metadata)")
                elif t.key not in ("SEGMENT_X", "DATA_X", "META"):
                    raise unexpected(t, "in an OMM")
            elif t.kind == "kv":
                if t.key in _COV or t.key == "COV_REF_FRAME":
                    cov += [*pending, t]
                elif t.key.startswith("USER_DEFINED_"):
                    user[t.key[len("USER_DEFINED_") :]] = t.value
                elif t.key in _SECTION_OF and not in_cov:
                    sec = _SECTION_OF[t.key]
                    groups[sec] += [*pending, t]
                else:
                    raise tok_error(t, f"{t.key} not expected in an OMM", "FORMAT_UNEXPECTED_KEYWORD", t.key)
                pending = []
            else:
                raise unexpected(t, "in an OMM")
        if pending:
            groups["tle" if groups["tle"] else "mean_elements"] += pending
        ts = next((t.value.strip().upper() for t in groups["metadata"] if t.key == "TIME_SYSTEM"), "UTC")
        blocks = {
            name: read_block(
                groups[name],
                decl,
                f"the OMM {name}",
                "UTC" if name == "header" else ts,
                ctx,
                strict=name == "metadata",  # an empty OBJECT_NAME/OBJECT_ID is an error at its line
            )
            for name, decl in _SECTIONS
        }
        given = {t.key for t in groups["header"] if t.kind == "kv"}
        for k in missing_mandatory(blocks["header"], HEADER):
            if k not in given:  # an empty one was already reported
                ctx.warn(
                    f"{k} missing from the OMM header (tolerated)", keyword=k, code="FORMAT_MISSING_KEYWORD"
                )
        if flat:
            for k, v in FLAT_DEFAULTS.items():
                blocks["metadata"].values.setdefault(k, v)
        require_declared(blocks["metadata"], METADATA, "OMM metadata", *located(groups["metadata"]))
        require_declared(
            blocks["mean_elements"], MEAN_ELEMENTS, "OMM mean elements", *located(groups["mean_elements"])
        )
        me = blocks["mean_elements"]
        if "MEAN_MOTION" not in me and "SEMI_MAJOR_AXIS" not in me:
            raise FormatError(
                "OMM needs MEAN_MOTION or SEMI_MAJOR_AXIS",
                code="FORMAT_MISSING_KEYWORD",
                keyword="MEAN_MOTION",
            )
        omm = cls(
            blocks["header"],
            blocks["metadata"],
            me,
            blocks["spacecraft"],
            blocks["tle"],
            user=user,
            version=version,
            warnings=ctx.warnings,
        )
        if cov:
            _read_cov(omm, cov)
        return omm

    # ------------------------------------------------------------------------------- writing
    def _check_writable(self) -> None:
        """Writing is strict: CelesTrak/Space-Track OMMs read without a header cannot be written as is."""
        for k in missing_mandatory(self.header, HEADER)[:1]:
            raise FormatError(
                f"cannot write an OMM without {k} (mandatory in the header; set header.values[{k!r}])",
                code="FORMAT_MISSING_KEYWORD",
                keyword=k,
            )

    def to_kvn(self) -> str:
        self._check_writable()
        out = [f"CCSDS_OMM_VERS = {self.version}"]
        out += kvn_lines(self.header, HEADER, 19)
        out.append("")
        out += kvn_lines(self.metadata, METADATA, 19)
        for name, decl in _SECTIONS[2:]:
            blk: KeywordBlock = getattr(self, name)
            if blk.values or blk.comments:
                out.append("")
                out += kvn_lines(blk, decl, 19)
        if self.covariance is not None:
            out.append("")
            out += [f"COMMENT {x}".rstrip() for x in self.covariance_comments]
            if self.covariance_frame:
                out.append(f"{'COV_REF_FRAME':<19} = {self.covariance_frame}")
            out += [f"{k:<19} = {fmt_float(self.covariance[i, j] / 1e6)}" for k, i, j in COV_KEYS]
        if self.user:
            out.append("")
            out += [f"USER_DEFINED_{k} = {' '.join(v.splitlines())}" for k, v in self.user.items()]
        return "\n".join(out) + "\n"

    def to_xnode(self) -> XNode:
        self._check_writable()
        root = XNode("omm", {"id": "CCSDS_OMM_VERS", "version": self.version})
        xml_fill(root.add("header"), self.header, HEADER)
        seg = root.add("body").add("segment")
        xml_fill(seg.add("metadata"), self.metadata, METADATA)
        data = seg.add("data")
        for name, decl in _SECTIONS[2:]:
            blk: KeywordBlock = getattr(self, name)
            if blk.values or blk.comments:
                xml_fill(data.add(_XML_SECTION[name]), blk, decl)
        if self.covariance is not None:
            cn = data.add("covarianceMatrix")
            for x in self.covariance_comments:
                cn.add("COMMENT", x)
            if self.covariance_frame:
                cn.add("COV_REF_FRAME", self.covariance_frame)
            for k, i, j in COV_KEYS:
                cn.add(k, fmt_float(self.covariance[i, j] / 1e6))
        if self.user:
            ud = data.add("userDefinedParameters")
            for k, v in self.user.items():
                ud.add("USER_DEFINED", v, parameter=k)
        return root

    def to_xml(self) -> str:
        return write_xml(self.to_xnode())

    def to_json(self) -> str:
        return json.dumps(_to_json(self.to_xnode()))

    # ----------------------------------------------------------------------- ElementSet bridge
    def to_element_set(self) -> ElementSet:
        """The SGP4 element set (values as the message gives them; MEAN_MOTION_DOT = TLE field)."""
        me, tle = self.mean_elements, self.tle
        if "MEAN_MOTION" not in me:
            raise FormatError(
                "OMM without MEAN_MOTION cannot give an SGP4 element set",
                code="FORMAT_MISSING_KEYWORD",
                keyword="MEAN_MOTION",
            )
        if "NORAD_CAT_ID" not in tle:
            raise FormatError(
                "OMM without NORAD_CAT_ID cannot give an SGP4 element set",
                code="FORMAT_MISSING_KEYWORD",
                keyword="NORAD_CAT_ID",
            )
        ut1 = None
        epoch = self.epoch.utc(ut1)
        o = self.elset_origin
        return ElementSet(
            norad_id=int(tle["NORAD_CAT_ID"]),
            epoch=epoch.astimezone(UTC),
            mean_motion_rev_day=float(me["MEAN_MOTION"]),
            eccentricity=float(me["ECCENTRICITY"]),
            inclination_deg=float(me["INCLINATION"]),
            raan_deg=float(me["RA_OF_ASC_NODE"]),
            arg_perigee_deg=float(me["ARG_OF_PERICENTER"]),
            mean_anomaly_deg=float(me["MEAN_ANOMALY"]),
            bstar_per_er=float(tle.get("BSTAR", 0.0)),
            mean_motion_dot_rev_day2=float(tle.get("MEAN_MOTION_DOT", 0.0)),
            mean_motion_ddot_rev_day3=float(tle.get("MEAN_MOTION_DDOT", 0.0)),
            object_name=None if o.get("no_name") else self.metadata.get("OBJECT_NAME"),
            object_id=None if o.get("no_id") else self.metadata.get("OBJECT_ID"),
            classification=str(tle.get("CLASSIFICATION_TYPE", "U")),
            ephemeris_type=int(tle.get("EPHEMERIS_TYPE", 0)),
            element_set_no=int(tle.get("ELEMENT_SET_NO", 999)),
            rev_at_epoch=int(tle.get("REV_AT_EPOCH", 0)),
            epoch_jd=o.get("epoch_jd"),
            epoch_jd_frac=o.get("epoch_jd_frac"),
            source=o.get("source", "omm"),
            extra=dict(self.extra),
        )

    @classmethod
    def from_element_set(
        cls, es: ElementSet, originator: str = "openstc", creation: Epoch | None = None
    ) -> Omm:
        """The OMM (v3.0, TEME, UTC, SGP4) of an element set. ``creation`` defaults to the set's epoch
        (the core never reads the clock; pass the real creation time from the shell)."""
        header = KeywordBlock(
            {"CREATION_DATE": creation or Epoch.from_utc(es.epoch), "ORIGINATOR": originator}
        )
        meta = KeywordBlock(
            {
                "OBJECT_NAME": es.object_name or "UNKNOWN",
                "OBJECT_ID": es.object_id or "UNKNOWN",
                "CENTER_NAME": "EARTH",
                "REF_FRAME": "TEME",
                "TIME_SYSTEM": "UTC",
                "MEAN_ELEMENT_THEORY": "SGP4",
            }
        )
        me = KeywordBlock(
            {
                "EPOCH": Epoch.from_utc(es.epoch),
                "MEAN_MOTION": es.mean_motion_rev_day,
                "ECCENTRICITY": es.eccentricity,
                "INCLINATION": es.inclination_deg,
                "RA_OF_ASC_NODE": es.raan_deg,
                "ARG_OF_PERICENTER": es.arg_perigee_deg,
                "MEAN_ANOMALY": es.mean_anomaly_deg,
            }
        )
        tle = KeywordBlock(
            {
                "EPHEMERIS_TYPE": es.ephemeris_type,
                "CLASSIFICATION_TYPE": es.classification,
                "NORAD_CAT_ID": es.norad_id,
                "ELEMENT_SET_NO": es.element_set_no,
                "REV_AT_EPOCH": es.rev_at_epoch,
                "BSTAR": es.bstar_per_er,
                "MEAN_MOTION_DOT": es.mean_motion_dot_rev_day2,
                "MEAN_MOTION_DDOT": es.mean_motion_ddot_rev_day3,
            }
        )
        origin = {
            "epoch_jd": es.epoch_jd,
            "epoch_jd_frac": es.epoch_jd_frac,
            "source": es.source,
            "no_name": es.object_name is None,
            "no_id": es.object_id is None,
        }
        return cls(header, meta, me, KeywordBlock(), tle, extra=dict(es.extra), elset_origin=origin)


def _is_flat(obj: dict[str, Any]) -> bool:
    """A Space-Track/CelesTrak object: keywords at the top level, no header/body."""
    return "header" not in obj and "body" not in obj and ("EPOCH" in obj or "MEAN_MOTION" in obj)


def json_sniff(obj: Any) -> bool:
    """Whether decoded JSON is a CelesTrak/Space-Track OMM (or list of them) without a version key."""
    if isinstance(obj, list):
        return bool(obj) and isinstance(obj[0], dict) and _is_flat(obj[0])
    return isinstance(obj, dict) and _is_flat(obj)


def _read_cov(omm: Omm, toks: list[Tok]) -> None:
    m = np.full((6, 6), np.nan)
    for t in toks:
        if t.kind == "comment":
            omm.covariance_comments.append(t.value)
        elif t.key == "COV_REF_FRAME":
            omm.covariance_frame = t.value.strip()
        else:
            i, j = _COV[t.key]
            m[i, j] = m[j, i] = parse_float(t.value, t) * 1e6
    missing = [k for k, i, j in COV_KEYS if math.isnan(m[i, j])]
    if missing:
        raise FormatError(
            f"OMM covariance incomplete: {', '.join(missing[:3])} missing",
            code="FORMAT_MISSING_KEYWORD",
            keyword=missing[0],
            line=toks[-1].line,
        )
    omm.covariance = m


def omms_from_json(data: str | bytes) -> list[Omm]:
    """Every OMM of a Space-Track/CelesTrak JSON array (or one object)."""
    obj = load_json(data)
    items = obj if isinstance(obj, list) else [obj]
    return [Omm.from_json(o) for o in items]


register_odm("OMM", Omm, json_sniff)
