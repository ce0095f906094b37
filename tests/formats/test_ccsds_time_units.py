"""CCSDS time forms, time-system conversion (leap-second table) and the unit table."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest

from openstc import formats
from openstc.errors import InvalidArgumentError
from openstc.formats import units
from openstc.formats.ccsds_time import TimeFormError, parse_time, tai_minus_utc


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2010-03-13T22:37:52.618", datetime(2010, 3, 13, 22, 37, 52, 618000, tzinfo=UTC)),
        ("2010-03-13T22:37:52.618Z", datetime(2010, 3, 13, 22, 37, 52, 618000, tzinfo=UTC)),
        ("2007-064T10:34:41.4264", datetime(2007, 3, 5, 10, 34, 41, 426400, tzinfo=UTC)),
        ("2018-229T13:56:33.000", datetime(2018, 8, 17, 13, 56, 33, tzinfo=UTC)),
        ("2000-001T00:00:00", datetime(2000, 1, 1, tzinfo=UTC)),
        ("1998-12-18", datetime(1998, 12, 18, tzinfo=UTC)),
        ("2023-07-05T20:31:15.893123", datetime(2023, 7, 5, 20, 31, 15, 893123, tzinfo=UTC)),
    ],
)
def test_time_forms(text: str, expected: datetime) -> None:
    assert parse_time(text).utc() == expected


def test_leap_second_literal_kept() -> None:
    e = parse_time("2016-12-31T23:59:60.5")
    assert e.leap and e.ccsds() == "2016-12-31T23:59:60.5"
    assert e.utc() == datetime(2017, 1, 1, 0, 0, 0, 500000, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        "2010-04-31T00:00:00",
        "2010-02-29T00:00:00",
        "2019-366T00:00:00",
        "2010-01-01T24:00:00",
        "2010-01-01T12:00:60",
        "2010/01/01",
        "tomorrow",
    ],
)
def test_bad_times(text: str) -> None:
    with pytest.raises(TimeFormError):
        parse_time(text)


def test_time_systems() -> None:
    assert (
        tai_minus_utc(datetime(2017, 1, 1).date()) == 37
        and tai_minus_utc(datetime(2016, 12, 31).date()) == 36
    )
    assert parse_time("2020-01-01T00:00:37", "TAI").utc() == datetime(2020, 1, 1, tzinfo=UTC)
    assert parse_time("2020-01-01T00:01:09.184", "TT").utc() == datetime(2020, 1, 1, tzinfo=UTC)
    assert parse_time("2020-01-01T00:00:18", "GPS").utc() == datetime(2020, 1, 1, tzinfo=UTC)
    assert parse_time("2020-01-01T00:00:00.357", "UT1").utc(0.357) == datetime(2020, 1, 1, tzinfo=UTC)
    with pytest.raises(InvalidArgumentError):
        parse_time("2020-01-01T00:00:00", "UT1").utc()
    with pytest.raises(InvalidArgumentError):
        parse_time("2020-01-01T00:00:00", "TDB").utc()


def test_units() -> None:
    assert units.to_si(1.0, "km") == 1000.0 and units.to_si(1.0, "KM/S") == 1000.0
    assert units.to_si(1.0, "km**2/s") == 1e6 and units.to_si(97.8, "%") == pytest.approx(0.978)
    assert units.to_si(180.0, "deg") == pytest.approx(math.pi) and units.to_si(1.0, "d") == 86400.0
    assert units.from_si(2570097.065, "km") == pytest.approx(2570.097065, rel=1e-15)
    assert units.same("m**2/kg", "M**2/KG") and not units.same("m", "km")


LENIENT_CDM = """CCSDS_CDM_VERS = 1.0
CREATION_DATE = 2010-03-12T22:31:12
ORIGINATOR =JSPOC
MESSAGE_ID = X
TCA = 2010-03-13T22:37:52.618
MISS_DISTANCE = 715[m]
RELATIVE_SPEED = NaN [m/s]
SCREEN_VOLUME_X = 0.2 [km]
OBJECT = object1
OBJECT_DESIGNATOR = 1
CATALOG_NAME = SATCAT
OBJECT_NAME = A
INTERNATIONAL_DESIGNATOR = 1997-030E
EPHEMERIS_NAME = NONE
COVARIANCE_METHOD = CALCULATED
MANEUVERABLE = YES
REF_FRAME = eme2000
X = \u22122570.097065 [km]
Y = 1 [km]
Z = 1 [km]
X_DOT = 1 [km/s]
Y_DOT = 1 [km/s]
Z_DOT = 1 [km/s]
CR_R = 1
CT_R = 0
CT_T = 1
CN_R = 0
CN_T = 0
CN_N = 1
CRDOT_R = 0
CRDOT_T = 0
CRDOT_N = 0
CRDOT_RDOT = 1
CTDOT_R = 0
CTDOT_T = 0
CTDOT_N = 0
CTDOT_RDOT = 0
CTDOT_TDOT = 1
CNDOT_R = 0
CNDOT_T = 0
CNDOT_N = 0
CNDOT_RDOT = 0
CNDOT_TDOT = 0
CNDOT_NDOT = 1
COMMENT_SCREENING_OPTION = COVARIANCE
"""


def test_every_leniency_is_warned() -> None:
    obj2 = (
        LENIENT_CDM[LENIENT_CDM.index("OBJECT = object1") :]
        .replace("object1", "OBJECT2")
        .replace("\u2212", "")
    )
    obj2 = "\n".join(ln for ln in obj2.splitlines() if not ln.startswith("COMMENT_"))
    cdm = formats.read(LENIENT_CDM + obj2 + "\n")
    by_keyword = {w.keyword: w for w in cdm.warnings}
    for kw in (
        "ORIGINATOR",
        "MISS_DISTANCE",
        "RELATIVE_SPEED",
        "SCREEN_VOLUME_X",
        "OBJECT",
        "REF_FRAME",
        "X",
        "COMMENT_SCREENING_OPTION",
    ):
        assert kw in by_keyword, kw
        assert by_keyword[kw].line is not None
    assert cdm.miss_distance == 715.0 and cdm.relative_speed is None  # type: ignore[attr-defined]
    assert cdm.relative["SCREEN_VOLUME_X"] == pytest.approx(200.0)  # type: ignore[attr-defined]
    assert cdm.object1.position[0] == pytest.approx(-2570097.065)  # type: ignore[attr-defined]
    assert cdm.object1.ref_frame == "EME2000"  # type: ignore[attr-defined]
    comments = [c for b in cdm.root.walk() for c in b.comments]  # type: ignore[attr-defined]
    assert "COMMENT_SCREENING_OPTION = COVARIANCE" in comments  # kept, as a comment, for the next block
    with pytest.raises(formats.registry.FormatError):
        formats.read(LENIENT_CDM + obj2 + "\n", strict=True)
