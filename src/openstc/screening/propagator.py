"""Propagation of every screened object over a shard's time grid: SGP4 through ``SatrecArray`` for element
sets, Hermite/Lagrange interpolation for operator ephemerides, failures as NaN plus the SGP4 reason.

Split from :mod:`openstc.screening.engine` so that the engine stays about planning and running shards;
:mod:`openstc.screening.refine` evaluates single states through the same object.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np
import numpy.typing as npt
from sgp4.api import Satrec, SatrecArray

from openstc.astro.sgp4prop import datetime_to_jd, elset_to_satrec, sgp4_error_text
from openstc.screening.ephemeris import EphemerisTrack
from openstc.screening.model import ScreeningObject

F64 = npt.NDArray[np.float64]


class Propagator:
    """States of every object of a run (TEME, seconds from the run start); failures are NaN."""

    def __init__(self, objects: Sequence[ScreeningObject], start: datetime) -> None:
        self.n = len(objects)
        self.start = start
        self.jd0, self.fr0 = datetime_to_jd(start)
        self.load_failures: dict[int, str] = {}
        self.sgp_idx: list[int] = []
        self.sats: list[Satrec] = []
        self.tracks: dict[int, EphemerisTrack] = {}
        for i, o in enumerate(objects):
            if o.ephemeris is not None:
                try:
                    self.tracks[i] = EphemerisTrack.build(o.ephemeris, start)
                except (ValueError, ArithmeticError) as exc:
                    self.load_failures[i] = f"ephemeris cannot be used: {exc}"
            elif o.elset is not None:
                try:
                    sat = elset_to_satrec(o.elset)
                except (ValueError, ArithmeticError) as exc:
                    self.load_failures[i] = f"element set cannot be initialised: {exc}"
                    continue
                if sat.error != 0:
                    self.load_failures[i] = sgp4_error_text(int(sat.error)) + " (at initialisation)"
                    continue
                self.sgp_idx.append(i)
                self.sats.append(sat)
            else:
                self.load_failures[i] = "no element set and no ephemeris"
        self.arr = SatrecArray(self.sats) if self.sats else None
        self.sgp_pos = np.asarray(self.sgp_idx, dtype=np.int64)
        self.sat_of: dict[int, Satrec] = dict(zip(self.sgp_idx, self.sats, strict=True))
        self.calls = 0

    def grid(
        self, times_s: F64, rows: npt.NDArray[np.intp] | None = None
    ) -> tuple[F64, F64, npt.NDArray[np.int16]]:
        """r, v (n, m, 3) and error codes (n, m): 0 ok, sgp4 code, 100 outside ephemeris, 101 not loaded.
        With ``rows`` (sorted object indices) only those objects, in that order: (rows.size, m, ...)."""
        m = times_s.size
        if rows is None:
            arr, pos, tracks = self.arr, self.sgp_pos, self.tracks
            n = self.n
        else:
            n = rows.size
            at = np.searchsorted(rows, self.sgp_pos)
            hit = at < n
            hit[hit] = rows[at[hit]] == self.sgp_pos[hit]
            sub = np.flatnonzero(hit)
            arr = SatrecArray([self.sats[x] for x in sub.tolist()]) if sub.size else None
            pos = at[sub]
            tracks = {}
            for i, tr in self.tracks.items():
                x = int(np.searchsorted(rows, i))
                if x < n and rows[x] == i:
                    tracks[x] = tr
        r = np.full((n, m, 3), np.nan)
        v = np.full((n, m, 3), np.nan)
        err = np.full((n, m), 101, dtype=np.int16)
        if arr is not None:
            fr = self.fr0 + times_s / 86400.0
            jd = np.full(m, self.jd0)
            e, rr, vv = arr.sgp4(jd, fr)
            rr *= 1e3
            vv *= 1e3
            bad = e != 0
            rr[bad] = np.nan
            vv[bad] = np.nan
            r[pos] = rr
            v[pos] = vv
            err[pos] = e
            self.calls += int(pos.size) * m
        for i, tr in tracks.items():
            rr, vv = tr.states(times_s)
            r[i] = rr
            v[i] = vv
            err[i] = np.where(np.isfinite(rr[:, 0]), 0, 100)
        return r, v, err

    def many(self, i: int, t_s: F64) -> tuple[F64, F64]:
        """States of object ``i`` at many times (NaN where it cannot be propagated)."""
        t_s = np.asarray(t_s, dtype=np.float64)
        self.calls += t_s.size
        sat = self.sat_of.get(i)
        if sat is not None:
            e, r, v = sat.sgp4_array(np.full(t_s.size, self.jd0), self.fr0 + t_s / 86400.0)
            r = r * 1e3
            v = v * 1e3
            r[e != 0] = np.nan
            v[e != 0] = np.nan
            return r, v
        tr = self.tracks.get(i)
        if tr is None:
            return np.full((t_s.size, 3), np.nan), np.full((t_s.size, 3), np.nan)
        return tr.states(t_s)

    def one(self, i: int, t_s: float) -> tuple[F64, F64] | None:
        """State of object ``i`` at ``t_s``; None when it cannot be propagated there."""
        self.calls += 1
        sat = self.sat_of.get(i)
        if sat is not None:
            e, r, v = sat.sgp4(self.jd0, self.fr0 + t_s / 86400.0)
            if e != 0:
                return None
            return np.array(r) * 1e3, np.array(v) * 1e3
        tr = self.tracks.get(i)
        if tr is None:
            return None
        st = tr.state1(t_s)
        if st is None or not np.isfinite(st[0][0]):
            return None
        return st
