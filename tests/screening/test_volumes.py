"""Screening volumes: TraCSS regimes and boxes (handbook Tables 3.4.1/3.4.2), shapes in RTN, parsing,
and a box volume deciding which approaches are conjunctions."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from openstc.errors import InvalidArgumentError
from openstc.screening import volumes as V  # noqa: N812
from openstc.screening.engine import screen


@pytest.mark.parametrize(
    ("perigee_km", "ecc", "regime", "rtn_km", "days"),
    [
        (400.0, 0.001, "LEO 1", (0.4, 44, 51), 5),
        (500.0, 0.001, "LEO 1", (0.4, 44, 51), 5),
        (550.0, 0.001, "LEO 2", (0.4, 25, 25), 5),
        (900.0, 0.01, "LEO 3", (0.4, 12, 12), 5),
        (1500.0, 0.01, "LEO 4", (0.4, 2, 2), 5),
        (20000.0, 0.01, "MEO", (24.5, 24.5, 24.5), 10),
        (35780.0, 0.0002, "GEO", (24.5, 24.5, 24.5), 10),
        (500.0, 0.7, "HEO", (24.5, 24.5, 24.5), 10),
        (40000.0, 0.1, "Deep Space", (24.5, 24.5, 24.5), 10),
        (float("nan"), 0.1, "Other", (24.5, 24.5, 24.5), 10),
    ],
)
def test_tracss_hac_table(perigee_km, ecc, regime, rtn_km, days) -> None:  # type: ignore[no-untyped-def]
    assert V.hac_regime(perigee_km, ecc) == regime
    vol = V.tracss_hac_volume(perigee_km, ecc)
    assert vol.shape == "box"
    assert (vol.radial_m, vol.in_track_m, vol.cross_track_m) == tuple(x * 1e3 for x in rtn_km)
    assert vol.span_s == days * 86400.0
    assert regime in vol.name


def test_tracss_ocm_table() -> None:
    near = V.tracss_ocm_volume(95 * 60.0)
    assert (near.radial_m, near.in_track_m, near.cross_track_m, near.span_s) == (2e3, 25e3, 25e3, 7 * 86400.0)
    deep = V.tracss_ocm_volume(1436 * 60.0)
    assert (deep.radial_m, deep.span_s) == (49e3, 10 * 86400.0)
    assert V.ocm_regime(math.inf) == "Other"


def test_shapes_in_rtn() -> None:
    box = V.box(400.0, 25e3, 25e3)
    assert box.contains(np.array([399.0, -24e3, 24e3]))
    assert not box.contains(np.array([401.0, 0.0, 0.0]))
    assert box.bound_m == pytest.approx(math.sqrt(400.0**2 + 2 * 25e3**2))
    ell = V.ellipsoid(1e3, 5e3, 5e3)
    assert ell.contains(np.array([700.0, 3000.0, 0.0]))
    assert not ell.contains(np.array([700.0, 3600.0, 1000.0]))
    sph = V.sphere(5e3)
    assert sph.contains(np.array([3e3, 3e3, 2e3])) and not sph.contains(np.array([3e3, 3e3, 3e3]))


@pytest.mark.parametrize(
    ("text", "shape", "dims"),
    [
        ("sphere:5km", "sphere", (5e3, 5e3, 5e3)),
        ("sphere:500m", "sphere", (500.0, 500.0, 500.0)),
        ("box:0.4x25x25km", "box", (400.0, 25e3, 25e3)),
        ("ellipsoid:1x5x5", "ellipsoid", (1e3, 5e3, 5e3)),
    ],
)
def test_parse_volume(text, shape, dims) -> None:  # type: ignore[no-untyped-def]
    vol = V.parse_volume(text)
    assert isinstance(vol, V.Volume)
    assert vol.shape == shape
    assert (vol.radial_m, vol.in_track_m, vol.cross_track_m) == dims


def test_parse_volume_errors_and_tracss() -> None:
    assert V.parse_volume("TraCSS") == "tracss"
    assert V.parse_volume("tracss-ocm") == "tracss-ocm"
    for bad in ("cube:5", "sphere:-1km", "box:1x2km", "sphere:abc"):
        with pytest.raises(InvalidArgumentError):
            V.parse_volume(bad)


def test_box_volume_keeps_only_approaches_inside_it(hard_objects, hard_config, hard_run) -> None:  # type: ignore[no-untyped-def]
    # a flat box (1 km radial, 10 km in-track and cross-track) inside the 10 km sphere's bounding box
    vol = V.box(1e3, 10e3, 10e3)
    cfg = dataclasses.replace(hard_config, volume=vol)
    got, _f, _s = screen(hard_objects, cfg)
    for c in got:
        r, t, n = c.miss_rtn_m
        inside_at_tca = abs(r) <= 1e3 and abs(t) <= 10e3 and abs(n) <= 10e3
        # entered away from the TCA: the entry time says when (slow pairs that stay inside for more than
        # the search limit of an hour around the TCA have none)
        assert inside_at_tca or c.entry is not None or c.relative_speed_m_s < 100.0
        assert c.volume.startswith("box")
        if c.entry is not None and c.exit is not None:
            assert c.entry <= c.tca <= c.exit or not inside_at_tca
    sphere_pairs = {(c.object1_norad_id, c.object2_norad_id, c.key()[2]) for c in hard_run[0]}
    # every sphere conjunction whose miss vector at TCA lies in the box is kept
    for c in hard_run[0]:
        r, t, n = c.miss_rtn_m
        if abs(r) <= 0.99e3 and abs(t) <= 9.9e3 and abs(n) <= 9.9e3:
            pair = {c.object1_norad_id, c.object2_norad_id}
            assert any(
                abs((g.tca - c.tca).total_seconds()) < 0.01
                and {g.object1_norad_id, g.object2_norad_id} == pair
                for g in got
            )
    assert len(got) < len(sphere_pairs)


def test_tracss_volumes_run_end_to_end(hard_objects, hard_config) -> None:  # type: ignore[no-untyped-def]
    cfg = dataclasses.replace(hard_config, volume="tracss", duration_s=6 * 3600.0)
    got, _f, _s = screen(hard_objects, cfg)
    assert got
    for c in got:
        assert c.volume.startswith("TraCSS HAC")
