"""CCSDS Orbit Ephemeris Message (OEM, 502.0-B-2/B-3): model, KVN/XML/JSON reading and writing.

An :class:`Oem` is a header plus segments. Each :class:`OemSegment` keeps its metadata (typed
keywords, SI), the ephemeris as numpy arrays (``epochs`` as ``datetime64[ns]`` calendar readings in
the segment's ``TIME_SYSTEM``; ``positions`` m, ``velocities`` m/s, optional ``accelerations`` m/s**2)
and its covariance matrices (6x6, m**2-based SI, with their frame, e.g. RTN/TNW/EME2000).
Interpolation method and degree are kept for the screening interpolator.

Reading is lenient (odd units or repeated keywords become ``warnings``) but never guesses data:
a malformed data line, a covariance row of the wrong length or a keyword inside the data raise
:class:`~openstc.errors.FormatError` with code, line and keyword. Writing always emits the standard
form. Data lines go through numpy in one pass per block, so a 10,000-state OEM reads in tens of ms.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from openstc.errors import FormatError
from openstc.formats import odm_keys
from openstc.formats.ccsds_time import Epoch
from openstc.formats.model import FormatWarning, ReadContext
from openstc.formats.odm_keys import COV_INDEX, keys
from openstc.formats.odm_read import InterpolationRead, TimeSystemRead, TokenReadable, read_version
from openstc.formats.oem_io import (
    Cursor,
    Tok,
    XNode,
    register_odm,
    unexpected,
    write_xml,
    xnode_to_json,
)
from openstc.formats.oem_keys import (
    KeywordBlock,
    convert,
    fmt_float,
    kvn_lines,
    located,
    parse_float,
    read_block,
    require_declared,
    xml_fill,
)
from openstc.formats.oem_lines import bad_line, epoch_column, epoch_of, float_table, format_epochs, split_rows
from openstc.formats.schema import Keyword

K = Keyword
HEADER = keys(odm_keys.HEADER)
METADATA = keys(
    odm_keys.METADATA,
    (
        K("START_TIME", "time", mandatory=True),
        K("USEABLE_START_TIME", "time"),
        K("USEABLE_STOP_TIME", "time"),
        K("STOP_TIME", "time", mandatory=True),
        odm_keys.INTERPOLATION,
        odm_keys.INTERPOLATION_DEGREE,
    ),
)
COV_EPOCH = odm_keys.EPOCH  # of each covariance matrix (its own block)
# XML/KVN keyword names of the covariance lower triangle, row by row: CX_X, CY_X, CY_Y, ...
COV_KEYS: list[tuple[str, int, int]] = [(k, i, j) for k, (i, j) in COV_INDEX.items()]
_COV_INDEX = COV_INDEX
_KM = 1e3


@dataclass(slots=True)
class OemCovariance:
    """One 6x6 covariance (m**2, m**2/s, m**2/s**2) at ``epoch``; ``frame`` None = the segment's frame."""

    epoch: Epoch
    matrix: np.ndarray
    frame: str | None = None
    comments: list[str] = field(default_factory=list)


@dataclass(slots=True)
class OemSegment(TimeSystemRead, InterpolationRead):
    """One OEM segment: metadata, states (SI numpy arrays) and covariances."""

    metadata: KeywordBlock
    epochs: np.ndarray  # datetime64[ns], calendar readings in time_system
    positions: np.ndarray  # (n, 3) m
    velocities: np.ndarray  # (n, 3) m/s
    accelerations: np.ndarray | None = None  # (n, 3) m/s**2
    covariances: list[OemCovariance] = field(default_factory=list)
    data_comments: list[str] = field(default_factory=list)

    def _interpolation_block(self) -> KeywordBlock:
        return self.metadata

    @property
    def object_name(self) -> str:
        return str(self.metadata.get("OBJECT_NAME", ""))

    @property
    def object_id(self) -> str:
        return str(self.metadata.get("OBJECT_ID", ""))

    @property
    def center_name(self) -> str:
        return str(self.metadata.get("CENTER_NAME", ""))

    @property
    def ref_frame(self) -> str:
        return str(self.metadata.get("REF_FRAME", ""))

    @property
    def states(self) -> np.ndarray:
        """(n, 6) position and velocity, m and m/s."""
        return np.hstack([self.positions, self.velocities])

    def epoch_at(self, i: int) -> Epoch:
        """Epoch of state ``i`` with the segment's time system (``.utc()`` converts; microseconds)."""
        return epoch_of(self.epochs[i], self.time_system)

    def times_since(self, t0: np.datetime64) -> np.ndarray:
        """Seconds from ``t0`` (a ``datetime64``) to each epoch, float64."""
        out: np.ndarray = (self.epochs - t0.astype("datetime64[ns]")).astype(np.int64) * 1e-9
        return out


@dataclass(slots=True)
class Oem(TokenReadable):
    """An OEM: version, header (CLASSIFICATION, CREATION_DATE, ORIGINATOR, MESSAGE_ID) and segments."""

    XML_TAG: ClassVar[str] = "oem"

    header: KeywordBlock
    segments: list[OemSegment]
    version: str = "3.0"
    warnings: list[FormatWarning] = field(default_factory=list, compare=False)

    # ----------------------------------------------------------------------------------- reading
    @classmethod
    def _from_tokens(cls, toks: list[Tok], ctx: ReadContext | None = None) -> Oem:
        ctx = ctx or ReadContext()
        c = Cursor(toks)
        version = read_version(c, "CCSDS_OEM_VERS")
        head = c.take_keywords()
        header = read_block(head, HEADER, "the OEM header", "UTC", ctx)
        require_declared(header, HEADER, "the OEM header", toks[0].line)
        segments: list[OemSegment] = []
        starts: list[Tok] = []
        while not c.done():
            t = c.next()
            if t.kind in ("start", "stop") and t.key in ("SEGMENT_X", "DATA_X"):
                continue
            if t.kind != "start" or t.key != "META":
                raise unexpected(t, "between OEM segments")
            segments.append(_read_segment(c, t, ctx))
            starts.append(t)
        if not segments:
            raise FormatError("OEM without any segment", code="FORMAT_MISSING_KEYWORD", keyword="META_START")
        systems = [s.time_system for s in segments]
        if len(set(systems)) > 1:
            k = next(i for i, s in enumerate(systems) if s != systems[0])
            raise FormatError(
                f"inconsistent time systems {systems[0]} and {systems[k]} between segments",
                code="FORMAT_INCONSISTENT",
                keyword="TIME_SYSTEM",
                line=starts[k].line,
                path=starts[k].path,
            )
        return cls(header, segments, version, ctx.warnings)

    # ----------------------------------------------------------------------------------- writing
    def to_kvn(self) -> str:
        out = [f"CCSDS_OEM_VERS = {self.version}"]
        out += kvn_lines(self.header, HEADER, width=14)
        for seg in self.segments:
            out += ["", "META_START"]
            out += kvn_lines(seg.metadata, METADATA, width=20)
            out += ["META_STOP", ""]
            out += [f"COMMENT {x}".rstrip() for x in seg.data_comments]
            epochs = format_epochs(seg.epochs)
            cols = [seg.positions, seg.velocities]
            if seg.accelerations is not None:
                cols.append(seg.accelerations)
            rows = (np.hstack(cols) / _KM).tolist()
            out += [e + " " + " ".join(map(repr, _trim(r))) for e, r in zip(epochs, rows, strict=True)]
            if seg.covariances:
                out += ["", "COVARIANCE_START"]
                for cov in seg.covariances:
                    out += [f"COMMENT {x}".rstrip() for x in cov.comments]
                    out.append(f"EPOCH = {cov.epoch.ccsds()}")
                    if cov.frame:
                        out.append(f"COV_REF_FRAME = {cov.frame}")
                    m = (cov.matrix / 1e6).tolist()
                    out += [" ".join(fmt_float(m[i][j]) for j in range(i + 1)) for i in range(6)]
                out.append("COVARIANCE_STOP")
        return "\n".join(out) + "\n"

    def to_xnode(self) -> XNode:
        root = XNode("oem", {"id": "CCSDS_OEM_VERS", "version": self.version})
        xml_fill(root.add("header"), self.header, HEADER)
        body = root.add("body")
        for seg in self.segments:
            sn = body.add("segment")
            xml_fill(sn.add("metadata"), seg.metadata, METADATA)
            data = sn.add("data")
            for x in seg.data_comments:
                data.add("COMMENT", x)
            names = ["X", "Y", "Z", "X_DOT", "Y_DOT", "Z_DOT"]
            cols = [seg.positions, seg.velocities]
            if seg.accelerations is not None:
                cols.append(seg.accelerations)
                names += ["X_DDOT", "Y_DDOT", "Z_DDOT"]
            rows = (np.hstack(cols) / _KM).tolist()
            for e, r in zip(format_epochs(seg.epochs), rows, strict=True):
                sv = data.add("stateVector")
                sv.children.append(XNode("EPOCH", text=e))
                sv.children.extend(XNode(n, text=repr(v)) for n, v in zip(names, _trim(r), strict=False))
            for cov in seg.covariances:
                cn = data.add("covarianceMatrix")
                for x in cov.comments:
                    cn.add("COMMENT", x)
                cn.add("EPOCH", cov.epoch.ccsds())
                if cov.frame:
                    cn.add("COV_REF_FRAME", cov.frame)
                for k, i, j in COV_KEYS:
                    cn.add(k, fmt_float(cov.matrix[i, j] / 1e6))
        return root

    def to_xml(self) -> str:
        return write_xml(self.to_xnode())

    def to_json(self) -> str:
        return json.dumps(xnode_to_json(self.to_xnode()))


def _trim(row: list[float]) -> list[float]:
    """A state row without its accelerations when they are absent (NaN)."""
    return row[:6] if len(row) == 9 and row[6] != row[6] else row


def _read_segment(c: Cursor, start: Tok, ctx: ReadContext) -> OemSegment:
    meta_toks: list[Tok] = []
    while True:
        t = c.next_inside(start)
        if t.kind == "stop" and t.key == "META":
            break
        if t.kind not in ("kv", "comment"):
            raise unexpected(t, "in OEM metadata")
        meta_toks.append(t)
    ts = next(
        (t.value.strip().upper() for t in meta_toks if t.kind == "kv" and t.key == "TIME_SYSTEM"), "UTC"
    )
    meta = read_block(meta_toks, METADATA, "OEM metadata", ts, ctx)
    require_declared(meta, METADATA, "OEM metadata", start.line, located(meta_toks)[1])
    if "TIME_SYSTEM" in meta.values:
        meta.values["TIME_SYSTEM"] = str(meta.values["TIME_SYSTEM"]).strip().upper()
    comments: list[str] = []
    data: list[Tok] = []
    covs: list[OemCovariance] = []
    while (nxt := c.peek()) is not None and not (nxt.kind == "start" and nxt.key == "META"):
        t = nxt
        if t.kind == "stop" and t.key in ("DATA_X", "SEGMENT_X"):
            c.next()
            if t.key == "SEGMENT_X":
                break
            continue
        if t.kind in ("start", "stop") and t.key == "DATA_X":
            c.next()
            continue
        c.next()
        if t.kind == "comment":
            if data or covs:
                ctx.warn("comment inside OEM data kept with the data comments", line=t.line)
            comments.append(t.value)
        elif t.kind == "data":
            if covs:
                raise unexpected(t, "after the covariance section")
            data.append(t)
        elif t.kind == "start" and t.key == "COVARIANCE":
            covs += _read_covariances(c, t, ts, ctx)
        else:
            raise unexpected(t, "in OEM ephemeris data")
    epochs, pos, vel, acc = _read_states(data)
    return OemSegment(meta, epochs, pos, vel, acc, covs, comments)


def _read_states(data: list[Tok]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """States of the data lines; rows without accelerations get NaN ones when others have them."""
    eps: list[np.ndarray] = []
    tabs: list[np.ndarray] = []
    for tok in data:
        parts = split_rows(tok, (7, 10), "OEM ephemeris")
        eps.append(epoch_column(tok, [p[0] for p in parts]))
        if all(len(p) == len(parts[0]) for p in parts):
            tab = float_table(tok, parts, 1, len(parts[0]) - 1)
        else:  # lines with and without accelerations mixed (allowed; Orekit OEMExample3)
            tab = np.full((len(parts), 9), np.nan)
            for n in (7, 10):
                idx = [i for i, p in enumerate(parts) if len(p) == n]
                sub = Tok(
                    "data",
                    lines=[(tok.lines or [])[i] for i in idx],
                    line=tok.line,
                    path=tok.path,
                    line_nos=[tok.line_nos[i] for i in idx] if tok.line_nos else None,
                )
                tab[idx, : n - 1] = float_table(sub, [parts[i] for i in idx], 1, n - 1)
        if tab.shape[1] == 6 and any(t.shape[1] == 9 for t in tabs):
            tab = np.hstack([tab, np.full((len(tab), 3), np.nan)])
        elif tab.shape[1] == 9:
            tabs = [np.hstack([t, np.full((len(t), 3), np.nan)]) if t.shape[1] == 6 else t for t in tabs]
        tabs.append(tab)
    if not tabs:
        z = np.zeros((0, 3))
        return np.zeros(0, dtype="datetime64[ns]"), z, z.copy(), None
    tab = np.vstack(tabs) * _KM
    acc = tab[:, 6:9] if tab.shape[1] == 9 else None
    return np.concatenate(eps), tab[:, 0:3], tab[:, 3:6], acc


def _read_covariances(c: Cursor, start: Tok, scale: str, ctx: ReadContext) -> list[OemCovariance]:
    """Covariances until COVARIANCE_STOP: ``EPOCH``, optional ``COV_REF_FRAME``, then 6 lower-triangle rows
    (KVN) or the 21 ``CX_X``... keywords (XML/JSON)."""
    out: list[OemCovariance] = []
    cur: OemCovariance | None = None
    filled = 0  # KVN rows read, or XML keys read (negative numbers count keys)
    pending: list[str] = []

    def finish(at: Tok | None) -> None:
        nonlocal cur, filled
        if cur is not None and filled not in (6, -21):
            kw = at.key if at is not None and at.kind == "kv" else "COVARIANCE_STOP"
            raise FormatError(
                f"incomplete covariance matrix before {kw} (expected the 21 values of a 6x6 lower triangle)",
                code="FORMAT_BAD_VALUE",
                line=None if at is None else at.line,
                keyword=kw,
            )
        if cur is not None:
            out.append(cur)
        cur, filled = None, 0

    while True:
        t = c.next_inside(start)
        if t.kind == "stop" and t.key == "COVARIANCE":
            finish(t)
            return out
        if t.kind == "comment":
            pending.append(t.value)
        elif t.kind == "kv" and t.key == "EPOCH":
            finish(t)
            cur = OemCovariance(convert(t, "EPOCH", COV_EPOCH, scale, ctx), np.zeros((6, 6)), None, pending)
            pending = []
        elif t.kind == "kv" and t.key == "COV_REF_FRAME" and cur is not None and filled == 0:
            cur.frame = t.value.strip()
        elif t.kind == "kv" and t.key in _COV_INDEX and cur is not None and filled <= 0:
            i, j = _COV_INDEX[t.key]
            v = parse_float(t.value, t) * 1e6
            cur.matrix[i, j] = cur.matrix[j, i] = v
            filled -= 1
        elif t.kind == "data" and cur is not None and filled >= 0:
            for k, line in enumerate(t.lines or []):
                fields = line.split()
                if filled >= 6:
                    raise bad_line(
                        t, k, "covariance row after a complete matrix (expected EPOCH or COVARIANCE_STOP)"
                    )
                if len(fields) != filled + 1:
                    raise bad_line(
                        t, k, f"covariance row {filled + 1} has {len(fields)} values, expected {filled + 1}"
                    )
                try:
                    row = [float(x) * 1e6 for x in fields]
                except ValueError:
                    raise bad_line(
                        t, k, "covariance value is not a number (expected reals in km and km/s units)"
                    ) from None
                cur.matrix[filled, : filled + 1] = row
                cur.matrix[: filled + 1, filled] = row
                filled += 1
        else:
            raise unexpected(t, "in the OEM covariance section")


register_odm("OEM", Oem)
