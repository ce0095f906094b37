"""Operator ephemerides as screening inputs: interpolation as the message states, frames, covariance,
and one uploaded ephemeris screened against a catalog giving the conjunctions of its element set."""

from __future__ import annotations

import dataclasses
from collections import Counter

import numpy as np
import pytest
from reference import START

from openstc.astro import frames
from openstc.astro.sgp4prop import datetime_to_jd, offset_to_datetime
from openstc.errors import InvalidArgumentError
from openstc.formats.elset import to_satrec
from openstc.screening.engine import screen
from openstc.screening.ephemeris import Ephemeris, EphemerisTrack
from openstc.screening.model import ScreeningObject


def _sgp4_states(elset, times):  # type: ignore[no-untyped-def]
    sat = to_satrec(elset)
    jd, fr = datetime_to_jd(START)
    r = np.empty((times.size, 3))
    v = np.empty((times.size, 3))
    for k, t in enumerate(times):
        e, rr, vv = sat.sgp4(jd, fr + t / 86400.0)
        assert e == 0
        r[k] = np.array(rr) * 1e3
        v[k] = np.array(vv) * 1e3
    return r, v


def _ephemeris(elset, frame="EME2000", method="HERMITE", degree=5, step=60.0, cov=None):  # type: ignore[no-untyped-def]
    times = np.arange(-600.0, 86400.0 + 601.0, step)
    r, v = _sgp4_states(elset, times)
    if frame != "TEME":
        for k, t in enumerate(times):
            r[k], v[k] = frames.teme_to_frame(frame, offset_to_datetime(START, float(t)), r[k], v[k])
    return Ephemeris(
        norad_id=elset.norad_id, t0=START, times_s=times, r_m=r, v_m_s=v, frame=frame,
        interpolation=method, degree=degree, covariance=cov, name="UPLOADED",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("method", "degree", "tol_m"),
    [("HERMITE", 5, 0.5), ("HERMITE", 3, 2.0), ("LAGRANGE", 7, 0.05), ("LINEAR", 1, 2e4)],
)
def test_interpolation_reproduces_sgp4_between_states(hard_cases, method, degree, tol_m) -> None:  # type: ignore[no-untyped-def]
    elset = hard_cases[0][3]
    eph = _ephemeris(elset, frame="TEME", method=method, degree=degree)
    track = EphemerisTrack.build(eph, START)
    mids = np.arange(30.0, 7200.0, 60.0)
    r, _v = track.states(mids)
    r_ref, _ = _sgp4_states(elset, mids)
    err = np.linalg.norm(r - r_ref, axis=1).max()
    assert err < tol_m
    if method != "LINEAR":
        assert err < 1.0  # the bar for a faster propagator: 1 m


def test_outside_the_span_there_is_no_state(hard_cases) -> None:  # type: ignore[no-untyped-def]
    eph = _ephemeris(hard_cases[0][3], frame="TEME", step=300.0)
    r, _ = EphemerisTrack.build(eph, START).states(np.array([-4000.0, 90000.0]))
    assert np.isnan(r).all()


def test_bad_ephemerides_are_refused() -> None:
    with pytest.raises(InvalidArgumentError):
        Ephemeris(1, START, np.array([0.0, 0.0]), np.zeros((2, 3)), np.zeros((2, 3)))
    with pytest.raises(InvalidArgumentError):
        Ephemeris(1, START, np.array([0.0, 1.0]), np.zeros((2, 3)), np.zeros((2, 3)), frame="MOON_ME")


def test_uploaded_ephemeris_against_catalog_finds_the_same_conjunctions(  # type: ignore[no-untyped-def]
    hard_cases, hard_objects, hard_config, hard_run
) -> None:
    conj_all = hard_run[0]
    counts = Counter(c.object1_norad_id for c in conj_all) + Counter(c.object2_norad_id for c in conj_all)
    target_id = max((nid for nid in counts if 90000 <= nid < 90060), key=lambda n: counts[n])
    elset = next(e for e in hard_cases[0] if e.norad_id == target_id)
    cov = np.tile(np.diag([100.0, 400.0, 50.0, 1e-2, 1e-2, 1e-3]), (int(86400 / 60) + 22, 1, 1))
    eph = _ephemeris(elset, frame="EME2000", cov=cov)
    objs = [o for o in hard_objects if o.norad_id != target_id] + [ScreeningObject.from_ephemeris(eph)]
    cfg = dataclasses.replace(hard_config, primaries=frozenset({target_id}))
    got, failures, _ = screen(objs, cfg)
    want = sorted(
        (c for c in conj_all if target_id in (c.object1_norad_id, c.object2_norad_id)), key=lambda c: c.tca
    )
    assert len(want) >= 3
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert g.object1_norad_id == target_id  # the primary is object 1
        other = w.object2_norad_id if w.object1_norad_id == target_id else w.object1_norad_id
        assert g.object2_norad_id == other
        assert abs((g.tca - w.tca).total_seconds()) < 0.010
        assert abs(g.miss_distance_m - w.miss_distance_m) < 1.0
        assert g.object1_state.covariance_rtn is not None
        assert g.object1_state.covariance_rtn[1][1] == pytest.approx(400.0)
        assert g.object2_state.covariance_rtn is None  # element sets carry none
        assert g.object1_elset_age_days is None and g.object2_elset_age_days is not None
    assert [f.norad_id for f in failures] == [93000]
