"""Operator ephemerides as screening inputs: arrays of states interpolated as the message says.

An :class:`Ephemeris` is what an OEM or OCM trajectory block reduces to: epochs, positions,
velocities, the frame, the interpolation method and degree the message states
(``INTERPOLATION``/``INTERPOLATION_DEGREE``), and optional 6x6 covariances with their frame. It is
deliberately a plain array record; :func:`from_oem_segment` and :func:`from_ocm` build it from the
message models.

Interpolation: ``LAGRANGE`` (degree d uses the d + 1 nearest states, positions and velocities
interpolated separately), ``HERMITE`` (degree d uses (d + 1) // 2 nearest states with their
velocities, the CCSDS meaning of the degree) and ``LINEAR``. Outside the covered span the states are
NaN: the object simply is not there, which screening reports.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from openstc.astro import frames
from openstc.astro.sgp4prop import seconds_between
from openstc.errors import InvalidArgumentError
from openstc.formats.ocm import Ocm
from openstc.formats.oem_lines import epoch_of

F64 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Ephemeris:
    """States of one object. ``times_s`` are seconds from ``t0`` (UTC), increasing."""

    norad_id: int
    t0: datetime
    times_s: F64
    r_m: F64  # (n, 3)
    v_m_s: F64  # (n, 3)
    frame: str = "TEME"
    interpolation: str = "HERMITE"
    degree: int = 5
    covariance: F64 | None = None  # (n, 6, 6), m and m/s
    covariance_frame: str = "RTN"  # "RTN" or the same frame as the states
    name: str | None = None
    object_type: str = "PAYLOAD"
    extra: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        t = np.asarray(self.times_s, dtype=np.float64)
        if t.ndim != 1 or t.size < 2 or np.any(np.diff(t) <= 0):
            raise InvalidArgumentError("an ephemeris needs at least two states with increasing epochs")
        if np.shape(self.r_m) != (t.size, 3) or np.shape(self.v_m_s) != (t.size, 3):
            raise InvalidArgumentError("ephemeris positions and velocities must have shape (n, 3)")
        if self.interpolation.upper() not in ("LAGRANGE", "HERMITE", "LINEAR"):
            raise InvalidArgumentError(f"unsupported interpolation method {self.interpolation!r}")
        if not frames.is_supported_frame(self.frame):
            raise InvalidArgumentError(f"unsupported ephemeris reference frame {self.frame!r}")


@dataclass
class EphemerisTrack:
    """An ephemeris rotated to TEME with times relative to the screening start, ready to interpolate."""

    eph: Ephemeris
    times_s: F64
    r: F64
    v: F64
    #: Hermite coefficients per node window (first node -> (window start s, time scale s, coefficients))
    _coef: dict[int, tuple[float, float, F64]] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def build(cls, eph: Ephemeris, start: datetime) -> EphemerisTrack:
        offset = seconds_between(start, eph.t0)
        t = np.asarray(eph.times_s, dtype=np.float64) + offset
        r = np.array(eph.r_m, dtype=np.float64)
        v = np.array(eph.v_m_s, dtype=np.float64)
        if eph.frame.upper() in ("GCRF", "EME2000", "J2000", "ICRF"):
            # one vectorized pass: M.T @ r for every state (a per-state loop costs ~1 s per 10,000 states)
            m = frames.teme_to_j2000_matrices(start, t)
            r = np.einsum("nji,nj->ni", m, r)
            v = np.einsum("nji,nj->ni", m, v)
        elif eph.frame.upper() != "TEME":
            from openstc.astro.sgp4prop import offset_to_datetime

            for k in range(t.size):
                when = offset_to_datetime(start, float(t[k]))
                r[k], v[k] = frames.frame_to_teme(eph.frame, when, r[k], v[k])
        return cls(eph, t, r, v)

    @property
    def span(self) -> tuple[float, float]:
        return float(self.times_s[0]), float(self.times_s[-1])

    def state1(self, t: float) -> tuple[F64, F64] | None:
        """State at one time (None outside the ephemeris): the refinement's many scalar calls, without
        the array set-up of :meth:`states` for Hermite ephemerides."""
        if not (self.times_s[0] <= t <= self.times_s[-1]):
            return None
        n = self.times_s.size
        npts = min(max((self.eph.degree + 1) // 2, 2), n)
        if self.eph.interpolation.upper() != "HERMITE":
            rr, vv = self.states(np.array([t]))
            return rr[0], vv[0]
        first = min(max(int(np.searchsorted(self.times_s, t)) - npts // 2, 0), n - npts)
        got = self._coef.get(first)
        if got is None:
            rr, vv = self.states(np.array([t]))  # solves and keeps this window's coefficients
            return rr[0], vv[0]
        t0, sc, c = got
        x = (t - t0) / sc
        deg = c.shape[0]
        r = c[deg - 1].copy()
        d = (deg - 1) * c[deg - 1]
        for k in range(deg - 2, -1, -1):
            r = r * x + c[k]
            if k > 0:
                d = d * x + k * c[k]
        return r, d / sc

    def states(self, t: F64) -> tuple[F64, F64]:
        """Interpolated TEME positions/velocities at ``t`` (seconds from the screening start)."""
        t = np.atleast_1d(np.asarray(t, dtype=np.float64))
        method = self.eph.interpolation.upper()
        n = self.times_s.size
        if method == "LINEAR":
            npts, use_vel = 2, False
        elif method == "LAGRANGE":
            npts, use_vel = min(max(self.eph.degree, 1) + 1, n), False
        else:
            npts, use_vel = min(max((self.eph.degree + 1) // 2, 2), n), True
        r_out = np.full((t.size, 3), np.nan)
        v_out = np.full((t.size, 3), np.nan)
        inside = (t >= self.times_s[0]) & (t <= self.times_s[-1])
        if not inside.any():
            return r_out, v_out
        tq = t[inside]
        idx = np.searchsorted(self.times_s, tq)  # first node >= t
        first = np.clip(idx - npts // 2, 0, n - npts)
        nodes = first[:, None] + np.arange(npts)[None, :]
        tn = self.times_s[nodes]  # (q, p)
        scale = max(float(np.max(tn[:, -1] - tn[:, 0])), 1e-9)
        x = (tq[:, None] - tn[:, :1]) / scale
        xn = (tn - tn[:, :1]) / scale
        if not use_vel:
            # Lagrange basis l_j(x) and derivative
            p = npts
            L = np.ones((tq.size, p))
            dL = np.zeros((tq.size, p))
            for j in range(p):
                for m in range(p):
                    if m == j:
                        continue
                    den = xn[:, j] - xn[:, m]
                    term = (x[:, 0] - xn[:, m]) / den
                    # derivative by the product rule, accumulated
                    dL[:, j] = dL[:, j] * term + L[:, j] / den
                    L[:, j] = L[:, j] * term
            r_out[inside] = np.einsum("qp,qpk->qk", L, self.r[nodes])
            v_out[inside] = np.einsum("qp,qpk->qk", L, self.v[nodes])
            return r_out, v_out
        # Hermite: polynomial of degree 2p - 1 matching positions and velocities at p nodes. The
        # coefficients of each node window are solved once and kept: refinement asks for one time at a
        # time, many times in the same few windows.
        p = npts
        deg = 2 * p
        powers = np.arange(deg)
        dpow = np.where(powers > 0, powers, 0)
        missing = np.array([f for f in np.unique(first) if int(f) not in self._coef], dtype=np.int64)
        if missing.size:
            mn = missing[:, None] + np.arange(p)[None, :]
            tm = self.times_s[mn]
            sc = np.maximum(tm[:, -1] - tm[:, 0], 1e-9)
            xm = (tm - tm[:, :1]) / sc[:, None]
            A = np.zeros((missing.size, deg, deg))
            A[:, :p, :] = xm[:, :, None] ** powers[None, None, :]
            A[:, p:, :] = dpow[None, None, :] * np.where(
                powers[None, None, :] > 0, xm[:, :, None] ** np.maximum(powers - 1, 0)[None, None, :], 0.0
            )
            rhs = np.concatenate([self.r[mn], self.v[mn] * sc[:, None, None]], axis=1)  # (w, 2p, 3)
            cm = np.linalg.solve(A, rhs)
            for w, f in enumerate(missing):
                self._coef[int(f)] = (float(tm[w, 0]), float(sc[w]), cm[w])
        uniq, inv = np.unique(first, return_inverse=True)
        got = [self._coef[int(f)] for f in uniq]
        t0w = np.array([g[0] for g in got])[inv]
        scw = np.array([g[1] for g in got])[inv]
        coef = np.stack([g[2] for g in got])[inv]
        xq = (tq - t0w) / scw
        xp = xq[:, None] ** powers[None, :]
        dxp = dpow[None, :] * np.where(
            powers[None, :] > 0, xq[:, None] ** np.maximum(powers - 1, 0)[None, :], 0.0
        )
        r_out[inside] = np.einsum("qd,qdk->qk", xp, coef)
        v_out[inside] = np.einsum("qd,qdk->qk", dxp, coef) / scw[:, None]
        return r_out, v_out

    def covariance_at(self, t: float) -> F64 | None:
        """Covariance at ``t`` (linear in time between the bracketing ones), in the RTN frame."""
        cov = self.eph.covariance
        if cov is None:
            return None
        c = np.asarray(cov, dtype=np.float64)
        if not (self.times_s[0] <= t <= self.times_s[-1]):
            return None
        k = int(np.clip(np.searchsorted(self.times_s, t) - 1, 0, self.times_s.size - 2))
        w = (t - self.times_s[k]) / (self.times_s[k + 1] - self.times_s[k])
        ck = (1.0 - w) * c[k] + w * c[k + 1]
        if self.eph.covariance_frame.upper() in ("RTN", "RSW", "RIC", "LVLH_RTN"):
            return np.asarray(ck, dtype=np.float64)
        r, v = self.states(np.array([t]))
        return frames.covariance_to_rtn(r[0], v[0], ck)


def from_oem_segment(segment: Any, norad_id: int | None = None, object_type: str = "PAYLOAD") -> Ephemeris:
    """An :class:`Ephemeris` from an ``openstc.formats.oem.OemSegment`` (states, interpolation and
    covariances as the segment states them; epochs converted to UTC)."""
    first = segment.epoch_at(0).utc()
    n = int(segment.positions.shape[0])
    times = np.array([seconds_between(first, segment.epoch_at(k).utc()) for k in range(n)], dtype=np.float64)
    if norad_id is None:
        norad_id = _norad_from(segment.object_id) or _norad_from(segment.object_name) or 0
    cov = None
    cov_frame = "RTN"
    if segment.covariances:
        ctimes = np.array([seconds_between(first, c.epoch.utc()) for c in segment.covariances])
        mats = np.array([np.asarray(c.matrix, dtype=np.float64) for c in segment.covariances])
        frame = segment.covariances[0].frame or segment.ref_frame
        cov_frame = "RTN" if str(frame).upper() in ("RTN", "RSW", "RIC", "LVLH") else str(segment.ref_frame)
        # covariances at the state epochs, linear in time between the given ones (held at the ends)
        cov = np.empty((n, 6, 6))
        for a in range(6):
            for b in range(6):
                cov[:, a, b] = np.interp(times, ctimes, mats[:, a, b])
    method = (segment.interpolation or "HERMITE").upper()
    degree = segment.interpolation_degree or (5 if method != "LINEAR" else 1)
    return Ephemeris(
        norad_id=int(norad_id),
        t0=first,
        times_s=times,
        r_m=np.asarray(segment.positions, dtype=np.float64),
        v_m_s=np.asarray(segment.velocities, dtype=np.float64),
        frame=segment.ref_frame or "EME2000",
        interpolation=method,
        degree=int(degree),
        covariance=cov,
        covariance_frame=cov_frame,
        name=segment.object_name or None,
        object_type=object_type,
    )


def _norad_from(text: str | None) -> int | None:
    """A NORAD catalog number from an OBJECT_ID/OBJECT_NAME when it is one (digits only)."""
    if not text:
        return None
    t = text.strip()
    return int(t) if t.isdigit() else None


# COV_REF_FRAME values whose axes are radial / along-track-ish / orbit normal (the RTN of CDMs)
_RTN_LIKE = frozenset({"RTN", "RSW", "RIC", "LVLH", "QSW", "RTN_INERTIAL", "RSW_INERTIAL", "QSW_INERTIAL"})
_TNW_LIKE = frozenset({"TNW", "TNW_INERTIAL"})


def from_ocm(ocm: Ocm, norad_id: int | None = None, object_type: str = "PAYLOAD") -> Ephemeris:
    """An :class:`Ephemeris` from an ``openstc.formats.ocm.Ocm``.

    States: every CARTPV/CARTPVA trajectory block (other element sets are ignored), which must share
    one TRAJ_REF_FRAME; where blocks overlap, a repeated epoch is kept once (the earlier block's).
    Times: EPOCH_TZERO plus the relative times, converted to UTC (UTC/TAI/TT/GPS, UT1 with
    UT1MUTC_AT_TZERO). Interpolation: the first Cartesian block's INTERPOLATION/INTERPOLATION_DEGREE
    (HERMITE 5 when absent, as for OEM). Covariance: the CARTPV (and the position/velocity part of
    CARTPVA) blocks, at the state epochs, linear in time between the given ones and held at the ends; in
    RTN when any block is RTN-like or TNW (TNW and inertial blocks are rotated to RTN with the states),
    else in the states' frame. NORAD ID: ``norad_id`` when given (the caller knows
    the object, e.g. the store's record of an upload), else OBJECT_DESIGNATOR, INTERNATIONAL_DESIGNATOR or
    OBJECT_NAME when one is all digits, else 0. Raises InvalidArgumentError for an OCM without
    Cartesian position/velocity states, with several state frames, or with a time system that has no
    relation to UTC.
    """
    blocks = sorted(
        (t for t in ocm.trajectories if t.traj_type in ("CARTPV", "CARTPVA")),
        key=lambda t: float(t.times_s[0]) if t.times_s.size else 0.0,
    )
    if not blocks:
        kinds = ", ".join(sorted({t.traj_type for t in ocm.trajectories})) or "none"
        raise InvalidArgumentError(
            f"an OCM for screening needs Cartesian position/velocity trajectory blocks (TRAJ_TYPE = CARTPV "
            f"or CARTPVA); this one has: {kinds}"
        )
    # TRAJ_REF_FRAME defaults to ICRF in 502.0-B-3 when a block omits it
    frames_used = sorted({(t.frame or "ICRF").upper() for t in blocks})
    if len(frames_used) > 1:
        raise InvalidArgumentError(
            "the Cartesian trajectory blocks of an OCM for screening must share one TRAJ_REF_FRAME; got "
            + ", ".join(frames_used)
        )
    frame = frames_used[0]
    rel = np.concatenate([t.times_s for t in blocks]).astype(np.float64)
    states = np.vstack([t.elements[:, :6] for t in blocks]).astype(np.float64)
    order = np.argsort(rel, kind="stable")  # stable: of two equal epochs the earlier block's comes first
    rel, states = rel[order], states[order]
    keep = np.concatenate([[True], np.diff(rel) > 1e-6])  # overlapping blocks repeat their boundary epochs
    rel, states = rel[keep], states[keep]
    t0, times = _ocm_utc_times(ocm, rel)
    meta = ocm.metadata
    name = meta.get("OBJECT_NAME")
    found = (
        _norad_from(_text(meta.get("OBJECT_DESIGNATOR")))
        or _norad_from(_text(meta.get("INTERNATIONAL_DESIGNATOR")))
        or _norad_from(_text(name))
    )
    nid = norad_id if norad_id is not None else (found or 0)
    first = blocks[0]
    method = (first.interpolation or "HERMITE").upper()
    degree = first.interpolation_degree or (5 if method != "LINEAR" else 1)
    eph = Ephemeris(
        norad_id=int(nid),
        t0=t0,
        times_s=times,
        r_m=states[:, 0:3].copy(),
        v_m_s=states[:, 3:6].copy(),
        frame=frame,
        interpolation=method,
        degree=int(degree),
        name=_text(name),
        object_type=object_type,
    )
    cov, cov_frame = _ocm_covariance(ocm, eph, rel)
    if cov is None:
        return eph
    return replace(eph, covariance=cov, covariance_frame=cov_frame)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _ocm_utc_times(ocm: Ocm, rel: F64) -> tuple[datetime, F64]:
    """UTC of the first epoch and the seconds of every epoch from it (UTC datetime differences, as
    :func:`from_oem_segment` counts them)."""
    scale = ocm.time_system
    ut1 = ocm.metadata.get("UT1MUTC_AT_TZERO")
    readings = ocm.epochs(rel)

    def utc(k: int) -> datetime:
        try:
            return epoch_of(readings[k], scale).utc(None if ut1 is None else float(ut1))
        except InvalidArgumentError as exc:
            raise InvalidArgumentError(
                "OCM times must convert to UTC (TIME_SYSTEM UTC, TAI, TT, GPS, or UT1 with "
                f"UT1MUTC_AT_TZERO): {exc}"
            ) from None

    t0 = utc(0)
    span = seconds_between(t0, utc(rel.size - 1))
    # t0 holds microseconds; the nanoseconds below them stay in the relative times
    below_us = float(
        (readings[0] - readings[0].astype("datetime64[us]")).astype("timedelta64[ns]").astype(np.int64)
    )
    times = rel - rel[0] + below_us * 1e-9
    if abs(span - float(times[-1] - times[0])) > 1e-5:  # a leap second inside the span: each epoch
        times = np.array([seconds_between(t0, utc(k)) for k in range(rel.size)], dtype=np.float64)
    return t0, times


def _ocm_covariance(ocm: Ocm, eph: Ephemeris, rel: F64) -> tuple[F64 | None, str]:
    """The 6x6 covariances of an OCM at the ephemeris epochs and their frame ("RTN" or the states')."""
    blocks = [c for c in ocm.covariances if c.cov_type in ("CARTPV", "CARTPVA") and c.times_s.size]
    if not blocks:
        return None, "RTN"
    kinds = [str(c.block.get("COV_REF_FRAME") or eph.frame).upper() for c in blocks]
    to_rtn = any(k in _RTN_LIKE or k in _TNW_LIKE for k in kinds)
    ctimes_all: list[F64] = []
    mats_all: list[F64] = []
    # states in the ephemeris' own frame (not TEME) at the covariance epochs, for the rotations to RTN
    native = EphemerisTrack(eph, np.asarray(eph.times_s), np.asarray(eph.r_m), np.asarray(eph.v_m_s))
    for c, kind in zip(blocks, kinds, strict=True):
        ct = np.asarray(c.times_s, dtype=np.float64) - rel[0]
        m = np.asarray(c.matrices, dtype=np.float64)[:, :6, :6].copy()
        if to_rtn and kind not in _RTN_LIKE:
            r, v = native.states(np.clip(ct, eph.times_s[0], eph.times_s[-1]))
            for k in range(ct.size):
                if kind in _TNW_LIKE:
                    rot = np.zeros((6, 6))
                    rot[:3, :3] = rot[3:, 3:] = frames.rtn_basis(r[k], v[k]) @ _tnw_basis(r[k], v[k]).T
                    m[k] = rot @ m[k] @ rot.T
                else:
                    m[k] = frames.covariance_to_rtn(r[k], v[k], m[k])
        ctimes_all.append(ct)
        mats_all.append(m)
    ctimes = np.concatenate(ctimes_all)
    mats = np.concatenate(mats_all)
    order = np.argsort(ctimes, kind="stable")
    ctimes, mats = ctimes[order], mats[order]
    keep = np.concatenate([[True], np.diff(ctimes) > 1e-6])
    ctimes, mats = ctimes[keep], mats[keep]
    n = eph.times_s.size
    cov = np.empty((n, 6, 6))
    for a in range(6):
        for b in range(6):
            cov[:, a, b] = np.interp(eph.times_s, ctimes, mats[:, a, b])
    return cov, ("RTN" if to_rtn else eph.frame)


def _tnw_basis(r: F64, v: F64) -> F64:
    """Rows: T along the velocity, N in the orbit plane towards the centre side, W along the momentum."""
    t = v / np.linalg.norm(v)
    h = np.cross(r, v)
    w = h / np.linalg.norm(h)
    return np.array([t, np.cross(w, t), w])
