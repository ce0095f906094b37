"""The fine grid measures its sub-step cubics at every other sub-step midpoint (and at every midpoint near
a failure), and a chunk's grid takes the states its previous chunk already propagated: checked against
SGP4 at every midpoint and against a fresh grid, on the hard-case catalog (eccentric, deep-space,
decaying objects)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from openstc.formats.catalog import load_catalog
from openstc.screening import engine
from openstc.screening.model import ScreeningConfig, ScreeningObject
from openstc.screening.volumes import sphere

CATALOG = Path(__file__).parents[1] / "data" / "catalog" / "celestrak_on_orbit_20241101.csv"


def _grid(
    objects: list[ScreeningObject], config: ScreeningConfig, n_int: int = 12
) -> tuple[engine.Propagator, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    prop = engine.Propagator(objects, config.start)
    h = float(config.coarse_step_s)
    times = h * np.arange(0, n_int + 1, dtype=np.float64)
    r, v, err = prop.grid(times)
    valid = (err == 0)[:, :-1] & (err == 0)[:, 1:]
    return prop, times, r, v, valid


def test_every_other_midpoint_bounds_every_midpoint(
    hard_objects: list[ScreeningObject], hard_config: ScreeningConfig
) -> None:
    # the margin (error_safety x the largest measured midpoint error + floor) must cover the cubic's error
    # at every sub-step midpoint, the unmeasured ones included, without needing the floor
    prop, times, r, v, valid = _grid(hard_objects, hard_config)
    margin = np.full(valid.shape, 1e9)
    n_sub = int(hard_config.sub_steps)
    row, fr, fv, _used, _failed = engine._fine_grid(prop, valid, margin, times, n_sub, hard_config, (r, v))
    sel_i, sel_k = np.nonzero(row >= 0)
    assert sel_i.size > 100
    hs = float(times[1] - times[0]) / n_sub
    worst_ratio = 0.0
    for i, k in zip(sel_i.tolist(), sel_k.tolist(), strict=True):
        x = int(row[i, k])
        rm, _vm = prop.many(i, times[k] + hs * (np.arange(n_sub) + 0.5))
        pm = 0.5 * (fr[x, :-1] + fr[x, 1:]) + hs / 8.0 * (fv[x, :-1] - fv[x, 1:])
        true_err = float(np.linalg.norm(pm - rm, axis=1).max())
        measured = (margin[i, k] - hard_config.margin_floor_m) / hard_config.error_safety
        assert true_err <= margin[i, k]
        assert true_err <= hard_config.error_safety * measured + 1e-3, (i, k, true_err, measured)
        if measured > 1.0:
            worst_ratio = max(worst_ratio, true_err / measured)
    # unmeasured midpoints err at most a little more than their measured neighbours
    assert worst_ratio < 1.5


def test_grid_ends_from_the_coarse_grid_change_nothing(
    hard_objects: list[ScreeningObject], hard_config: ScreeningConfig
) -> None:
    prop, times, r, v, valid = _grid(hard_objects, hard_config)
    n_sub = int(hard_config.sub_steps)
    out = []
    for states in (None, (r, v)):
        va = valid.copy()
        margin = np.full(valid.shape, 1e9)
        out.append((*engine._fine_grid(prop, va, margin, times, n_sub, hard_config, states), va, margin))
    (row_a, fr_a, fv_a, _u, fail_a, va_a, m_a), (row_b, fr_b, fv_b, _u2, fail_b, va_b, m_b) = out
    assert np.array_equal(row_a, row_b) and np.array_equal(va_a, va_b) and fail_a == fail_b
    assert np.abs(fr_a - fr_b).max() < 1e-3 and np.abs(fv_a - fv_b).max() < 1e-6
    assert np.abs(m_a - m_b).max() < 1e-2


#: decaying objects of the bundled 2024-11-01 catalog; 60667 fails between grid points on day 5
DECAYING = (9704, 30343, 34142, 35474, 37473, 40672, 43329, 46149, 48727, 54310, 55252, 58335, 60247, 60667)


def test_failures_are_found_as_with_every_midpoint() -> None:
    # a guard as wide as the orbits measures every midpoint of every interval (the exhaustive path):
    # the same intervals are dropped and the same failure times found as with the default guard
    els = load_catalog(CATALOG.read_bytes())
    objects = [ScreeningObject.from_elset(e) for e in els if e.norad_id in DECAYING]
    config = ScreeningConfig(
        start=datetime(2024, 11, 1, tzinfo=UTC), duration_s=7 * 86400.0, volume=sphere(5e3)
    )
    prop, times, r, v, valid = _grid(objects, config, n_int=7 * 144)
    n_sub = int(config.sub_steps)
    runs = []
    for guard in (engine.FINE_DECAY_GUARD_M, 1e12):
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(engine, "FINE_DECAY_GUARD_M", guard)
            va = valid.copy()
            margin = np.full(valid.shape, 1e9)
            row, _fr, _fv, used, failed = engine._fine_grid(prop, va, margin, times, n_sub, config, (r, v))
            runs.append((row >= 0, va, failed, used, margin))
    (ok_a, va_a, failed_a, used_a, m_a), (ok_b, va_b, failed_b, used_b, m_b) = runs
    assert failed_b, "an object of these fails between grid points"
    assert failed_a == failed_b
    assert np.array_equal(ok_a, ok_b) and np.array_equal(va_a, va_b)
    # the exhaustive largest error is within error_safety of the one measured at every other midpoint
    err_a = (m_a[ok_a] - config.margin_floor_m) / config.error_safety
    err_b = (m_b[ok_b] - config.margin_floor_m) / config.error_safety
    assert np.all(err_b <= config.error_safety * err_a + 1e-3)
    assert used_a < 0.85 * used_b  # 15 propagations an interval instead of 19


def test_chunk_grid_reuses_the_previous_chunks_states(
    hard_objects: list[ScreeningObject], hard_config: ScreeningConfig
) -> None:
    prop = engine.Propagator(hard_objects, hard_config.start)
    h = float(hard_config.coarse_step_s)
    first = h * np.arange(-1, 39, dtype=np.float64)
    second = 36 * h + h * np.arange(-1, 39, dtype=np.float64)
    r0, v0, e0 = prop.grid(first)
    calls = prop.calls
    r1, v1, e1 = engine._chunk_grid(prop, second, (first, r0, v0, e0))
    assert prop.calls - calls == prop.sgp_pos.size * (second.size - 4)  # 4 points shared
    r2, v2, e2 = prop.grid(second)
    assert np.array_equal(e1, e2)
    assert np.array_equal(r1, r2, equal_nan=True) and np.array_equal(v1, v2, equal_nan=True)
    # nothing shared: a fresh grid
    r3, _v3, _e3 = engine._chunk_grid(prop, second + 0.5, (first, r0, v0, e0))
    assert r3.shape == r2.shape
