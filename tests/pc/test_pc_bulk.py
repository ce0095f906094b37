"""Bulk use of :func:`openstc.pc.compute_pc` (issue #4 follow-up).

* the max Pc without any covariance (Alfano 2005) against its 2D definition and its small-R limit;
* batch versus single decided from the positions' ndim (n = 1, 2, 3, 6);
* one degenerate conjunction never fails a batch nor yields NaN (hypothesis);
* ``openstc.commands.pc`` imports neither numpy-heavy ``openstc.pc`` nor scipy at module level.
"""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import optimize

from openstc.commands.pc import METHOD_CHOICES
from openstc.pc import METHODS, PcResult, compute_pc
from openstc.pc.applicability import linear_conj_duration
from openstc.pc.foster import pc2d
from openstc.pc.maxpc import CDM_METHOD, CDM_METHOD_UNKNOWN_COVARIANCE, unknown_covariance_max_pc

R1 = np.array([7.0e6, 0.0, 0.0])
V1 = np.array([0.0, 7500.0, 0.0])
V2 = np.array([0.0, 0.0, 7500.0])  # 90 deg crossing: the encounter plane is the x-y... plane of r1
PHI1 = math.exp(-0.5) / math.sqrt(2.0 * math.pi)  # standard normal density at 1


# --- 1. max Pc with no covariance at all -------------------------------------------------------


def test_max_pc_without_covariance_r10_d100() -> None:
    got = float(unknown_covariance_max_pc(100.0, 10.0))
    # Exact value Phi(1.1019) - Phi(0.9015) and the small-R approximation 2 R phi(1) / d = 0.0484.
    assert got == pytest.approx(0.048394, abs=2e-6)
    assert got == pytest.approx(2 * 10.0 * PHI1 / 100.0, rel=0.01)


def test_max_pc_small_r_limit_is_alfano() -> None:
    for ratio in (1e-3, 1e-6, 1e-9, 1e-12):
        assert float(unknown_covariance_max_pc(1.0, ratio)) == pytest.approx(2 * ratio * PHI1, rel=1e-6)


def test_max_pc_is_monotone_bounded_and_one_only_inside() -> None:
    d = np.geomspace(1e-2, 1e6, 400)
    for hbr in (0.5, 5.0, 20.0):
        p = unknown_covariance_max_pc(d, hbr)
        assert np.all(np.isfinite(p)) and np.all((p >= 0) & (p <= 1))
        assert np.all(np.diff(p) <= 1e-15)  # decreasing in miss distance
        assert np.all((p == 1.0) == (d < hbr))
    r = np.geomspace(1e-3, 1e4, 400)
    p = unknown_covariance_max_pc(100.0, r)
    assert np.all(np.diff(p) >= -1e-15)  # increasing in HBR
    assert np.all((p == 1.0) == (r > 100.0))
    assert float(unknown_covariance_max_pc(10.0, 10.0)) == 0.5
    assert float(unknown_covariance_max_pc(100.0, 0.0)) == 0.0


@pytest.mark.parametrize(("d", "hbr"), [(100.0, 10.0), (30.0, 20.0), (1000.0, 5.0), (12.0, 10.0)])
def test_max_pc_is_the_maximum_of_the_2d_pc(d: float, hbr: float) -> None:
    """Maximize the exact 2D circle Pc over covariance scale and aspect: never above, and reached."""
    bound = float(unknown_covariance_max_pc(d, hbr))
    r2 = R1 + np.array([d, 0.0, 0.0])  # miss along x, in the encounter plane

    def pc(log_sx: float, log_aspect: float, angle: float = 0.0) -> float:
        sx, sz = math.exp(log_sx), math.exp(log_sx + log_aspect)
        # The encounter plane (normal to v1 - v2) is spanned by x and (0, 1, 1)/sqrt(2).
        e1, e2 = np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 1.0]) / math.sqrt(2.0)
        u = math.cos(angle) * e1 + math.sin(angle) * e2
        w = -math.sin(angle) * e1 + math.cos(angle) * e2
        cov = sx * sx * np.outer(u, u) + sz * sz * np.outer(w, w)
        p, _ = pc2d(R1, V1, cov, r2, V2, np.zeros((3, 3)), hbr)
        return float(p[0])

    best = optimize.minimize(
        lambda x: -pc(x[0], x[1]), x0=[math.log(d), -1.0], method="Nelder-Mead", options={"xatol": 1e-4}
    )
    assert -best.fun <= bound * (1 + 1e-9)
    # A nearly degenerate covariance along the miss vector reaches the bound.
    sigma = math.sqrt(2 * d * hbr / math.log((d + hbr) / (d - hbr)))
    # (Aspect 1e-3 * HBR / sigma: thinner is clipped by CARA's remediation at 1e-4 HBR.)
    assert pc(math.log(sigma), math.log(1e-3 * hbr / sigma)) == pytest.approx(bound, rel=1e-5)
    # Other orientations and aspects stay below it.
    rng = np.random.default_rng(7)
    for _ in range(20):
        x = pc(math.log(d) + rng.normal(), rng.uniform(-8, 2), rng.uniform(0, math.pi))
        assert x <= bound * (1 + 1e-9)


def test_compute_pc_reports_max_pc_method() -> None:
    r2 = R1 + np.array([100.0, 0.0, 0.0])
    cov = np.eye(3) * 1e4
    none, one, both = (
        compute_pc(R1, V1, c1, r2, V2, c2, 10.0)[0] for c1, c2 in ((None, None), (None, cov), (cov, cov))
    )
    assert none.pc is None and none.max_pc == pytest.approx(0.048394, abs=2e-6)
    assert none.max_pc_method == CDM_METHOD_UNKNOWN_COVARIANCE
    assert none.to_dict()["max_pc_method"] == CDM_METHOD_UNKNOWN_COVARIANCE
    # Frisbee with one covariance known: below the unknown-covariance bound.
    assert one.max_pc_method == CDM_METHOD and one.max_pc is not None and one.max_pc <= none.max_pc
    assert both.max_pc_method == CDM_METHOD and both.pc is not None and both.pc <= (both.max_pc or 0) + 1e-15
    inside = compute_pc(R1, V1, None, R1 + np.array([5.0, 0, 0]), V2, None, 10.0)[0]
    assert inside.max_pc == 1.0


# --- 2. batch versus single ---------------------------------------------------------------------


def _batch(n: int, seed: int = 3) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    r1 = np.tile(R1, (n, 1)) + rng.normal(size=(n, 3)) * 1e3
    v1 = np.tile(V1, (n, 1)) + rng.normal(size=(n, 3)) * 10
    r2 = r1 + rng.normal(size=(n, 3)) * 200
    v2 = np.tile(V2, (n, 1)) + rng.normal(size=(n, 3)) * 10
    a = rng.normal(size=(n, 3, 3)) * 50
    b = rng.normal(size=(n, 3, 3)) * 50
    cov1 = a @ np.swapaxes(a, 1, 2) + np.eye(3)
    cov2 = b @ np.swapaxes(b, 1, 2) + np.eye(3)
    return {"r1": r1, "v1": v1, "cov1": cov1, "r2": r2, "v2": v2, "cov2": cov2, "hbr": rng.uniform(1, 20, n)}


@pytest.mark.parametrize("n", [1, 2, 3, 6])
def test_batch_equals_single_cases(n: int) -> None:
    b = _batch(n)
    got = compute_pc(**b, curvilinear_check=False)
    assert len(got) == n
    for i, res in enumerate(got):
        (one,) = compute_pc(*(b[k][i] for k in ("r1", "v1", "cov1", "r2", "v2", "cov2", "hbr")))
        assert res.pc is not None and one.pc is not None
        assert res.pc == pytest.approx(one.pc, rel=1e-12, abs=1e-300)
        assert res.max_pc == pytest.approx(one.max_pc, rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("n", [1, 2, 3, 6])
def test_one_shared_covariance_and_hbr_broadcast(n: int) -> None:
    b = _batch(n)
    shared = np.eye(3) * 2500.0
    got = compute_pc(b["r1"], b["v1"], shared, b["r2"], b["v2"], None, 5.0, curvilinear_check=False)
    assert len(got) == n
    for i, res in enumerate(got):
        (one,) = compute_pc(b["r1"][i], b["v1"][i], shared, b["r2"][i], b["v2"][i], None, 5.0)
        assert res.pc is None and res.max_pc == pytest.approx(one.max_pc, rel=1e-12)


def test_method_choices_of_the_command_match_the_library() -> None:
    assert tuple(sorted(METHODS)) == METHOD_CHOICES


# --- 3. one bad conjunction never fails a batch ---------------------------------------------------

BAD_KINDS = (
    "zero_cov",
    "nan_cov",
    "inf_cov",
    "singular_cov",
    "parallel_v",
    "same_position",
    "same_state",
    "huge_scale",
    "tiny_scale",
    "nan_state",
    "nan_hbr",
    "zero_hbr",
    "inf_hbr",
    "npd_cov",
)


def _spoil(case: dict[str, np.ndarray], i: int, kind: str) -> None:
    if kind == "zero_cov":
        case["cov1"][i] = 0.0
    elif kind == "nan_cov":
        case["cov2"][i, 1, 1] = np.nan
    elif kind == "inf_cov":
        case["cov1"][i, 0, 0] = np.inf
    elif kind == "singular_cov":
        case["cov1"][i] = np.outer([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
        case["cov2"][i] = 0.0
    elif kind == "parallel_v":
        case["v2"][i] = case["v1"][i]
    elif kind == "same_position":
        case["r2"][i] = case["r1"][i]
    elif kind == "same_state":
        case["r2"][i], case["v2"][i] = case["r1"][i], case["v1"][i]
    elif kind == "huge_scale":
        case["cov1"][i] *= 1e150
        case["cov2"][i] *= 1e150
    elif kind == "tiny_scale":
        case["cov1"][i] *= 1e-150
        case["cov2"][i] *= 1e-150
        case["hbr"][i] = 1e-100
    elif kind == "nan_state":
        case["v1"][i, 2] = np.nan
    elif kind == "nan_hbr":
        case["hbr"][i] = np.nan
    elif kind == "zero_hbr":
        case["hbr"][i] = 0.0
    elif kind == "inf_hbr":
        case["hbr"][i] = np.inf
    elif kind == "npd_cov":
        case["cov1"][i] = -np.eye(3)
        case["cov2"][i] = -np.eye(3)


def _finite_or_none(res: PcResult) -> None:
    values = [res.pc, res.max_pc, res.mahalanobis, res.dilution_max_pc, res.hbr_m]
    values += [m.pc for m in res.methods]
    for x in values:
        assert x is None or not math.isnan(x)
    for x in (res.pc, res.max_pc, res.dilution_max_pc):
        assert x is None or 0.0 <= x <= 1.0
    for m in res.methods:
        assert (m.pc is None) == bool(m.reason)
    if res.pc is None:
        assert res.reason
    if res.applicable_2d is None:
        assert res.applicability_reasons


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(2, 7),
    st.lists(st.sampled_from(BAD_KINDS), min_size=1, max_size=3),
    st.integers(0, 2**32 - 1),
)
def test_degenerate_cases_never_fail_the_batch(n: int, kinds: list[str], seed: int) -> None:
    good = _batch(n, seed % 1000)
    reference = compute_pc(**good, curvilinear_check=False)
    case = {k: v.copy() for k, v in good.items()}
    rng = np.random.default_rng(seed)
    spoiled = rng.choice(n, size=min(len(kinds), n - 1), replace=False)
    for i, kind in zip(spoiled.tolist(), kinds, strict=False):
        _spoil(case, i, kind)
    got = compute_pc(**case, methods=("foster", "elrod", "chan"), curvilinear_check=False)
    assert len(got) == n
    for i, res in enumerate(got):
        _finite_or_none(res)
        if i not in spoiled:  # the good cases are unaffected
            assert res.pc == reference[i].pc and res.max_pc == reference[i].max_pc


@pytest.mark.parametrize("kind", BAD_KINDS)
def test_each_degenerate_kind_with_full_checks(kind: str) -> None:
    """Every kind once through the default path (curvilinear check, 3D fallback)."""
    good = _batch(3, 11)
    reference = compute_pc(**good)
    case = {k: v.copy() for k, v in good.items()}
    _spoil(case, 1, kind)
    got = compute_pc(**case)
    for res in got:
        _finite_or_none(res)
    for i in (0, 2):
        assert got[i].pc == reference[i].pc


def test_singular_matrix_in_conj_duration_is_a_flagged_result() -> None:
    """The full-catalog failure of issue #4: no covariance across the relative velocity."""
    r2 = R1 + np.array([0.0, 0.0, 50.0])
    cov = np.zeros((6, 6))
    cov[1, 1] = 1e4  # only along y: singular across the relative velocity
    dur = linear_conj_duration(R1, V1, cov, r2, V2, cov, 10.0)  # raised LinAlgError before
    assert dur.dtau.shape == (1,)
    # (fallback_3d=False: the two-body Monte Carlo last resort takes ~1 min on this rank-1 case.)
    res = compute_pc(
        np.stack([R1, R1]),
        np.stack([V1, V1]),
        cov,
        np.stack([r2, r2]),
        np.stack([V2, V2]),
        cov,
        10.0,
        fallback_3d=False,
    )
    for r in res:
        _finite_or_none(r)


# --- 4. start-up time -------------------------------------------------------------------------------


def test_pc_command_module_imports_no_heavy_modules() -> None:
    code = (
        "import sys, openstc.commands.pc; "
        "print(','.join(m for m in ('openstc.pc', 'scipy', 'numba', 'numpy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
