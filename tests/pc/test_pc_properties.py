"""Properties every Pc must have, on random realistic conjunctions (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.transform import Rotation

from openstc.pc import compute_pc
from openstc.pc.foster import pc2d


@st.composite
def conjunctions(draw: st.DrawFn) -> dict[str, np.ndarray | float]:
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    r1 = rng.normal(size=3)
    r1 *= 7.0e6 / np.linalg.norm(r1)
    v1 = rng.normal(size=3) * 4000.0
    miss = draw(st.floats(0.0, 3000.0))
    r2 = r1 + rng.normal(size=3) * miss / np.sqrt(3.0)
    v2 = v1 + rng.normal(size=3) * draw(st.floats(50.0, 10000.0))

    def cov() -> np.ndarray:
        a = rng.normal(size=(3, 3)) * draw(st.floats(1.0, 500.0))
        return np.asarray(a @ a.T + np.eye(3) * 1e-2)

    return {
        "r1": r1,
        "v1": v1,
        "cov1": cov(),
        "r2": r2,
        "v2": v2,
        "cov2": cov(),
        "hbr": draw(st.floats(0.5, 50.0)),
    }


def _pc(c: dict[str, np.ndarray | float], **kw: object) -> float:
    args = {**c, **kw}
    p, _ = pc2d(args["r1"], args["v1"], args["cov1"], args["r2"], args["v2"], args["cov2"], args["hbr"])  # type: ignore[arg-type]
    return float(p[0])


@settings(max_examples=60, deadline=None)
@given(conjunctions())
def test_pc_is_a_probability(c: dict[str, np.ndarray | float]) -> None:
    p = _pc(c)
    assert 0.0 <= p <= 1.0


@settings(max_examples=60, deadline=None)
@given(conjunctions())
def test_swapping_objects_changes_nothing(c: dict[str, np.ndarray | float]) -> None:
    p = _pc(c)
    q = _pc(c, r1=c["r2"], v1=c["v2"], cov1=c["cov2"], r2=c["r1"], v2=c["v1"], cov2=c["cov1"])
    assert abs(p - q) <= 1e-9 * max(p, 1e-300) + 1e-300


@settings(max_examples=60, deadline=None)
@given(conjunctions(), st.floats(1.01, 10.0))
def test_pc_grows_with_hbr(c: dict[str, np.ndarray | float], k: float) -> None:
    assert _pc(c, hbr=float(c["hbr"]) * k) >= _pc(c) * (1 - 1e-9)


@settings(max_examples=40, deadline=None)
@given(conjunctions())
def test_pc_vanishes_with_miss_distance(c: dict[str, np.ndarray | float]) -> None:
    r1 = np.asarray(c["r1"])
    v_rel = np.asarray(c["v1"]) - np.asarray(c["v2"])
    d = np.cross(v_rel, [0.0, 0.0, 1.0])
    d /= np.linalg.norm(d)
    last = 1.0
    for far in (1e4, 1e5, 1e6):
        p = _pc(c, r2=r1 + d * far)
        assert p <= last * (1 + 1e-9)
        last = p
    assert last < 1e-12


@settings(max_examples=40, deadline=None)
@given(conjunctions(), st.integers(0, 2**32 - 1))
def test_frame_orientation_does_not_matter(c: dict[str, np.ndarray | float], seed: int) -> None:
    rot = Rotation.random(random_state=seed).as_matrix()
    turned = {
        "r1": rot @ c["r1"],
        "v1": rot @ c["v1"],
        "cov1": rot @ c["cov1"] @ rot.T,
        "r2": rot @ c["r2"],
        "v2": rot @ c["v2"],
        "cov2": rot @ c["cov2"] @ rot.T,
        "hbr": c["hbr"],
    }
    p, q = _pc(c), _pc(turned)
    assert abs(p - q) <= 1e-7 * max(p, q) + 1e-300


def test_no_covariance_gives_null_with_reason_and_max_pc() -> None:
    r1 = np.array([7.0e6, 0, 0])
    (res,) = compute_pc(
        r1, [0, 7500.0, 0], None, r1 + np.array([100.0, 0, 0]), [0, 0, 7500.0], np.eye(3) * 1e4, 10.0
    )
    assert res.pc is None and res.reason and "covariance missing" in res.reason
    assert res.max_pc is not None and 0 < res.max_pc <= 1
    assert res.cdm_failure_comments()[0].startswith(
        "COMMENT_FAILED_COLLISION_PROBABILITY_CALCULATION_FOSTER_1992 = "
    )


def test_zero_relative_velocity_is_null_not_nan() -> None:
    r1 = np.array([7.0e6, 0, 0])
    v = [0, 7500.0, 0]
    (res,) = compute_pc(r1, v, np.eye(3) * 1e4, r1 + np.array([100.0, 0, 0]), v, np.eye(3) * 1e4, 10.0)
    assert res.pc is None and "relative velocity" in (res.reason or "")
