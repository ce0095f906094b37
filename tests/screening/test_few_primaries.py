"""Few-primary runs (one uploaded ephemeris against the catalog) mask every grid interval in which an object's
radius cannot reach a primary's and drop strong-drag objects whose sampled radius range misses it: the
conjunctions and the failures (with their times) are those of a run that screens everyone everywhere."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

from openstc.formats.catalog import load_catalog
from openstc.screening.engine import merge, plan_shards, run_shard, screen
from openstc.screening.model import ScreeningConfig, ScreeningObject
from openstc.screening.radial import radial_keep
from openstc.screening.volumes import sphere

CATALOG = Path(__file__).resolve().parents[1] / "data" / "catalog" / "celestrak_on_orbit_20241101.csv"
START = datetime(2024, 11, 1, tzinfo=UTC)
ISS = 25544
DECAYING = 60667  # decays on day 5, unphysical between grid points before SGP4 reports error 6
#: other objects that decay within the week (perigee below 200 km in some chunk: the few-primary run keeps
#: their intervals near the Earth for the fine grid's failure search)
DECAYING_TOO = (9704, 30343, 34142, 35474, 37473, 40672, 43329, 46149, 54310, 55252, 58335, 60247)


def test_few_primaries_match_a_run_of_everyone() -> None:
    els = load_catalog(CATALOG.read_bytes())
    objs = [ScreeningObject.from_elset(e) for e in els]
    iss = next(o for o in objs if o.norad_id == ISS)
    assert iss.elset is not None
    # the neighbours of the ISS shell (conjunctions) plus a sample of everything else
    shell = [
        o
        for o in objs
        if o.elset is not None and abs(o.elset.mean_motion_rev_day - iss.elset.mean_motion_rev_day) < 0.05
    ]
    picked = (
        {o.norad_id for o in shell[:150]} | {o.norad_id for o in objs[::400]} | {ISS, DECAYING, *DECAYING_TOO}
    )
    sample = [o for o in objs if o.norad_id in picked]
    cfg = ScreeningConfig(
        start=START, duration_s=7 * 86400.0, volume=sphere(20e3), primaries=frozenset({ISS})
    )
    few, few_fail, _ = screen(sample, cfg)
    # the same pairs from an all-vs-all run (no mask, no radial filter)
    every, every_fail, _ = screen(sample, dataclasses.replace(cfg, primaries=None))
    ref = sorted(
        (*sorted((c.object1_norad_id, c.object2_norad_id)), c.tca)
        for c in every
        if ISS in (c.object1_norad_id, c.object2_norad_id)
    )
    got = sorted((*sorted((c.object1_norad_id, c.object2_norad_id)), c.tca) for c in few)
    assert len(ref) > 5
    assert [x[:2] for x in got] == [x[:2] for x in ref]
    assert all(abs((a[2] - b[2]).total_seconds()) < 1e-4 for a, b in zip(got, ref, strict=True))
    f_few = {f.norad_id: f.at for f in few_fail}
    f_all = {f.norad_id: f.at for f in every_fail}
    assert DECAYING in f_all and f_few == f_all
    assert len(f_all) >= 10


def test_time_pieces_share_the_failure_checks_and_give_the_same_run() -> None:
    """Pieces of a few-primary run each check a share of the objects the radius filter drops, over the
    whole window: merged, the failures (objects and times) and the conjunctions are the one-piece run's.
    (Objects that fail are kept by the radius filter, whose sampled ranges fail with them: the shared
    checks are a guard that finds nothing here, and must not change anything.)"""
    els = load_catalog(CATALOG.read_bytes())
    objs = [ScreeningObject.from_elset(e) for e in els]
    geo = [o for o in objs if o.elset is not None and abs(o.elset.mean_motion_rev_day - 1.0027) < 0.001]
    primary = geo[0].norad_id
    picked = {o.norad_id for o in objs[::150]} | {o.norad_id for o in geo[:60]} | {DECAYING, *DECAYING_TOO}
    sample = [o for o in objs if o.norad_id in picked]
    cfg = ScreeningConfig(
        start=START, duration_s=7 * 86400.0, volume=sphere(50e3), primaries=frozenset({primary})
    )
    one, one_fail, _ = screen(sample, cfg)
    keep = radial_keep(sample, cfg)
    assert keep is not None
    dropped = {o.norad_id for o, k in zip(sample, keep, strict=True) if not k}
    assert len(dropped) > 100 and len(one_fail) >= 10
    shards = plan_shards(cfg, len(sample), time_pieces=3)
    assert [(s.piece, s.pieces) for s in shards] == [(0, 3), (1, 3), (2, 3)]
    results = [run_shard(sample, cfg, s) for s in shards]
    merged, merged_fail, _ = merge(results)
    assert [c.key() for c in merged] == [c.key() for c in one]
    assert {f.norad_id: (f.at, f.reason) for f in merged_fail} == {
        f.norad_id: (f.at, f.reason) for f in one_fail
    }
    # each dropped object's failure is found by exactly one piece
    found = [f.norad_id for r in results for f in r.failures if f.norad_id in dropped]
    assert len(found) == len(set(found))


def test_default_pieces() -> None:
    from openstc.commands.screen import default_pieces

    few = ScreeningConfig(start=START, duration_s=86400.0, volume=sphere(5e3), primaries=frozenset({ISS}))
    full = dataclasses.replace(few, primaries=None)
    assert default_pieces(few, 1) == 1 and default_pieces(full, 1) == 1
    assert default_pieces(few, 2) == 2 and default_pieces(full, 2) == 4
    assert default_pieces(few, 1, dask="tcp://x") == 2


def test_warm_up_loads_the_kernels() -> None:
    from openstc.screening import kernels

    kernels.warm_up()
    assert kernels.screen_chunk.signatures and kernels.quintic_states.signatures
