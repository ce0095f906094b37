"""``openstc pc --states``: one JSON object per case, nulls with reasons, errors with codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from openstc.cli import main

CASE = {
    "r1": [378395.59, 4305721.887, 5752767.554],
    "v1": [2360.800244, 5580.331936, -4322.349039],
    "cov1": [
        [44.5757544811362e6, 81.6751751052616e6, -67.8687662707124e6],
        [81.6751751052616e6, 158.453402956163e6, -128.616921644857e6],
        [-67.8687662707124e6, -128.616921644857e6, 105.490542562701e6],
    ],
    "r2": [374518.0598, 4307560.983, 5751130.418],
    "v2": [-5388.125081, -3946.827739, 3322.820358],
    "cov2": [
        [2.31067077720423e6, 1.69905293875632e6, -1.4170164577661e6],
        [1.69905293875632e6, 1.24957388457206e6, -1.04174164279599e6],
        [-1.4170164577661e6, -1.04174164279599e6, 0.869260558223714e6],
    ],
    "hbr": 20.0,
}


def test_states_prints_one_object_per_case(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "cases.json"
    f.write_text(json.dumps([CASE, {**CASE, "cov2": None}]))
    assert main(["pc", "--states", str(f), "--method", "foster", "--method", "elrod"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert len(lines) == 2
    # CARA Pc2D_Foster reference for this case (Omitron 1): 2.70601573490125e-05, RelTol 1e-3.
    assert lines[0]["pc"] == pytest.approx(2.70601573490125e-05, rel=1e-3)
    assert lines[0]["methods"]["elrod"]["pc"] == pytest.approx(2.70601573490125e-05, rel=1e-3)
    assert lines[0]["hbr_m"] == 20.0 and lines[0]["applicable_2d"] is True
    assert lines[0]["mahalanobis"] > 0
    assert lines[1]["pc"] is None and "covariance missing" in lines[1]["reason"]
    assert lines[1]["max_pc"] > 0


def test_hbr_option_overrides(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "cases.json"
    f.write_text(json.dumps([CASE]))
    assert main(["pc", "--states", str(f), "--hbr", "5"]) == 0
    assert json.loads(capsys.readouterr().out)["hbr_m"] == 5.0


def test_bad_input_is_an_error_with_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "cases.json"
    f.write_text(json.dumps([{**CASE, "r1": [1, 2]}]))
    assert main(["pc", "--states", str(f)]) == 1
    assert "FORMAT_BAD_VALUE" in capsys.readouterr().err


CDM = Path(__file__).resolve().parents[1] / "data" / "ccsds" / "nasa-cara" / "DataFiles" / "SampleCDMs"


def test_cdm_input(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pc", str(CDM / "OmitronTestCase_Test01_HighPc.cdm"), "--method", "elrod"]) == 0
    row = json.loads(capsys.readouterr().out)
    # CARA's value for this CDM (Pc_MC_Kep2body unit test, 2D reference 0.42, tolerance 10%).
    assert row["pc"] == pytest.approx(0.42, rel=0.1)
    assert row["hbr_m"] == 20.0 and row["hbr_source"] == "cdm"


def test_hall2d_method(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--method hall2d`` on a CARA 2D-Nc reference case (HST x DELTA 2 R/B, 6x6 covariances)."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from pc_cases import by_id, states

    case = by_id()["cara_pcmethod_000020580_conj_000022015_20210315_212955_20210313_065123_nc2d"]
    s = states(case)
    row = {k: getattr(s, k).tolist() for k in ("r1", "v1", "cov1", "r2", "v2", "cov2")}
    f = tmp_path / "cases.json"
    f.write_text(json.dumps([{**row, "hbr": s.hbr}]))
    assert main(["pc", "--states", str(f), "--method", "hall2d"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["methods"]["hall2d"]["pc"] == pytest.approx(case["expected_pc"], rel=1e-3)
