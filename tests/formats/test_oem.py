"""OEM reading/writing against Orekit's OemParserTest assertions (ORACLES.md section 4) and the other
collected OEM files (beyond, CCSDS Blue Book annex G via JochimMaene).

Tolerances are Orekit's: positions 1e-8 m, velocities 1e-12 m/s (file km/s x 1000 is exact to
5e-13 m/s at these magnitudes), covariance diagonal 1e-10 m**2 and off-diagonal 1e-8 (m**2-based).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from ccsds_paths import DATA, OREKIT

from openstc import formats
from openstc.errors import FormatError
from openstc.formats.ccsds_time import Epoch
from openstc.formats.oem import Oem

OR_OEM = OREKIT / "odm" / "oem"
POS_TOL = 1e-8
VEL_TOL = 1e-12


def load(name: str) -> Oem:
    return Oem.parse((OR_OEM / name).read_bytes())


def dt64(text: str) -> np.datetime64:
    return np.datetime64(text, "ns")


VALID = sorted(
    [p for p in OR_OEM.iterdir() if not p.name.startswith("OEM-") and p.suffix in (".txt", ".oem", ".xml")]
    + list((DATA / "beyond" / "tests" / "io" / "ccsds" / "data").glob("oem*"))
    + list((DATA / "ccsds-ndm-jochimmaene" / "data").glob("*/oem_*"))
)


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_every_valid_oem_parses_and_round_trips(path: Path) -> None:
    oem = Oem.parse(path.read_bytes())
    assert oem.segments
    for enc in ("kvn", "xml", "json"):
        back = formats.read(formats.write(oem, enc))
        assert isinstance(back, Oem)
        assert_same(oem, back)
    assert formats.detect(path.read_bytes())[0] == "OEM"


def assert_same(a: Oem, b: Oem) -> None:
    assert a.version == b.version
    assert a.header.values == b.header.values and a.header.comments == b.header.comments
    assert len(a.segments) == len(b.segments)
    for sa, sb in zip(a.segments, b.segments, strict=True):
        assert sa.metadata.values == sb.metadata.values
        assert sa.metadata.comments == sb.metadata.comments
        assert sa.data_comments == sb.data_comments
        np.testing.assert_array_equal(sa.epochs, sb.epochs)
        np.testing.assert_allclose(sa.positions, sb.positions, rtol=1e-15, atol=POS_TOL)
        np.testing.assert_allclose(sa.velocities, sb.velocities, rtol=1e-15, atol=VEL_TOL)
        assert (sa.accelerations is None) == (sb.accelerations is None)
        if sa.accelerations is not None and sb.accelerations is not None:
            np.testing.assert_allclose(sa.accelerations, sb.accelerations, rtol=1e-15, atol=1e-15)
        assert len(sa.covariances) == len(sb.covariances)
        for ca, cb in zip(sa.covariances, sb.covariances, strict=True):
            assert ca.epoch == cb.epoch and ca.frame == cb.frame and ca.comments == cb.comments
            np.testing.assert_allclose(ca.matrix, cb.matrix, rtol=1e-14, atol=0)


def test_oem_example1() -> None:
    oem = load("OEMExample1.txt")
    assert oem.version == "3.0"
    assert oem.header["CLASSIFICATION"] == "public, test-data"
    assert len(oem.segments) == 3
    s0 = oem.segments[0]
    assert (s0.object_name, s0.object_id, s0.center_name) == (
        "MARS GLOBAL SURVEYOR",
        "1996-062A",
        "MARS BARYCENTER",
    )
    assert s0.metadata["START_TIME"] == Epoch(datetime(1996, 12, 18, 12, 0, 0, 331000), "UTC")
    assert s0.metadata["STOP_TIME"] == Epoch(datetime(1996, 12, 28, 21, 28, 0, 331000), "UTC")
    assert s0.metadata["USEABLE_START_TIME"] == Epoch(datetime(1996, 12, 18, 12, 10, 0, 331000), "UTC")
    assert s0.metadata["USEABLE_STOP_TIME"] == Epoch(datetime(1996, 12, 28, 21, 23, 0, 331000), "UTC")
    assert (s0.interpolation, s0.interpolation_degree) == ("HERMITE", 7)
    assert s0.data_comments == [
        "This file was produced by M.R. Somebody, MSOO NAV/JPL, 1996NOV 04. It is",
        "to be used for DSN scheduling purposes only.",
    ]
    assert s0.epochs[0] == dt64("1996-12-18T12:00:00.331")
    np.testing.assert_allclose(s0.positions[0], [2789619, -280045, -1746755], rtol=0, atol=POS_TOL)
    np.testing.assert_allclose(s0.velocities[0], [4733.72, -2495.86, -1041.95], rtol=0, atol=VEL_TOL)
    assert oem.segments[1].accelerations is None  # no acceleration given: zero in Orekit
    s2 = oem.segments[2]
    assert len(s2.covariances) == 2
    c0 = s2.covariances[0]
    assert c0.epoch == Epoch(datetime(1996, 12, 28, 21, 29, 7, 267000), "UTC")
    assert c0.frame == "RTN"
    tri = [
        [3.3313494e-04],
        [4.6189273e-04, 6.7824216e-04],
        [-3.0700078e-04, -4.2212341e-04, 3.2319319e-04],
        [-3.3493650e-07, -4.6860842e-07, 2.4849495e-07, 4.29602280e-10],
        [-2.2118325e-07, -2.8641868e-07, 1.7980986e-07, 2.6088992e-10, 1.7675147e-10],
        [-3.0413460e-07, -4.9894969e-07, 3.5403109e-07, 1.8692631e-10, 1.0088625e-10, 6.2244443e-10],
    ]
    for i, row in enumerate(tri):
        for j, v in enumerate(row):
            tol = 1e-10 if i == j else 1e-8
            assert c0.matrix[i, j] == pytest.approx(v * 1e6, abs=tol)
            assert c0.matrix[j, i] == pytest.approx(v * 1e6, abs=tol)
    assert s2.covariances[1].frame == "EME2000"


def test_oem_example2_mrt() -> None:
    oem = load("OEMExample2.txt")
    assert len(oem.segments) == 2
    assert oem.header.comments == ["comment"]
    s0, s1 = oem.segments
    assert s0.time_system == "MRT" and s0.ref_frame == "TOD"
    assert s0.metadata["REF_FRAME_EPOCH"] == s0.metadata["START_TIME"]
    assert s0.metadata.comments == ["comment 1", "comment 2"]
    # mission reference 1996-12-17T00:00 UTC: START = ref + 129600.331 s, seg1 START = ref + 941347.267 s
    ref = datetime(1996, 12, 17)
    assert (s0.metadata["START_TIME"].calendar - ref).total_seconds() == pytest.approx(129600.331, abs=1e-6)
    assert s1.ref_frame == "EME2000"
    assert (s1.metadata["START_TIME"].calendar - ref).total_seconds() == pytest.approx(941347.267, abs=1e-6)


def test_oem_example3_kvn() -> None:
    oem = load("OEMExample3.txt")
    assert oem.header["ORIGINATOR"] == "NASA/JPL" and oem.header["MESSAGE_ID"] == "OEM 201113719185"
    assert oem.header["CREATION_DATE"] == Epoch(datetime(1996, 11, 4, 17, 22, 31))
    assert len(oem.segments) == 3
    s0 = oem.segments[0]
    assert (s0.ref_frame, s0.center_name, s0.interpolation, s0.interpolation_degree) == (
        "EME2000",
        "MARS BARYCENTER",
        "HERMITE",
        2,
    )
    assert len(s0.epochs) == 3 and s0.accelerations is None
    s2 = oem.segments[2]
    assert list(s2.epochs) == [
        dt64("1996-12-28T21:29:07.267"),
        dt64("1996-12-28T21:59:02.267"),
        dt64("1996-12-28T22:00:02.267"),
    ]
    np.testing.assert_allclose(s2.positions[0], [-2432166, -63042, 1742754], rtol=0, atol=POS_TOL)
    np.testing.assert_allclose(s2.velocities[0], [7337.02, -3495.867, -1041.945], rtol=0, atol=VEL_TOL)
    assert [c.frame for c in s2.covariances] == ["RTN", "EME2000"]


def test_oem_example3_xml_with_accelerations() -> None:
    oem = load("OEMExample3.xml")
    assert len(oem.segments) == 1
    s = oem.segments[0]
    assert (s.object_id, s.ref_frame, s.center_name, s.interpolation_degree) == (
        "2000-028A",
        "J2000",
        "MARS BARYCENTER",
        7,
    )
    assert len(s.epochs) == 4 and s.accelerations is not None
    np.testing.assert_allclose(s.positions[0], [2789600, -280000, -1746800], rtol=0, atol=POS_TOL)
    np.testing.assert_allclose(s.velocities[0], [4730, -2500, -1040], rtol=0, atol=VEL_TOL)
    np.testing.assert_allclose(s.accelerations[0], [8, 1, -159], rtol=0, atol=1e-12)


def test_oem_misc_files() -> None:
    assert len(load("OEMExample6.txt").segments) == 3
    e8 = load("OEMExample8.txt")
    assert e8.segments[0].interpolation_degree is None and e8.segments[1].interpolation_degree == 7
    iss = load("ISS.resampled.truncated.txt")
    s = iss.segments[0]
    assert s.object_id == "1998-067-A" and len(s.epochs) == 25
    assert len(s.data_comments) == 23 and s.data_comments[13] == "" and s.data_comments[20] == ""
    assert load("oemLowerCaseValue.oem").segments[0].center_name.upper() == "EARTH"
    cov = load("test_cov.oem").segments[0]
    assert len(cov.covariances) == 1 and cov.covariances[0].frame == "TOD"


@pytest.mark.parametrize("frame", ["ITRF-93", "ITRF-97", "ITRF2000", "ITRF2005", "ITRF2008", "ITRF2014"])
def test_oem_example7_fragments(frame: str) -> None:
    pre = (OR_OEM / "OEMExample7.txt.pre").read_text()
    post = (OR_OEM / "OEMExample7.txt.post").read_text()
    oem = Oem.from_kvn(pre + f"REF_FRAME = {frame}\n" + post)
    assert oem.segments[0].ref_frame == frame


REJECTS = [
    ("OEM-ephemeris-number-format-error.txt", "FORMAT_BAD_DATA_LINE", 44),
    ("OEM-covariance-number-format-error.txt", "FORMAT_BAD_DATA_LINE", 52),
    ("OEM-inconsistent-time-systems.txt", "FORMAT_INCONSISTENT", None),
    ("OEM-wrong-keyword.txt", "FORMAT_UNEXPECTED_KEYWORD", 19),
    ("OEM-keyword-within-ephemeris.txt", "FORMAT_UNEXPECTED_KEYWORD", 24),
    ("OEM-keyword-within-covariance.txt", "FORMAT_UNEXPECTED_KEYWORD", 91),
    ("OEM-too-large-covariance-dimension.txt", "FORMAT_BAD_DATA_LINE", 91),
    ("OEM-too-small-covariance-dimension.txt", "FORMAT_BAD_VALUE", 89),
    ("OEM-too-many-covariance-columns.txt", "FORMAT_BAD_DATA_LINE", 51),
    ("OEM-too-few-covariance-columns.txt", "FORMAT_BAD_DATA_LINE", 55),
]


@pytest.mark.parametrize(("name", "code", "line"), REJECTS, ids=[r[0] for r in REJECTS])
def test_oem_rejects(name: str, code: str, line: int | None) -> None:
    with pytest.raises(FormatError) as exc:
        formats.read((OR_OEM / name).read_bytes(), source=name)
    assert exc.value.code == code
    if line is not None:
        assert exc.value.line == line
    assert exc.value.source == name
    if name == "OEM-too-small-covariance-dimension.txt":
        assert exc.value.keyword == "EPOCH"


def test_omm_given_to_oem_reader_is_unsupported() -> None:
    omm = (OR_OEM.parent / "omm" / "OMMExample1.txt").read_text()
    with pytest.raises(FormatError) as exc:
        Oem.from_kvn(omm)
    assert exc.value.code == "FORMAT_UNSUPPORTED"


def test_times_since_and_states() -> None:
    s = load("OEMExample1.txt").segments[0]
    t = s.times_since(s.epochs[0])
    assert t[0] == 0.0 and t[1] == pytest.approx(60.0, abs=1e-9)
    assert s.states.shape == (len(s.epochs), 6)


def test_epoch_at_gives_time_system_and_utc() -> None:
    s = load("OEM-Issue839.txt").segments[0]
    e = s.epoch_at(0)
    assert e.scale == s.time_system
    if e.scale == "TAI":
        assert (e.calendar - e.utc().replace(tzinfo=None)).total_seconds() > 0
