"""Screening figures on the standard input (issue #3): CelesTrak's 2024-11-01 on-orbit catalog
(26,834 objects), 2024-11-01T00:00Z, 5 km sphere.

Parts (``--part``, default all, in this order):

* ``full``: 7 days, all vs all, ``--workers`` processes: wall time, peak memory (this process and its
  workers), propagations/s, candidate pairs/s, refinements/s, conjunctions.
* ``baseline``: the naive screener open Python tools use (SGP4 for everyone every 60 s, a scipy
  cKDTree per step, ``query_pairs`` within the distance a pair can close in half a step, refinement of
  each sampled minimum) against the engine, side by side on the same 1-day window. When the
  baseline would run past ``--baseline-budget`` seconds it is stopped and its time extrapolated from
  the fraction of steps done (said so in the output).
* recall of 200 sampled primaries against a brute force: ``benchmarks/bench_screening_recall.py``.
* ``ephemeris``: one 7-day ephemeris (60 s states, EME2000, Hermite) of a LEO payload vs the catalog,
  on ``--workers`` processes as ``openstc screen`` runs it (``--workers 1``: in this process).

Run: ``.venv/bin/python benchmarks/bench_screening.py [--part full] [--workers 2]``
"""

from __future__ import annotations

import argparse
import math
import resource
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from openstc.astro import frames
from openstc.astro.sgp4prop import datetime_to_jd, offset_to_datetime
from openstc.commands.screen import execute
from openstc.formats.catalog import load_catalog
from openstc.formats.elset import to_satrec
from openstc.screening.engine import merge, screen
from openstc.screening.ephemeris import Ephemeris
from openstc.screening.model import ScreeningConfig, ScreeningObject
from openstc.screening.volumes import parse_volume, sphere

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT / "tests" / "data" / "catalog" / "celestrak_on_orbit_20241101.csv"
START = datetime(2024, 11, 1, tzinfo=UTC)
THRESHOLD_M = 5e3


def peak_rss_mb() -> tuple[float, float]:
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
    return me, kids


def load() -> list[ScreeningObject]:
    t = time.perf_counter()
    els = load_catalog(CATALOG.read_bytes())
    objs = [ScreeningObject.from_elset(e) for e in els]
    print(f"catalog: {len(objs)} objects read in {time.perf_counter() - t:.2f} s")
    return objs


def run_engine(  # type: ignore[no-untyped-def]
    objs: list[ScreeningObject], days: float, workers: int, label: str, volume: str = "sphere:5km"
):
    vol = parse_volume(volume)
    cfg = ScreeningConfig(start=START, duration_s=days * 86400.0, volume=vol)
    t = time.perf_counter()
    conj, fails, stats = merge(list(execute(objs, cfg, workers=workers)))
    wall = time.perf_counter() - t
    me, kids = peak_rss_mb()
    print(
        f"[{label}] {days:g} d all-vs-all, {volume}, {workers} worker(s): wall {wall:.1f} s; "
        f"{len(conj)} conjunctions, {len(fails)} failed objects; "
        f"peak RSS main {me:.0f} MB, largest worker {kids:.0f} MB"
    )
    print(
        f"[{label}] propagations {stats.propagations:,} ({stats.propagations / wall:,.0f}/s), "
        f"candidates {stats.candidates:,} ({stats.candidates / wall:,.0f}/s), "
        f"pairs examined {stats.pairs_examined:,}, "
        f"refinements {stats.refinements:,} ({stats.refinements / wall:,.0f}/s); "
        "stage CPU s: " + ", ".join(f"{k} {v:.1f}" for k, v in stats.stage_s.items())
    )
    return conj, fails, wall


# ------------------------------------------------------------------------------------ baseline
def naive_baseline(objs: list[ScreeningObject], days: float, budget_s: float) -> tuple[float, int, bool]:
    """SGP4 every 60 s + cKDTree.query_pairs + refinement, as open Python screeners do it."""
    from scipy.optimize import minimize_scalar
    from scipy.spatial import cKDTree
    from sgp4.api import SatrecArray

    sats = [to_satrec(o.elset) for o in objs if o.elset is not None]
    arr = SatrecArray(sats)
    jd, fr = datetime_to_jd(START)
    step = 60.0
    n_steps = int(days * 86400 / step)
    # a pair can close by (v1 + v2) * step / 2 between samples: 2 x 8 km/s x 30 s + 5 km
    radius = THRESHOLD_M + 2 * 8.0e3 * step / 2
    t0 = time.perf_counter()
    found = 0
    done = 0
    for k in range(n_steps):
        e, r, v = arr.sgp4(np.array([jd]), np.array([fr + k * step / 86400.0]))
        ok = e[:, 0] == 0
        pos = r[ok, 0] * 1e3
        idx = np.nonzero(ok)[0]
        tree = cKDTree(pos)
        pairs = tree.query_pairs(radius, output_type="ndarray")
        vel = v[ok, 0] * 1e3
        for a, b in pairs:
            d = pos[b] - pos[a]
            dv = vel[b] - vel[a]
            s = -float(d @ dv) / max(float(dv @ dv), 1e-9)
            if abs(s) > step / 2:
                continue
            if np.linalg.norm(d + dv * s) > THRESHOLD_M + 2e3:
                continue
            ia, ib = sats[idx[a]], sats[idx[b]]

            def dist(t: float, ia=ia, ib=ib) -> float:  # type: ignore[no-untyped-def]
                _, ra, _ = ia.sgp4(jd, fr + t / 86400.0)
                _, rb, _ = ib.sgp4(jd, fr + t / 86400.0)
                return math.dist(ra, rb)

            res = minimize_scalar(dist, bounds=(k * step + s - 30, k * step + s + 30), method="bounded")
            if res.fun * 1e3 <= THRESHOLD_M:
                found += 1
        done = k + 1
        if time.perf_counter() - t0 > budget_s:
            break
    elapsed = time.perf_counter() - t0
    partial = done < n_steps
    return elapsed * n_steps / done, found, partial


# ------------------------------------------------------------------------------------- ephemeris
def ephemeris_run(
    objs: list[ScreeningObject], norad_id: int = 25544, days: float = 7.0, workers: int = 1
) -> None:
    from sgp4.api import Satrec

    obj = next(o for o in objs if o.norad_id == norad_id)
    assert obj.elset is not None
    sat: Satrec = to_satrec(obj.elset)
    jd, fr = datetime_to_jd(START)
    times = np.arange(0.0, days * 86400.0 + 1.0, 60.0)
    e, r, v = sat.sgp4_array(np.full(times.size, jd), fr + times / 86400.0)
    assert not e.any()
    r = r * 1e3
    v = v * 1e3
    for k, tt in enumerate(times):
        r[k], v[k] = frames.teme_to_frame("EME2000", offset_to_datetime(START, float(tt)), r[k], v[k])
    eph = Ephemeris(
        norad_id, START, times, r, v, frame="EME2000", interpolation="HERMITE", degree=5, name="UPLOAD"
    )
    rest = [o for o in objs if o.norad_id != norad_id] + [ScreeningObject.from_ephemeris(eph)]
    cfg = ScreeningConfig(
        start=START, duration_s=days * 86400.0, volume=sphere(THRESHOLD_M), primaries=frozenset({norad_id})
    )
    t = time.perf_counter()
    cpu = time.process_time()
    # stages timed in CPU seconds: on a shared machine wall time also counts other processes' turns
    if workers <= 1:
        conj, fails, stats = screen(rest, cfg, clock=time.process_time)
    else:  # as `openstc screen EPHEMERIS CATALOG --workers N` runs it (one time piece per worker)
        conj, fails, stats = merge(list(execute(rest, cfg, workers=workers)))
    wall = time.perf_counter() - t
    cpu = time.process_time() - cpu
    where = "this process" if workers <= 1 else f"{workers} worker processes, CPU of the workers' stages"
    if workers > 1:
        cpu = sum(stats.stage_s.values())
    print(
        f"[ephemeris] one {days:g}-day ephemeris (60 s states, {times.size} states) of {norad_id} "
        f"vs {len(rest) - 1} catalog objects, 5 km, {where}: {wall:.2f} s wall, {cpu:.2f} s CPU, "
        f"{len(conj)} conjunctions, {len(fails)} failures reported, "
        f"{stats.propagations:,} propagations; "
        "stage CPU s: " + ", ".join(f"{k} {v:.2f}" for k, v in stats.stage_s.items())
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--part", choices=["all", "full", "baseline", "ephemeris"], default="all")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--days", type=float, default=7.0)
    ap.add_argument(
        "--volume", default="sphere:5km", help="volume of the full part (sphere:5km, tracss, box:...)"
    )
    ap.add_argument("--baseline-budget", type=float, default=300.0)
    ap.add_argument(
        "--limit", type=int, default=0, help="screen every k-th object so that about N remain (quick runs)"
    )
    ap.add_argument("--ephemeris-days", type=float, default=7.0, help="length of the ephemeris run")
    args = ap.parse_args()
    with open("/proc/loadavg") as fh:
        print(f"load average at start: {fh.read().split()[:3]} on {__import__('os').cpu_count()} CPUs")
    objs = load()
    if 0 < args.limit < len(objs):
        every = max(1, len(objs) // args.limit)
        keep = {o.norad_id for o in objs[::every]} | {25544}
        objs = [o for o in objs if o.norad_id in keep]
        print(f"--limit: screening {len(objs)} objects (every {every}-th, + ISS)")
    if args.part in ("all", "full"):
        run_engine(objs, args.days, args.workers, "full", args.volume)
    if args.part in ("all", "baseline"):
        _c, _f, t_eng = run_engine(objs, 1.0, 1, "engine-1d")
        t_base, _found, partial = naive_baseline(objs, 1.0, args.baseline_budget)
        note = " (extrapolated from the steps done within the budget)" if partial else ""
        print(
            f"[baseline] naive KD-tree every 60 s + refinement, 1 d, 1 process: {t_base:.0f} s{note}; "
            f"engine 1 process: {t_eng:.1f} s; speed-up x{t_base / t_eng:.1f}"
        )
    if args.part in ("all", "ephemeris"):
        ephemeris_run(objs, days=args.ephemeris_days, workers=args.workers)
        if args.workers > 1:
            # as in a running server (openstc.jobs.service.screen_sharded): the process that forks the
            # workers has loaded the compiled kernels once, so its workers do not each load them again
            from openstc.screening.kernels import warm_up

            warm_up()
            print("  again, kernels loaded in this process before the workers are forked (a server's case):")
            ephemeris_run(objs, days=args.ephemeris_days, workers=args.workers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
