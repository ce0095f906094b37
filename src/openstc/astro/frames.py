"""Reference frames: RTN (radial/in-track/cross-track) and TEME <-> GCRF/J2000 <-> ITRF rotations.

Screening runs in TEME, the frame SGP4 produces; operator ephemerides given in EME2000/GCRF or ITRF
are rotated into it here.

* TEME -> J2000 (mean equator and equinox of J2000) follows Vallado et al. (2006), "Revisiting
  Spacetrack Report #3", eq. for "TEME -> TOD -> MOD -> J2000": the equation of the equinoxes
  (IAU-1982 form), IAU-1980 nutation and IAU-1976 precession. Nutation uses the 20 largest terms of
  the 106-term IAU-1980 series (omitted terms are each below 0.0005"; their sum stays under ~0.01",
  i.e. below 0.4 m at LEO and 2 m at GEO radius). No EOP corrections (dPsi, dEps) are applied, so the
  result differs from GCRF by the frame bias (~0.02") plus the celestial-pole offsets (~0.05"):
  below ~2 m at LEO, ~10 m at GEO. GCRF and EME2000 are treated as the same frame at that level.
* TEME -> ITRF (pseudo Earth-fixed) is a rotation by GMST (IAU-1982) about z; polar motion is
  ignored (up to ~0.5", ~15 m at LEO) and UT1 is taken equal to UTC (|UT1-UTC| < 0.9 s, i.e. up to
  ~420 m along the equator at the surface, ~480 m at LEO): ITRF input is therefore only good for
  screening with generous volumes; say so to users of ITRF ephemerides.
* RTN of an object: R along the position, N along the angular momentum r x v, T = N x R.
"""

from __future__ import annotations

import math
from datetime import datetime

import numpy as np
import numpy.typing as npt

from openstc.astro.sgp4prop import datetime_to_jd

F64 = npt.NDArray[np.float64]

ARCSEC = math.pi / (180.0 * 3600.0)
OMEGA_EARTH = 7.292115146706979e-5  # rad/s, rotation rate used with GMST


def rtn_basis(r: F64, v: F64) -> F64:
    """Rows R, T, N (shape (..., 3, 3)) of the RTN frame for positions/velocities (..., 3)."""
    r = np.asarray(r, dtype=np.float64)
    v = np.asarray(v, dtype=np.float64)
    rhat = r / np.linalg.norm(r, axis=-1, keepdims=True)
    h = np.cross(r, v)
    nhat = h / np.linalg.norm(h, axis=-1, keepdims=True)
    that = np.cross(nhat, rhat)
    return np.stack([rhat, that, nhat], axis=-2)


def to_rtn(r_ref: F64, v_ref: F64, vec: F64) -> F64:
    """Components of ``vec`` (..., 3) in the RTN frame of the reference state."""
    basis = rtn_basis(r_ref, v_ref)
    return np.asarray(np.einsum("...ij,...j->...i", basis, vec), dtype=np.float64)


def from_rtn(r_ref: F64, v_ref: F64, vec_rtn: F64) -> F64:
    """Inertial components of an RTN vector (inverse of :func:`to_rtn`)."""
    basis = rtn_basis(r_ref, v_ref)
    return np.asarray(np.einsum("...ji,...j->...i", basis, vec_rtn), dtype=np.float64)


def covariance_to_rtn(r_ref: F64, v_ref: F64, cov: F64) -> F64:
    """Rotate a 6x6 position/velocity covariance from the inertial frame to RTN (no rotation rate term)."""
    basis = rtn_basis(r_ref, v_ref)
    rot = np.zeros((6, 6))
    rot[:3, :3] = basis
    rot[3:, 3:] = basis
    return np.asarray(rot @ cov @ rot.T, dtype=np.float64)


def covariance_from_rtn(r_ref: F64, v_ref: F64, cov_rtn: F64) -> F64:
    basis = rtn_basis(r_ref, v_ref)
    rot = np.zeros((6, 6))
    rot[:3, :3] = basis
    rot[3:, 3:] = basis
    return np.asarray(rot.T @ cov_rtn @ rot, dtype=np.float64)


def _rx(a: float) -> F64:
    c, s = math.cos(a), math.sin(a)
    return np.array([[1.0, 0.0, 0.0], [0.0, c, s], [0.0, -s, c]])


def _rz(a: float) -> F64:
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, s, 0.0], [-s, c, 0.0], [0.0, 0.0, 1.0]])


def _ry(a: float) -> F64:
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, 0.0, -s], [0.0, 1.0, 0.0], [s, 0.0, c]])


# IAU-1980 nutation, largest 20 terms: multipliers of (l, l', F, D, Omega), dpsi (A + B T), deps (C + D T)
# in units of 0.0001 arcsec.
_NUT = np.array(
    [
        [0, 0, 0, 0, 1, -171996.0, -174.2, 92025.0, 8.9],
        [0, 0, 2, -2, 2, -13187.0, -1.6, 5736.0, -3.1],
        [0, 0, 2, 0, 2, -2274.0, -0.2, 977.0, -0.5],
        [0, 0, 0, 0, 2, 2062.0, 0.2, -895.0, 0.5],
        [0, 1, 0, 0, 0, 1426.0, -3.4, 54.0, -0.1],
        [1, 0, 0, 0, 0, 712.0, 0.1, -7.0, 0.0],
        [0, 1, 2, -2, 2, -517.0, 1.2, 224.0, -0.6],
        [0, 0, 2, 0, 1, -386.0, -0.4, 200.0, 0.0],
        [1, 0, 2, 0, 2, -301.0, 0.0, 129.0, -0.1],
        [0, -1, 2, -2, 2, 217.0, -0.5, -95.0, 0.3],
        [1, 0, 0, -2, 0, -158.0, 0.0, -1.0, 0.0],
        [0, 0, 2, -2, 1, 129.0, 0.1, -70.0, 0.0],
        [-1, 0, 2, 0, 2, 123.0, 0.0, -53.0, 0.0],
        [1, 0, 0, 0, 1, 63.0, 0.1, -33.0, 0.0],
        [0, 0, 0, 2, 0, 63.0, 0.0, -2.0, 0.0],
        [-1, 0, 2, 2, 2, -59.0, 0.0, 26.0, 0.0],
        [-1, 0, 0, 0, 1, -58.0, -0.1, 32.0, 0.0],
        [1, 0, 2, 0, 1, -51.0, 0.0, 27.0, 0.0],
        [2, 0, 0, -2, 0, 48.0, 0.0, 1.0, 0.0],
        [-2, 0, 2, 0, 1, 46.0, 0.0, -24.0, 0.0],
    ]
)


def _julian_centuries_tt(t: datetime) -> float:
    jd, fr = datetime_to_jd(t)
    # TT - UTC = 32.184 s + leap seconds (37 s since 2017); 69.184 s is good to ~1e-9 centuries.
    return ((jd - 2451545.0) + fr + 69.184 / 86400.0) / 36525.0


def _nutation(T: float) -> tuple[float, float, float]:
    """(dpsi, deps, mean obliquity) in radians, IAU-1980 truncated."""
    deg = math.pi / 180.0
    l = (134.96340251 + (1717915923.2178 * T + 31.8792 * T * T) / 3600.0) * deg
    lp = (357.52910918 + (129596581.0481 * T - 0.5532 * T * T) / 3600.0) * deg
    F = (93.27209062 + (1739527262.8478 * T - 12.7512 * T * T) / 3600.0) * deg
    D = (297.85019547 + (1602961601.2090 * T - 6.3706 * T * T) / 3600.0) * deg
    Om = (125.04455501 + (-6962890.2665 * T + 7.4722 * T * T) / 3600.0) * deg
    arg = _NUT[:, 0] * l + _NUT[:, 1] * lp + _NUT[:, 2] * F + _NUT[:, 3] * D + _NUT[:, 4] * Om
    dpsi = float(np.sum((_NUT[:, 5] + _NUT[:, 6] * T) * np.sin(arg))) * 1e-4 * ARCSEC
    deps = float(np.sum((_NUT[:, 7] + _NUT[:, 8] * T) * np.cos(arg))) * 1e-4 * ARCSEC
    eps = (84381.448 - 46.8150 * T - 0.00059 * T * T + 0.001813 * T**3) * ARCSEC
    return dpsi, deps, eps


def teme_to_j2000_matrix(t: datetime) -> F64:
    """Rotation matrix M with r_J2000 = M @ r_TEME at UTC instant ``t``."""
    T = _julian_centuries_tt(t)
    dpsi, deps, eps = _nutation(T)
    # equation of the equinoxes (without the small 1982 Omega terms, < 0.003")
    eqe = dpsi * math.cos(eps)
    # TEME -> TOD: rotate by -eqe about z
    teme_to_tod = _rz(-eqe)
    # TOD -> MOD: N^T with N = R1(-eps - deps) R3(-dpsi) R1(eps)
    nut = _rx(-(eps + deps)) @ _rz(-dpsi) @ _rx(eps)
    tod_to_mod = nut.T
    zeta = (2306.2181 * T + 0.30188 * T * T + 0.017998 * T**3) * ARCSEC
    theta = (2004.3109 * T - 0.42665 * T * T - 0.041833 * T**3) * ARCSEC
    z = (2306.2181 * T + 1.09468 * T * T + 0.018203 * T**3) * ARCSEC
    prec = _rz(-z) @ _ry(theta) @ _rz(-zeta)  # J2000 -> MOD
    mod_to_j2000 = prec.T
    return np.asarray(mod_to_j2000 @ tod_to_mod @ teme_to_tod, dtype=np.float64)


def _rot_stack(axis: int, a: F64) -> F64:
    """(n, 3, 3) rotations as :func:`_rx`/:func:`_ry`/:func:`_rz` (axis 0/1/2) for angles ``a`` (n,)."""
    c, s = np.cos(a), np.sin(a)
    m = np.zeros((a.size, 3, 3))
    i, j = [(1, 2), (2, 0), (0, 1)][axis]
    m[:, axis, axis] = 1.0
    m[:, i, i] = c
    m[:, j, j] = c
    m[:, i, j] = s
    m[:, j, i] = -s
    return m


def teme_to_j2000_matrices(t0: datetime, offsets_s: F64) -> F64:
    """(n, 3, 3) matrices of :func:`teme_to_j2000_matrix` at ``t0 + offsets_s`` (UTC), in one vectorized pass:
    an operator ephemeris of 10,000 states is rotated in milliseconds instead of a second."""
    jd, fr = datetime_to_jd(t0)
    off = np.asarray(offsets_s, dtype=np.float64).ravel()
    T = ((jd - 2451545.0) + fr + (off + 69.184) / 86400.0) / 36525.0
    deg = math.pi / 180.0
    T2 = T * T
    l = (134.96340251 + (1717915923.2178 * T + 31.8792 * T2) / 3600.0) * deg
    lp = (357.52910918 + (129596581.0481 * T - 0.5532 * T2) / 3600.0) * deg
    F = (93.27209062 + (1739527262.8478 * T - 12.7512 * T2) / 3600.0) * deg
    D = (297.85019547 + (1602961601.2090 * T - 6.3706 * T2) / 3600.0) * deg
    Om = (125.04455501 + (-6962890.2665 * T + 7.4722 * T2) / 3600.0) * deg
    fund = np.stack([l, lp, F, D, Om], axis=1)  # (n, 5)
    arg = fund @ _NUT[:, :5].T  # (n, 20)
    dpsi = np.sum((_NUT[:, 5] + _NUT[:, 6] * T[:, None]) * np.sin(arg), axis=1) * 1e-4 * ARCSEC
    deps = np.sum((_NUT[:, 7] + _NUT[:, 8] * T[:, None]) * np.cos(arg), axis=1) * 1e-4 * ARCSEC
    eps = (84381.448 - 46.8150 * T - 0.00059 * T2 + 0.001813 * T**3) * ARCSEC
    teme_to_tod = _rot_stack(2, -dpsi * np.cos(eps))
    nut = _rot_stack(0, -(eps + deps)) @ _rot_stack(2, -dpsi) @ _rot_stack(0, eps)
    zeta = (2306.2181 * T + 0.30188 * T2 + 0.017998 * T**3) * ARCSEC
    theta = (2004.3109 * T - 0.42665 * T2 - 0.041833 * T**3) * ARCSEC
    z = (2306.2181 * T + 1.09468 * T2 + 0.018203 * T**3) * ARCSEC
    prec = _rot_stack(2, -z) @ _rot_stack(1, theta) @ _rot_stack(2, -zeta)
    out: F64 = np.transpose(prec, (0, 2, 1)) @ np.transpose(nut, (0, 2, 1)) @ teme_to_tod
    return out


def gmst_rad(t: datetime) -> float:
    """Greenwich mean sidereal time (IAU-1982), UT1 taken as UTC."""
    jd, fr = datetime_to_jd(t)
    tut1 = ((jd - 2451545.0) + fr) / 36525.0
    secs = (
        67310.54841 + (876600.0 * 3600.0 + 8640184.812866) * tut1 + 0.093104 * tut1 * tut1 - 6.2e-6 * tut1**3
    )
    return (secs % 86400.0) / 240.0 * math.pi / 180.0


def teme_to_frame(frame: str, t: datetime, r: F64, v: F64) -> tuple[F64, F64]:
    """Rotate a TEME state to ``frame`` (TEME, GCRF, EME2000/J2000, ITRF)."""
    f = frame.upper()
    if f == "TEME":
        return np.array(r, dtype=np.float64), np.array(v, dtype=np.float64)
    if f in ("GCRF", "EME2000", "J2000", "ICRF"):
        m = teme_to_j2000_matrix(t)
        return m @ r, m @ v
    if f in ("ITRF", "ITRF2000", "ITRF2008", "ITRF2014", "ITRF2020", "ITRF-93", "ITRF-97", "ECEF"):
        rot = _rz(gmst_rad(t))
        w = np.array([0.0, 0.0, OMEGA_EARTH])
        rr = rot @ r
        return rr, rot @ v - np.cross(w, rr)
    raise ValueError(f"unsupported reference frame {frame!r}")


def frame_to_teme(frame: str, t: datetime, r: F64, v: F64) -> tuple[F64, F64]:
    """Rotate a state in ``frame`` (TEME, GCRF, EME2000/J2000, ITRF) to TEME."""
    f = frame.upper()
    if f == "TEME":
        return np.array(r, dtype=np.float64), np.array(v, dtype=np.float64)
    if f in ("GCRF", "EME2000", "J2000", "ICRF"):
        m = teme_to_j2000_matrix(t)
        return m.T @ r, m.T @ v
    if f in ("ITRF", "ITRF2000", "ITRF2008", "ITRF2014", "ITRF2020", "ITRF-93", "ITRF-97", "ECEF"):
        rot = _rz(gmst_rad(t))
        w = np.array([0.0, 0.0, OMEGA_EARTH])
        vi = np.asarray(v, dtype=np.float64) + np.cross(w, r)
        return rot.T @ r, rot.T @ vi
    raise ValueError(f"unsupported reference frame {frame!r}")


def is_supported_frame(frame: str) -> bool:
    return frame.upper() in {
        "TEME", "GCRF", "EME2000", "J2000", "ICRF", "ITRF", "ITRF2000", "ITRF2008", "ITRF2014",
        "ITRF2020", "ITRF-93", "ITRF-97", "ECEF",
    }  # fmt: skip
