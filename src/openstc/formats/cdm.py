"""Conjunction Data Message (CCSDS 508.0-B-1 and the 2.0 keywords TraCSS CDM v2 uses): model and codec.

:class:`Cdm` is the format-neutral CDM: a :class:`~openstc.formats.model.Message` over the tables in
:mod:`~openstc.formats.cdm_schema`, with typed accessors (SI units, UTC datetimes, numpy arrays)
for what screening and Pc code need, and :meth:`Cdm.new` / :class:`CdmObject` setters to build a
CDM in code (e.g. from a screening result). KVN, XML and JSON codecs come from the framework.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from openstc.formats.ccsds_time import Epoch
from openstc.formats.cdm_schema import ROOT, RTN_AXES, XYZ_AXES, covariance_names
from openstc.formats.model import Block, Message, ReadContext, SegmentParts, opt_float, opt_str, vector
from openstc.formats.registry import register_schema
from openstc.formats.schema import MessageSpec

FloatArray = npt.NDArray[np.float64]
_RTN_NAMES = covariance_names(RTN_AXES)
_XYZ_NAMES = covariance_names(XYZ_AXES)


def _utc(v: Any) -> datetime | None:
    return v.utc() if isinstance(v, Epoch) else None


def _matrix(block: Block | None, names: list[list[str]]) -> FloatArray:
    """Full symmetric 9x9 matrix from lower-triangle keywords; absent entries are NaN."""
    m = np.full((9, 9), np.nan)
    if block is None:
        return m
    for i, row in enumerate(names):
        for j, name in enumerate(row):
            v = block.values.get(name)
            if v is not None:
                m[i, j] = m[j, i] = v
    return m


def _set_matrix(block: Block, names: list[list[str]], matrix: npt.ArrayLike) -> None:
    a = np.asarray(matrix, dtype=float)
    n = a.shape[0]
    if a.shape != (n, n) or n not in (6, 7, 8, 9):
        raise ValueError(f"covariance must be 6x6 to 9x9, got {a.shape}")
    for i, row in enumerate(names):
        for j, name in enumerate(row):
            block.set(name, float(a[i, j]) if i < n else None)


def rtn_basis(position_m: npt.ArrayLike, velocity_m_s: npt.ArrayLike) -> FloatArray:
    """Rows R, T, N of the RTN frame of a state (R along the position, N along the angular momentum)."""
    r = np.asarray(position_m, dtype=float)
    v = np.asarray(velocity_m_s, dtype=float)
    radial = r / np.linalg.norm(r)
    normal = np.cross(r, v)
    normal /= np.linalg.norm(normal)
    return np.array([radial, np.cross(normal, radial), normal])


def relative_rtn(
    r1: npt.ArrayLike, v1: npt.ArrayLike, r2: npt.ArrayLike, v2: npt.ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """Object 2 relative to object 1 (position m, velocity m/s) in object 1's RTN frame, as the
    CDM's RELATIVE_POSITION/VELOCITY_R/T/N carry it (inertial difference, projected)."""
    basis = rtn_basis(r1, v1)
    dr = np.asarray(r2, dtype=float) - np.asarray(r1, dtype=float)
    dv = np.asarray(v2, dtype=float) - np.asarray(v1, dtype=float)
    return basis @ dr, basis @ dv


class CdmObject(SegmentParts):
    """View of one CDM segment (OBJECT1 or OBJECT2): metadata, state, covariance, OD/additional data."""

    def __init__(self, segment: Block) -> None:
        self.segment = segment

    def block(self, key: str) -> Block:
        """A data sub-block (``odParameters``, ``additionalParameters``, ``stateVector``,
        ``rtnCovariance``, ``xyzCovariance``, ...), created if absent."""
        return self.data.ensure(key)

    def get(self, keyword: str, default: Any = None) -> Any:
        """A keyword's value from any block of this object."""
        for b in self.segment.walk():
            if keyword in b.values:
                return b.values[keyword]
        return default

    @property
    def object(self) -> str:
        return str(self.metadata.get("OBJECT", ""))

    @property
    def designator(self) -> str | None:
        return opt_str(self.metadata, "OBJECT_DESIGNATOR")

    @property
    def name(self) -> str | None:
        return opt_str(self.metadata, "OBJECT_NAME")

    @property
    def ref_frame(self) -> str | None:
        return opt_str(self.metadata, "REF_FRAME")

    @property
    def orbit_center(self) -> str:
        return str(self.metadata.get("ORBIT_CENTER", "EARTH"))

    @property
    def position(self) -> FloatArray:
        return vector(self.data.child("stateVector"), ("X", "Y", "Z"))

    @property
    def velocity(self) -> FloatArray:
        return vector(self.data.child("stateVector"), ("X_DOT", "Y_DOT", "Z_DOT"))

    @property
    def state(self) -> FloatArray:
        """Position (m) and velocity (m/s) at TCA in REF_FRAME, shape (6,)."""
        return np.concatenate([self.position, self.velocity])

    def set_state(self, position_m: npt.ArrayLike, velocity_m_s: npt.ArrayLike) -> None:
        p = np.asarray(position_m, dtype=float)
        v = np.asarray(velocity_m_s, dtype=float)
        self.block("stateVector").update(X=p[0], Y=p[1], Z=p[2], X_DOT=v[0], Y_DOT=v[1], Z_DOT=v[2])

    @property
    def covariance_rtn(self) -> FloatArray:
        """The 6x6 position/velocity RTN covariance (m**2, m**2/s, m**2/s**2); absent entries NaN."""
        return self.rtn_covariance(6)

    def rtn_covariance(self, size: int = 9) -> FloatArray:
        """RTN covariance ``size`` x ``size`` (6 to 9: + drag, SRP, thrust rows, SI); absent entries NaN."""
        return _matrix(self.data.child("rtnCovariance"), _RTN_NAMES)[:size, :size].copy()

    def set_covariance_rtn(self, matrix: npt.ArrayLike) -> None:
        """Set the RTN covariance from a 6x6..9x9 matrix (lower triangle written)."""
        _set_matrix(self.block("rtnCovariance"), _RTN_NAMES, matrix)

    def covariance_xyz(self, size: int = 9) -> FloatArray | None:
        """The v2 XYZ alternate covariance (in ALT_COV_REF_FRAME), or None."""
        b = self.data.child("xyzCovariance")
        return None if b is None else _matrix(b, _XYZ_NAMES)[:size, :size].copy()

    @property
    def csig3eigvec3(self) -> list[float] | None:
        b = self.data.child("csig3eigvec3Covariance")
        return None if b is None else list(b.get("CSIG3EIGVEC3", []))

    @property
    def hbr(self) -> float | None:
        """Hard-body radius (m) from the v2 HBR keyword, if given."""
        return opt_float(self, "HBR")


class Cdm(Message):
    """A Conjunction Data Message with typed accessors; ``root`` holds every value."""

    @classmethod
    def new(cls, version: str = "1.0") -> Cdm:
        """An empty CDM skeleton (header, relative data, OBJECT1 and OBJECT2) to fill in code."""
        msg = cls(CDM_SPEC, None, version)
        msg.root.add("header")
        body = msg.root.add("body")
        body.add("relativeMetadataData")
        for name in ("OBJECT1", "OBJECT2"):
            seg = body.add("segment")
            seg.add("metadata").set("OBJECT", name)
            data = seg.add("data")
            data.add("stateVector")
            data.add("rtnCovariance")
        return msg

    @property
    def body(self) -> Block:
        return self.root.ensure("body")

    @property
    def relative(self) -> Block:
        """The ``relativeMetadataData`` block (TCA, miss distance, screening volume, Pc...)."""
        return self.body.ensure("relativeMetadataData")

    @property
    def user_defined(self) -> Block:
        """The message-level ``userDefinedParameters`` block (TraCSS's USER_DEFINED_* fields)."""
        return self.body.ensure("userDefinedParameters")

    @property
    def relative_state(self) -> Block:
        return self.relative.ensure("relativeStateVector")

    @property
    def objects(self) -> list[CdmObject]:
        return [CdmObject(s) for s in self.body.children_of("segment")]

    @property
    def object1(self) -> CdmObject:
        return self.objects[0]

    @property
    def object2(self) -> CdmObject:
        return self.objects[1]

    @property
    def creation_date(self) -> datetime | None:
        return _utc(self.header.get("CREATION_DATE"))

    @property
    def originator(self) -> str | None:
        return opt_str(self.header, "ORIGINATOR")

    @property
    def message_id(self) -> str | None:
        return opt_str(self.header, "MESSAGE_ID")

    @property
    def tca(self) -> datetime | None:
        """Time of closest approach, UTC-aware."""
        return _utc(self.relative.get("TCA"))

    @property
    def miss_distance(self) -> float | None:
        return opt_float(self.relative, "MISS_DISTANCE")

    @property
    def relative_speed(self) -> float | None:
        return opt_float(self.relative, "RELATIVE_SPEED")

    @property
    def relative_position(self) -> FloatArray:
        keys = ("RELATIVE_POSITION_R", "RELATIVE_POSITION_T", "RELATIVE_POSITION_N")
        return vector(self.relative.child("relativeStateVector"), keys)

    @property
    def relative_velocity(self) -> FloatArray:
        keys = ("RELATIVE_VELOCITY_R", "RELATIVE_VELOCITY_T", "RELATIVE_VELOCITY_N")
        return vector(self.relative.child("relativeStateVector"), keys)

    @property
    def collision_probability(self) -> float | None:
        return opt_float(self.relative, "COLLISION_PROBABILITY")

    @property
    def collision_probability_method(self) -> str | None:
        return opt_str(self.relative, "COLLISION_PROBABILITY_METHOD")

    @property
    def hbr(self) -> float | None:
        """Combined hard-body radius (m): the v2 per-object HBRs summed, else a ``COMMENT HBR = 15 [m]``
        (NASA CARA's convention), else None."""
        radii = [o.hbr for o in self.objects]
        if radii and all(r is not None for r in radii):
            return float(sum(r for r in radii if r is not None))
        text = self.comment_values().get("HBR")
        if text:
            m = re.match(r"^\s*([-+0-9.eE]+)\s*(\[\s*(k?m)\s*\])?", text)
            if m:
                try:
                    value = float(m[1])
                except ValueError:
                    return None
                return value * 1000.0 if m[3] == "km" else value
        return None

    def set_relative_from_states(self) -> None:
        """Fill MISS_DISTANCE, RELATIVE_SPEED and the relative state vector from the two objects'
        states at TCA (both in the same inertial REF_FRAME)."""
        o1, o2 = self.object1, self.object2
        dr, dv = relative_rtn(o1.position, o1.velocity, o2.position, o2.velocity)
        self.relative.update(
            MISS_DISTANCE=float(np.linalg.norm(dr)), RELATIVE_SPEED=float(np.linalg.norm(dv))
        )
        self.set_relative_rtn(dr, dv)

    def set_relative_rtn(self, dr: npt.ArrayLike, dv: npt.ArrayLike) -> None:
        """Set the relative state vector: position (m) and velocity (m/s) of object 2 from object 1 in
        object 1's RTN frame."""
        p, v = np.asarray(dr, dtype=float), np.asarray(dv, dtype=float)
        self.relative_state.update(
            RELATIVE_POSITION_R=p[0],
            RELATIVE_POSITION_T=p[1],
            RELATIVE_POSITION_N=p[2],
            RELATIVE_VELOCITY_R=v[0],
            RELATIVE_VELOCITY_T=v[1],
            RELATIVE_VELOCITY_N=v[2],
        )

    def comment_values(self) -> dict[str, str]:
        """``label = value`` comments of all blocks (CARA ``HBR = 10 [m]``, TraCSS ``Screening Option``)."""
        out: dict[str, str] = {}
        for b in self.root.walk():
            for c in b.comments:
                if "=" in c:
                    k, _, v = c.partition("=")
                    out.setdefault(k.strip(), v.strip())
        return out


#: TraCSS's message-level user parameters (CDM v2 field list): body level, not OBJECT2's.
TRACSS_MESSAGE_USER_PARAMETERS = (
    "MEETS_ALERTABLE_CRITERIA",
    "RUN_ID",
    "CORRELATION_ID",
    "DILUTION_STATUS",
    "DILUTION_SIGNIFICANCE",
    "ENVIRONMENTAL_IMPACT_FRAGMENTATION",
    "FRAGMENTATION_MODEL",
)


def _lift_kvn_message_user(msg: Message, ctx: ReadContext) -> None:
    """In KVN, TraCSS's message-level USER_DEFINED_* lines follow OBJECT2's data and the reader
    attaches them there; move TraCSS's own names to body level, where XML and JSON keep them."""
    body = msg.root.child("body")
    if body is None or body.line is None or ctx.xml_lines:
        return  # not KVN (JSON carries no line numbers, XML records its lines)
    segs = body.children_of("segment")
    data = segs[-1].child("data") if segs else None
    ud = data.child("userDefinedParameters") if data is not None else None
    if ud is None:
        return
    names = [k for k in ud.user if k in TRACSS_MESSAGE_USER_PARAMETERS]
    if not names:
        return
    top = body.ensure("userDefinedParameters")
    for k in names:
        top.user[k] = ud.user.pop(k)
    if not ud.user and not ud.comments and data is not None:
        data.children.remove(ud)


def _check(msg: Message, ctx: ReadContext) -> None:
    body = msg.root.child("body")
    segs = body.children_of("segment") if body else []
    if len(segs) != 2:
        line = segs[2].line if len(segs) > 2 else None
        raise ctx.error(
            f"a CDM has exactly 2 objects (OBJECT1, OBJECT2); found {len(segs)}",
            code="FORMAT_INCONSISTENT",
            line=line,
            keyword="OBJECT",
        )
    for seg, want in zip(segs, ("OBJECT1", "OBJECT2"), strict=True):
        meta = seg.child("metadata")
        got = meta.get("OBJECT") if meta else None
        if got != want:
            raise ctx.error(
                f"segment OBJECT is {got}, expected {want}",
                code="FORMAT_INCONSISTENT",
                line=meta.line if meta else seg.line,
                keyword="OBJECT",
            )
    _lift_kvn_message_user(msg, ctx)


CDM_SPEC = MessageSpec(
    name="CDM",
    version_keyword="CCSDS_CDM_VERS",
    xml_root="cdm",
    root=ROOT,
    versions=("1.0", "2.0"),
    default_version="1.0",
    message_class=Cdm,
    check=_check,
    doc="CCSDS 508.0-B-1 Conjunction Data Message, with the 508.0 v2.0 keywords",
)

register_schema(CDM_SPEC)
