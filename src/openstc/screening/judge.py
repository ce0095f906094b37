"""Batched judgement of refined approaches: which enter the primary's screening volume, their entry and
exit times, and their conjunction records (the batched counterpart of :func:`refine.judge`).

Entry and exit: each crossing is predicted on a local model (both objects on constant-acceleration arcs
from their exact states at the TCA) and accepted when exact states confirm it within the scalar
search's tolerance; the others are stepped out from the TCA for all crossings at once as the scalar
search does, then bracketed to 1e-4 s by Illinois steps; what remains (slow pairs, failed states) takes
the scalar path. A box not containing the secondary at the TCA is sampled over the pass as the scalar
judge samples it (the same times, first inside sample wins), all such passes in one batched propagation:
with TraCSS's boxes most approaches are judged this way, and one scalar call per sample cost more than
the rest of the screening.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from openstc.astro.sgp4prop import accel_j2, offset_to_datetime, seconds_between
from openstc.screening import refine
from openstc.screening.batch import I64, States, _dot, _pair_states
from openstc.screening.model import Conjunction, ObjectState, ScreeningConfig, ScreeningObject
from openstc.screening.volumes import Volume

if TYPE_CHECKING:
    from openstc.screening.propagator import Propagator

F64 = npt.NDArray[np.float64]

CROSS_TOL_S = 1e-4  # as the scalar ``brentq(..., xtol=1e-4)`` of the entry/exit search
CROSS_MAX_STEPS = 12  # batched expansion steps before a crossing is handed to the scalar search


def _metric(shape: npt.NDArray[np.int8], dims: F64, rp: F64, vp: F64, d: F64) -> F64:
    """Volume metric (<= 1 inside) of relative positions ``d`` for per-item shapes (0 sphere, 1 box,
    2 ellipsoid) and half-widths ``dims`` (n, 3) in the primary's RTN frame; inf where unknown."""
    rn = np.linalg.norm(rp, axis=1, keepdims=True)
    rhat = rp / rn
    h = np.cross(rp, vp)
    nhat = h / np.linalg.norm(h, axis=1, keepdims=True)
    that = np.cross(nhat, rhat)
    x = np.stack([_dot(rhat, d), _dot(that, d), _dot(nhat, d)], axis=1) / dims
    m = np.where(
        shape == 1,
        np.max(np.abs(x), axis=1),
        np.sqrt(np.sum(x * x, axis=1)),
    )
    m = np.where(shape == 0, np.linalg.norm(d, axis=1) / dims[:, 0], m)
    return np.where(np.isfinite(m), m, np.inf)


_SHAPES = {"sphere": 0, "box": 1, "ellipsoid": 2}


def _vol_arrays(vols: Sequence[Volume]) -> tuple[npt.NDArray[np.int8], F64]:
    shape = np.array([_SHAPES.get(v.shape, 2) for v in vols], dtype=np.int8)
    dims = np.array([[v.radial_m, v.in_track_m, v.cross_track_m] for v in vols], dtype=np.float64)
    return shape, dims


def _predict(shape: npt.NDArray[np.int8], dims: F64, st0: States, direction: F64, step0: F64) -> F64:
    """Offsets from the inside time to the first crossing of the volume by the local model (both
    objects on a constant-acceleration arc, two-body + J2), found with the scalar search's steps and
    bisected to 1e-7 s; NaN where the model does not leave the volume within the search limit."""
    rp0, vp0, ro0, vo0 = st0
    ap, ao = accel_j2(rp0), accel_j2(ro0)

    def metric(tau: F64, sel: I64) -> F64:
        tt = tau[:, None]
        rp = rp0[sel] + vp0[sel] * tt + 0.5 * ap[sel] * tt * tt
        vp = vp0[sel] + ap[sel] * tt
        ro = ro0[sel] + vo0[sel] * tt + 0.5 * ao[sel] * tt * tt
        return _metric(shape[sel], dims[sel], rp, vp, ro - rp)

    n = direction.size
    lo = np.zeros(n)
    hi = np.full(n, np.nan)
    step = step0.copy()
    act = np.arange(n)
    for _s in range(60):
        if act.size == 0:
            break
        nxt = lo[act] + direction[act] * step[act]
        out_ = metric(nxt, act) > 1.0
        hi[act[out_]] = nxt[out_]
        stay = act[~out_]
        lo[stay] = nxt[~out_]
        step[stay] = np.minimum(step[stay] * 1.5, 600.0)
        act = stay[np.abs(lo[stay]) < refine.CROSSING_LIMIT_S]
    sel = np.flatnonzero(np.isfinite(hi))
    a, b = lo[sel], hi[sel]
    for _it in range(60):
        if sel.size == 0 or np.max(np.abs(b - a)) <= 1e-7:
            break
        mid = 0.5 * (a + b)
        out_ = metric(mid, sel) > 1.0
        b = np.where(out_, mid, b)
        a = np.where(out_, a, mid)
    res = np.full(n, np.nan)
    res[sel] = 0.5 * (a + b)
    return res


def crossings(
    prop: Propagator,
    p: I64,
    o: I64,
    vols: Sequence[Volume],
    t_in: F64,
    direction: F64,
    speed: F64,
    st0: States | None = None,
) -> list[float | None]:
    """For each item: the time secondary ``o`` leaves primary ``p``'s volume going from ``t_in``
    (inside) in ``direction``; as :func:`refine._crossing` (which takes the items batching leaves).
    With ``st0`` (states of ``p`` and ``o`` at ``t_in``) each crossing is first predicted by a local
    model and accepted when exact states confirm it: inside ``CROSS_TOL_S / 2`` before it, outside
    ``CROSS_TOL_S / 2`` after it (then it is within the tolerance of a true crossing)."""
    n = p.size
    res: list[float | None] = [None] * n
    if n == 0:
        return res
    shape, dims = _vol_arrays(vols)
    step = np.maximum(dims.min(axis=1) / np.maximum(speed, 1e-3) * 0.5, 0.01)
    t_prev = t_in.copy()
    travelled = np.zeros(n)
    lo = np.zeros(n)
    hi = np.zeros(n)
    m_lo = np.zeros(n)
    m_hi = np.zeros(n)
    found = np.zeros(n, dtype=np.bool_)
    scalar = np.zeros(n, dtype=np.bool_)
    active = np.ones(n, dtype=np.bool_)
    if st0 is not None:
        tau = _predict(shape, dims, st0, direction, step)
        cand = np.flatnonzero(np.isfinite(tau))
        h = 0.5 * CROSS_TOL_S
        tg = t_in[cand] + tau[cand]
        dirc = direction[cand]
        pc, oc = np.tile(p[cand], 2), np.tile(o[cand], 2)
        rp, vp, ro, _vo = _pair_states(prop, pc, oc, np.concatenate([tg - dirc * h, tg + dirc * h]))
        mv = _metric(np.tile(shape[cand], 2), np.tile(dims[cand], (2, 1)), rp, vp, ro - rp)
        c = cand.size
        okv = (mv[:c] <= 1.0) & (mv[c:] > 1.0) & np.isfinite(mv[c:])
        for k, tk in zip(cand[okv].tolist(), tg[okv].tolist(), strict=True):
            res[k] = float(tk)
        active[cand[okv]] = False
    for _s in range(CROSS_MAX_STEPS):
        act = np.flatnonzero(active)
        if act.size == 0:
            break
        beyond = travelled[act] >= refine.CROSSING_LIMIT_S
        active[act[beyond]] = False  # never left the volume: no crossing (None)
        act = act[~beyond]
        if act.size == 0:
            break
        t_next = t_prev[act] + direction[act] * step[act]
        rp, vp, ro, _vo = _pair_states(prop, p[act], o[act], t_next)
        m = _metric(shape[act], dims[act], rp, vp, ro - rp)
        out_ = m > 1.0
        x = act[out_]
        # bracket with the inside end first in time order handled by sign below
        lo[x] = t_prev[x]
        hi[x] = t_next[out_]
        m_hi[x] = m[out_] - 1.0
        found[x] = True
        active[x] = False
        scalar[x[~np.isfinite(m[out_])]] = True  # a failed state: let the scalar search decide
        stay = act[~out_]
        travelled[stay] += step[stay]
        t_prev[stay] = t_next[~out_]
        step[stay] = np.minimum(step[stay] * 1.5, 600.0)
    scalar |= active  # still inside after the batched steps (slow pairs)
    fx = np.flatnonzero(found & ~scalar)
    if fx.size:
        # inside end value: evaluate once (the metric at the last inside time)
        rp, vp, ro, _vo = _pair_states(prop, p[fx], o[fx], lo[fx])
        m_lo[fx] = _metric(shape[fx], dims[fx], rp, vp, ro - rp) - 1.0
        bad = ~np.isfinite(m_lo[fx]) | (m_lo[fx] > 0.0)
        scalar[fx[bad]] = True
        fx = fx[~bad]
    # Illinois on g = metric - 1 between lo (g <= 0) and hi (g > 0)
    side = np.zeros(n, dtype=np.int8)
    conv = np.zeros(n, dtype=np.bool_)
    for _it in range(60):
        act = fx[~conv[fx]]
        act = act[np.abs(hi[act] - lo[act]) > CROSS_TOL_S]
        if act.size == 0:
            break
        denom = m_hi[act] - m_lo[act]
        with np.errstate(divide="ignore", invalid="ignore"):
            tc = lo[act] - m_lo[act] * (hi[act] - lo[act]) / denom
        mid = 0.5 * (lo[act] + hi[act])
        inside_ok = np.isfinite(tc) & ((tc - lo[act]) * (hi[act] - tc) > 0.0)
        tc = np.where(inside_ok, tc, mid)
        rp, vp, ro, _vo = _pair_states(prop, p[act], o[act], tc)
        g = _metric(shape[act], dims[act], rp, vp, ro - rp) - 1.0
        bad = ~np.isfinite(g)
        scalar[act[bad]] = True
        conv[act[bad]] = True
        good = ~bad
        a2 = act[good]
        g2 = g[good]
        t2 = tc[good]
        to_lo = g2 <= 0.0
        xl = a2[to_lo]
        xh = a2[~to_lo]
        lo[xl] = t2[to_lo]
        m_lo[xl] = g2[to_lo]
        m_hi[xl] = np.where(side[xl] == -1, 0.5 * m_hi[xl], m_hi[xl])
        side[xl] = -1
        hi[xh] = t2[~to_lo]
        m_hi[xh] = g2[~to_lo]
        m_lo[xh] = np.where(side[xh] == 1, 0.5 * m_lo[xh], m_lo[xh])
        side[xh] = 1
    for k in range(n):
        if scalar[k]:
            res[k] = refine._crossing(
                prop, int(p[k]), int(o[k]), vols[k], float(t_in[k]), float(direction[k]), float(speed[k])
            )
        elif found[k]:
            # the root lies between lo and hi (within CROSS_TOL_S); take the secant point of the final
            # bracket, as Brent's method returns its best estimate inside the tolerance
            den = m_hi[k] - m_lo[k]
            t_root = lo[k] - m_lo[k] * (hi[k] - lo[k]) / den if den > 0.0 else 0.5 * (lo[k] + hi[k])
            res[k] = float(t_root) if math.isfinite(t_root) else float(0.5 * (lo[k] + hi[k]))
    return res


def judge_all(
    prop: Propagator,
    objects: Sequence[ScreeningObject],
    volumes: Sequence[Volume],
    primary: npt.NDArray[np.bool_],
    span_end: F64,
    config: ScreeningConfig,
    items: Sequence[tuple[int, int, float]],
    known: dict[tuple[int, int, float], States] | None = None,
) -> list[Conjunction | None]:
    """:func:`refine.judge` for every (i, j, tca_s) of ``items``: the same primary, the same time inside the
    volume (the TCA, or the first sample of a box's pass that is inside), entry and exit from there."""
    n = len(items)
    out: list[Conjunction | None] = [None] * n
    if n == 0:
        return out
    ii = np.array([x[0] for x in items], dtype=np.int64)
    jj = np.array([x[1] for x in items], dtype=np.int64)
    tt = np.array([x[2] for x in items], dtype=np.float64)
    ri, vi, rj, vj = (np.empty((n, 3)) for _ in range(4))
    miss = []
    for k, key in enumerate(items):
        st = known.get(key) if known else None
        if st is None:
            miss.append(k)
        else:
            ri[k], vi[k], rj[k], vj[k] = st
    if miss:
        mk = np.array(miss, dtype=np.int64)
        ri[mk], vi[mk], rj[mk], vj[mk] = _pair_states(prop, ii[mk], jj[mk], tt[mk])
    speed = np.linalg.norm(vj - vi, axis=1)
    finite = np.isfinite(ri[:, 0]) & np.isfinite(rj[:, 0])
    # the metric of each item in each candidate primary's volume (both orders)
    shape_i, dims_i = _vol_arrays([volumes[i] for i in ii.tolist()])
    shape_j, dims_j = _vol_arrays([volumes[j] for j in jj.tolist()])
    m_i = _metric(shape_i, dims_i, ri, vi, rj - ri)  # i primary
    m_j = _metric(shape_j, dims_j, rj, vj, ri - rj)  # j primary
    chosen: list[tuple[int, int, int]] = []  # (item, p, o)
    scalar: list[int] = []
    # each item's primaries in the scalar judge's order (first the lower NORAD id), those whose span
    # covers the TCA; an item is judged against them in turn: inside at the TCA, or (a box) inside at
    # one of the samples of its pass, or on to the next primary
    orders: dict[int, list[int]] = {}
    for k in range(n):
        if not finite[k]:
            continue
        i, j, t = int(ii[k]), int(jj[k]), float(tt[k])
        order = [x for x in (i, j) if primary[x]]
        if len(order) == 2 and objects[j].norad_id < objects[i].norad_id:
            order.reverse()
        orders[k] = [p for p in order if not t > span_end[p]]
    t_in = tt.copy()
    inside: dict[int, States] = {}
    pending = [(k, 0) for k in orders]
    while pending:
        sampled: list[tuple[int, int, int]] = []  # (item, p, o): box to sample around the TCA
        at: dict[int, int] = {}
        nxt: list[tuple[int, int]] = []
        for k, x in pending:
            i, j = int(ii[k]), int(jj[k])
            while x < len(orders[k]):
                p = orders[k][x]
                o = j if p == i else i
                m = float(m_i[k]) if p == i else float(m_j[k])
                if m <= 1.0:
                    chosen.append((k, p, o))
                    break
                if volumes[p].shape != "sphere":
                    if SAMPLE_BATCHED:
                        sampled.append((k, p, o))
                        at[k] = x
                    else:
                        scalar.append(k)
                    break
                x += 1
        if sampled:
            for k, p, o, t_k, st_k in _sample_boxes(prop, volumes, sampled, tt, speed):
                if t_k is None:
                    nxt.append((k, at[k] + 1))  # never inside this box: the next primary
                    continue
                chosen.append((k, p, o))
                t_in[k] = t_k
                inside[k] = st_k
        pending = nxt
    if chosen:
        ks = np.array([c[0] for c in chosen], dtype=np.int64)
        ps = np.array([c[1] for c in chosen], dtype=np.int64)
        os_ = np.array([c[2] for c in chosen], dtype=np.int64)
        vols = [volumes[int(p)] for p in ps.tolist()]
        m = ks.size
        is_i = ps == ii[ks]
        sel2 = np.concatenate([ks, ks])
        both2 = np.concatenate([is_i, is_i])[:, None]
        st0 = (
            np.where(both2, ri[sel2], rj[sel2]),
            np.where(both2, vi[sel2], vj[sel2]),
            np.where(both2, rj[sel2], ri[sel2]),
            np.where(both2, vj[sel2], vi[sel2]),
        )
        # the crossings start from the time inside the volume: the TCA, or the sample of the box's pass;
        # the record keeps the states at the TCA
        st_in = tuple(x.copy() for x in st0)
        for x, k in enumerate(ks.tolist()):
            if k in inside:
                for c in range(4):
                    st_in[c][x] = inside[k][c]
                    st_in[c][x + m] = inside[k][c]
        both = crossings(
            prop,
            np.concatenate([ps, ps]),
            np.concatenate([os_, os_]),
            vols + vols,
            np.concatenate([t_in[ks], t_in[ks]]),
            np.concatenate([np.full(m, -1.0), np.full(m, 1.0)]),
            np.concatenate([speed[ks], speed[ks]]),
            (st_in[0], st_in[1], st_in[2], st_in[3]),
        )
        recs = _records(
            prop, objects, config, ps, os_, vols, tt[ks], (st0[0][:m], st0[1][:m], st0[2][:m], st0[3][:m]),
            speed[ks], both[:m], both[m:],
        )  # fmt: skip
        for k, rec in zip(ks.tolist(), recs, strict=True):
            out[k] = rec
    for k in scalar:
        out[k] = refine.judge(
            prop, objects, volumes, primary, span_end, config, int(ii[k]), int(jj[k]), float(tt[k])
        )
    return out


#: samples of a box's pass around the TCA (as :func:`refine.judge`)
PASS_SAMPLES = 41
#: sample boxes' passes for all items at once (False: each item through the scalar :func:`refine.judge`,
#: which tests compare with)
SAMPLE_BATCHED = True


def _sample_boxes(
    prop: Propagator,
    volumes: Sequence[Volume],
    items: Sequence[tuple[int, int, int]],
    tt: F64,
    speed: F64,
) -> list[tuple[int, int, int, float | None, States]]:
    """For each (item, primary, secondary) whose secondary is outside the primary's box at the TCA: the
    first of :func:`refine.judge`'s samples of the pass (``PASS_SAMPLES`` times over +-bound/speed of the
    TCA) at which the secondary is inside the box, with the states there (None: never inside). All
    samples of all items in one batched propagation instead of one scalar call per sample."""
    n = len(items)
    ps = np.array([x[1] for x in items], dtype=np.int64)
    os_ = np.array([x[2] for x in items], dtype=np.int64)
    ts = np.empty((n, PASS_SAMPLES))
    for x, (k, p, _o) in enumerate(items):
        w = volumes[p].bound_m / max(float(speed[k]), 1e-3)
        ts[x] = np.linspace(tt[k] - w, tt[k] + w, PASS_SAMPLES)
    shape, dims = _vol_arrays([volumes[p] for p in ps.tolist()])
    rep = np.repeat(np.arange(n), PASS_SAMPLES)
    rp, vp, ro, vo = _pair_states(prop, ps[rep], os_[rep], ts.ravel())
    m = _metric(shape[rep], dims[rep], rp, vp, ro - rp).reshape(n, PASS_SAMPLES)
    hit = m <= 1.0
    first = np.argmax(hit, axis=1)
    out: list[tuple[int, int, int, float | None, States]] = []
    for x, (k, p, o) in enumerate(items):
        q = int(first[x])
        if not hit[x, q]:
            out.append((k, p, o, None, (rp[:0], vp[:0], ro[:0], vo[:0])))
            continue
        y = x * PASS_SAMPLES + q
        out.append((k, p, o, float(ts[x, q]), (rp[y], vp[y], ro[y], vo[y])))
    return out


def _records(
    prop: Propagator,
    objects: Sequence[ScreeningObject],
    config: ScreeningConfig,
    ps: I64,
    os_: I64,
    vols: Sequence[Volume],
    tca_s: F64,
    st: States,
    speed: F64,
    entry: Sequence[float | None],
    exit_: Sequence[float | None],
) -> list[Conjunction]:
    """:func:`refine.record` for many conjunctions: the RTN vectors and angles computed as arrays."""
    rp, vp, ro, vo = st
    d = ro - rp
    dv = vo - vp
    rhat = rp / np.linalg.norm(rp, axis=1, keepdims=True)
    h = np.cross(rp, vp)
    nhat = h / np.linalg.norm(h, axis=1, keepdims=True)
    that = np.cross(nhat, rhat)
    miss_rtn = np.stack([_dot(rhat, d), _dot(that, d), _dot(nhat, d)], axis=1).tolist()
    vel_rtn = np.stack([_dot(rhat, dv), _dot(that, dv), _dot(nhat, dv)], axis=1).tolist()
    miss = np.linalg.norm(d, axis=1).tolist()
    cosang = _dot(vp, vo) / (np.linalg.norm(vp, axis=1) * np.linalg.norm(vo, axis=1))
    angle = np.degrees(np.arccos(np.clip(cosang, -1.0, 1.0))).tolist()
    max_age = config.max_elset_age_s / refine.DAY_S
    start = config.start

    def state(x: int, t_s: float, r: list[float], v: list[float]) -> ObjectState:
        tr = prop.tracks.get(x)
        cov = tr.covariance_at(t_s) if tr is not None else None
        rows = tuple(tuple(float(c) for c in row) for row in cov) if cov is not None else None
        return ObjectState((r[0], r[1], r[2]), (v[0], v[1], v[2]), rows)

    out: list[Conjunction] = []
    rp_l, vp_l, ro_l, vo_l = rp.tolist(), vp.tolist(), ro.tolist(), vo.tolist()
    for x, (p, o, t_s) in enumerate(zip(ps.tolist(), os_.tolist(), tca_s.tolist(), strict=True)):
        tca = offset_to_datetime(start, t_s)
        e1, e2 = objects[p].elset, objects[o].elset
        a1 = seconds_between(e1.epoch, tca) / refine.DAY_S if e1 is not None else None
        a2 = seconds_between(e2.epoch, tca) / refine.DAY_S if e2 is not None else None
        en, ex = entry[x], exit_[x]
        mr, vr = miss_rtn[x], vel_rtn[x]
        out.append(
            Conjunction(
                object1_norad_id=objects[p].norad_id,
                object2_norad_id=objects[o].norad_id,
                object1_name=objects[p].name,
                object2_name=objects[o].name,
                tca=tca,
                miss_distance_m=miss[x],
                relative_speed_m_s=float(speed[x]),
                miss_rtn_m=(mr[0], mr[1], mr[2]),
                relative_velocity_rtn_m_s=(vr[0], vr[1], vr[2]),
                approach_angle_deg=angle[x],
                entry=offset_to_datetime(start, en) if en is not None else None,
                exit=offset_to_datetime(start, ex) if ex is not None else None,
                volume=vols[x].describe(),
                object1_state=state(p, t_s, rp_l[x], vp_l[x]),
                object2_state=state(o, t_s, ro_l[x], vo_l[x]),
                object1_elset_age_days=a1,
                object2_elset_age_days=a2,
                object1_elset_stale=a1 is not None and abs(a1) > max_age,
                object2_elset_stale=a2 is not None and abs(a2) > max_age,
            )
        )
    return out
