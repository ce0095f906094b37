"""Frames against Vallado's worked example (Fundamentals of Astrodynamics, Example 3-15, the same
state given in TEME, J2000 and ITRF) and basic invariants of the RTN helpers."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from openstc.astro import frames

# Vallado Example 3-15: 2004-04-06 07:51:28.386009 UTC, km and km/s.
T_EX = datetime(2004, 4, 6, 7, 51, 28, 386009, tzinfo=UTC)
R_TEME = np.array([5094.18016210, 6127.64465950, 6380.34453270]) * 1e3
V_TEME = np.array([-4.746131487, 0.785818041, 5.531931288]) * 1e3
R_J2000 = np.array([5102.5096, 6123.01152, 6378.1363]) * 1e3
V_J2000 = np.array([-4.7432196, 0.7905366, 5.53375619]) * 1e3
R_ITRF = np.array([-1033.4793830, 7901.2952754, 6380.3565958]) * 1e3
V_ITRF = np.array([-3.225636520, -2.872451450, 5.531924446]) * 1e3


def test_teme_to_j2000_matches_vallado_within_5_m() -> None:
    r, v = frames.teme_to_frame("EME2000", T_EX, R_TEME, V_TEME)
    # no EOP nutation corrections are applied: the documented accuracy is a few metres at LEO
    assert np.linalg.norm(r - R_J2000) < 5.0
    assert np.linalg.norm(v - V_J2000) < 0.005


def test_teme_to_itrf_matches_vallado_within_documented_ut1_error() -> None:
    r, v = frames.teme_to_frame("ITRF", T_EX, R_TEME, V_TEME)
    # UT1 = UTC and no polar motion: |UT1-UTC| was 0.44 s, i.e. ~260 m at this radius
    assert np.linalg.norm(r - R_ITRF) < 400.0
    assert np.linalg.norm(v - V_ITRF) < 1.0


@pytest.mark.parametrize("frame", ["TEME", "GCRF", "EME2000", "ITRF"])
def test_round_trips_are_exact(frame: str) -> None:
    r, v = frames.teme_to_frame(frame, T_EX, R_TEME, V_TEME)
    r2, v2 = frames.frame_to_teme(frame, T_EX, r, v)
    assert np.allclose(r2, R_TEME, atol=1e-6)
    assert np.allclose(v2, V_TEME, atol=1e-9)


def test_vectorized_teme_to_j2000_matrices_equal_the_scalar_ones() -> None:
    t0 = datetime(2024, 11, 1, 3, 7, 11, 250000, tzinfo=UTC)
    offsets = np.array([-86400.0, 0.0, 0.5, 600.0, 3.5 * 86400.0, 7 * 86400.0])
    stack = frames.teme_to_j2000_matrices(t0, offsets)
    for k, off in enumerate(offsets):
        one = frames.teme_to_j2000_matrix(t0 + timedelta(seconds=float(off)))
        # 1e-15 rad is ~7 nm at GEO radius: the same rotation, summed in another order
        assert np.abs(stack[k] - one).max() < 1e-15


def test_unknown_frame_is_refused() -> None:
    with pytest.raises(ValueError):
        frames.frame_to_teme("MARSIAU", T_EX, R_TEME, V_TEME)


def test_gmst_known_value() -> None:
    # Vallado Example 3-5: 1992-08-20 12:14 UT1 -> GMST 152.578787810 deg
    g = math.degrees(frames.gmst_rad(datetime(1992, 8, 20, 12, 14, tzinfo=UTC)))
    assert abs(g - 152.578787810) < 1e-6


def test_rtn_basis_is_orthonormal_and_right_handed() -> None:
    basis = frames.rtn_basis(R_TEME, V_TEME)
    assert np.allclose(basis @ basis.T, np.eye(3), atol=1e-12)
    assert np.isclose(np.linalg.det(basis), 1.0)
    rtn = frames.to_rtn(R_TEME, V_TEME, V_TEME)
    assert rtn[2] == pytest.approx(0.0, abs=1e-9)  # velocity has no cross-track part
    assert rtn[1] > 0  # and points along-track
    back = frames.from_rtn(R_TEME, V_TEME, np.array([1.0, 2.0, 3.0]))
    assert np.allclose(frames.to_rtn(R_TEME, V_TEME, back), [1.0, 2.0, 3.0])


def test_covariance_rotation_round_trip() -> None:
    rng = np.random.default_rng(1)
    a = rng.normal(size=(6, 6))
    cov = a @ a.T
    rtn = frames.covariance_to_rtn(R_TEME, V_TEME, cov)
    assert np.allclose(frames.covariance_from_rtn(R_TEME, V_TEME, rtn), cov)
    assert np.isclose(np.trace(rtn[:3, :3]), np.trace(cov[:3, :3]))
