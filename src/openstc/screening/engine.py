"""The screening engine: plans shards, runs one shard (filter + exact refinement), merges results.

A run is split into :class:`~openstc.screening.model.Shard` pieces (time windows x object blocks)
that are independent: each propagates every object over its own window, keeps the approaches whose
TCA falls inside its window and whose pair it owns, and returns them. The shell executes shards in
one process, a process pool or a Dask cluster; :func:`merge` makes the outcome identical.

Per shard and per time chunk: SGP4 on a coarse grid (``coarse_step_s``) with ``SatrecArray`` (the points
a chunk's grid shares with the previous chunk's extended grid are not propagated again),
accelerations from two-body + J2, quintic Hermite polynomials between grid points whose error is
measured against SGP4 at the midpoints of every other interval (the margin, times a safety factor,
inflates every filter test), the compiled filter of :mod:`openstc.screening.kernels`, then all
candidates of the chunk are refined together with real propagation calls (safeguarded Newton on the
range rate to 1e-7 s, :mod:`openstc.screening.batch`) and judged against the primary's volume
(:mod:`openstc.screening.judge`); what the batched path does not cover takes the scalar code of
:mod:`openstc.screening.refine`.

With few primaries (an uploaded ephemeris against the catalog) strong-drag objects are dropped when their
sampled radius range misses every primary's (:func:`openstc.screening.radial.sampled_ranges`), and in
each chunk only the grid intervals whose radius can reach a primary's are measured and screened
(:func:`openstc.screening.radial.near_intervals`).

The core never reads the clock: pass ``clock`` (e.g. ``time.perf_counter``) to get stage timings.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import datetime

import numpy as np
import numpy.typing as npt

from openstc.astro.sgp4prop import (
    MU_M3_S2,
    RE_M,
    accel_j2,
    offset_to_datetime,
    perigee_apogee_m,
    seconds_between,
    sgp4_error_text,
)
from openstc.errors import InvalidArgumentError
from openstc.screening import kernels
from openstc.screening.model import (
    Conjunction,
    Failure,
    ScreeningConfig,
    ScreeningObject,
    Shard,
    ShardResult,
    ShardStats,
)
from openstc.screening.propagator import Propagator
from openstc.screening.radial import FEW_PRIMARIES, coarse_failures, near_intervals, radial_keep, volume_for
from openstc.screening.volumes import Volume

F64 = npt.NDArray[np.float64]
Clock = Callable[[], float]


def plan_shards(
    config: ScreeningConfig, n_objects: int, time_pieces: int = 1, object_blocks: int = 1
) -> list[Shard]:
    """Cut the window into ``time_pieces`` equal windows and the objects into ``object_blocks`` blocks."""
    if time_pieces < 1 or object_blocks < 1:
        raise InvalidArgumentError("shard counts must be >= 1")
    edges = np.linspace(0.0, config.duration_s, time_pieces + 1)
    bounds = np.linspace(0, n_objects, object_blocks + 1).round().astype(int)
    shards: list[Shard] = []
    for w in range(time_pieces):
        for b in range(object_blocks):
            block = None if object_blocks == 1 else (int(bounds[b]), int(bounds[b + 1]))
            shards.append(Shard(len(shards), float(edges[w]), float(edges[w + 1]), block, w, time_pieces))
    return shards


def _measure_margins(
    prop: Propagator,
    r: F64,
    v: F64,
    a: F64,
    times: F64,
    h: float,
    hs: float,
    config: ScreeningConfig,
    valid: npt.NDArray[np.bool_] | None = None,
) -> tuple[F64, int]:
    """Interpolation-error margin (m) per object and per interval, (n, m - 1), from SGP4 at the
    midpoints of every other interval (the first, third, ... and the last).

    Why this stays conservative: the quintic's error is a smooth function of the orbital phase (it
    follows the higher derivatives of the motion, which change over a fraction of an orbit, never within
    one 10-minute interval), so an unmeasured interval takes the larger error of its two measured
    neighbours, and then every interval takes the worst of itself and its two neighbours, i.e. the
    worst measured error within two intervals on each side, times ``error_safety``. A per-interval
    margin keeps one bad stretch (an object decaying late in the window, a resonant SDP4 object) from
    widening every other interval; intervals above ``FINE_MARGIN_M`` are measured again from exact
    states at every sub-step (:func:`_fine_grid`). With ``valid`` (few-primary runs, most intervals
    masked) only the midpoints that some valid interval's margin depends on (within two intervals) are
    measured, one SGP4 call per midpoint for the objects that need it; the other margins are the floor
    and belong to intervals that are not screened."""
    n, mi = r.shape[0], times.size - 1
    meas = np.arange(0, mi, 2)
    if meas[-1] != mi - 1:
        meas = np.append(meas, mi - 1)
    mids = times[meas] + 0.5 * h
    p = np.empty((n, meas.size, 3))
    u = np.empty((n, meas.size, 3))
    rz, vz, az = np.nan_to_num(r), np.nan_to_num(v), np.nan_to_num(a)
    for x, k in enumerate(meas.tolist()):
        kernels.quintic_states(rz, vz, az, h, k, 0.5, p[:, x], u[:, x])
    if valid is None:
        rm, vm, _ = prop.grid(mids)
        used = n * meas.size
    else:
        need = valid.copy()
        for d in (1, 2):  # worst[k] reads err[k - 1..k + 1], err[odd] reads its measured neighbours
            need[:, d:] |= valid[:, :-d]
            need[:, :-d] |= valid[:, d:]
        rm = np.full((n, meas.size, 3), np.nan)
        vm = np.full((n, meas.size, 3), np.nan)
        used = 0
        for x, k in enumerate(meas.tolist()):
            rows = np.flatnonzero(need[:, k])
            if rows.size:
                rr, vv, _ = prop.grid(mids[x : x + 1], rows)
                rm[rows, x] = rr[:, 0]
                vm[rows, x] = vv[:, 0]
                used += rows.size
    ep = np.linalg.norm(p - rm, axis=-1)
    ev = np.linalg.norm(u - vm, axis=-1)
    e_meas = ep + ev * hs * 0.5
    e_meas[~np.isfinite(e_meas)] = 0.0
    err = np.zeros((n, mi))
    err[:, meas] = e_meas
    odd = np.setdiff1d(np.arange(mi), meas)  # each has measured neighbours on both sides
    err[:, odd] = np.maximum(err[:, odd - 1], err[:, odd + 1])
    worst = err.copy()
    if mi > 1:
        worst[:, 1:] = np.maximum(worst[:, 1:], err[:, :-1])
        worst[:, :-1] = np.maximum(worst[:, :-1], err[:, 1:])
    return config.error_safety * worst + config.margin_floor_m, used


#: above this interpolation-error margin an object's interval is screened from SGP4 states at every
#: sub-step instead (eccentric orbits near perigee, objects about to decay): a margin of many km would
#: let the object pair with much of the catalog
FINE_MARGIN_M = 1000.0
#: a fine interval with a state this close to the Earth (radius below the Earth's plus this) has its
#: sub-step cubics measured at every sub-step midpoint, not every other one, so that an object
#: decaying between the states is still found at the sub-step (SGP4 fails below one Earth radius; a
#: radius changes by a few km at most in half a sub-step)
FINE_DECAY_GUARD_M = 50e3


def _fine_grid(
    prop: Propagator,
    valid: npt.NDArray[np.bool_],
    margin: F64,
    times: F64,
    n_sub: int,
    config: ScreeningConfig,
    states: tuple[F64, F64] | None = None,
) -> tuple[npt.NDArray[np.int32], F64, F64, int, dict[int, float]]:
    """SGP4 states at every sub-step boundary of the intervals whose margin exceeds ``FINE_MARGIN_M``;
    their margin is replaced by the measured error of the sub-step cubic (``margin`` updated in place).
    An interval in which SGP4 fails or turns unphysical between grid points (an object decaying) is
    dropped (``valid`` updated in place) and the first such time reported.

    The cubic's error is measured by SGP4 at the midpoints of every other sub-step (the first, third, ...
    and the last), as :func:`_measure_margins` does over coarse intervals: it follows the fourth
    derivative of the motion, which changes over a fraction of an orbit, never within a sub-step, so
    the largest measured error stands for the interval's (every unmeasured sub-step has measured
    neighbours on both sides), times ``error_safety``. Intervals with a failed, unphysical or
    near-Earth state (``FINE_DECAY_GUARD_M``) are measured at every midpoint, exactly as before.
    ``states``: the grid's (r, v) (n, m, 3) when known: the intervals' ends are taken from it instead
    of being propagated again.
    Returns (row per (object, interval) or -1, positions, velocities, propagations used,
    {object: time of its first failure inside an interval})."""
    n, mi = margin.shape
    row = np.full((n, mi), -1, dtype=np.int32)
    sel_i, sel_k = np.nonzero(valid & (margin > FINE_MARGIN_M))
    empty = np.zeros((0, n_sub + 1, 3))
    failed_at: dict[int, float] = {}
    if sel_i.size == 0:
        return row, empty, empty, 0, failed_at
    hs = float(times[1] - times[0]) / n_sub
    q = np.arange(n_sub + 1, dtype=np.float64)
    meas = np.arange(0, n_sub, 2)
    if meas[-1] != n_sub - 1:
        meas = np.append(meas, n_sub - 1)
    later = np.setdiff1d(np.arange(n_sub), meas)
    bnd = q if states is None else q[1:-1]
    t_first = np.concatenate([hs * bnd, hs * (meas + 0.5)])
    ns = sel_i.size
    r1 = np.empty((ns, t_first.size, 3))
    v1 = np.empty((ns, t_first.size, 3))
    # one SatrecArray call per interval for all its selected objects (a call per object cost more in
    # Python than in SGP4); np.nonzero orders sel_i ascending within each interval, as grid() wants.
    # Everything else is done once for all intervals: with few objects per interval the numpy calls
    # per interval cost more than SGP4
    groups = [(kk, np.flatnonzero(sel_k == kk)) for kk in np.unique(sel_k).tolist()]
    for kk, rows in groups:
        r1[rows], v1[rows], _e = prop.grid(times[kk] + t_first, sel_i[rows])
    used = ns * t_first.size
    if states is None:
        rb, vb = r1[:, : n_sub + 1], v1[:, : n_sub + 1]
    else:
        r_g, v_g = states
        rb = np.concatenate(
            [r_g[sel_i, sel_k][:, None], r1[:, : n_sub - 1], r_g[sel_i, sel_k + 1][:, None]], axis=1
        )
        vb = np.concatenate(
            [v_g[sel_i, sel_k][:, None], v1[:, : n_sub - 1], v_g[sel_i, sel_k + 1][:, None]], axis=1
        )
    rm = np.full((ns, n_sub, 3), np.nan)
    vm = np.full((ns, n_sub, 3), np.nan)
    rm[:, meas] = r1[:, bnd.size :]
    vm[:, meas] = v1[:, bnd.size :]
    guard = RE_M + FINE_DECAY_GUARD_M
    with np.errstate(invalid="ignore"):
        rn_b = np.linalg.norm(rb, axis=2)
        rn_m = np.linalg.norm(rm, axis=2)
        sane_b = _sane(rn_b, vb)
        sane_m = _sane(rn_m, vm)
        clear = (rn_b >= guard).all(axis=1) & (rn_m[:, meas] >= guard).all(axis=1)
    every = ~(clear & sane_b.all(axis=1) & sane_m[:, meas].all(axis=1))
    sane_m[:, later] = True  # not measured: no failure seen
    if every.any():  # rare: measure the other midpoints too, to find a failure to the sub-step
        for kk, rows in groups:
            rows = rows[every[rows]]
            if rows.size:
                r2, v2, _e = prop.grid(times[kk] + hs * (later + 0.5), sel_i[rows])
                used += rows.size * later.size
                rm[np.ix_(rows, later)] = r2
                with np.errstate(invalid="ignore"):
                    sane_m[np.ix_(rows, later)] = _sane(np.linalg.norm(r2, axis=2), v2)
    good = sane_b.all(axis=1) & sane_m.all(axis=1)
    # cubic Hermite midpoint of each sub-step from exact end states
    pm = 0.5 * (rb[:, :-1] + rb[:, 1:]) + hs / 8.0 * (vb[:, :-1] - vb[:, 1:])
    with np.errstate(invalid="ignore"):
        err = np.fmax.reduce(np.linalg.norm(pm - rm, axis=-1), axis=1)
    margin[sel_i[good], sel_k[good]] = config.error_safety * err[good] + config.margin_floor_m
    for y in np.flatnonzero(~good).tolist():  # rare: an object failing between grid points
        ii, kk = int(sel_i[y]), int(sel_k[y])
        valid[ii, kk] = False
        bad_s = ~sane_b[y]
        t_b = times[kk] + hs * q
        t_fail = float(t_b[np.argmax(bad_s)]) if bad_s.any() else float(t_b[0])
        if 0.0 <= t_fail <= config.duration_s and t_fail < failed_at.get(ii, math.inf):
            failed_at[ii] = t_fail
    keep = np.flatnonzero(good)
    row[sel_i[keep], sel_k[keep]] = np.arange(keep.size, dtype=np.int32)
    return row, np.ascontiguousarray(rb[keep]), np.ascontiguousarray(vb[keep]), used, failed_at


def _sane(rn: F64, v: F64) -> npt.NDArray[np.bool_]:
    """States SGP4 gave that are physical: radius ``rn`` above 0.98 Earth radii and speed below 1.48
    times the escape speed there (SGP4 can return states without an error code for elements about to
    fail); False for failed (NaN) states."""
    vn2 = np.einsum("...k,...k->...", v, v)
    out: npt.NDArray[np.bool_] = (rn >= 0.98 * RE_M) & (vn2 <= 2.2 * MU_M3_S2 / np.maximum(rn, 1.0))
    return out


#: an object whose osculating perigee at some grid point of a chunk is below this altitude may turn
#: unphysical between grid points (decay): the few-primary mask keeps all its intervals
DECAY_PERIGEE_M = 200e3


def _low_perigee(r: F64, v: F64, rn: F64 | None = None) -> npt.NDArray[np.bool_]:
    """(n,) objects whose two-body osculating perigee at some good grid point is below
    ``DECAY_PERIGEE_M`` (or whose orbit is not bound there). ``rn``: ``|r|`` when known."""
    with np.errstate(invalid="ignore", divide="ignore"):
        if rn is None:
            rn = np.linalg.norm(r, axis=2)
        v2 = np.einsum("ijk,ijk->ij", v, v)
        rv = np.einsum("ijk,ijk->ij", r, v)
        inv_a = 2.0 / rn - v2 / MU_M3_S2
        # |r x v|^2 = r^2 v^2 - (r.v)^2 (np.cross costs several times more)
        p = (rn * rn * v2 - rv * rv) / MU_M3_S2
        rp = p / (1.0 + np.sqrt(np.maximum(0.0, 1.0 - p * inv_a)))
        low = (rp < RE_M + DECAY_PERIGEE_M) | (inv_a <= 0.0)
    return np.asarray(low.any(axis=1), dtype=np.bool_)


def _chunk_grid(
    prop: Propagator, times: F64, last: tuple[F64, F64, F64, npt.NDArray[np.int16]] | None
) -> tuple[F64, F64, npt.NDArray[np.int16]]:
    """``prop.grid(times)``, taking the states at the times the previous chunk's grid ends with (its
    extension past the chunk's end: three of a chunk's 39 points with the default steps) from ``last``
    instead of propagating them again. Those states were already checked for physical sense, which gives
    the same answer again."""
    if last is not None:
        t_prev, r_prev, v_prev, e_prev = last
        at = np.flatnonzero(t_prev == times[0])
        if at.size:
            c = t_prev.size - int(at[0])
            if 0 < c < times.size and np.array_equal(t_prev[-c:], times[:c]):
                r, v, err = prop.grid(times[c:])
                return (
                    np.concatenate([r_prev[:, -c:], r], axis=1),
                    np.concatenate([v_prev[:, -c:], v], axis=1),
                    np.concatenate([e_prev[:, -c:], err], axis=1),
                )
    return prop.grid(times)


def _failure_reason(prop: Propagator, i: int, t_s: float) -> str:
    """The reason an object cannot be propagated at ``t_s``: SGP4's code, or an unphysical state."""
    sat = prop.sat_of.get(i)
    if sat is not None:
        code = int(sat.sgp4(prop.jd0, prop.fr0 + t_s / 86400.0)[0])
        if code != 0:
            return sgp4_error_text(code)
    return sgp4_error_text(7)


def run_shard(
    objects: Sequence[ScreeningObject],
    config: ScreeningConfig,
    shard: Shard,
    clock: Clock | None = None,
) -> ShardResult:
    """Screen one shard; pure apart from the optional ``clock``."""
    from openstc.screening import batch, judge, refine

    tick = clock or (lambda: 0.0)
    stats = ShardStats(objects=len(objects))
    stage: dict[str, float] = {"propagate": 0.0, "filter": 0.0, "refine": 0.0}
    t_a = tick()
    in_block_full = np.ones(len(objects), dtype=np.bool_)
    if shard.block is not None:
        in_block_full[:] = False
        in_block_full[shard.block[0] : shard.block[1]] = True
    keep = radial_keep(objects, config)
    dropped_failures: list[Failure] = []
    if keep is not None:
        # this piece's share of the dropped objects, checked over the whole window: every piece drops
        # the same objects, so the shares cover each once and the set-up is not repeated per piece
        dropped = [o for o, k in zip(objects, keep, strict=True) if not k]
        whole = Shard(shard.index, 0.0, config.duration_s)
        dropped_failures = coarse_failures(dropped[shard.piece :: max(shard.pieces, 1)], config, whole)
        objects = [o for o, k in zip(objects, keep, strict=True) if k]
        in_block_full = in_block_full[keep]
    prop = Propagator(objects, config.start)
    n = len(objects)
    volumes = [volume_for(o, config.volume) for o in objects]
    thr = np.array([vol.bound_m for vol in volumes])
    rho = _radial_reach(objects, volumes) if RADIAL_TEST else np.full(n, np.inf)
    acc_other = _other_acceleration(prop, n)
    span_end = np.array([vol.span_s if vol.span_s is not None else math.inf for vol in volumes])
    if config.primaries is None:
        primary = np.ones(n, dtype=np.bool_)
    else:
        primary = np.array([o.norad_id in config.primaries for o in objects], dtype=np.bool_)
    all_vs_all = config.primaries is None
    prim_idx = np.flatnonzero(primary)
    few = not all_vs_all and prim_idx.size <= FEW_PRIMARIES
    in_block = in_block_full
    # object acceleration bound for the radius-range sag: mu * e / rp^2 plus a floor for J2/drag
    rdot2 = np.full(n, 2.0)
    for i, o in enumerate(objects):
        if o.elset is not None:
            rp, _ra, _p = perigee_apogee_m(o.elset)
            if math.isfinite(rp) and rp > 0:
                rdot2[i] = MU_M3_S2 * (o.elset.eccentricity + 0.02) / (min(rp, RE_M + 100e3) ** 2)
        else:
            rdot2[i] = 10.0
    failures: dict[int, Failure] = {
        i: Failure(objects[i].norad_id, objects[i].name, reason, None)
        for i, reason in prop.load_failures.items()
    }
    h = float(config.coarse_step_s)
    n_sub = int(config.sub_steps)
    hs = h / n_sub
    tmax = float(thr.max()) if n else 0.0
    # cells of the broad phase: about twice a LEO object's sub-step arc (~7.5 km/s), so that most arcs
    # fall in one or two cells per axis (measured: 25 % faster than cells of one arc, fewer entries);
    # radius bins a few times the screening radius so that most arcs fall in one or two bins
    cell = max(2.2 * 7.8e3 * hs, 4.0 * tmax, 50e3)
    rbin = max(100e3, 2.5 * tmax)
    dbg = np.zeros(4, dtype=np.int64)
    stage["propagate"] += tick() - t_a

    t0, t1 = shard.t_start_s, shard.t_end_s
    found: dict[tuple[int, int, int], Conjunction] = {}
    chunk_start = t0
    cap = 1 << 16
    last: tuple[F64, F64, F64, npt.NDArray[np.int16]] | None = None
    while chunk_start < t1 - 1e-9:
        chunk_end = min(chunk_start + config.chunk_s, t1)
        t_a = tick()
        # grid extended by one step on each side so refinement brackets near the edges are covered
        n_int = math.ceil((chunk_end - chunk_start) / h - 1e-9)
        times = chunk_start + h * np.arange(-1, n_int + 2, dtype=np.float64)
        r, v, err = _chunk_grid(prop, times, last)
        last = (times, r, v, err)
        # SGP4 can return states without an error code that are physically meaningless (inside the
        # Earth, or faster than escape speed near it) for elements about to fail: treat them as failed
        with np.errstate(invalid="ignore"):
            rn = np.linalg.norm(r, axis=2)
            vn = np.linalg.norm(v, axis=2)
            bogus = (err == 0) & ((rn < 0.98 * RE_M) | (vn * vn > 2.2 * MU_M3_S2 / np.maximum(rn, 1.0)))
        if bogus.any():
            err[bogus] = 7
            r[bogus] = np.nan
            v[bogus] = np.nan
        acc = accel_j2(r)
        okm = err == 0
        valid = okm[:, :-1] & okm[:, 1:]
        if few:
            # few primaries: only intervals whose radius can reach a primary's are screened; objects
            # failing in this chunk keep every interval, and objects about to decay every interval in
            # which their radius may come near the Earth's between the grid points (within the fine
            # grid's guard, by the same radius bound as near_intervals'), so that their failure is still
            # found to the sub-step by the fine grid: elsewhere they cannot fail between good states
            reach = near_intervals(prop, np.where(okm, rn, np.nan), times, prim_idx, thr, rdot2, n_sub)
            near = valid & reach
            reach[~okm.all(axis=1)] = True
            low = _low_perigee(r, v, rn)
            with np.errstate(invalid="ignore"):
                r_lo = np.fmin(rn[low, :-1], rn[low, 1:]) - 0.125 * h * h * rdot2[low, None]
            reach[low] |= ~(r_lo >= RE_M + FINE_DECAY_GUARD_M)
            valid &= reach
        in_win = (times >= 0.0) & (times <= config.duration_s)
        for bad_i in np.nonzero(~okm[:, in_win].all(axis=1))[0]:
            ii = int(bad_i)
            if ii in failures:
                continue
            bad_k = int(np.nonzero(in_win & ~okm[ii])[0][0])
            code = int(err[ii, bad_k])
            if code == 100:
                reason = "the ephemeris does not cover this part of the screening window"
            else:
                reason = sgp4_error_text(code)
            failures[ii] = Failure(
                objects[ii].norad_id,
                objects[ii].name,
                reason,
                offset_to_datetime(config.start, float(times[bad_k])),
            )
        rz = np.nan_to_num(r)
        vz = np.nan_to_num(v)
        az = np.nan_to_num(acc)
        # margins are measured in every chunk: interpolation error grows as elements age or decay
        margin, used = _measure_margins(prop, r, v, acc, times, h, hs, config, valid if few else None)
        stats.propagations += used
        fine_row, fine_r, fine_v, used, failed_at = _fine_grid(
            prop, valid, margin, times, n_sub, config, (r, v)
        )
        stats.propagations += used
        for ii, t_fail in failed_at.items():
            at = offset_to_datetime(config.start, t_fail)
            # the fine grid can place a failure before the grid point that reported it in this chunk
            # (an object unphysical between grid points): the earlier time wins, whatever the chunking
            old = failures.get(ii)
            if old is None or (old.at is not None and at < old.at):
                failures[ii] = Failure(
                    objects[ii].norad_id,
                    objects[ii].name,
                    _failure_reason(prop, ii, t_fail),
                    at,
                )
        if few:
            # the other intervals of failing or decaying objects were kept for the failures the fine grid
            # may find in them; no approach there can reach a primary's volume, so the filter skips them
            valid &= near
        stage["propagate"] += tick() - t_a
        t_a = tick()
        while True:
            out_i = np.empty(cap, dtype=np.int32)
            out_j = np.empty(cap, dtype=np.int32)
            out_k = np.empty(cap, dtype=np.int32)
            out_q = np.empty(cap, dtype=np.int32)
            out_s = np.empty(cap)
            out_d = np.empty(cap)
            written, needed, examined = kernels.screen_chunk(
                rz, vz, az, h, n_sub, valid, margin, thr, primary, all_vs_all, rdot2, cell, rbin,
                out_i, out_j, out_k, out_q, out_s, out_d, dbg, fine_row, fine_r, fine_v,
                rho, refine.BRACKET_PAD_SUB * hs, acc_other,
            )  # fmt: skip
            if needed <= cap:
                break
            cap = int(needed * 1.3) + 1024
        stats.candidates += int(written)
        stats.pairs_examined += int(examined)
        stage["filter"] += tick() - t_a
        t_a = tick()
        cand_t = times[0] + (out_k[:written] + (out_q[:written] + out_s[:written]) / n_sub) * h
        sub_start = times[0] + (out_k[:written] + out_q[:written] / n_sub) * h
        todo = [
            x
            for x in refine.select_candidates(
                out_i[:written], out_j[:written], sub_start, out_s[:written], hs, cand_t, out_d[:written]
            )
            if _owns(x[0], x[1], primary, in_block, all_vs_all)
        ]
        stats.refinements += len(todo)
        tcas, known = batch.refine_tcas(prop, [x[:4] for x in todo], np.array([x[4] for x in todo]))
        items: list[tuple[int, int, float]] = []
        keys: list[tuple[int, int, int]] = []
        seen: set[tuple[int, int, int]] = set()
        for (ci, cj, _a, _b, _g), got in zip(todo, tcas, strict=True):
            for tca_s in got:
                if not (chunk_start <= tca_s < chunk_end) or not (0.0 < tca_s < config.duration_s):
                    continue
                key = (ci, cj, round(tca_s * 10))  # same pair, TCA within 0.1 s: same approach
                near = (key, (ci, cj, key[2] - 1), (ci, cj, key[2] + 1))
                if any(x in seen or x in found for x in near):
                    continue
                seen.add(key)
                items.append((ci, cj, tca_s))
                keys.append(key)
        judged = judge.judge_all(prop, objects, volumes, primary, span_end, config, items, known)
        for key, conj in zip(keys, judged, strict=True):
            if conj is not None:
                found[key] = conj
        stage["refine"] += tick() - t_a
        chunk_start = chunk_end
    stats.propagations += prop.calls
    stats.stage_s = stage
    conj_list = sorted(found.values(), key=lambda c: (c.tca, c.object1_norad_id, c.object2_norad_id))
    fails = sorted([*failures.values(), *dropped_failures], key=lambda f: f.norad_id)
    return ShardResult(shard, conj_list, fails, stats)


#: the filter's radial test for thin (box) volumes (:func:`kernels._pair`); False screens with the sphere
#: of each volume's bound alone, as before the test existed (tests compare both)
RADIAL_TEST = True
#: mean motion (rev/day) below which SGP4 takes its deep-space branch (period 225 min)
DEEP_SPACE_REV_DAY = 1440.0 / 225.0


def _radial_reach(objects: Sequence[ScreeningObject], volumes: Sequence[Volume]) -> F64:
    """Radial reach of each object's volume for the filter's radial test; ``inf`` (no test) for deep-space
    element sets, whose SDP4 velocities need not be the derivative of their positions (the test bounds
    the relative speed over a sub-step from the accelerations). The test gains little for their 24.5 km
    cubes anyway."""
    rho = np.array([vol.radial_reach_m for vol in volumes])
    for i, o in enumerate(objects):
        if o.elset is not None and not o.elset.mean_motion_rev_day > DEEP_SPACE_REV_DAY:
            rho[i] = np.inf
    return rho


def _other_acceleration(prop: Propagator, n: int) -> F64:
    """(n,) bound (m/s^2) on each object's acceleration beyond two-body + J2 for the filter's radial
    test: ``kernels.ACC_OTHER_MAX`` for element sets; an ephemeris adds twice its largest departure from
    two-body + J2 between consecutive states (the velocity change less the trapezoid of the J2
    accelerations, per second), which covers its manoeuvres and its interpolant's wiggles."""
    out = np.full(n, kernels.ACC_OTHER_MAX)
    for i, tr in prop.tracks.items():
        if tr.times_s.size < 2:
            continue
        dt = np.diff(tr.times_s)[:, None]
        acc = accel_j2(tr.r)
        with np.errstate(invalid="ignore", divide="ignore"):
            dep = np.linalg.norm(np.diff(tr.v, axis=0) - 0.5 * (acc[1:] + acc[:-1]) * dt, axis=1) / dt[:, 0]
        worst = float(np.max(dep)) if np.all(np.isfinite(dep)) else math.inf
        out[i] += 2.0 * worst
    return out


def _owns(
    i: int, j: int, primary: npt.NDArray[np.bool_], in_block: npt.NDArray[np.bool_], all_vs_all: bool
) -> bool:
    """The shard owning a pair is the one whose block holds the pair's first primary member."""
    if all_vs_all:
        return bool(in_block[min(i, j)])
    first = min(x for x in (i, j) if primary[x]) if (primary[i] or primary[j]) else -1
    return first >= 0 and bool(in_block[first])


def merge(results: Sequence[ShardResult]) -> tuple[list[Conjunction], list[Failure], ShardStats]:
    """Combine shard results: conjunctions sorted by TCA, failures once per object (earliest)."""
    conj: dict[tuple[int, int, str], Conjunction] = {}
    fails: dict[int, Failure] = {}
    stats = ShardStats()
    for res in results:
        for c in res.conjunctions:
            conj.setdefault(c.key(), c)
        for f in res.failures:
            old = fails.get(f.norad_id)
            if old is None or f.at is None or (old.at is not None and f.at < old.at):
                fails[f.norad_id] = f
        stats.add(res.stats)
    out = sorted(conj.values(), key=lambda c: (c.tca, c.object1_norad_id, c.object2_norad_id))
    return out, sorted(fails.values(), key=lambda f: f.norad_id), stats


def screen(
    objects: Sequence[ScreeningObject],
    config: ScreeningConfig,
    clock: Clock | None = None,
) -> tuple[list[Conjunction], list[Failure], ShardStats]:
    """Run a whole screening in this process (one shard)."""
    shards = plan_shards(config, len(objects))
    return merge([run_shard(objects, config, s, clock) for s in shards])


def window_seconds(config: ScreeningConfig, t: datetime) -> float:
    return seconds_between(config.start, t)
