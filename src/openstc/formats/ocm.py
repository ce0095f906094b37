"""CCSDS Orbit Comprehensive Message (OCM, 502.0-B-3): model, KVN/XML/JSON reading and writing.

An :class:`Ocm` is a header, metadata (with ``EPOCH_TZERO``, the origin of relative times) and the
data blocks: trajectories (:class:`OcmTrajectory`, any SANA element-set type: CARTP, CARTPV,
CARTPVA, KEPLERIAN, EQUINOCTIAL, GEODETIC, ...), covariances (:class:`OcmCovariance`, all five
orderings), maneuvers (:class:`OcmManeuver`, any composition), physical properties, perturbations,
orbit determination and user-defined parameters.

Data lines are numpy arrays: ``times_s`` (seconds from EPOCH_TZERO on the message's clock,
whether the line gave a relative time or an absolute epoch) and ``elements``/``matrices``/
``columns`` in SI (m, m/s, m/s**2, rad, m**2...; per-cent values become fractions). Keyword blocks
are :class:`~openstc.formats.oem_keys.KeywordBlock` (keyword -> SI value; relative epochs in
keywords such as ``OD_EPOCH = 0.0`` are resolved to :class:`Epoch`). Units given in
``TRAJ_UNITS``/``COV_UNITS``/``MAN_UNITS`` must be the standard's (``FORMAT_BAD_UNIT`` otherwise).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from openstc.errors import FormatError
from openstc.formats.ccsds_time import Epoch
from openstc.formats.model import FormatWarning, ReadContext, opt_str
from openstc.formats.ocm_keys import (
    COV,
    HEADER,
    MAN,
    METADATA,
    OD,
    PERT,
    PHYS,
    TRAJ,
)
from openstc.formats.ocm_lines import (
    cov_factors,
    element_factors,
    format_times,
    read_cov_lines,
    read_man_lines,
    read_traj_lines,
    write_cov_lines,
    write_man_lines,
    write_traj_lines,
)
from openstc.formats.odm_read import InterpolationRead, TimeSystemRead, TokenReadable, read_version
from openstc.formats.oem_io import (
    Cursor,
    Tok,
    XNode,
    register_odm,
    tok_error,
    unexpected,
    write_xml,
)
from openstc.formats.oem_io import xnode_to_json as _to_json
from openstc.formats.oem_keys import KeywordBlock, kvn_lines, located, read_block, require_declared, xml_fill
from openstc.formats.schema import Keyword

_BLOCKS: dict[str, dict[str, Keyword]] = {
    "TRAJ": TRAJ,
    "PHYS": PHYS,
    "COV": COV,
    "MAN": MAN,
    "PERT": PERT,
    "OD": OD,
}
_SINGLE = ("PHYS", "PERT", "OD", "USER")


@dataclass(slots=True)
class OcmTrajectory(InterpolationRead):
    """One trajectory block: keywords plus ``times_s`` (n,) and ``elements`` (n, k) in SI."""

    block: KeywordBlock
    times_s: np.ndarray
    elements: np.ndarray

    @property
    def traj_type(self) -> str:
        return str(self.block.get("TRAJ_TYPE", "CARTPV")).upper()

    @property
    def orb_averaging(self) -> str:
        """ORB_AVERAGING (the standard's default OSCULATING when absent)."""
        return str(self.block.get("ORB_AVERAGING", "OSCULATING"))

    @property
    def frame(self) -> str | None:
        return opt_str(self.block, "TRAJ_REF_FRAME")

    @property
    def center(self) -> str:
        return str(self.block.get("CENTER_NAME", "EARTH"))

    def _interpolation_block(self) -> KeywordBlock:
        return self.block

    @property
    def positions(self) -> np.ndarray:
        """(n, 3) m, for the Cartesian types."""
        self._cartesian()
        return self.elements[:, 0:3]

    @property
    def velocities(self) -> np.ndarray:
        self._cartesian()
        if self.elements.shape[1] < 6:
            raise FormatError(f"{self.traj_type} has no velocities", code="FORMAT_INCONSISTENT")
        return self.elements[:, 3:6]

    def _cartesian(self) -> None:
        if not self.traj_type.startswith("CARTP"):
            raise FormatError(f"{self.traj_type} is not a Cartesian element set", code="FORMAT_INCONSISTENT")


@dataclass(slots=True)
class OcmCovariance:
    """One covariance block: ``times_s`` (n,) and ``matrices`` (n, k, k), SI, symmetric."""

    block: KeywordBlock
    times_s: np.ndarray
    matrices: np.ndarray

    @property
    def cov_type(self) -> str:
        return str(self.block.get("COV_TYPE", "CARTPV")).upper()

    @property
    def ordering(self) -> str:
        return str(self.block.get("COV_ORDERING", "LTM")).upper()


@dataclass(slots=True)
class OcmManeuver:
    """One maneuver block: ``fields`` (MAN_COMPOSITION), ``times_s`` and one column per field
    (floats in SI; text for DEPLOY_ID/ACC_INTERP/THR_INTERP; TIME_ABSOLUTE as seconds from t0)."""

    block: KeywordBlock
    fields: list[str]
    times_s: np.ndarray
    columns: dict[str, np.ndarray]


@dataclass(slots=True)
class Ocm(TimeSystemRead, TokenReadable):
    """An OCM: header, metadata and data blocks (see the module docstring)."""

    XML_TAG: ClassVar[str] = "ocm"

    header: KeywordBlock
    metadata: KeywordBlock
    trajectories: list[OcmTrajectory] = field(default_factory=list)
    physical: KeywordBlock | None = None
    covariances: list[OcmCovariance] = field(default_factory=list)
    maneuvers: list[OcmManeuver] = field(default_factory=list)
    perturbations: KeywordBlock | None = None
    od: KeywordBlock | None = None
    user: KeywordBlock | None = None  # USER_DEFINED_<name> -> text
    version: str = "3.0"
    warnings: list[FormatWarning] = field(default_factory=list, compare=False)

    @property
    def epoch_tzero(self) -> Epoch:
        e = self.metadata["EPOCH_TZERO"]
        assert isinstance(e, Epoch)
        return e

    def epochs(self, times_s: np.ndarray) -> np.ndarray:
        """``datetime64[ns]`` calendar readings (in ``time_system``) of times relative to EPOCH_TZERO."""
        t0 = np.datetime64(self.epoch_tzero.calendar, "ns") + np.timedelta64(int(self.epoch_tzero.leap), "s")
        out: np.ndarray = t0 + np.round(np.asarray(times_s) * 1e9).astype("timedelta64[ns]")
        return out

    def cartesian_states(self) -> tuple[np.ndarray, np.ndarray]:
        """``(times_s, states)`` of every CARTPV/CARTPVA trajectory block, time-ordered: seconds from
        EPOCH_TZERO and (n, 6) position/velocity in m, m/s (each block in its own TRAJ_REF_FRAME)."""
        blocks = [t for t in self.trajectories if t.traj_type in ("CARTPV", "CARTPVA")]
        if not blocks:
            raise FormatError(
                "the OCM has no Cartesian position/velocity trajectory", code="FORMAT_INCONSISTENT"
            )
        times = np.concatenate([t.times_s for t in blocks])
        states = np.vstack([t.elements[:, :6] for t in blocks])
        order = np.argsort(times, kind="stable")
        return times[order], states[order]

    @property
    def sclk_sec_per_si_sec(self) -> float:
        """Spacecraft clock seconds per SI second (the standard's default 1.0 when absent)."""
        return float(self.metadata.get("SCLK_SEC_PER_SI_SEC", 1.0))

    # ----------------------------------------------------------------------------------- reading
    @classmethod
    def _from_tokens(cls, toks: list[Tok], ctx: ReadContext | None = None) -> Ocm:
        ctx = ctx or ReadContext()
        c = Cursor(toks)
        version = read_version(c, "CCSDS_OCM_VERS")
        head = c.take_keywords()
        header = read_block(head, HEADER, "the OCM header", "UTC", ctx)
        require_declared(header, HEADER, "the OCM header")
        meta: KeywordBlock | None = None
        ocm: Ocm | None = None
        while not c.done():
            t = c.next()
            if t.kind in ("start", "stop") and t.key in ("SEGMENT_X", "DATA_X"):
                continue
            if t.kind != "start":
                raise unexpected(t, "between OCM blocks")
            body = _block_tokens(c, t)
            if t.key == "META":
                if meta is not None:
                    raise tok_error(
                        t,
                        "META_START not expected: the OCM has one metadata block",
                        "FORMAT_UNEXPECTED_KEYWORD",
                        "META",
                    )
                meta = _read_meta(body, t, ctx)
                ocm = cls(header, meta, version=version, warnings=ctx.warnings)
                continue
            if ocm is None:
                raise tok_error(
                    t, f"{t.key}_START before the OCM metadata", "FORMAT_UNEXPECTED_KEYWORD", t.key
                )
            ocm._add_block(t, body, ctx)
        if ocm is None:
            raise FormatError("OCM without metadata", code="FORMAT_MISSING_KEYWORD", keyword="EPOCH_TZERO")
        return ocm

    def _add_block(self, start: Tok, body: list[Tok], ctx: ReadContext) -> None:
        name = start.key
        t0, ts = self.epoch_tzero, self.time_system
        if name in _SINGLE and getattr(self, _ATTR[name]) is not None:
            raise tok_error(start, f"second {name} block", "FORMAT_UNEXPECTED_KEYWORD", name)
        if name == "MAN":
            body = _join_composition(body, ctx)
        kvs = [t for t in body if t.kind in ("kv", "comment")]
        data = [t for t in body if t.kind == "data"]
        if name == "USER":
            blk = read_block(kvs, {}, "the OCM user block", ts, ctx, t0, allow_user=True)
            self.user = blk
            return
        decl = _BLOCKS.get(name)
        if decl is None:
            raise tok_error(start, f"{name}_START not expected in an OCM", "FORMAT_UNEXPECTED_KEYWORD", name)
        blk = read_block(kvs, decl, f"the OCM {name} block", ts, ctx, t0)
        if data and name not in ("TRAJ", "COV", "MAN"):
            raise unexpected(data[0], f"in the OCM {name} block")
        if name == "TRAJ":
            if "ORB_REVNUM" in blk and "ORB_REVNUM_BASIS" not in blk:
                raise FormatError(
                    "ORB_REVNUM given without ORB_REVNUM_BASIS",
                    code="FORMAT_MISSING_KEYWORD",
                    line=start.line,
                    keyword="ORB_REVNUM_BASIS",
                )
            times, el = read_traj_lines(blk, data, t0, start, ctx)
            self.trajectories.append(OcmTrajectory(blk, times, el))
        elif name == "COV":
            times, mats = read_cov_lines(blk, data, t0, start)
            self.covariances.append(OcmCovariance(blk, times, mats))
        elif name == "MAN":
            fields, times, cols = read_man_lines(blk, data, t0, start, ctx)
            self.maneuvers.append(OcmManeuver(blk, fields, times, cols))
        else:
            setattr(self, _ATTR[name], blk)

    # ----------------------------------------------------------------------------------- writing
    def _blocks_in_order(self) -> list[tuple[str, Any]]:
        out: list[tuple[str, Any]] = [("TRAJ", x) for x in self.trajectories]
        if self.physical is not None:
            out.append(("PHYS", self.physical))
        out += [("COV", x) for x in self.covariances]
        out += [("MAN", x) for x in self.maneuvers]
        for name in ("PERT", "OD", "USER"):
            blk = getattr(self, _ATTR[name])
            if blk is not None:
                out.append((name, blk))
        return out

    def to_kvn(self) -> str:
        out = [f"CCSDS_OCM_VERS = {self.version}"]
        out += kvn_lines(self.header, HEADER, 14)
        out += ["", "META_START", *kvn_lines(self.metadata, METADATA, 24), "META_STOP"]
        t0 = self.epoch_tzero
        for name, obj in self._blocks_in_order():
            out += ["", f"{name}_START"]
            if name == "TRAJ":
                out += kvn_lines(obj.block, TRAJ, 20)
                out += write_traj_lines(obj.times_s, obj.elements / element_factors(obj.block, obj.elements))
            elif name == "COV":
                out += kvn_lines(obj.block, COV, 20)
                out += write_cov_lines(
                    obj.block, obj.times_s, obj.matrices / cov_factors(obj.block, obj.matrices)
                )
            elif name == "MAN":
                out += kvn_lines(obj.block, MAN, 20)
                out += write_man_lines(obj, t0)
            else:
                out += kvn_lines(obj, _BLOCKS.get(name, {}), 24)
            out.append(f"{name}_STOP")
        return "\n".join(out) + "\n"

    def to_xnode(self) -> XNode:
        root = XNode("ocm", {"id": "CCSDS_OCM_VERS", "version": self.version})
        xml_fill(root.add("header"), self.header, HEADER)
        seg = root.add("body").add("segment")
        xml_fill(seg.add("metadata"), self.metadata, METADATA)
        data = seg.add("data")
        t0 = self.epoch_tzero
        for name, obj in self._blocks_in_order():
            node = data.add(name.lower())
            if name == "TRAJ":
                xml_fill(node, obj.block, TRAJ)
                lines = write_traj_lines(obj.times_s, obj.elements / element_factors(obj.block, obj.elements))
                node.children.extend(XNode("trajLine", text=s) for s in lines)
            elif name == "COV":
                xml_fill(node, obj.block, COV)
                f = cov_factors(obj.block, obj.matrices)
                node.children.extend(
                    XNode("covLine", text=s)
                    for s in write_cov_lines(obj.block, obj.times_s, obj.matrices / f)
                )
            elif name == "MAN":
                xml_fill(node, obj.block, MAN)
                node.children.extend(XNode("manLine", text=s) for s in write_man_lines(obj, t0))
            else:
                xml_fill(node, obj, _BLOCKS.get(name, {}))
        return root

    def to_xml(self) -> str:
        return write_xml(self.to_xnode())

    def to_json(self) -> str:
        return json.dumps(_to_json(self.to_xnode()))


_ATTR = {"PHYS": "physical", "PERT": "perturbations", "OD": "od", "USER": "user"}


def _block_tokens(c: Cursor, start: Tok) -> list[Tok]:
    body: list[Tok] = []
    while True:
        t = c.next_inside(start)
        if t.kind == "stop" and t.key == start.key:
            return body
        if t.kind in ("start", "stop"):
            raise unexpected(t, f"inside {start.key}_START/{start.key}_STOP")
        body.append(t)


def _join_composition(body: list[Tok], ctx: ReadContext) -> list[Tok]:
    """MAN_COMPOSITION continued on the next line (ends with ``,`` or ``<cont.>``: Blue Book PDF copies)."""
    out: list[Tok] = []
    i = 0
    while i < len(body):
        t = body[i]
        v = t.value.rstrip()
        if (
            t.kind == "kv"
            and t.key == "MAN_COMPOSITION"
            and (v.endswith(",") or v.lower().endswith("<cont.>"))
        ):
            nxt = body[i + 1] if i + 1 < len(body) else None
            if nxt is not None and nxt.kind == "data" and nxt.lines:
                head = v[: -len("<cont.>")] if v.lower().endswith("<cont.>") else v
                joined = head.rstrip().rstrip(",") + ", " + nxt.lines[0]
                ctx.warn("MAN_COMPOSITION continued on the next line, joined", line=t.line, keyword=t.key)
                out.append(Tok("kv", key=t.key, value=joined, unit=t.unit, line=t.line, path=t.path))
                rest = nxt.lines[1:]
                if rest:
                    nos = nxt.line_nos[1:] if nxt.line_nos else None
                    out.append(
                        Tok("data", lines=rest, line_nos=nos, line=nos[0] if nos else nxt.line, path=nxt.path)
                    )
                i += 2
                continue
        out.append(t)
        i += 1
    return out


def _read_meta(body: list[Tok], start: Tok, ctx: ReadContext) -> KeywordBlock:
    for t in body:
        if t.kind == "data":
            raise unexpected(t, "in the OCM metadata")
    ts = next((t.value.strip().upper() for t in body if t.kind == "kv" and t.key == "TIME_SYSTEM"), "UTC")
    meta = read_block(body, METADATA, "the OCM metadata", ts, ctx)
    require_declared(meta, METADATA, "the OCM metadata", start.line, located(body)[1])
    if "TIME_SYSTEM" not in meta:
        ctx.warn(
            "TIME_SYSTEM absent from the OCM metadata: UTC assumed", keyword="TIME_SYSTEM", line=start.line
        )
    else:
        meta.values["TIME_SYSTEM"] = ts
    return meta


def format_relative(times_s: np.ndarray) -> list[str]:
    """Relative times as written in data lines (kept here for callers; see ocm_lines)."""
    return format_times(times_s)


register_odm("OCM", Ocm)
