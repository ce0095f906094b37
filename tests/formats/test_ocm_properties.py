"""Property tests for OEM, OCM and OMM: generated messages survive KVN -> XML -> JSON round trips,
and random damage to valid files raises only FormatError (bounded and fast).

Tolerances: SI values after a file-unit round trip within 1e-15 relative (one or two ulps of the
km -> m conversion), times within 1 ns.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from ccsds_paths import OREKIT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openstc import formats
from openstc.errors import FormatError
from openstc.formats.ccsds_time import Epoch
from openstc.formats.ocm import Ocm, OcmCovariance, OcmManeuver, OcmTrajectory
from openstc.formats.oem import Oem, OemCovariance, OemSegment
from openstc.formats.oem_keys import KeywordBlock
from openstc.formats.omm import Omm

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ODM = OREKIT / "odm"

finite = st.floats(-1e7, 1e7, allow_nan=False, allow_infinity=False, width=64)
text = st.text(
    st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters="<>&[]=\"'"),
    min_size=1,
    max_size=12,
)
epochs = st.datetimes(datetime(1960, 1, 1), datetime(2100, 1, 1)).map(
    lambda d: Epoch(d.replace(microsecond=d.microsecond // 1000 * 1000))
)


def _spd(rng: np.random.Generator, k: int) -> np.ndarray:
    a = rng.normal(size=(k, k))
    out: np.ndarray = a @ a.T * 1e3
    return out


@st.composite
def oems(draw: st.DrawFn) -> Oem:
    t0 = draw(epochs)
    segs = []
    for _ in range(draw(st.integers(1, 3))):
        n = draw(st.integers(1, 6))
        steps = draw(st.lists(st.integers(1, 10_000_000), min_size=n, max_size=n))
        eps = np.datetime64(t0.calendar, "ns") + np.cumsum(np.array(steps, dtype=np.int64) * 1000).astype(
            "timedelta64[ns]"
        )
        vals = np.array(draw(st.lists(finite, min_size=9 * n, max_size=9 * n))).reshape(n, 9)
        acc = vals[:, 6:9] if draw(st.booleans()) else None
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        covs = [
            OemCovariance(draw(epochs), _spd(rng, 6), draw(st.sampled_from([None, "RTN", "TNW", "EME2000"])))
            for _ in range(draw(st.integers(0, 2)))
        ]
        meta = KeywordBlock(
            {
                "OBJECT_NAME": draw(text),
                "OBJECT_ID": draw(text),
                "CENTER_NAME": "EARTH",
                "REF_FRAME": "EME2000",
                "TIME_SYSTEM": "UTC",
                "START_TIME": t0,
                "STOP_TIME": t0,
                "INTERPOLATION": "LAGRANGE",
                "INTERPOLATION_DEGREE": draw(st.integers(1, 9)),
            }
        )
        segs.append(OemSegment(meta, eps, vals[:, 0:3], vals[:, 3:6], acc, covs, [draw(text)]))
    header = KeywordBlock({"CREATION_DATE": t0, "ORIGINATOR": draw(text)}, [draw(text)])
    return Oem(header, segs)


@SETTINGS
@given(oems())
def test_generated_oem_round_trips(oem: Oem) -> None:
    msg = oem
    for enc in ("kvn", "xml", "json"):
        msg = formats.read(formats.write(msg, enc))
        assert isinstance(msg, Oem)
        for a, b in zip(oem.segments, msg.segments, strict=True):
            assert a.metadata.values == b.metadata.values and a.data_comments == b.data_comments
            np.testing.assert_array_equal(a.epochs, b.epochs)
            np.testing.assert_allclose(b.positions, a.positions, rtol=1e-15, atol=1e-300)
            np.testing.assert_allclose(b.velocities, a.velocities, rtol=1e-15, atol=1e-300)
            assert (a.accelerations is None) == (b.accelerations is None)
            for ca, cb in zip(a.covariances, b.covariances, strict=True):
                assert ca.epoch == cb.epoch and ca.frame == cb.frame
                np.testing.assert_allclose(cb.matrix, ca.matrix, rtol=1e-15, atol=1e-300)


@st.composite
def ocms(draw: st.DrawFn) -> Ocm:
    t0 = draw(epochs)
    meta = KeywordBlock({"TIME_SYSTEM": "UTC", "EPOCH_TZERO": t0, "OBJECT_NAME": draw(text)})
    ocm = Ocm(KeywordBlock({"CREATION_DATE": t0, "ORIGINATOR": draw(text)}), meta)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    for ttype, k in (("CARTP", 3), ("CARTPV", 6), ("CARTPVA", 9), ("KEPLERIAN", 6), ("EQUINOCTIAL", 7)):
        if draw(st.booleans()):
            n = draw(st.integers(1, 5))
            times = np.cumsum(rng.uniform(0.001, 1000.0, n))
            ocm.trajectories.append(
                OcmTrajectory(
                    KeywordBlock({"TRAJ_TYPE": ttype, "CENTER_NAME": "EARTH"}),
                    times,
                    rng.normal(size=(n, k)) * 1e6,
                )
            )
    for ordering in ("LTM", "UTM", "FULL", "LTMWCC", "UTMWCC"):
        if draw(st.booleans()):
            n = draw(st.integers(1, 3))
            mats = np.stack([_spd(rng, 6) for _ in range(n)])
            ocm.covariances.append(
                OcmCovariance(
                    KeywordBlock({"COV_TYPE": "CARTPV", "COV_ORDERING": ordering}), np.arange(n) * 60.0, mats
                )
            )
    if draw(st.booleans()):
        n = draw(st.integers(1, 4))
        fields = ["TIME_RELATIVE", "DV_X", "DV_Y", "DV_Z", "THR_INTERP"]
        cols = {
            "TIME_RELATIVE": np.arange(n) * 10.0,
            "DV_X": rng.normal(size=n),
            "DV_Y": rng.normal(size=n),
            "DV_Z": rng.normal(size=n),
            "THR_INTERP": np.array(["ON"] * n, dtype=object),
        }
        blk = KeywordBlock({"MAN_ID": "M1", "MAN_DEVICE_ID": "T1", "MAN_COMPOSITION": fields})
        ocm.maneuvers.append(OcmManeuver(blk, fields, cols["TIME_RELATIVE"].copy(), cols))
    if draw(st.booleans()):
        ocm.physical = KeywordBlock({"WET_MASS": draw(st.floats(1, 1e5)), "DRAG_UNCERTAINTY": 0.1})
    if draw(st.booleans()):
        ocm.user = KeywordBlock({"USER_DEFINED_X": draw(text)})
    return ocm


@SETTINGS
@given(ocms())
def test_generated_ocm_round_trips(ocm: Ocm) -> None:
    msg = ocm
    for enc in ("kvn", "xml", "json"):
        msg = formats.read(formats.write(msg, enc))
        assert isinstance(msg, Ocm)
        assert msg.metadata.values == ocm.metadata.values
        for a, b in zip(ocm.trajectories, msg.trajectories, strict=True):
            np.testing.assert_allclose(b.times_s, a.times_s, rtol=0, atol=1e-9)
            np.testing.assert_allclose(b.elements, a.elements, rtol=1e-14, atol=1e-300)
        for ca, cb in zip(ocm.covariances, msg.covariances, strict=True):
            np.testing.assert_allclose(cb.matrices, ca.matrices, rtol=1e-14, atol=1e-9)
        for ma, mb in zip(ocm.maneuvers, msg.maneuvers, strict=True):
            np.testing.assert_allclose(mb.columns["DV_X"], ma.columns["DV_X"], rtol=1e-14)
            assert list(mb.columns["THR_INTERP"]) == list(ma.columns["THR_INTERP"])
        if ocm.physical is not None:
            assert msg.physical is not None
            assert msg.physical["WET_MASS"] == pytest.approx(ocm.physical["WET_MASS"], rel=1e-14)
        assert (msg.user is None) == (ocm.user is None)


@SETTINGS
@given(
    epochs,
    st.floats(0.05, 17.0),
    st.floats(0, 0.99),
    st.floats(0, 180),
    st.floats(-1e-3, 1e-3),
    st.integers(1, 339999),
    text,
)
def test_generated_omm_round_trips(
    ep: Epoch, n: float, e: float, i: float, ndot: float, norad: int, name: str
) -> None:
    omm = Omm()
    omm.header.values.update({"CREATION_DATE": ep, "ORIGINATOR": "X"})
    omm.metadata.values.update(
        {
            "OBJECT_NAME": name,
            "OBJECT_ID": "2000-001A",
            "CENTER_NAME": "EARTH",
            "REF_FRAME": "TEME",
            "TIME_SYSTEM": "UTC",
            "MEAN_ELEMENT_THEORY": "SGP4",
        }
    )
    omm.mean_elements.values.update(
        {
            "EPOCH": ep,
            "MEAN_MOTION": n,
            "ECCENTRICITY": e,
            "INCLINATION": i,
            "RA_OF_ASC_NODE": 10.0,
            "ARG_OF_PERICENTER": 20.0,
            "MEAN_ANOMALY": 30.0,
        }
    )
    omm.tle.values.update({"NORAD_CAT_ID": norad, "MEAN_MOTION_DOT": ndot, "BSTAR": 1e-4})
    for enc in ("kvn", "xml", "json"):
        back = formats.read(formats.write(omm, enc))
        assert back.to_element_set() == omm.to_element_set()  # exact: mean elements keep file units


MUTATION_FILES = [
    ODM / "oem" / "OEMExample1.txt",
    ODM / "oem" / "OEMExample3.xml",
    ODM / "ocm" / "OCMExample4.txt",
    ODM / "ocm" / "OCMExample2.xml",
    ODM / "omm" / "OMMExample2.txt",
    ODM / "omm" / "OMMExample2.xml",
]


@pytest.mark.parametrize("path", MUTATION_FILES, ids=lambda p: p.name)
def test_random_byte_mutations_raise_only_format_error(path: Path) -> None:
    rng = random.Random(path.name)
    data = path.read_bytes()
    for _ in range(150):
        b = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            pos = rng.randrange(len(b))
            op = rng.random()
            if op < 0.4:
                b[pos] = rng.choice(b"0123456789-+.eE =[]<>/TZ:\n\x00\xff")
            elif op < 0.7:
                del b[pos]
            else:
                b[pos:pos] = bytes([rng.randrange(256)])
        try:
            msg = formats.read(bytes(b))
        except FormatError:
            continue
        formats.write(msg, "kvn")  # what was accepted can be written back


def test_deep_copy_of_epoch_plus_is_consistent() -> None:
    ep = Epoch(datetime(2020, 1, 1))
    ocm = Ocm(KeywordBlock({"CREATION_DATE": ep, "ORIGINATOR": "X"}), KeywordBlock({"EPOCH_TZERO": ep}))
    assert ocm.epoch_tzero.calendar + timedelta(seconds=1) == datetime(2020, 1, 1, 0, 0, 1)
