"""Box volumes (TraCSS HAC / OCM tables) screened with the filter's radial test give exactly the conjunctions
of the sphere-of-bound filter: the same pairs, TCAs within 1e-4 s, the same entry and exit times, while the
radial test drops most of the candidates that a LEO box's 67 km bounding sphere lets through."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from openstc.formats.catalog import load_catalog
from openstc.screening import engine, judge
from openstc.screening.engine import screen
from openstc.screening.model import Conjunction, ScreeningConfig, ScreeningObject, ShardStats
from openstc.screening.volumes import box, tracss_hac_volume, tracss_ocm_volume

CATALOG = Path(__file__).resolve().parents[1] / "data" / "catalog" / "celestrak_on_orbit_20241101.csv"
START = datetime(2024, 11, 1, tzinfo=UTC)
ISS = 25544


@pytest.fixture(scope="module")
def sample() -> list[ScreeningObject]:
    objs = [ScreeningObject.from_elset(e) for e in load_catalog(CATALOG.read_bytes())]
    iss = next(o for o in objs if o.norad_id == ISS)
    assert iss.elset is not None

    def near(mm: float, width: float) -> list[ScreeningObject]:
        return [o for o in objs if o.elset is not None and abs(o.elset.mean_motion_rev_day - mm) < width]

    # crowded shells (slow co-orbital pairs and fast crossings), the ISS's neighbours, a spread of
    # everything else (deep space included)
    picked = (
        {o.norad_id for o in near(15.06, 0.01)[:150]}
        | {o.norad_id for o in near(iss.elset.mean_motion_rev_day, 0.05)[:100]}
        | {o.norad_id for o in objs[::150]}
        | {ISS}
    )
    return [o for o in objs if o.norad_id in picked]


def _run(
    objs: Sequence[ScreeningObject], cfg: ScreeningConfig, radial: bool, monkeypatch: pytest.MonkeyPatch
) -> tuple[list[Conjunction], ShardStats]:
    # the reference: the sphere-of-bound filter, and each box's pass sampled by the scalar judge
    monkeypatch.setattr(engine, "RADIAL_TEST", radial)
    monkeypatch.setattr(judge, "SAMPLE_BATCHED", radial)
    conj, _fails, stats = screen(objs, cfg)
    return conj, stats


def _same(got: list[Conjunction], ref: list[Conjunction]) -> None:
    def key(c: Conjunction) -> tuple[int, int, str, datetime]:
        return (c.object1_norad_id, c.object2_norad_id, c.volume, c.tca)

    got, ref = sorted(got, key=key), sorted(ref, key=key)
    assert [key(c)[:3] for c in got] == [key(c)[:3] for c in ref]
    for a, b in zip(got, ref, strict=True):
        assert abs((a.tca - b.tca).total_seconds()) < 1e-4
        for x, y in ((a.entry, b.entry), (a.exit, b.exit)):
            assert (x is None) == (y is None)
            if x is not None and y is not None:
                assert abs((x - y).total_seconds()) < 1e-4
        assert np.allclose(a.miss_rtn_m, b.miss_rtn_m, rtol=0.0, atol=1e-2)


def test_radial_reach_bounds_the_box() -> None:
    rng = np.random.default_rng(1)
    for vol in (tracss_hac_volume(400.0, 0.001), tracss_ocm_volume(5550.0), tracss_hac_volume(36000.0, 0.0)):
        rho = vol.radial_reach_m
        assert rho <= vol.bound_m
        for r_p in (0.98 * 6378137.0, 6.8e6, 4.2e7):
            x = rng.uniform(-1.0, 1.0, (20000, 3)) * [vol.radial_m, vol.in_track_m, vol.cross_track_m]
            corners = np.array(np.meshgrid(*[[-1.0, 1.0]] * 3)).reshape(3, -1).T
            x = np.concatenate([x, corners * [vol.radial_m, vol.in_track_m, vol.cross_track_m]])
            r_s = np.sqrt((r_p + x[:, 0]) ** 2 + x[:, 1] ** 2 + x[:, 2] ** 2)
            assert np.max(np.abs(r_s - r_p)) <= rho
    assert tracss_hac_volume(400.0, 0.001).radial_reach_m < 1e3  # LEO 1: 0.4 x 44 x 51 km, bound 67 km


def test_tracss_all_vs_all_matches_the_sphere_of_bound(
    sample: list[ScreeningObject], monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = ScreeningConfig(start=START, duration_s=86400.0, volume="tracss")
    new, s_new = _run(sample, cfg, True, monkeypatch)
    old, s_old = _run(sample, cfg, False, monkeypatch)
    assert len(old) > 20
    _same(new, old)
    # the test is not vacuous: the radial test removed most refinements (the candidates it keeps are
    # mostly the long runs of sub-steps of slow co-orbital pairs, one refinement per run)
    assert s_new.candidates < s_old.candidates
    assert s_new.refinements < 0.25 * s_old.refinements


@pytest.mark.parametrize("volume", ["tracss", "ocm-box"])
def test_box_primaries_vs_all_match_the_sphere_of_bound(
    sample: list[ScreeningObject], monkeypatch: pytest.MonkeyPatch, volume: str
) -> None:
    # a TraCSS OCM near-Earth box (2 x 25 x 25 km) for every primary, or each primary's HAC box
    vol = box(2e3, 25e3, 25e3) if volume == "ocm-box" else "tracss"
    leo = [o.norad_id for o in sample if o.elset is not None and o.elset.mean_motion_rev_day > 14.0]
    prim = frozenset({ISS, *leo[::15]})
    cfg = ScreeningConfig(start=START, duration_s=2 * 86400.0, volume=vol, primaries=prim)
    new, s_new = _run(sample, cfg, True, monkeypatch)
    old, s_old = _run(sample, cfg, False, monkeypatch)
    assert len(old) > 5
    _same(new, old)
    assert s_new.candidates < s_old.candidates
    # one primary alone takes the few-primaries path of the engine
    one = dataclasses.replace(cfg, primaries=frozenset({ISS}), duration_s=7 * 86400.0)
    new1, _ = _run(sample, one, True, monkeypatch)
    old1, _ = _run(sample, one, False, monkeypatch)
    _same(new1, old1)
