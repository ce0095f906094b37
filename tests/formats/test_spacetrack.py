"""Space-Track ``cdm_public`` and ``cdm`` rows.

Oracles: the real ``cdm_public`` row of ORACLES.md section 10 (typed values given there), and, for the
wide ``cdm`` class (no real sample exists, SPACETRACK.md 4.5), Orekit's CDMExample2 KVN flattened into
Space-Track's field names: the CDM mapped from the row must carry the values the KVN reader finds
(relative tolerance 1e-12, i.e. unit conversions only).
"""

from __future__ import annotations

import contextlib
import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from ccsds_paths import CDM_DIR
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openstc import formats
from openstc.errors import FormatError
from openstc.formats.model import values_equal
from openstc.formats.spacetrack import (
    cdm_from_row,
    cdm_public_from_row,
    read_cdm_public,
    read_spacetrack_cdms,
)

PUBLIC_ROW = {
    "CDM_ID": "392735348",
    "CREATED": "2022-12-02 02:09:06.000000",
    "EMERGENCY_REPORTABLE": "Y",
    "TCA": "2022-12-04T01:03:42.235000",
    "MIN_RNG": "886",
    "PC": "0.000173503",
    "SAT_1_ID": "3740",
    "SAT_1_NAME": "THOR ABLESTAR DEB",
    "SAT1_OBJECT_TYPE": "DEBRIS",
    "SAT1_RCS": "SMALL",
    "SAT_1_EXCL_VOL": "5.00",
    "SAT_2_ID": "87650",
    "SAT_2_NAME": "UNKNOWN",
    "SAT2_OBJECT_TYPE": "UNKNOWN",
    "SAT2_RCS": "SMALL",
    "SAT_2_EXCL_VOL": "5.00",
}


def test_cdm_public_real_row() -> None:
    (rec,) = read_cdm_public(json.dumps([PUBLIC_ROW])).records
    assert rec.cdm_id == 392735348
    assert rec.created == datetime(2022, 12, 2, 2, 9, 6, tzinfo=UTC)  # space separator
    assert rec.emergency_reportable is True
    assert rec.tca == datetime(2022, 12, 4, 1, 3, 42, 235000, tzinfo=UTC)
    assert rec.min_range_m == 886.0
    assert rec.pc == 0.000173503
    assert (rec.sat1.norad_id, rec.sat1.name, rec.sat1.object_type, rec.sat1.rcs_size) == (
        3740, "THOR ABLESTAR DEB", "DEBRIS", "SMALL",
    )  # fmt: skip
    assert (rec.sat1.exclusion_volume_radius_m, rec.sat1.exclusion_volume_text) == (5.0, "5.00")
    assert (rec.sat2.norad_id, rec.sat2.name, rec.sat2.object_type) == (87650, "UNKNOWN", "UNKNOWN")
    assert rec.sat2.exclusion_volume_radius_m == 5.0


def test_cdm_public_to_partial_cdm() -> None:
    msg = cdm_public_from_row(PUBLIC_ROW).to_cdm()
    assert msg.tca == datetime(2022, 12, 4, 1, 3, 42, 235000, tzinfo=UTC)
    assert (msg.miss_distance, msg.collision_probability, msg.message_id) == (886.0, 0.000173503, "392735348")
    assert (msg.object1.designator, msg.object2.designator, msg.object2.name) == ("3740", "87650", "UNKNOWN")
    assert msg.comment_values()["Emergency Reportable"] == "Y"
    # Partial on purpose: no states or covariances, so the strict CDM writer refuses it.
    assert msg.object1.state.shape == (6,) and all(x != x for x in msg.object1.state)


@pytest.mark.parametrize(
    ("value", "number"),
    [
        ("5.00", 5.0),
        ("5", 5.0),
        (" 5.00 m", 5.0),
        ("5.00 [m]", 5.0),
        ("Y", None),
        ("N/A", None),
        ("nan", None),
    ],
)
def test_excl_vol_is_parsed_defensively(value: str, number: float | None) -> None:
    rec = cdm_public_from_row({**PUBLIC_ROW, "SAT_1_EXCL_VOL": value})
    assert rec.sat1.exclusion_volume_radius_m == number
    assert rec.sat1.exclusion_volume_text == value.strip()


def test_cdm_public_nulls() -> None:
    rec = cdm_public_from_row(
        {**PUBLIC_ROW, "PC": None, "MIN_RNG": None, "SAT_2_EXCL_VOL": None, "CREATED": ""}
    )
    assert rec.pc is None and rec.min_range_m is None and rec.created is None
    assert rec.sat2.exclusion_volume_text is None and rec.sat2.exclusion_volume_radius_m is None


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("PC", "abc", "FORMAT_BAD_VALUE"),
        ("PC", "1.5", "FORMAT_BAD_VALUE"),
        ("TCA", "2022-02-30T01:00:00", "FORMAT_BAD_DATE"),
        ("EMERGENCY_REPORTABLE", "maybe", "FORMAT_BAD_VALUE"),
        ("SAT_1_ID", "37X0", "FORMAT_BAD_VALUE"),
        ("CDM_ID", None, "FORMAT_MISSING_KEYWORD"),
    ],
)
def test_cdm_public_bad_rows(field: str, value: str | None, code: str) -> None:
    rows = [PUBLIC_ROW, {**PUBLIC_ROW, field: value}]
    with pytest.raises(FormatError) as info:
        read_cdm_public(rows)
    assert (info.value.code, info.value.path, info.value.keyword) == (code, "/1", field)
    result = read_cdm_public(rows, strict=False)
    assert len(result.records) == 1 and [e.path for e in result.errors] == ["/1"]


def test_cdm_public_bad_json() -> None:
    with pytest.raises(FormatError) as info:
        read_cdm_public("[{")
    assert info.value.code == "FORMAT_SYNTAX"
    with pytest.raises(FormatError):
        read_cdm_public("[1]")


# --- the wide cdm class --------------------------------------------------------------------------

_KVN_LINE = re.compile(r"^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*(?:\[(.*)\])?\s*$")


def flatten_kvn(text: str, *, split_times: bool = False) -> dict[str, Any]:
    """A CDM KVN as a Space-Track ``cdm`` row: SATn_ prefixes, <KEY>_UNIT fields, all strings."""
    row: dict[str, Any] = {"CDM_ID": "123456", "FILENAME": "x.cdm", "GID": "7"}
    prefix = ""
    for line in text.splitlines():
        m = _KVN_LINE.match(line)
        if not m or line.lstrip().startswith("COMMENT"):
            continue
        key, value, unit = m[1], m[2], m[3]
        if key == "OBJECT":
            prefix = f"SAT{value[-1]}_"
            row[prefix + "OBJECT"] = value
            continue
        name = (
            key
            if key in ("CCSDS_CDM_VERS", "CREATION_DATE", "ORIGINATOR", "MESSAGE_FOR", "MESSAGE_ID")
            else prefix + key
        )
        if split_times and re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:]+\.\d+", value):
            value, frac = value.split(".")
            value = value.replace("T", " ")
            row[name + "_FRACTION"] = frac
        row[name] = value
        if unit:
            row[name + "_UNIT"] = unit
    return row


def assert_same_values(expected: formats.Message, got: formats.Message) -> None:
    def keyed(msg: formats.Message) -> dict[tuple[str, ...], Any]:
        out = {("header", k): v for k, v in msg.header.values.items()}
        out.update({("relative", k): v for k, v in msg.relative.values.items()})  # type: ignore[attr-defined]
        rs = msg.relative.child("relativeStateVector")  # type: ignore[attr-defined]
        out.update({("relative", k): v for k, v in (rs.values.items() if rs else ())})
        for n, obj in enumerate(msg.objects):  # type: ignore[attr-defined]
            for b in obj.segment.walk():
                out.update({(f"obj{n + 1}", b.spec.key, k): v for k, v in b.values.items()})
        return out

    a, b = keyed(expected), keyed(got)
    assert set(a) == set(b), set(a) ^ set(b)
    bad = {k: (a[k], b[k]) for k in a if not values_equal(a[k], b[k])}
    assert not bad, bad


@pytest.mark.parametrize("split_times", [False, True])
def test_full_cdm_row_maps_like_the_kvn(split_times: bool) -> None:
    text = (CDM_DIR / "CDMExample2.txt").read_text()
    expected = formats.read(text)
    row = flatten_kvn(text, split_times=split_times)
    assert row["SAT1_X_UNIT"] == "km" and row["SAT2_RESIDUALS_ACCEPTED_UNIT"] == "%"
    got = cdm_from_row(row)
    assert got.cdm_id == 123456
    assert got.extra == {"CDM_ID": "123456", "FILENAME": "x.cdm", "GID": "7"}
    assert_same_values(expected, got.cdm)
    assert got.cdm.object1.state[0] == 2570097.065  # km -> m
    assert got.cdm.tca == datetime(2010, 3, 13, 22, 37, 52, 618000, tzinfo=UTC)
    # and the mapped CDM is a valid CDM: KVN out, read back, same values
    assert_same_values(expected, formats.read(formats.write(got.cdm, "kvn")))


def test_full_cdm_row_units_and_comments() -> None:
    row = flatten_kvn((CDM_DIR / "CDMExample1.txt").read_text())
    row.update(
        SAT1_X=str(float(row["SAT1_X"]) * 1000.0),
        SAT1_X_UNIT="m",
        SAT1_COMMENT_EXCLUSION_VOLUME_RADIUS="5.000000 [m]",
        COMMENT_SCREENING_OPTION="Covariance",
        CONSTELLATION="none",
    )
    (rec,) = read_spacetrack_cdms(json.dumps([row])).records
    assert rec.cdm.object1.position[0] == pytest.approx(2570097.065, rel=1e-15)
    assert rec.cdm.comment_values()["Exclusion Volume Radius"] == "5.000000 [m]"
    assert rec.cdm.comment_values()["Screening Option"] == "Covariance"
    assert rec.extra["CONSTELLATION"] == "none"


@pytest.mark.parametrize(
    ("change", "code", "keyword"),
    [
        ({"SAT1_X": "12x"}, "FORMAT_BAD_VALUE", "SAT1_X"),
        ({"SAT1_X_UNIT": "furlong"}, "FORMAT_BAD_UNIT", "SAT1_X_UNIT"),
        ({"TCA": None}, "FORMAT_MISSING_KEYWORD", "TCA"),
        ({"SAT2_OBJECT_DESIGNATOR": ""}, "FORMAT_MISSING_KEYWORD", "SAT2_OBJECT_DESIGNATOR"),
        ({"TCA": "2010-13-13T22:37:52"}, "FORMAT_BAD_DATE", "TCA"),
    ],
)
def test_full_cdm_bad_rows(change: dict[str, Any], code: str, keyword: str) -> None:
    row = {**flatten_kvn((CDM_DIR / "CDMExample1.txt").read_text()), **change}
    with pytest.raises(FormatError) as info:
        read_spacetrack_cdms([row, row])
    assert (info.value.code, info.value.keyword) == (code, keyword)
    result = read_spacetrack_cdms([row], strict=False)
    assert result.records == [] and len(result.errors) == 1


# --- robustness: any damage to a row is a FormatError, never another exception ---------------------

_JUNK = (
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30) | st.lists(st.integers())
)
_FULL_ROW = flatten_kvn((CDM_DIR / "CDMExample2.txt").read_text())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(sorted(PUBLIC_ROW)), _JUNK, max_size=4))
def test_damaged_cdm_public_rows(changes: dict[str, Any]) -> None:
    with contextlib.suppress(FormatError):
        read_cdm_public([{**PUBLIC_ROW, **changes}])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(sorted(_FULL_ROW)), _JUNK, max_size=4))
def test_damaged_full_cdm_rows(changes: dict[str, Any]) -> None:
    with contextlib.suppress(FormatError):
        read_spacetrack_cdms([{**_FULL_ROW, **changes}])
