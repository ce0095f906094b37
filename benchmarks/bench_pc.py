"""Collision-probability throughput: 2D Pc (Foster, vectorized) per second per core, and the
cost of Elrod, Chan, dilution max Pc and Monte Carlo. Random realistic LEO cases; prints figures.

Run: ``.venv/bin/python benchmarks/bench_pc.py [N]``
"""

from __future__ import annotations

import sys
import time

import numpy as np

from openstc.pc import compute_pc
from openstc.pc.chan import pc2d_chan
from openstc.pc.dilution import dilution_max_pc
from openstc.pc.elrod import pc2d_elrod
from openstc.pc.foster import pc2d
from openstc.pc.hall2d import pc2d_hall
from openstc.pc.hall3d import pc3d_hall
from openstc.pc.maxpc import unknown_covariance_max_pc
from openstc.pc.montecarlo import pc_monte_carlo


def cases(n: int, seed: int = 1) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    r1 = rng.normal(size=(n, 3))
    r1 *= (6.9e6 + rng.uniform(0, 1e6, n))[:, None] / np.linalg.norm(r1, axis=1, keepdims=True)
    # Near-circular orbits: velocity normal to the position at circular speed, random plane.
    w = np.cross(r1, rng.normal(size=(n, 3)))
    w /= np.linalg.norm(w, axis=1, keepdims=True)
    v1 = w * np.sqrt(3.986004418e14 / np.linalg.norm(r1, axis=1))[:, None]
    r2 = r1 + rng.normal(size=(n, 3)) * 500.0
    w2 = np.cross(r2, rng.normal(size=(n, 3)))
    w2 /= np.linalg.norm(w2, axis=1, keepdims=True)
    v2 = w2 * np.sqrt(3.986004418e14 / np.linalg.norm(r2, axis=1))[:, None]
    a = rng.normal(size=(n, 3, 3)) * rng.uniform(5, 300, n)[:, None, None]
    b = rng.normal(size=(n, 3, 3)) * rng.uniform(5, 300, n)[:, None, None]
    c1 = a @ np.swapaxes(a, 1, 2)
    c2 = b @ np.swapaxes(b, 1, 2)
    hbr = rng.uniform(1, 20, n)
    return r1, v1, c1, r2, v2, c2, hbr


def rate(label: str, fn: object, n: int, args: tuple[np.ndarray, ...], **kw: object) -> None:
    fn(*(a[:10] for a in args), **kw)  # type: ignore[operator]  # compile / warm up
    t = time.perf_counter()
    c = time.process_time()
    fn(*args, **kw)  # type: ignore[operator]
    dt = time.perf_counter() - t
    dc = time.process_time() - c
    # CPU time of this (single-threaded) process = time on one core, robust to a loaded machine.
    print(f"{label:42s} {n:>9d} in {dt:7.3f} s wall, {dc:7.3f} s CPU = {n / dc:12,.0f} /s per core")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    args = cases(n)
    rate("2D Pc, Foster (adaptive GK15)", pc2d, n, args)
    rate("2D Pc, Elrod (64-node Gauss-Chebyshev)", pc2d_elrod, n, args)
    rate("2D Pc, Chan series", pc2d_chan, n, args)
    c = time.process_time()
    unknown_covariance_max_pc(np.linalg.norm(args[0] - args[3], axis=1), args[6])
    dc = time.process_time() - c
    print(
        f"{'max Pc, no covariance (Alfano 2005)':42s} {n:>9d} in {dc:7.3f} s CPU"
        f" = {n / dc:12,.0f} /s per core"
    )
    # Bulk path: compute_pc without the curvilinear check or the 3D fallback (a case whose 3D Nc
    # fails falls back to a 2e5-trial two-body Monte Carlo: tens of seconds), 1% degenerate cases.
    b = max(10, n // 10)
    r1, v1, c1, r2, v2, c2, hbr = (np.array(a[:b]) for a in args)
    bad = np.arange(0, b, 100)
    c1[bad[0::3]] = np.nan
    v2[bad[1::3]] = v1[bad[1::3]]
    c2[bad[2::3]] = 0.0
    rate(
        "compute_pc bulk (rectilinear check, 1% bad)",
        compute_pc,
        b,
        (r1, v1, c1, r2, v2, c2, hbr),
        curvilinear_check=False,
        fallback_3d=False,
    )
    m = max(1, n // 100)
    rate("max Pc over covariance scaling (dilution)", dilution_max_pc, m, tuple(a[:m] for a in args))
    k = 20
    small = tuple(a[:k] for a in args)
    c = time.process_time()
    pc_monte_carlo(*small, trials=1_000_000, seed=0)
    dc = time.process_time() - c
    print(
        f"{'Monte Carlo, linear, 1e6 trials each':42s} {k:>9d} in {dc:7.3f} s CPU"
        f" = {k * 1e6 / dc:,.0f} trials/s"
    )
    r1, v1, c1, r2, v2, c2, hbr = (a[:10] for a in args)
    six1 = np.zeros((10, 6, 6))
    six2 = np.zeros((10, 6, 6))
    six1[:, :3, :3] = c1
    six2[:, :3, :3] = c2
    six1[:, 3:, 3:] = six2[:, 3:, 3:] = np.eye(3) * 1e-4  # small velocity uncertainty (m^2/s^2)
    pc_monte_carlo(
        r1[:1], v1[:1], six1[:1], r2[:1], v2[:1], six2[:1], hbr[:1], trials=10, dynamics="two-body"
    )
    c = time.process_time()
    pc_monte_carlo(
        r1[:5], v1[:5], six1[:5], r2[:5], v2[:5], six2[:5], hbr[:5], trials=20_000, dynamics="two-body"
    )
    dc = time.process_time() - c
    print(
        f"{'Monte Carlo, two-body, 2e4 trials each':42s} {5:>9d} in {dc:7.3f} s CPU"
        f" = {1e5 / dc:,.0f} trials/s"
    )
    pc_monte_carlo(
        r1[:1],
        v1[:1],
        six1[:1],
        r2[:1],
        v2[:1],
        six2[:1],
        hbr[:1],
        trials=10,
        dynamics="two-body",
        importance=True,
    )
    c = time.process_time()
    pc_monte_carlo(
        r1[:5],
        v1[:5],
        six1[:5],
        r2[:5],
        v2[:5],
        six2[:5],
        hbr[:5],
        trials=2_000,
        dynamics="two-body",
        importance=True,
    )
    dc = time.process_time() - c
    print(
        f"{'Monte Carlo, two-body, importance, 2e3':42s} {5:>9d} in {dc:7.3f} s CPU"
        f" = {5 / dc:12,.1f} /s per core"
    )
    pc3d_hall(r1[0], v1[0], six1[0], r2[0], v2[0], six2[0], float(hbr[0]))  # compile
    c = time.process_time()
    for i in range(10):
        pc3d_hall(r1[i], v1[i], six1[i], r2[i], v2[i], six2[i], float(hbr[i]))
    dc = time.process_time() - c
    print(
        f"{'3D Nc (Hall), short LEO encounters':42s} {10:>9d} in {dc:7.3f} s CPU"
        f" = {10 / dc:12,.1f} /s per core"
    )
    pc2d_hall(r1[0], v1[0], six1[0], r2[0], v2[0], six2[0], float(hbr[0]))  # compile, build caches
    c = time.process_time()
    for i in range(10):
        pc2d_hall(r1[i], v1[i], six1[i], r2[i], v2[i], six2[i], float(hbr[i]))
    dc = time.process_time() - c
    print(
        f"{'2D Nc (Hall), short LEO encounters':42s} {10:>9d} in {dc:7.3f} s CPU"
        f" = {10 / dc:12,.1f} /s per core"
    )


if __name__ == "__main__":
    main()
