"""All NASA CARA CDMs (53 Pc test cases + 34 sample CDMs + 4 unit-test inputs) read, with a warning
for each known non-conformance (ORACLES.md 6.1-6.3): ``[m]`` for relative velocities, ``= NaN``
values, ``KEY =VALUE``, a truncated unit; day-of-year dates are valid CCSDS and give no warning.
Values checked against CARA's spreadsheet: Pc to 1 % relative, miss distance to 0.47 m.
"""

from __future__ import annotations

import csv
import math
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from ccsds_paths import DATA, OREKIT

from openstc import formats
from openstc.formats.cdm import Cdm

CARA = DATA / "nasa-cara"
PC_CASES = sorted((CARA / "DataFiles" / "PcTestCaseCDMs").glob("*.cdm"))
SAMPLES = sorted((CARA / "DataFiles" / "SampleCDMs").glob("*.cdm"))
UNIT_INPUTS = sorted(CARA.glob("DistributedMatlab/**/InputFiles/*CDM*.txt"))
CSV_PATH = DATA / "derived" / "nasa-cara" / "CARA_PcMethod_Test_Conjunctions.csv"


def read(path: Path) -> Cdm:
    msg = formats.read(path.read_bytes(), source=path.name)
    assert isinstance(msg, Cdm)
    return msg


def test_counts() -> None:
    assert (len(PC_CASES), len(SAMPLES), len(UNIT_INPUTS)) == (53, 34, 4)


@pytest.mark.parametrize("path", PC_CASES + SAMPLES + UNIT_INPUTS, ids=lambda p: p.name)
def test_every_cara_cdm_reads(path: Path) -> None:
    cdm = read(path)
    assert cdm.tca is not None and len(cdm.objects) == 2
    for obj in cdm.objects:
        assert np.all(np.isfinite(obj.state))
        cov = obj.covariance_rtn
        assert np.all(np.isfinite(cov)) and np.allclose(cov, cov.T)
    text = path.read_text()
    messages = [w.message for w in cdm.warnings]
    if "= NaN" in text or "=NaN" in text:
        assert any("NaN" in m for m in messages)
    if any(
        line.startswith("RELATIVE_VELOCITY") and line.rstrip().endswith("[m]") for line in text.splitlines()
    ):
        velocity_warnings = [w for w in cdm.warnings if (w.keyword or "").startswith("RELATIVE_VELOCITY")]
        assert len(velocity_warnings) == 3


def test_wrong_velocity_unit_files() -> None:
    # ORACLES 6.3: 19 files write RELATIVE_VELOCITY_* in [m]
    flagged = [
        p.name
        for p in SAMPLES + UNIT_INPUTS
        if any("given for a velocity" in w.message for w in read(p).warnings)
    ]
    assert len(flagged) == 19


def test_nan_files_and_missing_pc() -> None:
    nan_files = [
        p for p in PC_CASES + SAMPLES + UNIT_INPUTS if any("NaN" in w.message for w in read(p).warnings)
    ]
    assert len(nan_files) == 21
    no_pc = [p for p in SAMPLES if read(p).collision_probability is None]
    assert len(no_pc) == 19


def test_day_of_year_dates() -> None:
    cdm = read(CARA / "DataFiles" / "SampleCDMs" / "OmitronTestCase_Test07_NonPDCovariance.cdm")
    assert not [w for w in cdm.warnings if w.keyword == "TCA"]
    assert cdm.tca is not None and cdm.tca.tzinfo is UTC


def test_alfano_comment_hbr_and_clean_twin() -> None:
    orig = read(CARA / "DataFiles" / "SampleCDMs" / "AlfanoTestCase01.cdm")
    twin = read(OREKIT / "cdm" / "AlfanoTestCase01.cdm")
    assert orig.comment_values()["HBR"].startswith("15")
    assert orig.hbr == 15.0 and twin.hbr == 15.0
    np.testing.assert_allclose(orig.relative_velocity, twin.relative_velocity, rtol=0, atol=1e-12)
    for a, b in zip(orig.objects, twin.objects, strict=True):
        np.testing.assert_allclose(a.state, b.state, rtol=0, atol=1e-8)
        np.testing.assert_allclose(a.covariance_rtn, b.covariance_rtn, rtol=0, atol=1e-8)


def _csv_rows() -> dict[str, dict[str, str]]:
    with CSV_PATH.open(newline="") as fh:
        return {row["Conjunction_ID"]: row for row in csv.DictReader(fh)}


def test_pc_cases_match_cara_spreadsheet() -> None:
    rows = _csv_rows()
    assert len(rows) == 53
    hst = None
    for path in PC_CASES:
        row = rows[path.stem]
        cdm = read(path)
        assert cdm.miss_distance is not None
        # integer metres in the file (ORACLES rounds the bound to 0.47)
        assert abs(cdm.miss_distance - float(row["MissDist_m"])) <= 0.5
        pc, ref = cdm.collision_probability, float(row["Pc2D"])
        assert pc is not None
        if ref > 0:
            assert abs(pc - ref) <= 0.01 * ref, path.name
        if path.stem.startswith("000020580_conj_000022015"):
            hst = cdm
    assert hst is not None and hst.object1.name is not None and "HST" in hst.object1.name
    assert math.isclose(float(rows[PC_CASES[0].stem]["HBR_m"]) > 0, True)
    assert hst.creation_date is not None and hst.creation_date < datetime(2022, 1, 1, tzinfo=UTC)
