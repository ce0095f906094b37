"""``openstc pc``: collision probability of conjunctions from CDMs or from states in JSON.

Prints one JSON object per case (one line each): every requested method's Pc or null with the
reason, the 2D applicability verdict, the Mahalanobis distance, the max Pc and the HBR used.

CDM files: states and RTN covariances at TCA (an Earth-fixed frame is made inertial); the HBR is
``--hbr``, else the CDM's (HBR keywords or comment), else TraCSS's defaults by object type (payload
5 m, rocket body 3 m, debris 1 m per object, summed); ``hbr_source`` says which.

``--states FILE.json`` reads a list of cases ``{"r1","v1","cov1","r2","v2","cov2","hbr"}`` in one
inertial frame and SI units (m, m/s; covariance 3x3 or 6x6 in m^2, m^2/s, m^2/s^2; ``cov1`` or
``cov2`` may be null for an object without covariance; ``hbr`` may be omitted with ``--hbr``).
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openstc.errors import FormatError, InvalidArgumentError

if TYPE_CHECKING:
    import numpy as np

# numpy and openstc.pc (scipy, numba) are imported inside the functions that use them so that
# ``openstc --help`` (which imports every command module) stays fast. Kept equal to
# ``openstc.pc.METHODS`` by tests/pc/test_pc_bulk.py.
METHOD_CHOICES = ("chan", "elrod", "foster", "hall2d", "hall3d", "montecarlo", "montecarlo_twobody")


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "pc",
        help="collision probability of conjunctions (CDM files or --states JSON)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("cdm_files", nargs="*", metavar="CDM_FILE", help="CDM files (KVN, XML or JSON)")
    p.add_argument("--states", metavar="FILE.json", help="JSON list of cases with inertial states (SI)")
    p.add_argument(
        "--method",
        action="append",
        choices=METHOD_CHOICES,
        help="method(s) to compute; repeatable; the first is the reported Pc (default: foster)",
    )
    p.add_argument("--hbr", type=float, metavar="M", help="combined hard-body radius in m (overrides inputs)")
    p.add_argument("--mc-trials", type=int, default=200_000, help="Monte Carlo trials per case")
    p.add_argument("--seed", type=int, default=0, help="Monte Carlo seed")
    p.set_defaults(func=run)


def _arr(case: dict[str, Any], key: str, shape: tuple[int, ...], where: str) -> np.ndarray:
    import numpy as np

    try:
        a = np.asarray(case[key], dtype=np.float64)
    except KeyError:
        raise FormatError(f"missing {key!r}", code="FORMAT_MISSING_KEYWORD", path=where) from None
    except (TypeError, ValueError):
        raise FormatError(f"{key!r} is not numeric", code="FORMAT_BAD_VALUE", path=where) from None
    if a.shape != shape:
        raise FormatError(
            f"{key!r} must have shape {shape}, got {a.shape}", code="FORMAT_BAD_VALUE", path=where
        )
    return a


def _cov(case: dict[str, Any], key: str, where: str) -> np.ndarray | None:
    import numpy as np

    raw = case.get(key)
    if raw is None:
        return None
    try:
        a = np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError):
        raise FormatError(f"{key!r} is not numeric", code="FORMAT_BAD_VALUE", path=where) from None
    if a.shape not in ((3, 3), (6, 6)):
        raise FormatError(f"{key!r} must be 3x3 or 6x6, got {a.shape}", code="FORMAT_BAD_VALUE", path=where)
    if a.shape == (3, 3):
        full = np.zeros((6, 6))
        full[:3, :3] = a
        a = full
    return a


def _states_cases(path: str, hbr: float | None) -> list[dict[str, Any]]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidArgumentError(f"cannot read {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise FormatError(
            f"not JSON: {exc.msg}", code="FORMAT_SYNTAX", source=path, line=exc.lineno
        ) from None
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise FormatError("expected a list of cases", code="FORMAT_SYNTAX", source=path)
    cases = []
    for i, c in enumerate(data):
        where = f"/{i}"
        if not isinstance(c, dict):
            raise FormatError("a case must be an object", code="FORMAT_SYNTAX", source=path, path=where)
        try:
            h = hbr if hbr is not None else c.get("hbr")
            if h is None:
                raise FormatError("missing 'hbr' (or give --hbr)", code="FORMAT_MISSING_KEYWORD", path=where)
            cases.append(
                {
                    "id": c.get("id", i),
                    "r1": _arr(c, "r1", (3,), where),
                    "v1": _arr(c, "v1", (3,), where),
                    "cov1": _cov(c, "cov1", where),
                    "r2": _arr(c, "r2", (3,), where),
                    "v2": _arr(c, "v2", (3,), where),
                    "cov2": _cov(c, "cov2", where),
                    "hbr": float(h),
                }
            )
        except FormatError as exc:
            raise exc.with_source(path) from None
    return cases


# Earth rotation rate (rad/s). An Earth-fixed (ITRF) CDM state is made inertial in the Earth's axes
# at TCA by adding omega x r to the velocity; the remaining rotation to EME2000 turns the whole scene,
# to which every Pc is invariant.
OMEGA_EARTH = 7.292115146706979e-5
EARTH_FIXED_FRAMES = {
    "ITRF",
    "ITRF93",
    "ITRF97",
    "ITRF2000",
    "ITRF-93",
    "ITRF-97",
    "ITRF2014",
    "ITRF2020",
    "GTOD",
    "EFG",
}


def _cdm_object(obj: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, str | None]:
    import numpy as np

    r = np.asarray(obj.position, dtype=float)
    v = np.asarray(obj.velocity, dtype=float)
    if (obj.ref_frame or "").upper() in EARTH_FIXED_FRAMES:
        v = v + np.cross([0.0, 0.0, OMEGA_EARTH], r)
    cov_rtn = np.asarray(obj.covariance_rtn, dtype=float)
    # A CDM without a usable covariance (element-set-only object): no Pc, but the max Pc.
    from openstc.pc.covariance import rtn_to_inertial

    cov = None if not np.all(np.isfinite(cov_rtn)) else rtn_to_inertial(cov_rtn, r, v)
    return r, v, cov, obj.get("OBJECT_TYPE")


def _cdm_cases(paths: list[str], hbr: float | None) -> list[dict[str, Any]]:
    """Cases from CDM files via :mod:`openstc.formats` (model in SI; covariances RTN)."""
    import numpy as np

    from openstc import formats  # the shell reads the file; the formats core parses it

    cases = []
    for path in paths:
        try:
            raw = Path(path).read_bytes()
        except OSError as exc:
            raise InvalidArgumentError(f"cannot read {path}: {exc.strerror}") from None
        msg = formats.read(raw, source=path)
        if not hasattr(msg, "object1") or not hasattr(msg, "object2"):
            raise FormatError("not a CDM", code="FORMAT_UNSUPPORTED", source=path)
        r1, v1, c1, type1 = _cdm_object(msg.object1)
        r2, v2, c2, type2 = _cdm_object(msg.object2)
        if not (np.all(np.isfinite(np.concatenate([r1, v1, r2, v2])))):
            raise FormatError(
                "state vector missing or not numeric", code="FORMAT_MISSING_KEYWORD", source=path
            )
        h = hbr if hbr is not None else getattr(msg, "hbr", None)
        hbr_source = "option" if hbr is not None else "cdm"
        if h is None:
            from openstc.pc import combined_hbr

            h = combined_hbr(None, type1, None, type2)
            hbr_source = "tracss-default"
        cases.append(
            {
                "id": getattr(msg, "message_id", None) or path,
                "r1": r1,
                "v1": v1,
                "cov1": c1,
                "r2": r2,
                "v2": v2,
                "cov2": c2,
                "hbr": float(h),
                "hbr_source": hbr_source,
            }
        )
    return cases


def _clean(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_clean(v) for v in x]
    return x


def run(args: argparse.Namespace) -> int:
    from openstc.pc import compute_pc

    if args.hbr is not None and not (math.isfinite(args.hbr) and args.hbr >= 0):
        raise InvalidArgumentError("--hbr must be a finite number >= 0 (metres)")
    if not args.states and not args.cdm_files:
        raise InvalidArgumentError("give CDM files or --states FILE.json")
    cases: list[dict[str, Any]] = []
    if args.states:
        cases += _states_cases(args.states, args.hbr)
    if args.cdm_files:
        cases += _cdm_cases(args.cdm_files, args.hbr)
    methods = args.method or ["foster"]
    for c in cases:
        (res,) = compute_pc(
            c["r1"],
            c["v1"],
            c["cov1"],
            c["r2"],
            c["v2"],
            c["cov2"],
            c["hbr"],
            methods=methods,
            mc_trials=args.mc_trials,
            seed=args.seed,
        )
        row = {"id": c["id"], **res.to_dict()}
        if "hbr_source" in c:
            row["hbr_source"] = c["hbr_source"]
        print(json.dumps(_clean(row)))
    return 0
