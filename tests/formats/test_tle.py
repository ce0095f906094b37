"""TLE/3LE reading and writing, checked against python-sgp4's own ``Satrec.twoline2rv`` (the oracle).

Tolerances: none. A Satrec built from our ElementSet must equal sgp4's, attribute by attribute,
bit for bit; written lines must equal the source lines column for column.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sgp4.api import Satrec

from openstc.errors import FormatError, InvalidArgumentError
from openstc.formats.elset import to_satrec, to_satrec_array
from openstc.formats.tle import (
    checksum,
    format_tle,
    from_alpha5,
    parse_tle_lines,
    read_tle,
    to_alpha5,
    write_tle,
)

DATA = Path(__file__).resolve().parents[1] / "data"
VER_TLE = DATA / "ccsds" / "python-sgp4" / "sgp4" / "SGP4-VER.TLE"

ISS_1 = "1 25544U 98067A   08264.51782528 -.00002182  00000-0 -11606-4 0  2927"
ISS_2 = "2 25544  51.6416 247.4627 0006703 130.5360 325.0288 15.72125391563537"
VANGUARD_1 = "1 00005U 58002B   20287.20333880 -.00000016  00000-0 -22483-4 0  9998"
VANGUARD_2 = "2 00005  34.2443 225.5254 1845686 162.2516 205.2356 10.84869164218149"


def satrec_fields(sat: Satrec) -> dict[str, object]:
    """Every public data attribute of a Satrec (what python-sgp4's own test compares)."""
    out = {}
    for name in dir(sat):
        if name.startswith("_"):
            continue
        value = getattr(sat, name)
        if not callable(value):
            out[name] = value
    return out


def assert_same_satrec(expected: Satrec, got: Satrec) -> None:
    a, b = satrec_fields(expected), satrec_fields(got)
    diffs = {
        k: (a[k], b.get(k)) for k in a if a[k] != b.get(k) and not (a[k] != a[k] and b.get(k) != b.get(k))
    }
    assert not diffs, diffs


def ver_records() -> list[tuple[int, str, str]]:
    lines = VER_TLE.read_text().splitlines()
    out = []
    for i, line in enumerate(lines):
        if line.startswith("1 "):
            out.append((i + 1, line, lines[i + 1]))
    return out


# --- SGP4-VER.TLE --------------------------------------------------------------------------------


def test_sgp4_ver_parses_completely_without_checksums() -> None:
    records = ver_records()
    result = read_tle(VER_TLE.read_text(), verify_checksum=False)
    assert len(records) == 33
    assert len(result.elements) == 33 and result.errors == []
    for es, (_, l1, l2) in zip(result.elements, records, strict=True):
        assert es.norad_id == int(l1[2:7])
        assert_same_satrec(Satrec.twoline2rv(l1, l2), to_satrec(es))


def test_sgp4_ver_epoch_jd_is_twoline2rv_s() -> None:
    result = read_tle(VER_TLE.read_text(), verify_checksum=False)
    for es, (_, l1, l2) in zip(result.elements, ver_records(), strict=True):
        sat = Satrec.twoline2rv(l1, l2)
        assert (es.epoch_jd, es.epoch_jd_frac) == (sat.jdsatepoch, sat.jdsatepochF)


def test_sgp4_ver_bad_checksums_strict_names_the_line() -> None:
    # Vallado's file carries 3 records (33333..33335) whose numbers were edited without checksums.
    with pytest.raises(FormatError) as info:
        read_tle(VER_TLE.read_text())
    assert info.value.code == "FORMAT_CHECKSUM"
    assert info.value.line == 100
    assert "line 1" in str(info.value)


def test_sgp4_ver_lenient_reports_each_bad_record() -> None:
    result = read_tle(VER_TLE.read_text(), strict=False)
    assert len(result.elements) == 30
    assert [(e.line, e.code) for e in result.errors] == [
        (100, "FORMAT_CHECKSUM"),
        (103, "FORMAT_CHECKSUM"),
        (106, "FORMAT_CHECKSUM"),
    ]


def test_sgp4_ver_writes_back_column_for_column() -> None:
    result = read_tle(VER_TLE.read_text(), verify_checksum=False)
    for es, (_, l1, l2) in zip(result.elements, ver_records(), strict=True):
        w1, w2 = format_tle(es)
        assert len(w1) == len(w2) == 69
        assert w2[:68] == l2[:68]
        # Line 1 differs only where the source is irregular: blank ephemeris type, zero written
        # as 00000+0 or 00000-0, and an exponent of zero written -0 or +0.
        assert w1[:53] == l1[:53] or es.norad_id == 11801
        assert checksum(w1) == int(w1[68]) and checksum(w2) == int(w2[68])


# --- fields and forms ----------------------------------------------------------------------------


def test_iss_fields() -> None:
    es = parse_tle_lines(ISS_1, ISS_2)
    assert es.norad_id == 25544
    assert es.object_id == "1998-067A"
    assert es.epoch == datetime(2008, 9, 20, 12, 25, 40, 104192, tzinfo=UTC)
    assert es.mean_motion_dot_rev_day2 == -0.00002182
    assert es.bstar_per_er == -0.11606e-4
    assert es.mean_motion_ddot_rev_day3 == 0.0
    assert es.eccentricity == 0.0006703
    assert es.rev_at_epoch == 56353
    assert es.element_set_no == 292
    assert es.source == "tle"


def test_alpha5() -> None:
    assert to_alpha5(5) == "00005"
    assert to_alpha5(99999) == "99999"
    assert to_alpha5(100000) == "A0000"
    assert to_alpha5(182345) == "J2345"  # I is skipped
    assert to_alpha5(240000) == "Q0000"  # O is skipped
    assert to_alpha5(339999) == "Z9999"
    for n in (0, 5, 99999, 100000, 123456, 182345, 229999, 240000, 339999):
        assert from_alpha5(to_alpha5(n)) == n
    with pytest.raises(InvalidArgumentError):
        to_alpha5(340000)


def test_alpha5_record_and_satrec() -> None:
    l1 = "1 A0000U 23001A   23001.50000000  .00000000  00000-0  00000+0 0  999"
    l2 = "2 A0000  51.6000 100.0000 0001000  90.0000 270.0000 15.50000000    1"
    l1, l2 = l1 + str(checksum(l1)), l2 + str(checksum(l2))
    es = parse_tle_lines(l1, l2)
    assert es.norad_id == 100000
    assert format_tle(es) == (l1, l2)
    assert_same_satrec(Satrec.twoline2rv(l1, l2), to_satrec(es))


MIXED = f"""
ISS (ZARYA)
{ISS_1}
{ISS_2}

{VANGUARD_1}
{VANGUARD_2}

0 VANGUARD 1
{VANGUARD_1}

{VANGUARD_2}
"""


def test_mixed_two_and_three_line_records() -> None:
    result = read_tle(MIXED)
    assert [(es.norad_id, es.object_name) for es in result.elements] == [
        (25544, "ISS (ZARYA)"),
        (5, None),
        (5, "VANGUARD 1"),
    ]


def test_crlf_and_bytes() -> None:
    result = read_tle(MIXED.replace("\n", "\r\n").encode("ascii"))
    assert len(result.elements) == 3


def test_catalog_number_mismatch() -> None:
    bad2 = VANGUARD_2.replace("2 00005", "2 00006")
    bad2 = bad2[:68] + str(checksum(bad2))
    with pytest.raises(FormatError) as info:
        parse_tle_lines(VANGUARD_1, bad2, line_no=7)
    assert info.value.code == "FORMAT_INCONSISTENT"
    assert info.value.keyword == "NORAD_CAT_ID"
    assert info.value.line == 8


def test_bad_checksum_names_line_2() -> None:
    bad2 = VANGUARD_2[:68] + str((int(VANGUARD_2[68]) + 1) % 10)
    with pytest.raises(FormatError) as info:
        read_tle(f"NAME\n{VANGUARD_1}\n{bad2}\n")
    assert info.value.code == "FORMAT_CHECKSUM"
    assert info.value.line == 3
    assert "line 2" in info.value.reason


def test_lenient_skips_and_reports_orphans() -> None:
    text = f"{ISS_1}\nORPHAN NAME\n{VANGUARD_1}\n{VANGUARD_2}\n{ISS_2}\n"
    result = read_tle(text, strict=False)
    assert [es.object_name for es in result.elements] == ["ORPHAN NAME"]
    assert [e.line for e in result.errors] == [1, 5]
    with pytest.raises(FormatError):
        read_tle(text)


def test_bad_field_names_keyword() -> None:
    bad1 = VANGUARD_1[:53] + "-22X83-4" + VANGUARD_1[61:68]
    with pytest.raises(FormatError) as info:
        parse_tle_lines(bad1 + str(checksum(bad1)), VANGUARD_2)
    assert info.value.keyword == "BSTAR"
    assert info.value.code == "FORMAT_BAD_VALUE"


def test_write_3le_forms() -> None:
    es = parse_tle_lines(VANGUARD_1, VANGUARD_2, name="VANGUARD 1")
    assert write_tle([es]) == f"VANGUARD 1\n{VANGUARD_1}\n{VANGUARD_2}\n"
    assert write_tle([es], zero_prefix=True) == f"0 VANGUARD 1\n{VANGUARD_1}\n{VANGUARD_2}\n"
    assert write_tle([es], names=False) == f"{VANGUARD_1}\n{VANGUARD_2}\n"
    assert read_tle(write_tle([es], zero_prefix=True)).elements == [es]


def test_write_refuses_what_a_tle_cannot_hold() -> None:
    es = parse_tle_lines(VANGUARD_1, VANGUARD_2)
    for bad in (
        replace(es, norad_id=340000),
        replace(es, mean_motion_dot_rev_day2=1.5),
        replace(es, eccentricity=1.0),
        replace(es, mean_motion_rev_day=123.0),
        replace(es, epoch=datetime(2057, 1, 1, tzinfo=UTC)),
        replace(es, mean_anomaly_deg=-1.0),
    ):
        with pytest.raises(InvalidArgumentError):
            format_tle(bad)


def test_satrec_array_propagates_like_single_satrecs() -> None:
    import numpy as np

    elsets = read_tle(VER_TLE.read_text(), verify_checksum=False).elements[:5]
    arr = to_satrec_array(elsets)
    jd, fr = np.array([2459000.5, 2459001.5]), np.array([0.25, 0.75])
    err, r, _ = arr.sgp4(jd, fr)
    for i, es in enumerate(elsets):
        e1, r1, _ = to_satrec(es).sgp4_array(jd, fr)
        assert np.array_equal(err[i], e1) and np.array_equal(r[i], r1, equal_nan=True)


def test_names_that_look_like_line_numbers() -> None:
    text = f"1 WEB\n{VANGUARD_1}\n{VANGUARD_2}\n2 X\n{ISS_1}\n{ISS_2}\n"
    assert [es.object_name for es in read_tle(text).elements] == ["1 WEB", "2 X"]
    # but a stray TLE line 1 is reported, not taken for a name
    result = read_tle(f"{ISS_1}\n{VANGUARD_1}\n{VANGUARD_2}\n", strict=False)
    assert [es.norad_id for es in result.elements] == [5]
    assert [e.line for e in result.errors] == [1]
    es = result.elements[0]
    with pytest.raises(InvalidArgumentError):
        write_tle([replace(es, object_name="0 ZERO")])
    assert read_tle(write_tle([replace(es, object_name="0 ZERO")], zero_prefix=True)).elements[
        0
    ].object_name == ("0 ZERO")
