"""Monte Carlo reference cases in tests/data/pc/cases.json: CARA's Pc_MC_Kep2body results, the Alfano
(2009) / CARA / Hall reference MC runs and CARA's SDMC hit counts (split from test_pc_reference)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from pc_cases import all_cases, cases_for, states
from scipy import stats
from test_pc_reference import _ids, _record, _rel_ok

from openstc.pc.applicability import assess_2d, linear_conj_duration
from openstc.pc.montecarlo import pc_monte_carlo

MC = cases_for("montecarlo")


@pytest.mark.parametrize("case", MC, ids=_ids(MC))
def test_monte_carlo(case: dict[str, Any], pc_summary: Any) -> None:
    """CARA's Pc_MC_Kep2body results (10 %): rectilinear MC (where the encounter is short the two
    agree); where it is not and the rectilinear MC misses, two-body MC over CARA's window with CARA's
    hit rule (the slow Test06)."""
    s = states(case)
    exp = case["expected_pc"]
    # Enough trials for ~3% statistical error against the source's 10% tolerance.
    trials = int(min(2_000_000, max(20_000, 1200 / exp)))
    res = pc_monte_carlo(s.r1, s.v1, s.cov1, s.r2, s.v2, s.cov2, s.hbr, trials=trials, seed=1)
    ok = _rel_ok(float(res.pc[0]), exp, case["tolerance"]["rel"])
    app = assess_2d(s.r1, s.v1, s.cov1, s.r2, s.v2, s.cov2, s.hbr)
    if not ok and not app.valid_2d[0]:
        # Test06 (12 m/s): CARA runs Pc_MC_Kep2body over the full Coppola bounds (gamma 1e-16; 2.8
        # orbits here) and reports first entries into the sphere (Pc_att): a pair overlapping at the
        # window's start is no collision. Importance-sampled, 4,000 trials: ~3 % standard error.
        trials = 4000
        dur = linear_conj_duration(s.r1, s.v1, s.cov1, s.r2, s.v2, s.cov2, s.hbr)
        res = pc_monte_carlo(
            s.r1,
            s.v1,
            s.cov1,
            s.r2,
            s.v2,
            s.cov2,
            s.hbr,
            trials=trials,
            seed=1,
            dynamics="two-body",
            window_s=(float(dur.tau0[0]), float(dur.tau1[0])),
            importance=True,
            hit_rule="entry",
        )
        ok = _rel_ok(float(res.pc[0]), exp, case["tolerance"]["rel"])
    _record(pc_summary, case, ok, "", f"got {res.pc[0]} [{res.ci_low[0]}, {res.ci_high[0]}] from {trials}")


MCREF = cases_for("montecarlo_reference")
# CARA's Pc3D_Hall windows of the Alfano cases (+-TLimit), used for the two-body MC as well.
TLIMIT = {
    c["group"]: float(c["method_params"]["TLimit_s"])
    for c in all_cases()
    if c["method"] == "pc3d_hall_nc3d" and (c.get("method_params") or {}).get("TLimit_s")
}
# Trials where 4,000 importance-sampled draws give fewer than 50 hits (co-orbital case 11: most
# proposal draws overlap already at the window's start, which CARA's rule does not count).
MCREF_TRIALS = {"a09_case11_mc_cara1e8": 12000, "a09_case11_mc_alfano1e8": 12000}
MCREF_OUT_OF_REACH = {
    # Measured (4,000 importance-sampled trials, seed 11): over +-10800 s CARA's entry rule gives
    # 0.268 +- 0.014, matching CARA's own 1e8 rerun (0.2798); counting pairs already inside the sphere
    # at the window's start gives 0.348 +- 0.016 (p = 0.27 against 0.365), the same as case 10's
    # +-21600 s with either rule; but that counting rule fails Alfano's case 12 (0.00444 +- 0.0002 vs
    # 0.00256, p = 2e-18), which the entry rule matches (p = 0.93). No one rule reproduces his table.
    "a09_case09_mc_alfano1e8": (
        "Alfano's 1e8-trial MC for case 9 (0.365) is not reached over his final time +-10800 s with"
        " CARA's entry rule (ours 0.268 +- 0.014, as CARA's 1e8 rerun 0.280, matched); it is matched"
        " only by counting pairs already inside the sphere at -10800 s (0.348 +- 0.016) or over case"
        " 10's +-21600 s, and that counting rule fails his case 12 (p = 2e-18): inconsistent source"
    ),
}
# Alfano (2009) gives Pc values of 1e8-trial runs, not hit counts.
ALFANO_TRIALS = 100_000_000


_MCREF_RUNS: dict[tuple[str, int], Any] = {}


def _mcref_run(group: str, trials: int) -> Any:
    """One two-body MC per Alfano case and trial count (CARA's and Alfano's references share inputs)."""
    if (group, trials) not in _MCREF_RUNS:
        case = next(c for c in MCREF if c["group"] == group)
        s = states(case)
        tl = TLIMIT.get(group)
        _MCREF_RUNS[group, trials] = pc_monte_carlo(
            s.r1,
            s.v1,
            s.cov1,
            s.r2,
            s.v2,
            s.cov2,
            s.hbr,
            trials=trials,
            seed=11,
            dynamics="two-body",
            importance=True,
            window_s=(-tl, tl) if tl else None,
            # CARA's Pc_MC_Kep2body counts entries into the sphere: a pair already overlapping at the
            # window's start is no collision (it matters for the HEO and co-orbital cases 9, 11, 12).
            hit_rule="entry",
        )
    return _MCREF_RUNS[group, trials]


@pytest.mark.parametrize("case", MCREF, ids=_ids(MCREF))
def test_monte_carlo_reference(case: dict[str, Any], pc_summary: Any) -> None:
    """Two-body MC (importance-sampled) against CARA's 1e8-trial, Alfano's (2009) 1e8-trial and
    Hall's reference MC runs.

    The sources give no tolerance; both results are estimates, so the check is a two-sample z-test
    (p > 1e-3) with our standard error and the reference's binomial one.
    """
    why = next((w for k, w in MCREF_OUT_OF_REACH.items() if k in case["id"]), None)
    if why is not None:
        pc_summary[case["method"]]["xfail"].append((case["id"], why))
        pytest.xfail(why)
    res = _mcref_run(case["group"], MCREF_TRIALS.get(case["id"], 4000))
    assert res.std_error is not None
    n_ref = case.get("mc_trials", ALFANO_TRIALS)
    p_ref = case["mc_hits"] / n_ref if "mc_hits" in case else case["expected_pc"]
    var_ref = p_ref * (1 - p_ref) / n_ref
    z = (float(res.pc[0]) - p_ref) / np.sqrt(float(res.std_error[0]) ** 2 + var_ref)
    pval = float(2 * stats.norm.sf(abs(z)))
    ok = pval > 1e-3 and res.hits[0] >= 50
    _record(
        pc_summary, case, ok, "", f"{res.pc[0]:.4e} +- {res.std_error[0]:.1e} vs {p_ref:.4e}: p={pval:.2e}"
    )


SDMC = cases_for("sdmc")
# Importance-sampled trials per case: ~200-600 hits each, a standard error of ~5-15 % of the Pc.
SDMC_TRIALS = 2000


@pytest.mark.parametrize("case", SDMC, ids=_ids(SDMC))
def test_two_body_monte_carlo_vs_sdmc(case: dict[str, Any], pc_summary: Any) -> None:
    """Our two-body, equinoctial-sampled MC (importance-sampled) against CARA's SDMC hit counts.

    Both are estimates: CARA's ``k/n`` with binomial variance ``p(1-p)/n``; ours the mean of
    hit x likelihood ratio with its sample standard error. The source's test (proportion test,
    p > 1e-3) becomes a two-sample z-test on the difference with both variances.
    """
    s = states(case)
    n_ref = case["mc_trials"]
    p_ref = case["mc_hits"] / n_ref
    res = pc_monte_carlo(
        s.r1,
        s.v1,
        s.cov1,
        s.r2,
        s.v2,
        s.cov2,
        s.hbr,
        trials=SDMC_TRIALS,
        seed=7,
        dynamics="two-body",
        importance=True,
    )
    assert res.std_error is not None
    est, se = float(res.pc[0]), float(res.std_error[0])
    z = (est - p_ref) / np.sqrt(se**2 + p_ref * (1 - p_ref) / n_ref)
    pval = float(2 * stats.norm.sf(abs(z)))
    ok = bool(pval > case["tolerance"]["binomial_prop_test_pvalue_gt"]) and res.hits[0] >= 50
    _record(
        pc_summary, case, ok, "", f"{est:.4e} +- {se:.1e} ({res.hits[0]} hits) vs {p_ref:.4e}: p={pval:.2e}"
    )
