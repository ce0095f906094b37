"""The perigee/apogee pre-filter's radius ranges contain every radius SGP4/SDP4 gives over a 7-day window,
for a sample of the real catalog that includes the deep-space orbits with the largest lunar-solar
excursions (VELA 6, CLUSTER II, XMM-Newton) and near-Earth orbits of every altitude."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from sgp4.api import SatrecArray

from openstc.astro.sgp4prop import MU_M3_S2, RE_M, datetime_to_jd, perigee_apogee_m
from openstc.formats.catalog import load_catalog
from openstc.formats.elset import to_satrec
from openstc.screening.model import ScreeningConfig, ScreeningObject
from openstc.screening.propagator import Propagator
from openstc.screening.radial import _radial_range, near_intervals, sampled_ranges
from openstc.screening.volumes import sphere

CATALOG = Path(__file__).resolve().parents[1] / "data" / "catalog" / "celestrak_on_orbit_20241101.csv"
START = datetime(2024, 11, 1, tzinfo=UTC)
HARD = {1459, 26410, 26463, 25989, 20413, 29000, 12892, 44007, 61594}


def test_radius_ranges_contain_the_propagated_radii() -> None:
    els = load_catalog(CATALOG.read_bytes())
    sample = [e for k, e in enumerate(els) if k % 25 == 0 or e.norad_id in HARD]
    ranges = [_radial_range(ScreeningObject.from_elset(e)) for e in sample]
    keep = [k for k, rr in enumerate(ranges) if rr is not None]
    assert len(keep) > 500 and {sample[k].norad_id for k in keep} >= HARD
    jd, fr = datetime_to_jd(datetime(2024, 11, 1, tzinfo=UTC))
    times = np.arange(0.0, 7 * 86400.0 + 1.0, 300.0)
    err, r, _v = SatrecArray([to_satrec(sample[k]) for k in keep]).sgp4(
        np.full(times.size, jd), fr + times / 86400.0
    )
    rn = np.linalg.norm(r, axis=2) * 1e3
    rn[err != 0] = np.nan
    for x, k in enumerate(keep):
        lo, hi = ranges[k]  # type: ignore[misc]
        row = rn[x][np.isfinite(rn[x])]
        assert row.size == 0 or (lo <= row.min() and row.max() <= hi), sample[k].norad_id


def test_sampled_ranges_of_strong_drag_objects_contain_the_propagated_radii() -> None:
    """Objects without a static range (strong drag, decaying) get one from SGP4 samples every 2 hours: it
    holds every radius SGP4 gives every 2 minutes over 7 days (a third of such objects of the catalog;
    all of them at 60 s left more than 26 km of slack when this was written)."""
    els = load_catalog(CATALOG.read_bytes())
    objs = [ScreeningObject.from_elset(e) for e in els]
    unknown = [o for o in objs if _radial_range(o) is None][::3]
    cfg = ScreeningConfig(
        start=START, duration_s=7 * 86400.0, volume=sphere(5e3), primaries=frozenset({25544})
    )
    ranges = sampled_ranges(unknown, cfg)
    keep = [k for k, rr in enumerate(ranges) if rr is not None]
    assert len(unknown) > 900 and len(keep) > 0.95 * len(unknown)
    jd, fr = datetime_to_jd(START)
    times = np.arange(0.0, 7 * 86400.0 + 1.0, 120.0)
    err, r, _v = SatrecArray([to_satrec(unknown[k].elset) for k in keep]).sgp4(  # type: ignore[arg-type]
        np.full(times.size, jd), fr + times / 86400.0
    )
    rn = np.linalg.norm(r, axis=2) * 1e3
    rn[err != 0] = np.nan
    for x, k in enumerate(keep):
        lo, hi = ranges[k]  # type: ignore[misc]
        row = rn[x][np.isfinite(rn[x])]
        assert row.size == 0 or (lo <= row.min() and row.max() <= hi), unknown[k].norad_id


def test_sampled_ranges_keep_objects_that_fail() -> None:
    """A sample that fails leaves the object without a range (kept, its failure found by the engine)."""
    els = load_catalog(CATALOG.read_bytes())
    objs = [ScreeningObject.from_elset(e) for e in els]
    unknown = [o for o in objs if _radial_range(o) is None]
    cfg = ScreeningConfig(start=START, duration_s=7 * 86400.0, volume=sphere(5e3), primaries=frozenset())
    ranges = sampled_ranges(unknown, cfg)
    prop = Propagator(unknown, START)
    _r, _v, err = prop.grid(np.array([7 * 86400.0]))
    dead = [k for k in range(len(unknown)) if err[k, 0] != 0]
    assert dead and all(ranges[k] is None for k in dead)


def test_near_intervals_contain_every_close_radius() -> None:
    """The interval mask of few-primary runs: wherever an object's radius (SGP4 every 20 s) comes within
    the screening distance of the primary's, its interval is kept."""
    els = load_catalog(CATALOG.read_bytes())
    sample = [e for k, e in enumerate(els) if k % 20 == 0 or e.norad_id == 25544]
    objs = [ScreeningObject.from_elset(e) for e in sample]
    p = next(k for k, o in enumerate(objs) if o.norad_id == 25544)
    prop = Propagator(objs, START)
    h, n_sub, thr_m = 600.0, 10, 20e3
    times = h * np.arange(-1, 2 * 36 + 2, dtype=np.float64)  # 12 hours
    r, _v, err = prop.grid(times)
    rn = np.where(err == 0, np.linalg.norm(r, axis=2), np.nan)
    rdot2 = np.array(
        [MU_M3_S2 * (o.elset.eccentricity + 0.02) / min(perigee_apogee_m(o.elset)[0], RE_M + 100e3) ** 2
         for o in objs]  # type: ignore[union-attr]
    )  # fmt: skip
    thr = np.full(len(objs), thr_m)
    near = near_intervals(prop, rn, times, np.array([p]), thr, rdot2, n_sub)
    assert 0.02 < near.mean() < 0.5  # the mask does exclude most of the sample
    fine = times[0] + 20.0 * np.arange(int((times[-1] - times[0]) / 20.0) + 1)
    rf, _vf, ef = prop.grid(fine)
    rfn = np.where(ef == 0, np.linalg.norm(rf, axis=2), np.nan)
    with np.errstate(invalid="ignore"):
        close = np.abs(rfn - rfn[p][None, :]) <= thr_m
    k_of = np.minimum(((fine - times[0]) // h).astype(int), times.size - 2)
    for i, x in zip(*np.nonzero(close), strict=True):
        assert near[i, k_of[x]], (objs[i].norad_id, fine[x])
        if x > 0 and (fine[x] - times[0]) % h == 0:
            assert near[i, k_of[x] - 1]  # a grid point belongs to both of its intervals
