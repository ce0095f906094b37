"""OCM speed: a 7-day LEO ephemeris with 60 s states and one 6x6 covariance per state (10,081 of each),
generated in memory (two-body orbit, a = 6,878 km, e = 0.001, i = 51.6 deg; covariance growing with
time), written and read back in KVN (target < 1 s each way), XML and JSON. Best of N runs.

Run: ``.venv/bin/python benchmarks/bench_formats_ocm.py [runs]``
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import numpy as np

from openstc.formats.ccsds_time import Epoch
from openstc.formats.ocm import Ocm, OcmCovariance, OcmTrajectory
from openstc.formats.oem import Oem, OemSegment
from openstc.formats.oem_keys import KeywordBlock

MU = 3.986004415e14  # m**3/s**2


def leo_states(times_s: np.ndarray) -> np.ndarray:
    """Two-body Cartesian states (m, m/s) of a near-circular LEO orbit at ``times_s``."""
    a, e, i, raan, argp = 6_878_137.0, 0.001, np.radians(51.6), np.radians(40.0), np.radians(30.0)
    n = np.sqrt(MU / a**3)
    m = n * times_s
    ecc = m.copy()
    for _ in range(8):  # Kepler's equation by Newton iterations
        ecc -= (ecc - e * np.sin(ecc) - m) / (1 - e * np.cos(ecc))
    cos_e, sin_e = np.cos(ecc), np.sin(ecc)
    r = a * (1 - e * cos_e)
    xp, yp = a * (cos_e - e), a * np.sqrt(1 - e * e) * sin_e
    vxp, vyp = -np.sqrt(MU * a) / r * sin_e, np.sqrt(MU * a * (1 - e * e)) / r * cos_e
    co, so, ci, si, cw, sw = np.cos(raan), np.sin(raan), np.cos(i), np.sin(i), np.cos(argp), np.sin(argp)
    rot = np.array(
        [
            [co * cw - so * sw * ci, -co * sw - so * cw * ci],
            [so * cw + co * sw * ci, -so * sw + co * cw * ci],
            [sw * si, cw * si],
        ]
    )
    pos = (rot @ np.vstack([xp, yp])).T
    vel = (rot @ np.vstack([vxp, vyp])).T
    return np.hstack([pos, vel])


def build(n: int = 10_081) -> Ocm:
    t0 = Epoch(datetime(2026, 11, 1))
    times = np.arange(n) * 60.0
    states = leo_states(times)
    base = np.diag([100.0, 400.0, 50.0, 1e-4, 4e-4, 5e-5])  # m**2, m**2/s**2
    base[0, 1] = base[1, 0] = 30.0
    growth = (1.0 + times / 86400.0)[:, None, None]
    covs = base[None, :, :] * growth
    header = KeywordBlock({"CREATION_DATE": t0, "ORIGINATOR": "OPENSTC-BENCH"})
    meta = KeywordBlock({"OBJECT_NAME": "BENCHSAT", "TIME_SYSTEM": "UTC", "EPOCH_TZERO": t0})
    traj = OcmTrajectory(
        KeywordBlock(
            {
                "CENTER_NAME": "EARTH",
                "TRAJ_REF_FRAME": "EME2000",
                "TRAJ_TYPE": "CARTPV",
                "INTERPOLATION": "HERMITE",
                "INTERPOLATION_DEGREE": 5,
            }
        ),
        times,
        states,
    )
    cov = OcmCovariance(
        KeywordBlock({"COV_REF_FRAME": "RSW_INERTIAL", "COV_TYPE": "CARTPV", "COV_ORDERING": "LTM"}),
        times.copy(),
        covs,
    )
    return Ocm(header, meta, [traj], covariances=[cov])


def build_oem(ocm: Ocm) -> Oem:
    """The same ephemeris as a one-segment OEM (states only)."""
    traj = ocm.trajectories[0]
    t0 = ocm.epoch_tzero
    meta = KeywordBlock(
        {
            "OBJECT_NAME": "BENCHSAT",
            "OBJECT_ID": "2026-999A",
            "CENTER_NAME": "EARTH",
            "REF_FRAME": "EME2000",
            "TIME_SYSTEM": "UTC",
            "START_TIME": t0,
            "STOP_TIME": t0,
            "INTERPOLATION": "HERMITE",
            "INTERPOLATION_DEGREE": 5,
        }
    )
    seg = OemSegment(meta, ocm.epochs(traj.times_s), traj.elements[:, :3], traj.elements[:, 3:6])
    return Oem(ocm.header, [seg])


def best(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    ocm = build()
    n = len(ocm.trajectories[0].times_s)
    print(f"OCM: {n} states + {n} covariances (7 days at 60 s, LEO), best of {runs}")
    for enc, write, read in (
        ("KVN", Ocm.to_kvn, Ocm.from_kvn),
        ("XML", Ocm.to_xml, Ocm.from_xml),
        ("JSON", Ocm.to_json, Ocm.from_json),
    ):
        tw, text = best(lambda w=write: w(ocm), runs)
        tr, back = best(lambda r=read, s=text: r(s), runs)
        err = float(
            np.max(np.abs(back.trajectories[0].elements[:, :3] - ocm.trajectories[0].elements[:, :3]))
        )
        print(
            f"  {enc:4s} write {tw:6.3f} s   read {tr:6.3f} s   size {len(text) / 1e6:6.2f} MB   "
            f"max position round-trip error {err:.1e} m"
        )
    oem = build_oem(ocm)
    print(f"OEM: the same {n} states, no covariance, best of {runs}")
    for enc, owrite, oread in (
        ("KVN", Oem.to_kvn, Oem.from_kvn),
        ("XML", Oem.to_xml, Oem.from_xml),
        ("JSON", Oem.to_json, Oem.from_json),
    ):
        tw, text = best(lambda w=owrite: w(oem), runs)
        tr, _ = best(lambda r=oread, s=text: r(s), runs)
        print(f"  {enc:4s} write {tw:6.3f} s   read {tr:6.3f} s   size {len(text) / 1e6:6.2f} MB")


if __name__ == "__main__":
    main()
