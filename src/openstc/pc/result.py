"""One result per conjunction, and the batch function the rest of openstc calls.

:func:`compute_pc` takes arrays of states and covariances (SI, one inertial frame) and returns a
:class:`PcResult` per conjunction: each requested method's Pc or ``None`` with a reason (never NaN
and never a silent 0), the 2D applicability verdict with the method to report, the Mahalanobis
distance, the max Pc (always available, also without covariance) with the dilution flag, and the
HBR used. Writers of CDMs use :attr:`MethodPc.cdm_method` and :meth:`PcResult.cdm_failure_comments`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from openstc.errors import InvalidArgumentError
from openstc.pc import chan, dilution, elrod, foster, hall2d, hall3d, maxpc, montecarlo
from openstc.pc.applicability import assess_2d
from openstc.pc.covariance import FloatArray, as_matrices, as_vectors
from openstc.pc.geometry import REASON_NOT_FINITE, REASON_ZERO_VELOCITY, encounter_geometry
from openstc.pc.mahalanobis import mahalanobis_from_geometry

#: Methods :func:`compute_pc` knows, with the name written in CDMs.
METHODS: dict[str, str] = {
    "foster": foster.CDM_METHOD,
    "elrod": elrod.CDM_METHOD,
    "chan": chan.CDM_METHOD,
    "montecarlo": montecarlo.CDM_METHOD,
    "montecarlo_twobody": "MONTE-CARLO-TWO-BODY",
    "hall3d": hall3d.CDM_METHOD,
    "hall2d": hall2d.CDM_METHOD,
}
DEFAULT_METHODS = ("foster",)
#: A position sigma beyond this (m; ~3 Earth-Moon distances) describes no orbit: such a covariance
#: is refused rather than sent through the 3D/Monte Carlo fallbacks, which would take minutes on it.
MAX_POSITION_SIGMA_M = 1e9


@dataclass(frozen=True)
class MethodPc:
    """One method's outcome: ``pc`` is None exactly when ``reason`` says why."""

    method: str
    cdm_method: str
    pc: float | None
    reason: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PcResult:
    """Everything openstc reports about one conjunction's collision probability."""

    pc: float | None  # the reported Pc (first requested method), None when not computable
    method: str  # method of ``pc``
    reason: str | None  # why ``pc`` is None
    hbr_m: float  # combined hard-body radius used
    methods: tuple[MethodPc, ...]
    applicable_2d: bool | None  # None when it could not be assessed (no covariance)
    applicability_reasons: tuple[str, ...]
    recommended_method: str  # what should be reported given the verdict
    mahalanobis: float | None
    max_pc: float | None  # max Pc over an unknown/untrusted covariance (method: ``max_pc_method``)
    dilution_max_pc: float | None
    diluted: bool | None  # reported Pc in the dilution region
    covariance_available: bool
    # FRISBEE-MAXPC with one covariance known (or both), ALFANO-2005-MAXPC with none.
    max_pc_method: str | None = None

    def cdm_failure_comments(self) -> list[str]:
        """``COMMENT_FAILED_COLLISION_PROBABILITY_CALCULATION_<METHOD> = <reason>`` lines."""
        return [
            f"COMMENT_FAILED_COLLISION_PROBABILITY_CALCULATION_{m.cdm_method.replace('-', '_')} = {m.reason}"
            for m in self.methods
            if m.pc is None and m.reason
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "pc": self.pc,
            "method": self.method,
            "reason": self.reason,
            "hbr_m": self.hbr_m,
            "methods": {
                m.method: {"pc": m.pc, "reason": m.reason, "cdm_method": m.cdm_method, **m.extra}
                for m in self.methods
            },
            "applicable_2d": self.applicable_2d,
            "applicability_reasons": list(self.applicability_reasons),
            "recommended_method": self.recommended_method,
            "mahalanobis": self.mahalanobis,
            "max_pc": self.max_pc,
            "max_pc_method": self.max_pc_method,
            "dilution_max_pc": self.dilution_max_pc,
            "diluted": self.diluted,
            "covariance_available": self.covariance_available,
        }


def _opt(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def _covs(cov: FloatArray | None, n: int) -> tuple[FloatArray, NDArray[np.bool_]]:
    """``(n, w, w)`` covariances and which are present; one ``(w, w)`` matrix is shared by all."""
    if cov is None:
        return np.zeros((n, 3, 3)), np.zeros(n, dtype=bool)
    arr = np.asarray(cov, dtype=np.float64)
    if arr.ndim not in (2, 3) or arr.shape[-2:] not in ((3, 3), (6, 6)):
        raise InvalidArgumentError(f"covariance must be 3x3 or 6x6 (or a batch of them), got {arr.shape}")
    if arr.ndim == 3 and arr.shape[0] not in (1, n):
        raise InvalidArgumentError(f"{arr.shape[0]} covariances for {n} conjunctions")
    arr = np.broadcast_to(as_matrices(arr), (n, *arr.shape[-2:])).copy()
    present = ~np.all(arr == 0, axis=(-1, -2))
    return arr, present


def _hall3d_batch(
    r1: FloatArray,
    v1: FloatArray,
    c1: FloatArray,
    r2: FloatArray,
    v2: FloatArray,
    c2: FloatArray,
    hbr: FloatArray,
    idx: np.ndarray,
    reasons: dict[int, str] | None = None,
    two_d: bool = False,
) -> FloatArray:
    """Hall 3D-Nc (or with ``two_d`` 2D-Nc) Pc for the cases ``idx`` (NaN elsewhere or where it
    cannot be computed)."""
    out = np.full(r1.shape[0], np.nan)
    for j in idx:
        i = int(j)
        c1i = np.zeros((6, 6))
        c1i[: c1[i].shape[0], : c1[i].shape[0]] = c1[i]
        c2i = np.zeros((6, 6))
        c2i[: c2[i].shape[0], : c2[i].shape[0]] = c2[i]
        fn = hall2d.pc2d_hall if two_d else hall3d.pc3d_hall
        res = fn(r1[i], v1[i], c1i, r2[i], v2[i], c2i, float(hbr[i]))
        out[i] = res.pc
        if reasons is not None and res.reason:
            reasons[i] = res.reason
    return out


def compute_pc(
    r1: FloatArray,
    v1: FloatArray,
    cov1: FloatArray | None,
    r2: FloatArray,
    v2: FloatArray,
    cov2: FloatArray | None,
    hbr: FloatArray | float,
    *,
    methods: Sequence[str] = DEFAULT_METHODS,
    mc_trials: int = 200_000,
    seed: int = 0,
    fallback_3d: bool = True,
    curvilinear_check: bool = True,
) -> list[PcResult]:
    """Collision probability for a batch of conjunctions (SI: m, m/s, m^2, ...; one inertial frame).

    ``cov1``/``cov2`` may be None (or all zeros) for an object without covariance (element-set
    only): then no Pc is computed but the max Pc is. Unknown method names raise
    :class:`InvalidArgumentError`. With ``fallback_3d`` (default), a conjunction whose 2D
    assumptions fail gets Hall's 3D-Nc Pc (or, where that cannot be computed, a two-body Monte
    Carlo Pc with its 95% interval) and that is the reported Pc; the 2D values stay in ``methods``.

    Cost: the 2D methods run at ~10^5 conjunctions/s; the curvilinear part of the applicability
    check costs ~1-3 ms per conjunction (and a 3D Nc, ~0.1-1 s, where it is near or over its
    limit). For bulk screening pass ``curvilinear_check=False`` (rectilinear checks only) and
    re-run the conjunctions that matter (e.g. Pc above a reporting threshold) with the default.
    """
    for m in methods:
        if m not in METHODS:
            raise InvalidArgumentError(f"unknown Pc method {m!r}; known: {', '.join(METHODS)}")
    if not methods:
        raise InvalidArgumentError("no Pc method requested")
    # One conjunction or a batch is decided by the positions' ndim alone (never by a shape that
    # happens to be square: 3 conjunctions give (3, 3) positions).
    vecs = [np.asarray(a, dtype=np.float64) for a in (r1, v1, r2, v2)]
    if any(a.ndim not in (1, 2) or a.shape[-1:] != (3,) for a in vecs):
        raise InvalidArgumentError("positions and velocities must have shape (3,) or (n, 3)")
    r1a, v1a, r2a, v2a = (as_vectors(a) for a in vecs)
    n = r1a.shape[0]
    if any(a.shape != (n, 3) for a in (v1a, r2a, v2a)):
        raise InvalidArgumentError("positions and velocities must all have shape (n, 3)")
    c1, has1 = _covs(cov1, n)
    c2, has2 = _covs(cov2, n)
    hbr_in = np.asarray(hbr, dtype=np.float64)
    if hbr_in.ndim > 1 or hbr_in.size not in (1, n):
        raise InvalidArgumentError(f"hbr must be one value or {n} values, got shape {hbr_in.shape}")
    hbr_a = np.broadcast_to(hbr_in.reshape(-1) if hbr_in.ndim else hbr_in, (n,)).copy()
    opts = _Options(tuple(methods), mc_trials, seed, fallback_3d, curvilinear_check)
    out: list[PcResult | None] = [None] * n
    # Cases known to be unusable never reach the numerics: a failed case must not fail the batch.
    bad = _unusable(r1a, v1a, c1, r2a, v2a, c2, hbr_a)
    for i, why in bad.items():
        out[i] = _failed(
            opts,
            why,
            hbr_a[i],
            bool(has1[i] and has2[i]),
            _max_pc_one(r1a, r2a, hbr_a, has1, has2, i),
        )
    good = np.array([i for i in range(n) if i not in bad], dtype=np.int64)
    arrays = (r1a, v1a, c1, has1, r2a, v2a, c2, has2, hbr_a)
    for i, res in zip(good.tolist(), _guarded(arrays, good, opts), strict=True):
        out[i] = res
    return [r for r in out if r is not None]


@dataclass(frozen=True)
class _Options:
    methods: tuple[str, ...]
    mc_trials: int
    seed: int
    fallback_3d: bool
    curvilinear_check: bool


def _unusable(
    r1: FloatArray,
    v1: FloatArray,
    c1: FloatArray,
    r2: FloatArray,
    v2: FloatArray,
    c2: FloatArray,
    hbr: FloatArray,
) -> dict[int, str]:
    """Reasons for the cases whose inputs no method can use (non-finite values, no relative motion)."""
    finite_state = np.all(np.isfinite(np.concatenate([r1, v1, r2, v2], axis=-1)), axis=-1)
    finite_cov = np.all(np.isfinite(c1), axis=(-1, -2)) & np.all(np.isfinite(c2), axis=(-1, -2))
    with np.errstate(over="ignore", invalid="ignore"):
        moving = np.linalg.norm(v1 - v2, axis=-1) > 0
    with np.errstate(invalid="ignore"):
        var = np.maximum(np.abs(np.diagonal(c1[:, :3, :3], axis1=-2, axis2=-1)).max(axis=-1), 0.0)
        var = np.maximum(var, np.abs(np.diagonal(c2[:, :3, :3], axis1=-2, axis2=-1)).max(axis=-1))
        sane = ~(var > MAX_POSITION_SIGMA_M**2)
    why: dict[int, str] = {}
    for i in np.flatnonzero(~(finite_state & finite_cov & sane & ~np.isnan(hbr) & moving)).tolist():
        if not finite_state[i]:
            why[i] = REASON_NOT_FINITE
        elif not finite_cov[i]:
            why[i] = "non-finite covariance"
        elif not sane[i]:
            why[i] = f"position uncertainty above {MAX_POSITION_SIGMA_M:g} m: covariance not usable"
        elif np.isnan(hbr[i]):
            why[i] = "hard-body radius is not a number"
        else:
            why[i] = REASON_ZERO_VELOCITY
    return why


def _max_pc_one(
    r1: FloatArray,
    r2: FloatArray,
    hbr: FloatArray,
    has1: NDArray[np.bool_],
    has2: NDArray[np.bool_],
    i: int,
) -> tuple[float | None, str | None]:
    """Max Pc of an unusable case where it still means something: no covariance, finite positions."""
    if has1[i] or has2[i]:
        return None, None
    dist = float(np.linalg.norm(r1[i] - r2[i]))
    if not (np.isfinite(dist) and not np.isnan(hbr[i])):
        return None, None
    # Zero relative velocity: no encounter plane, but the sphere-in-slab bound holds in 3D.
    val = float(maxpc.unknown_covariance_max_pc(dist, hbr[i]))
    return _opt(val), maxpc.CDM_METHOD_UNKNOWN_COVARIANCE


def _failed(
    opts: _Options,
    why: str,
    hbr: float,
    have_cov: bool,
    max_pc: tuple[float | None, str | None] = (None, None),
) -> PcResult:
    """The result of a case that could not be computed: every Pc None with ``why``."""
    rows = tuple(MethodPc(m, METHODS[m], None, why, {}) for m in opts.methods)
    return PcResult(
        pc=None,
        method=rows[0].method,
        reason=why,
        hbr_m=0.0 if np.isnan(hbr) else float(hbr),
        methods=rows,
        applicable_2d=None,
        applicability_reasons=(f"unknown: {why}",),
        recommended_method="max_pc" if max_pc[0] is not None else rows[0].method,
        mahalanobis=None,
        max_pc=max_pc[0],
        dilution_max_pc=None,
        diluted=None,
        covariance_available=have_cov,
        max_pc_method=max_pc[1],
    )


def _guarded(arrays: tuple[Any, ...], idx: NDArray[np.int64], opts: _Options) -> list[PcResult]:
    """:func:`_compute_batch` on the cases ``idx``; a case whose numerics raise gets a failed result.

    On an exception the batch is split in halves and each retried, so one failing case costs
    ~log2(n) extra batch evaluations and never fails the others.
    """
    if idx.size == 0:
        return []
    try:
        r1, v1, c1, has1, r2, v2, c2, has2, hbr = (a[idx] for a in arrays)
        return _compute_batch(r1, v1, c1, has1, r2, v2, c2, has2, hbr, opts)
    except Exception as exc:
        if idx.size == 1:
            i = int(idx[0])
            why = f"numerical failure: {type(exc).__name__}: {exc}"
            r1, _, _, has1, r2, _, _, has2, hbr = arrays
            mx = _max_pc_one(r1, r2, hbr, has1, has2, i)
            return [_failed(opts, why, float(hbr[i]), bool(has1[i] and has2[i]), mx)]
        half = idx.size // 2
        return _guarded(arrays, idx[:half], opts) + _guarded(arrays, idx[half:], opts)


def _compute_batch(
    r1a: FloatArray,
    v1a: FloatArray,
    c1: FloatArray,
    has1: NDArray[np.bool_],
    r2a: FloatArray,
    v2a: FloatArray,
    c2: FloatArray,
    has2: NDArray[np.bool_],
    hbr_a: FloatArray,
    opts: _Options,
) -> list[PcResult]:
    """The numerics of :func:`compute_pc` on normalized, pre-screened inputs."""
    n = r1a.shape[0]
    methods, mc_trials, seed = opts.methods, opts.mc_trials, opts.seed
    fallback_3d, curvilinear_check = opts.fallback_3d, opts.curvilinear_check
    have_cov = has1 & has2
    geo = encounter_geometry(r1a, v1a, c1, r2a, v2a, c2, hbr_a)
    reason = geo.reason.astype(object)
    missing_reason = "covariance missing for " + np.where(
        ~has1 & ~has2, "both objects", np.where(~has1, "object 1", "object 2")
    )
    reason[~have_cov] = missing_reason[~have_cov]

    per_method: dict[str, tuple[FloatArray, dict[str, FloatArray]]] = {}
    hall_reasons: dict[int, str] = {}
    hall2_reasons: dict[int, str] = {}
    for m in methods:
        if m == "foster":
            per_method[m] = (foster.pc_from_geometry(geo), {})
        elif m == "elrod":
            per_method[m] = (elrod.pc_from_geometry(geo), {})
        elif m == "chan":
            per_method[m] = (chan.pc_from_geometry(geo), {})
        elif m == "hall3d":
            vals3 = _hall3d_batch(
                r1a, v1a, c1, r2a, v2a, c2, hbr_a, np.flatnonzero(geo.ok & have_cov), hall_reasons
            )
            per_method[m] = (vals3, {})
        elif m == "hall2d":
            vals2 = _hall3d_batch(
                r1a, v1a, c1, r2a, v2a, c2, hbr_a, np.flatnonzero(geo.ok & have_cov), hall2_reasons, True
            )
            per_method[m] = (vals2, {})
        elif m in ("montecarlo", "montecarlo_twobody"):
            mc = montecarlo.pc_monte_carlo(
                r1a,
                v1a,
                c1,
                r2a,
                v2a,
                c2,
                hbr_a,
                trials=mc_trials,
                seed=seed,
                dynamics="two-body" if m == "montecarlo_twobody" else "linear",
            )
            per_method[m] = (
                np.where(geo.ok, mc.pc, np.nan),
                {
                    "ci95_low": mc.ci_low,
                    "ci95_high": mc.ci_high,
                    "hits": mc.hits.astype(float),
                    "trials": mc.trials.astype(float),
                },
            )
    # Only cases with both covariances have a 2D Pc to assess (and the check can cost a 3D Nc).
    hc = np.flatnonzero(have_cov)
    at = np.cumsum(have_cov) - 1  # case i -> its row in ``app``
    app = assess_2d(
        r1a[hc], v1a[hc], c1[hc], r2a[hc], v2a[hc], c2[hc], hbr_a[hc], curvilinear=curvilinear_check
    )
    valid_2d = np.ones(n, dtype=bool)
    valid_2d[hc] = app.valid_2d
    nc3d_app = np.full(n, np.nan)
    nc3d_app[hc] = app.nc3d
    fallback: dict[int, MethodPc] = {}
    if fallback_3d and "hall3d" not in methods:
        need = np.flatnonzero(~valid_2d & have_cov & geo.ok)
        if need.size:
            # The applicability check often computed the 3D Nc already: reuse it.
            nc = nc3d_app.copy()
            redo = need[~np.isfinite(nc[need])]
            if redo.size:
                nc[redo] = _hall3d_batch(r1a, v1a, c1, r2a, v2a, c2, hbr_a, redo)[redo]
            for j in need:
                i = int(j)
                if np.isfinite(nc[i]):
                    fallback[i] = MethodPc("hall3d", METHODS["hall3d"], float(nc[i]), None, {})
                else:
                    # Last resort: two-body Monte Carlo with its confidence interval.
                    mc3 = montecarlo.pc_monte_carlo(
                        r1a[i],
                        v1a[i],
                        c1[i],
                        r2a[i],
                        v2a[i],
                        c2[i],
                        hbr_a[i],
                        trials=mc_trials,
                        seed=seed,
                        dynamics="two-body",
                    )
                    fallback[i] = MethodPc(
                        "montecarlo_twobody",
                        METHODS["montecarlo_twobody"],
                        float(mc3.pc[0]),
                        None,
                        {
                            "ci95_low": float(mc3.ci_low[0]),
                            "ci95_high": float(mc3.ci_high[0]),
                            "hits": float(mc3.hits[0]),
                            "trials": float(mc3.trials[0]),
                        },
                    )
    maha = mahalanobis_from_geometry(geo)
    mx, _ = maxpc.frisbee_max_pc(r1a, v1a, c1, r2a, v2a, c2, hbr_a)
    mx_method = np.where(~has1 & ~has2, maxpc.CDM_METHOD_UNKNOWN_COVARIANCE, maxpc.CDM_METHOD)
    dil = dilution.dilution_max_pc(r1a, v1a, c1, r2a, v2a, c2, hbr_a)

    out: list[PcResult] = []
    for i in range(n):
        rows = []
        for m in methods:
            vals, extra = per_method[m]
            v = float(vals[i])
            usable = bool(have_cov[i]) and np.isfinite(v)
            own = {"hall3d": hall_reasons, "hall2d": hall2_reasons}.get(m, {}).get(i)
            why = None if usable else (str(reason[i]) or own or "Pc could not be computed")
            rows.append(
                MethodPc(
                    m,
                    METHODS[m],
                    v if usable else None,
                    why,
                    {k: float(a[i]) for k, a in extra.items()} if usable else {},
                )
            )
        first = rows[0]
        if i in fallback:
            rows.append(fallback[i])
            first = fallback[i]
        if not have_cov[i]:
            applicable: bool | None = None
            app_reasons: tuple[str, ...] = ("no covariance: only the max Pc is available",)
            recommended = "max_pc"
        else:
            applicable = bool(valid_2d[i])
            app_reasons = tuple(app.reasons(int(at[i])))
            recommended = rows[0].method if applicable else "hall3d"
        out.append(
            PcResult(
                pc=first.pc,
                method=first.method,
                reason=first.reason,
                hbr_m=float(hbr_a[i]),
                methods=tuple(rows),
                applicable_2d=applicable,
                applicability_reasons=app_reasons,
                recommended_method=recommended,
                mahalanobis=_opt(maha[i]) if have_cov[i] else None,
                max_pc=_opt(mx[i]),
                dilution_max_pc=_opt(dil.pc_max[i]) if have_cov[i] else None,
                diluted=bool(dil.diluted[i]) if have_cov[i] and np.isfinite(dil.pc_max[i]) else None,
                covariance_available=bool(have_cov[i]),
                max_pc_method=str(mx_method[i]) if np.isfinite(mx[i]) else None,
            )
        )
    return out
