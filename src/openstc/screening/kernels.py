"""Compiled (numba) kernels of the screening filter: broad phase and narrow phase over sub-steps.

The trajectories arrive as states on a coarse grid (positions, velocities and model accelerations
every ``h_coarse`` seconds); between grid points each object follows the quintic Hermite polynomial
through those states. Each coarse interval is cut into ``n_sub`` sub-steps. For every sub-step:

* broad phase: each object's sub-step arc is bounded by the axis-aligned box of the Bezier control
  points of its cubic Hermite arc (convex-hull property), and by a radius range (chord bound with the
  radial acceleration); boxes are inflated by half the largest screening threshold plus the object's
  interpolation-error margin. Boxes are dropped into a grid of cells in x, y, z and radius (hashed,
  counting sort over the touched buckets),
  and pairs of boxes that share a cell, overlap in radius and in the three axes are candidates. A
  pair is examined only in the cell holding the low corner of the two boxes' intersection, so it is
  examined once. With a handful of primaries (primaries-vs-all) no grid is built: each primary's
  box is compared with every other box.
* narrow phase: the relative motion over the sub-step is the cubic Hermite through the relative
  states at both ends; pairs whose Bezier hull stays beyond reach are dropped first (an exact bound),
  otherwise its minimum distance is found from five samples and Newton steps on the range rate.
  Pairs whose minimum is within their own threshold plus both margins are reported. Box volumes are
  thin radially (a TraCSS LEO box reaches 0.8 km in radius, its bounding sphere 67 km): a fast pair
  whose radii stay further apart than the primary's radial reach over the sub-step is dropped
  (:func:`_radial_apart`; why no approach is lost there: :func:`_pair`).

Everything false-positive here is removed by the exact refinement that follows (real SGP4 calls);
everything false-negative would be a missed conjunction, so margins are added, never subtracted.
"""

from __future__ import annotations

import numba as nb
import numpy as np
import numpy.typing as npt

from openstc.screening.narrow import _cubic_min, _far

F64 = npt.NDArray[np.float64]


@nb.njit(cache=True, inline="always")
def _quintic_eval(r: F64, v: F64, a: F64, i: int, k: int, h: float, s: float, out_p: F64, out_v: F64) -> None:
    """Position and velocity of object ``i`` at ``s`` in [0, 1] of coarse interval ``k`` (quintic
    Hermite through the states at both ends), written to row ``i`` of ``out_p``/``out_v``.
    Plain indexing, no array views: views cost reference counting in the innermost loop."""
    s2 = s * s
    s3 = s2 * s
    s4 = s3 * s
    h2 = h * h
    for c in range(3):
        p0 = r[i, k, c]
        dp = r[i, k + 1, c] - p0
        V0 = v[i, k, c] * h
        V1 = v[i, k + 1, c] * h
        A0 = a[i, k, c] * h2
        A1 = a[i, k + 1, c] * h2
        c3 = 10.0 * dp - 6.0 * V0 - 4.0 * V1 - 1.5 * A0 + 0.5 * A1
        c4 = -15.0 * dp + 8.0 * V0 + 7.0 * V1 + 1.5 * A0 - A1
        c5 = 6.0 * dp - 3.0 * V0 - 3.0 * V1 - 0.5 * A0 + 0.5 * A1
        out_p[i, c] = p0 + V0 * s + 0.5 * A0 * s2 + c3 * s3 + c4 * s4 + c5 * s4 * s
        out_v[i, c] = (V0 + A0 * s + 3.0 * c3 * s2 + 4.0 * c4 * s3 + 5.0 * c5 * s4) / h


@nb.njit(cache=True, inline="always")
def _quintic_coef(r: F64, v: F64, a: F64, i: int, k: int, h: float, coef: F64) -> None:
    """Power-basis coefficients (in s = t / h) of object ``i``'s quintic in interval ``k``."""
    h2 = h * h
    for c in range(3):
        p0 = r[i, k, c]
        dp = r[i, k + 1, c] - p0
        V0 = v[i, k, c] * h
        V1 = v[i, k + 1, c] * h
        A0 = a[i, k, c] * h2
        A1 = a[i, k + 1, c] * h2
        coef[i, c, 0] = p0
        coef[i, c, 1] = V0
        coef[i, c, 2] = 0.5 * A0
        coef[i, c, 3] = 10.0 * dp - 6.0 * V0 - 4.0 * V1 - 1.5 * A0 + 0.5 * A1
        coef[i, c, 4] = -15.0 * dp + 8.0 * V0 + 7.0 * V1 + 1.5 * A0 - A1
        coef[i, c, 5] = 6.0 * dp - 3.0 * V0 - 3.0 * V1 - 0.5 * A0 + 0.5 * A1


@nb.njit(cache=True, inline="always")
def _coef_eval(coef: F64, i: int, h: float, s: float, out_p: F64, out_v: F64) -> None:
    for c in range(3):
        c0 = coef[i, c, 0]
        c1 = coef[i, c, 1]
        c2 = coef[i, c, 2]
        c3 = coef[i, c, 3]
        c4 = coef[i, c, 4]
        c5 = coef[i, c, 5]
        out_p[i, c] = c0 + s * (c1 + s * (c2 + s * (c3 + s * (c4 + s * c5))))
        out_v[i, c] = (c1 + s * (2.0 * c2 + s * (3.0 * c3 + s * (4.0 * c4 + s * 5.0 * c5)))) / h


@nb.njit(cache=True)
def quintic_states(r: F64, v: F64, a: F64, h: float, k: int, s: float, out_p: F64, out_v: F64) -> None:
    """States of all objects at ``s`` in coarse interval ``k`` (arrays (n, m, 3) -> (n, 3))."""
    n = r.shape[0]
    for i in range(n):
        _quintic_eval(r, v, a, i, k, h, s, out_p, out_v)


_OFF = 16384


@nb.njit(cache=True, inline="always")
def _key(cx: int, cy: int, cz: int, cr: int) -> int:
    """Cell (x, y, z, radius) packed into one non-negative int64 (15/16 bits each). Cells far out are
    folded, which only costs extra pair checks, never a missed pair: the boxes are compared anyway."""
    return (
        (((cx + _OFF) & 0x7FFF) << 48)
        | (((cy + _OFF) & 0xFFFF) << 32)
        | (((cz + _OFF) & 0xFFFF) << 16)
        | (cr & 0xFFFF)
    )


@nb.njit(cache=True, error_model="numpy")
def screen_chunk(
    r: F64,
    v: F64,
    a: F64,
    h: float,
    n_sub: int,
    valid: npt.NDArray[np.bool_],
    margin: F64,
    thr: F64,
    primary: npt.NDArray[np.bool_],
    all_vs_all: bool,
    rdot2_max: F64,
    cell: float,
    rbin: float,
    out_i: npt.NDArray[np.int32],
    out_j: npt.NDArray[np.int32],
    out_k: npt.NDArray[np.int32],
    out_q: npt.NDArray[np.int32],
    out_s: F64,
    out_d: F64,
    dbg: npt.NDArray[np.int64],
    fine_row: npt.NDArray[np.int32],
    fine_r: F64,
    fine_v: F64,
    rho: F64,
    pad: float,
    acc: F64,
) -> tuple[int, int, int]:
    """Run the filter over every coarse interval of a chunk.

    ``r``, ``v``, ``a``: (n, m, 3) states at coarse times; ``valid``: (n, m - 1) whether the object's
    polynomial is usable in each interval; ``margin``: (n, m - 1) interpolation-error margin (m) of each
    object in each interval; ``thr``:
    (n,) screening radius (m) of each object as a primary; ``rdot2_max``: (n,) bound on |d^2 r/dt^2|
    for the radius-range bound; ``cell``/``rbin``: grid cell size and radius bin (m).
    ``fine_row``: (n, m - 1) row of ``fine_r``/``fine_v`` ((rows, n_sub + 1, 3) SGP4 states at every
    sub-step boundary) for the intervals of objects interpolated from a fine grid, -1 elsewhere.
    ``rho``: (n,) radial reach (m) of each object's volume as a primary (:attr:`Volume.radial_reach_m`),
    ``inf`` for objects that never take part in the radial test; ``pad``: the refinement bracket's
    padding (s) around a run of candidate sub-steps (see :func:`_pair` for the radial test); ``acc``: (n,)
    bound (m/s^2) on each object's acceleration other than the gravity gradient of its separation from
    another object (J2, drag, an ephemeris's manoeuvres), for the radial test's speed bound.
    Returns (candidates written, candidates found, pairs examined); ``dbg`` accumulates entries,
    wide objects, touched buckets and same-bucket pair iterations.
    """
    n = r.shape[0]
    m = r.shape[1]
    hs = h / n_sub
    tmax = 0.0
    for i in range(n):
        if thr[i] > tmax:
            tmax = thr[i]
    nb_bits = 1
    # about two buckets per object: a small table stays in cache (its misses dominated the filter)
    while (1 << nb_bits) < 2 * n:
        nb_bits += 1
    nbuck = 1 << nb_bits
    shift = 64 - nb_bits
    cap = out_i.shape[0]
    count = 0
    examined = 0
    p0 = np.empty((n, 3))
    u0 = np.empty((n, 3))
    p1 = np.empty((n, 3))
    u1 = np.empty((n, 3))
    box = np.empty((n, 8))  # lo xyz, hi xyz, r lo, r hi: one cache line per object
    rr = np.empty((n, 2))  # radius range of the interpolant over the sub-step, not inflated
    ok = np.zeros(n, dtype=np.bool_)
    max_entries = 24 * n + 1024
    ent_key = np.empty(max_entries, dtype=np.int64)
    ent_obj = np.empty(max_entries, dtype=np.int32)
    s_key = np.empty(max_entries, dtype=np.int64)
    s_obj = np.empty(max_entries, dtype=np.int32)
    counts = np.zeros(nbuck, dtype=np.int32)
    starts = np.zeros(nbuck, dtype=np.int32)
    touched = np.empty(max_entries, dtype=np.int64)
    big_obj = np.empty(n, dtype=np.int32)
    is_big = np.zeros(n, dtype=np.bool_)
    coef = np.empty((n, 3, 6))
    prim_idx = np.nonzero(primary)[0]
    n_prim = prim_idx.size
    # with a handful of primaries a direct comparison beats building the grid every sub-step
    few = (not all_vs_all) and n_prim <= 64
    inv_cell = 1.0 / cell
    inv_rbin = 1.0 / rbin
    mult = np.uint64(0x9E3779B97F4A7C15)
    for k in range(m - 1):
        for i in range(n):
            if valid[i, k]:
                fr = fine_row[i, k]
                if fr >= 0:
                    for c in range(3):
                        p1[i, c] = fine_r[fr, 0, c]
                        u1[i, c] = fine_v[fr, 0, c]
                    continue
                _quintic_coef(r, v, a, i, k, h, coef)
                _coef_eval(coef, i, h, 0.0, p1, u1)
        for q in range(n_sub):
            # the end states of the previous sub-step are the start states of this one
            p0, p1 = p1, p0
            u0, u1 = u1, u0
            s1 = (q + 1) / n_sub
            n_ent = 0
            n_big = 0
            n_touch = 0
            for i in range(n):
                ok[i] = valid[i, k]
                if not ok[i]:
                    continue
                fr = fine_row[i, k]
                if fr >= 0:
                    # exact states at the sub-step ends: the cubic of the narrow phase is the interpolant
                    for c in range(3):
                        p1[i, c] = fine_r[fr, q + 1, c]
                        u1[i, c] = fine_v[fr, q + 1, c]
                else:
                    _coef_eval(coef, i, h, s1, p1, u1)
                w = margin[i, k] + 0.5 * tmax
                for c in range(3):
                    b1 = p0[i, c] + u0[i, c] * hs / 3.0
                    b2 = p1[i, c] - u1[i, c] * hs / 3.0
                    mn = min(min(p0[i, c], p1[i, c]), min(b1, b2))
                    mx = max(max(p0[i, c], p1[i, c]), max(b1, b2))
                    box[i, c] = mn - w
                    box[i, 3 + c] = mx + w
                ra = np.sqrt(p0[i, 0] ** 2 + p0[i, 1] ** 2 + p0[i, 2] ** 2)
                rb = np.sqrt(p1[i, 0] ** 2 + p1[i, 1] ** 2 + p1[i, 2] ** 2)
                sag = 0.125 * rdot2_max[i] * hs * hs
                rr[i, 0] = min(ra, rb) - sag
                rr[i, 1] = max(ra, rb) + sag
                box[i, 6] = rr[i, 0] - w
                box[i, 7] = rr[i, 1] + w
                if few:
                    continue  # few primaries: no grid, each primary is compared with everyone below
                c0x = int(np.floor(box[i, 0] * inv_cell))
                c1x = int(np.floor(box[i, 3] * inv_cell))
                c0y = int(np.floor(box[i, 1] * inv_cell))
                c1y = int(np.floor(box[i, 4] * inv_cell))
                c0z = int(np.floor(box[i, 2] * inv_cell))
                c1z = int(np.floor(box[i, 5] * inv_cell))
                c0r = int(np.floor(box[i, 6] * inv_rbin))
                c1r = int(np.floor(box[i, 7] * inv_rbin))
                ex = c1x - c0x + 1
                ey = c1y - c0y + 1
                ez = c1z - c0z + 1
                er = c1r - c0r + 1
                # extents checked one by one: a product of huge extents could overflow
                wide = ex > 8 or ey > 8 or ez > 8 or er > 8 or ex < 1 or ey < 1 or ez < 1 or er < 1
                ncell = ex * ey * ez * er if not wide else 1 << 30
                if ncell > 64 or n_ent + ncell > max_entries:
                    # a long or radially fast arc (eccentric orbit near perigee): compared with everyone
                    big_obj[n_big] = i
                    is_big[i] = True
                    n_big += 1
                    continue
                for cx in range(c0x, c1x + 1):
                    for cy in range(c0y, c1y + 1):
                        for cz in range(c0z, c1z + 1):
                            for cr in range(c0r, c1r + 1):
                                key = _key(cx, cy, cz, cr)
                                ent_key[n_ent] = key
                                ent_obj[n_ent] = i
                                bk = int((np.uint64(key) * mult) >> np.uint64(shift))
                                if counts[bk] == 0:
                                    touched[n_touch] = bk
                                    n_touch += 1
                                counts[bk] += 1
                                n_ent += 1
            dbg[0] += n_ent
            dbg[1] += n_big
            dbg[2] += n_touch
            # counting sort by bucket over the touched buckets only, scattering keys and objects
            pos = 0
            for x in range(n_touch):
                bk = touched[x]
                starts[bk] = pos
                pos += counts[bk]
            for e in range(n_ent):
                key = ent_key[e]
                bk = int((np.uint64(key) * mult) >> np.uint64(shift))
                at = starts[bk]
                s_key[at] = key
                s_obj[at] = ent_obj[e]
                starts[bk] = at + 1
            for x in range(n_touch):
                bk = touched[x]
                cnt = counts[bk]
                counts[bk] = 0
                if cnt < 2:
                    continue
                en = starts[bk]
                st = en - cnt
                dbg[3] += cnt * (cnt - 1) // 2
                for xa in range(st, en):
                    ia = s_obj[xa]
                    ka = s_key[xa]
                    for ya in range(xa + 1, en):
                        if s_key[ya] != ka:
                            continue
                        ib = s_obj[ya]
                        if ia == ib:
                            continue
                        if not _boxes_overlap(box, ia, ib):
                            continue
                        # examine the pair only in the cell holding the low corner of the intersection
                        ccx = int(np.floor(max(box[ia, 0], box[ib, 0]) * inv_cell))
                        ccy = int(np.floor(max(box[ia, 1], box[ib, 1]) * inv_cell))
                        ccz = int(np.floor(max(box[ia, 2], box[ib, 2]) * inv_cell))
                        ccr = int(np.floor(max(box[ia, 6], box[ib, 6]) * inv_rbin))
                        if _key(ccx, ccy, ccz, ccr) != ka:
                            continue
                        count, examined = _pair(
                            ia, ib, p0, u0, p1, u1, hs, margin, thr, primary, all_vs_all, k, q, count,
                            examined, cap, out_i, out_j, out_k, out_q, out_s, out_d, rho, rr, pad, acc,
                        )  # fmt: skip
            if few:
                for x in range(n_prim):
                    ia = prim_idx[x]
                    if not ok[ia]:
                        continue
                    for ib in range(n):
                        if ib == ia or not ok[ib]:
                            continue
                        if primary[ib] and ib < ia:
                            continue
                        if not _boxes_overlap(box, ia, ib):
                            continue
                        count, examined = _pair(
                            ia, ib, p0, u0, p1, u1, hs, margin, thr, primary, all_vs_all, k, q, count,
                            examined, cap, out_i, out_j, out_k, out_q, out_s, out_d, rho, rr, pad, acc,
                        )  # fmt: skip
            # wide objects against everyone (each pair of two wide objects once)
            for x in range(n_big):
                ia = big_obj[x]
                for ib in range(n):
                    if ib == ia or not ok[ib]:
                        continue
                    if not _boxes_overlap(box, ia, ib):
                        continue
                    if is_big[ib] and ib < ia:
                        continue
                    count, examined = _pair(
                        ia, ib, p0, u0, p1, u1, hs, margin, thr, primary, all_vs_all, k, q, count,
                        examined, cap, out_i, out_j, out_k, out_q, out_s, out_d, rho, rr, pad, acc,
                    )  # fmt: skip
            for x in range(n_big):
                is_big[big_obj[x]] = False
    return min(count, cap), count, examined


@nb.njit(cache=True, inline="always")
def _boxes_overlap(box: F64, ia: int, ib: int) -> bool:
    return not (
        box[ia, 6] > box[ib, 7]
        or box[ib, 6] > box[ia, 7]
        or box[ia, 0] > box[ib, 3]
        or box[ib, 0] > box[ia, 3]
        or box[ia, 1] > box[ib, 4]
        or box[ib, 1] > box[ia, 4]
        or box[ia, 2] > box[ib, 5]
        or box[ib, 2] > box[ia, 5]
    )


@nb.njit(cache=True, inline="always")
def _pair(
    ia: int,
    ib: int,
    p0: F64,
    u0: F64,
    p1: F64,
    u1: F64,
    hs: float,
    margin: F64,
    thr: F64,
    primary: npt.NDArray[np.bool_],
    all_vs_all: bool,
    k: int,
    q: int,
    count: int,
    examined: int,
    cap: int,
    out_i: npt.NDArray[np.int32],
    out_j: npt.NDArray[np.int32],
    out_k: npt.NDArray[np.int32],
    out_q: npt.NDArray[np.int32],
    out_s: F64,
    out_d: F64,
    rho: F64,
    rr: F64,
    pad: float,
    acc: F64,
) -> tuple[int, int]:
    """Narrow phase of one pair in one sub-step; records a candidate when it may come within range.

    Radial test (box volumes, thin radially): a secondary inside a primary's volume has a radius within
    ``rho`` of the primary's, so a sub-step whose radius ranges stay further apart (plus both margins)
    holds no time at which the pair is inside the volume. Such a sub-step may still hold the TCA of an
    approach whose volume is entered elsewhere: the judge accepts a box entered within
    ``bound / speed`` of the TCA. The sub-step is dropped only when the relative speed over it is at
    least ``bound / pad``: then a TCA in it lies within ``pad`` of a time inside the volume, whose
    sub-step stays a candidate, and the bracket of that sub-step's run (padded by ``pad`` on each side)
    still holds the TCA, so every approach the sphere-of-bound filter finds is still found."""
    if not all_vs_all and not (primary[ia] or primary[ib]):
        return count, examined
    examined += 1
    t_ij = 0.0
    if primary[ia] and thr[ia] > t_ij:
        t_ij = thr[ia]
    if primary[ib] and thr[ib] > t_ij:
        t_ij = thr[ib]
    lim = t_ij + margin[ia, k] + margin[ib, k]
    if _far(ia, ib, p0, u0, p1, u1, hs, lim):
        return count, examined
    if _radial_apart(ia, ib, p0, u0, p1, u1, hs, margin, primary, k, rho, rr, pad, acc, t_ij):
        return count, examined
    dmin, smin = _cubic_min(
        p0[ib, 0] - p0[ia, 0], p0[ib, 1] - p0[ia, 1], p0[ib, 2] - p0[ia, 2],
        u0[ib, 0] - u0[ia, 0], u0[ib, 1] - u0[ia, 1], u0[ib, 2] - u0[ia, 2],
        p1[ib, 0] - p1[ia, 0], p1[ib, 1] - p1[ia, 1], p1[ib, 2] - p1[ia, 2],
        u1[ib, 0] - u1[ia, 0], u1[ib, 1] - u1[ia, 1], u1[ib, 2] - u1[ia, 2], hs,
    )  # fmt: skip
    if dmin <= lim:
        if count < cap:
            out_i[count] = min(ia, ib)
            out_j[count] = max(ia, ib)
            out_k[count] = k
            out_q[count] = q
            out_s[count] = smin
            out_d[count] = dmin
        count += 1
    return count, examined


#: bound on the relative acceleration of two objects per metre of separation (s^-2): the gravity gradient
#: 2 mu / r^3 at 0.9 Earth radii (the segment between two objects a few thousand km apart above 0.98
#: Earth radii stays above it)
GRAD_MAX = 2.0 * 3.986004418e14 / (0.9 * 6378137.0) ** 3
#: the rest of an element set's acceleration (m/s^2): J2's part of a relative acceleration (< 0.03 m/s^2
#: per object), drag and SGP4's other terms, with a wide margin (objects about to decay are the worst,
#: well below this); an ephemeris adds its manoeuvres (engine)
ACC_OTHER_MAX = 0.5


#: the radial test drops only sub-steps with a relative speed of at least this (m/s), ten times the
#: refinement's slow-pair speed (``refine.SLOW_M_S``): the refinement treats a bracket whose first root is
#: slower than that differently (a wider search by positions), and a pair that fast crosses its sphere
#: of bound within a few sub-steps, so a run of candidate sub-steps (one bracket) never holds both such a
#: sub-step and a slow root; dropping the sub-step cannot change how a bracket is searched
PRUNE_SPEED_MIN = 1000.0


@nb.njit(cache=True, inline="always")
def _radial_apart(
    ia: int,
    ib: int,
    p0: F64,
    u0: F64,
    p1: F64,
    u1: F64,
    hs: float,
    margin: F64,
    primary: npt.NDArray[np.bool_],
    k: int,
    rho: F64,
    rr: F64,
    pad: float,
    acc: F64,
    t_ij: float,
) -> bool:
    """The radial test of :func:`_pair`: True when the pair's radii stay more than the primaries' radial
    reach apart over the sub-step and the relative speed is at least ``t_ij / pad`` throughout."""
    if not (rho[ia] < np.inf and rho[ib] < np.inf):
        return False
    reach = 0.0
    if primary[ia] and rho[ia] > reach:
        reach = rho[ia]
    if primary[ib] and rho[ib] > reach:
        reach = rho[ib]
    mab = margin[ia, k] + margin[ib, k]
    gap = max(rr[ib, 0] - rr[ia, 1], rr[ia, 0] - rr[ib, 1])
    if not gap > reach + mab:
        return False
    # lower bound on the true relative speed over the sub-step: the larger end speed less the change
    # the relative acceleration can make in one sub-step (gravity gradient over the largest separation
    # on the Bezier hull, plus each object's other accelerations), less the interpolation error of the
    # velocities
    # (the margin includes half a sub-step times the velocity error)
    h3 = hs / 3.0
    dmax = 0.0
    vend = 0.0
    for e in range(2):
        px = p0[ib, 0] - p0[ia, 0] if e == 0 else p1[ib, 0] - p1[ia, 0]
        py = p0[ib, 1] - p0[ia, 1] if e == 0 else p1[ib, 1] - p1[ia, 1]
        pz = p0[ib, 2] - p0[ia, 2] if e == 0 else p1[ib, 2] - p1[ia, 2]
        vx = u0[ib, 0] - u0[ia, 0] if e == 0 else u1[ib, 0] - u1[ia, 0]
        vy = u0[ib, 1] - u0[ia, 1] if e == 0 else u1[ib, 1] - u1[ia, 1]
        vz = u0[ib, 2] - u0[ia, 2] if e == 0 else u1[ib, 2] - u1[ia, 2]
        sg = h3 if e == 0 else -h3
        dmax = max(dmax, np.sqrt(px * px + py * py + pz * pz))
        qx = px + sg * vx
        qy = py + sg * vy
        qz = pz + sg * vz
        dmax = max(dmax, np.sqrt(qx * qx + qy * qy + qz * qz))
        vend = max(vend, np.sqrt(vx * vx + vy * vy + vz * vz))
    dmax += mab
    v_lo = vend - hs * (GRAD_MAX * dmax + acc[ia] + acc[ib]) - 2.0 * mab / hs
    return bool(v_lo >= PRUNE_SPEED_MIN and t_ij <= v_lo * pad)


def warm_up() -> None:
    """Load the compiled kernels in this process (from numba's cache; ~0.45 s the first time, most of
    it numba's own start). A long-lived process that forks screening workers calls this once: the
    forked workers then start with the kernels loaded instead of each paying that start again."""
    n, m = 2, 3
    r = np.zeros((n, m, 3))
    r[:, :, 0] = 7.0e6
    v = np.zeros((n, m, 3))
    p = np.empty((n, 4, 3))
    u = np.empty((n, 4, 3))
    quintic_states(r, v, v, 600.0, 0, 0.5, p[:, 0], u[:, 0])
    out_i = np.empty(4, dtype=np.int32)
    out_s = np.empty(4)
    fine = np.zeros((0, 11, 3))
    screen_chunk(
        r, v, v, 600.0, 10, np.ones((n, m - 1), dtype=np.bool_), np.ones((n, m - 1)), np.full(n, 5e3),
        np.ones(n, dtype=np.bool_), True, np.ones(n), 1e6, 1e5, out_i, out_i.copy(), out_i.copy(),
        out_i.copy(), out_s, out_s.copy(), np.zeros(4, dtype=np.int64),
        np.full((n, m - 1), -1, dtype=np.int32), fine, fine.copy(), np.full(n, np.inf), 30.0,
        np.full(n, ACC_OTHER_MAX),
    )  # fmt: skip
