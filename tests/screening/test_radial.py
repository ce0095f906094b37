"""The perigee/apogee pre-filter's radius ranges contain every radius SGP4/SDP4 gives over a 7-day window,
for a sample of the real catalog that includes the deep-space orbits with the largest lunar-solar
excursions (VELA 6, CLUSTER II, XMM-Newton) and near-Earth orbits of every altitude."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from sgp4.api import SatrecArray

from openstc.astro.sgp4prop import datetime_to_jd
from openstc.formats.catalog import load_catalog
from openstc.formats.elset import to_satrec
from openstc.screening.model import ScreeningObject
from openstc.screening.radial import _radial_range

CATALOG = Path(__file__).resolve().parents[1] / "data" / "catalog" / "celestrak_on_orbit_20241101.csv"
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
