"""Test helpers: a brute-force screening reference and synthetic catalogs of hard cases.

The reference is deliberately simple and independent of the engine: ``sgp4`` states of every object
every ``step_s`` seconds, all pairwise distances, every sampled local minimum that could hide an
approach within the threshold (sampled distance <= threshold + relative speed x step), refined with
Brent's method on the range rate using direct ``Satrec.sgp4`` calls to 1e-6 s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
from scipy.optimize import brentq
from sgp4.api import Satrec, SatrecArray

from openstc.astro.sgp4prop import MU_M3_S2, datetime_to_jd
from openstc.formats.elset import ElementSet, to_satrec

START = datetime(2024, 11, 1, tzinfo=UTC)


@dataclass(frozen=True)
class RefConjunction:
    a: int  # NORAD ids, a < b
    b: int
    tca_s: float
    miss_m: float


def brute_force(
    elsets: list[ElementSet], start: datetime, duration_s: float, threshold_m: float, step_s: float = 10.0
) -> list[RefConjunction]:
    sats = [to_satrec(e) for e in elsets]
    ids = [e.norad_id for e in elsets]
    jd0, fr0 = datetime_to_jd(start)
    times = np.arange(0.0, duration_s + step_s, step_s)
    e, r, v = SatrecArray(sats).sgp4(np.full(times.size, jd0), fr0 + times / 86400.0)
    r = r * 1e3
    v = v * 1e3
    r[e != 0] = np.nan
    v[e != 0] = np.nan
    n = len(sats)
    out: list[RefConjunction] = []

    def state(k: int, t: float) -> tuple[np.ndarray, np.ndarray]:
        err, rr, vv = sats[k].sgp4(jd0, fr0 + t / 86400.0)
        if err != 0:
            raise ValueError("no state")
        return np.array(rr) * 1e3, np.array(vv) * 1e3

    for i in range(n):
        d = r[i + 1 :] - r[i]  # (n-i-1, m, 3)
        dist = np.linalg.norm(d, axis=-1)
        vrel = np.linalg.norm(v[i + 1 :] - v[i], axis=-1)
        with np.errstate(invalid="ignore"):
            interior = (dist[:, 1:-1] <= dist[:, :-2]) & (dist[:, 1:-1] < dist[:, 2:])
            near = dist[:, 1:-1] <= threshold_m + vrel[:, 1:-1] * step_s
        for jj, kk in zip(*np.nonzero(interior & near), strict=True):
            j = i + 1 + int(jj)
            k = int(kk) + 1
            t_k = float(times[k])

            def f(t: float, i: int = i, j: int = j) -> float:
                # range rate from positions only (SDP4 velocities are not exactly their derivative)
                d1 = state(j, t + 0.5)[0] - state(i, t + 0.5)[0]
                d0 = state(j, t - 0.5)[0] - state(i, t - 0.5)[0]
                return float((np.dot(d1, d1) - np.dot(d0, d0)) / 2.0)

            try:
                tca = brentq(f, t_k - step_s, t_k + step_s, xtol=1e-6, rtol=1e-14)
                ri, _ = state(i, tca)
                rj, _ = state(j, tca)
            except ValueError:
                continue
            miss = float(np.linalg.norm(rj - ri))
            if miss <= threshold_m and 0.0 < tca < duration_s:
                a, b = sorted((ids[i], ids[j]))
                out.append(RefConjunction(a, b, float(tca), miss))
    return sorted(out, key=lambda c: (c.tca_s, c.a, c.b))


def _elset_from_state(
    norad_id: int, epoch: datetime, r: np.ndarray, v: np.ndarray, bstar: float = 0.0, name: str = "SYNTH"
) -> ElementSet:
    """Osculating Keplerian elements of a TEME state used as SGP4 mean elements (km-level offsets are
    fine: the brute force defines the truth)."""
    mu = MU_M3_S2
    rn = np.linalg.norm(r)
    h = np.cross(r, v)
    hn = np.linalg.norm(h)
    inc = math.acos(h[2] / hn)
    node = np.cross([0.0, 0.0, 1.0], h)
    nn = np.linalg.norm(node)
    evec = ((np.dot(v, v) - mu / rn) * r - np.dot(r, v) * v) / mu
    ecc = float(np.linalg.norm(evec))
    a = 1.0 / (2.0 / rn - np.dot(v, v) / mu)
    raan = math.atan2(node[1], node[0]) if nn > 1e-9 else 0.0
    if ecc > 1e-9:
        argp = (
            math.atan2(np.dot(np.cross(node, evec), h) / (nn * hn), np.dot(node, evec) / nn)
            if nn > 1e-9
            else 0.0
        )
        nu = math.atan2(np.dot(np.cross(evec, r), h) / (ecc * hn), np.dot(evec, r) / ecc)
    else:
        argp = 0.0
        nu = math.atan2(np.dot(np.cross(node, r), h) / (nn * hn), np.dot(node, r) / nn)
    E = 2.0 * math.atan2(math.sqrt(1 - ecc) * math.sin(nu / 2), math.sqrt(1 + ecc) * math.cos(nu / 2))
    M = E - ecc * math.sin(E)
    n_rad_s = math.sqrt(mu / a**3)
    return ElementSet(
        norad_id=norad_id,
        epoch=epoch,
        mean_motion_rev_day=n_rad_s * 86400.0 / (2 * math.pi),
        eccentricity=max(ecc, 1e-7),
        inclination_deg=math.degrees(inc),
        raan_deg=math.degrees(raan) % 360.0,
        arg_perigee_deg=math.degrees(argp) % 360.0,
        mean_anomaly_deg=math.degrees(M) % 360.0,
        bstar_per_er=bstar,
        object_name=name,
    )


def _state(e: ElementSet, t: datetime) -> tuple[np.ndarray, np.ndarray]:
    sat: Satrec = to_satrec(e)
    jd, fr = datetime_to_jd(t)
    err, r, v = sat.sgp4(jd, fr)
    assert err == 0
    return np.array(r) * 1e3, np.array(v) * 1e3


def _rot(axis: np.ndarray, angle: float, vec: np.ndarray) -> np.ndarray:
    k = axis / np.linalg.norm(axis)
    return (
        vec * math.cos(angle)
        + np.cross(k, vec) * math.sin(angle)
        + k * np.dot(k, vec) * (1 - math.cos(angle))
    )


def aimed(target: ElementSet, norad_id: int, at: datetime, kind: str, rng: np.random.Generator) -> ElementSet:
    """An object that passes close to ``target`` around ``at``: ``crossing`` (same speed, plane rotated
    about the position by 30-150 deg), ``coorbital`` (same plane, slightly different eccentricity: a slow
    pair with an approach every orbit) or ``heo`` (perigee of a 12-hour orbit at the target's position)."""
    r, v = _state(target, at)
    offset = rng.normal(size=3) * 1500.0
    if kind == "crossing":
        v2 = _rot(r, math.radians(rng.uniform(30, 150)), v)
        r2 = r + offset
    elif kind == "coorbital":
        v2 = v * (1.0 + rng.uniform(2e-5, 6e-5)) + rng.normal(size=3) * 0.3
        r2 = r + offset * 0.5
    elif kind == "heo":
        rn = np.linalg.norm(r)
        a = (MU_M3_S2 * (43082.0 / (2 * math.pi)) ** 2) ** (1 / 3)  # 12-hour orbit
        vp = math.sqrt(MU_M3_S2 * (2 / rn - 1 / a))
        tdir = np.cross(rng.normal(size=3), r)
        tdir = np.cross(r, np.cross(tdir, r))
        v2 = tdir / np.linalg.norm(tdir) * vp
        r2 = r + offset
    else:
        raise ValueError(kind)
    # osculating -> mean by fixed-point iteration on the SGP4 state at epoch
    rf, vf = r2.copy(), v2.copy()
    for _ in range(6):
        e = _elset_from_state(norad_id, at, rf, vf, name=f"SYNTH {kind.upper()}")
        rg, vg = _state(e, at)
        rf += r2 - rg
        vf += v2 - vg
    return _elset_from_state(norad_id, at, rf, vf, name=f"SYNTH {kind.upper()}")


def shell(
    norad0: int, count: int, alt_km: float, rng: np.random.Generator, epoch: datetime = START
) -> list[ElementSet]:
    """``count`` near-circular objects at ``alt_km`` in random planes (a dense crossing shell)."""
    a = 6378.135e3 + alt_km * 1e3
    n = math.sqrt(MU_M3_S2 / a**3) * 86400 / (2 * math.pi)
    return [
        ElementSet(
            norad_id=norad0 + k,
            epoch=epoch - timedelta(hours=float(rng.uniform(0, 48))),
            mean_motion_rev_day=n,
            eccentricity=float(rng.uniform(1e-4, 2e-3)),
            inclination_deg=float(rng.uniform(40, 100)),
            raan_deg=float(rng.uniform(0, 360)),
            arg_perigee_deg=float(rng.uniform(0, 360)),
            mean_anomaly_deg=float(rng.uniform(0, 360)),
            bstar_per_er=float(rng.uniform(0, 1e-4)),
            object_name=f"SHELL {k}",
        )
        for k in range(count)
    ]


def geo_cluster(
    norad0: int, count: int, rng: np.random.Generator, epoch: datetime = START
) -> list[ElementSet]:
    """Co-located GEO objects (same slot, small eccentricity/inclination differences): slow pairs."""
    out = []
    for k in range(count):
        raan = float(rng.uniform(0, 360))
        argp = float(rng.uniform(0, 360))
        out.append(
            ElementSet(
                norad_id=norad0 + k,
                epoch=epoch,
                mean_motion_rev_day=1.00273 + float(rng.normal(0, 2e-6)),
                eccentricity=float(rng.uniform(1e-5, 5e-5)),
                inclination_deg=float(rng.uniform(0.0, 0.005)),
                raan_deg=raan,
                arg_perigee_deg=argp,
                # same mean longitude (raan + argp + M) within a few km
                mean_anomaly_deg=(100.0 - raan - argp + float(rng.normal(0, 0.004))) % 360.0,
                object_name=f"GEO {k}",
            )
        )
    return out


def decaying(norad_id: int, epoch: datetime = START) -> ElementSet:
    """A very low, high-drag object that SGP4 gives up on about five hours after epoch."""
    a = 6378.135e3 + 160e3
    return ElementSet(
        norad_id=norad_id,
        epoch=epoch,
        mean_motion_rev_day=math.sqrt(MU_M3_S2 / a**3) * 86400 / (2 * math.pi),
        eccentricity=0.001,
        inclination_deg=51.6,
        raan_deg=10.0,
        arg_perigee_deg=0.0,
        mean_anomaly_deg=0.0,
        bstar_per_er=0.003,
        object_name="DECAYING",
    )


def hard_case_catalog(seed: int = 7) -> tuple[list[ElementSet], dict[str, range]]:
    """A small catalog with every hard case: a dense LEO shell (fast crossings), objects aimed at shell
    objects (crossing, co-orbital slow pairs with an approach every orbit, HEO at perigee), co-located
    GEO objects (slow pairs), and an object that decays ~5 h into the day with two objects aimed at it
    before that. Returns the element sets and the NORAD ID range of each kind."""
    rng = np.random.default_rng(seed)
    base = shell(90000, 60, 550.0, rng)
    cat = list(base)
    kinds: dict[str, range] = {"shell": range(90000, 90060)}
    nid = 91000
    for kind, cnt in (("crossing", 12), ("coorbital", 5), ("heo", 12)):
        first = nid
        for _ in range(cnt):
            tgt = base[int(rng.integers(len(base)))]
            at = START + timedelta(seconds=float(rng.uniform(3600, 80000)))
            cat.append(aimed(tgt, nid, at, kind, rng))
            nid += 1
        kinds[kind] = range(first, nid)
    cat += geo_cluster(92000, 6, rng)
    kinds["geo"] = range(92000, 92006)
    dec = decaying(93000)
    cat.append(dec)
    cat.append(aimed(dec, 93001, START + timedelta(minutes=40), "crossing", rng))
    cat.append(aimed(dec, 93002, START + timedelta(minutes=150), "crossing", rng))
    kinds["decaying"] = range(93000, 93001)
    return cat, kinds
