"""Orbit mechanics under the 3D methods: Kepler propagation and equinoctial elements."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from openstc.pc.equinoctial import cart_to_equinoctial, equinoctial_to_cart, reorientation
from openstc.pc.twobody import GM_EARTH, propagate, stm

STATES = [
    np.array([7.0e6, 1e5, -2e5, 100.0, 7400.0, 1200.0]),  # LEO, inclined
    np.array([-4.2e7, 1e6, 3e4, -70.0, -3070.0, 5.0]),  # GEO-like
    np.array([6.8e6, 0.0, 0.0, 0.0, 5000.0, 6000.0]),  # eccentric, polar-ish
]


def _numerical(x0: np.ndarray, dt: float) -> np.ndarray:
    def f(_t: float, x: np.ndarray) -> np.ndarray:
        r = x[:3]
        return np.concatenate([x[3:], -GM_EARTH * r / np.linalg.norm(r) ** 3])

    return solve_ivp(f, (0.0, dt), x0, rtol=1e-12, atol=1e-6).y[:, -1]


@pytest.mark.parametrize("x0", STATES)
@pytest.mark.parametrize("dt", [30.0, -600.0, 3000.0])
def test_kepler_matches_numerical_integration(x0: np.ndarray, dt: float) -> None:
    # 1 mm over an encounter-sized span (the integrator's own error is ~1e-5 m).
    assert np.abs(propagate(x0, dt)[:3] - _numerical(x0, dt)[:3]).max() < 1e-3


def test_stm_is_symplectic() -> None:
    _, phi = stm(STATES[0], 900.0)
    assert abs(np.linalg.det(phi) - 1.0) < 1e-6


@pytest.mark.parametrize("x0", STATES)
def test_equinoctial_round_trip(x0: np.ndarray) -> None:
    back = equinoctial_to_cart(cart_to_equinoctial(x0, GM_EARTH), GM_EARTH)
    assert np.abs(back[:3] - x0[:3]).max() < 1e-6  # m
    assert np.abs(back[3:] - x0[3:]).max() < 1e-9  # m/s


def test_retrograde_scene_is_turned_away_from_the_singularity() -> None:
    retro = np.array([1.5e5, 4.19e7, 0.0, 3066.0, -11.4, 0.0])  # equatorial, retrograde
    rot = reorientation([retro, retro])
    h = np.cross(rot @ retro[:3], rot @ retro[3:])
    assert h[2] / np.linalg.norm(h) > 0.5
