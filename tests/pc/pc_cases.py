"""Load tests/data/pc/cases.json and turn each case's inputs into one set of consistent arrays.

Only the parsed values carried in ``inputs`` are used (never the CDM files), so these tests do not
depend on the CDM reader. CDM inputs are converted as CARA's tests do: km -> m, RTN covariance ->
inertial with the block-diagonal [r_hat, (h x r)_hat, h_hat] rotation.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from openstc.pc.covariance import rtn_to_inertial

CASES_PATH = Path(__file__).resolve().parents[1] / "data" / "pc" / "cases.json"


@cache
def all_cases() -> list[dict[str, Any]]:
    return list(json.loads(CASES_PATH.read_text(encoding="utf-8")))


def by_id() -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in all_cases()}


def cases_for(method: str) -> list[dict[str, Any]]:
    return [c for c in all_cases() if c["method"] == method]


@dataclass
class States:
    """One conjunction in consistent units (SI unless the source mixes units on purpose)."""

    r1: np.ndarray
    v1: np.ndarray
    cov1: np.ndarray
    r2: np.ndarray
    v2: np.ndarray
    cov2: np.ndarray
    hbr: float


def _pad6(c: np.ndarray) -> np.ndarray:
    if c.shape == (6, 6):
        return c
    out = np.zeros((6, 6))
    out[:3, :3] = c
    return out


# Earth rotation rate (rad/s, IERS). An Earth-fixed (ITRF) state becomes an inertial one in the
# axes of the Earth at TCA by adding omega x r to the velocity; the remaining rotation to EME2000
# is a rotation of the whole scene, to which every Pc is invariant.
OMEGA_EARTH = 7.292115146706979e-5


def _inertial(obj: dict[str, Any], f: float) -> tuple[np.ndarray, np.ndarray]:
    r = np.asarray(obj["r_km"], float) * f
    v = np.asarray(obj["v_km_s"], float) * f
    if obj.get("ref_frame") == "ITRF":
        v = v + np.cross([0.0, 0.0, OMEGA_EARTH], r)
    return r, v


def dcp_values(obj: dict[str, Any]) -> tuple[float, np.ndarray]:
    """Density-consider parameters from CARA's CDM comments: (sigma, 6-vector RTN sensitivity)."""
    found: dict[str, Any] = {}
    for line in obj["comments"]:
        key, _, value = line.partition("=")
        key = key.strip().lower()
        nums = [float(x) for x in re.findall(r"[-+]?\d+\.\d*(?:[eE][-+]?\d+)?", value)]
        if "density forecast uncertainty" in key:
            found["sigma"] = nums[0]
        elif "rtn pos" in key:
            found["pos"] = nums[:3]
        elif "rtn vel" in key:
            found["vel"] = nums[:3]
    return float(found["sigma"]), np.array(found["pos"] + found["vel"])


def states(case: dict[str, Any]) -> States:
    inp = case["inputs"]
    kind = inp["input_kind"]
    hbr = case.get("hbr")
    if hbr is None and case.get("hbr_literal") == "Inf":
        hbr = float("inf")
    if kind in ("eci_states", "eci_states_at_tca"):
        units = inp.get("units", {})
        f = 1e3 if units.get("r") == "km" else 1.0
        r1, v1, r2, v2 = (np.asarray(inp[k], float) * f for k in ("r1", "v1", "r2", "v2"))
        c1 = np.asarray(inp["cov1"], float)
        c2 = np.asarray(inp["cov2"], float)
        if units.get("cov", "").startswith("km"):
            c1, c2 = c1 * 1e6, c2 * 1e6
        h = float(hbr) * (1e3 if units.get("hbr") == "km" else 1.0) if hbr is not None else 0.0
        return States(r1, v1, _pad6(c1), r2, v2, _pad6(c2), h)
    if kind == "cdm":
        o1, o2 = inp["object1"], inp["object2"]
        mixed = case.get("group") == "cara_pccircle_special"
        f = 1.0 if mixed else 1e3  # the special PcCircle tests keep km positions with m^2 covariances
        r1, v1 = _inertial(o1, f)
        r2, v2 = _inertial(o2, f)
        c1 = rtn_to_inertial(np.asarray(o1["cov_rtn_6x6_m_m_per_s"], float), r1, v1)
        c2 = rtn_to_inertial(np.asarray(o2["cov_rtn_6x6_m_m_per_s"], float), r2, v2)
        mod = case.get("modification") or ""
        if mod.startswith("r2 := r1"):
            r2 = r1.copy()
        if mod.startswith("v2 := v1"):
            v2 = v1.copy()
        used = case.get("covariance_used") or ""
        if used.startswith("primary_cov_zeroed"):
            c1 = np.zeros((6, 6))
        if used.startswith("secondary_cov_zeroed"):
            c2 = np.zeros((6, 6))
        h = float(hbr) if hbr is not None else float(inp.get("cdm_hbr_comment_m") or 0.0)
        return States(r1, v1, c1, r2, v2, c2, h)
    raise ValueError(f"no state conversion for input kind {kind}")


VECTOR_ROWS = {
    "omitron2": "cara_omitron2_elrod",
    "npd_unremediable": "cara_npd_unremediable_elrod",
    "npd_remediable": "cara_npd_remediable_elrod",
}


def vector_rows(case: dict[str, Any]) -> list[States]:
    """Rows of a ``vectorized`` case, resolved to the single cases they name (with the row's HBR)."""
    out = []
    for row, h in zip(case["inputs"]["rows"], case["hbr"], strict=True):
        st = states(by_id()[VECTOR_ROWS[row.split(" ")[0]]])
        # Rows keep their own units (km for omitron2, m otherwise); Pc is unit-free if consistent.
        unit = 1e3 if "km units" in row else 1.0
        st.hbr = float(h) * unit
        out.append(st)
    return out
