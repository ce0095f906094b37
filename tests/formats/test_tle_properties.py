"""Property tests for TLEs: write -> read is the identity on everything a TLE can hold, and random
damage to TLE text raises FormatError (never another exception)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sgp4.api import Satrec

from openstc.errors import FormatError
from openstc.formats.elset import ElementSet, to_satrec
from openstc.formats.tle import format_tle, read_tle, write_tle

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def tle_element_sets(draw: st.DrawFn) -> ElementSet:
    """Element sets on the TLE grid (every value exactly representable in its columns)."""
    year = draw(st.integers(1957, 2056))
    leap = year % 4 == 0
    doy = draw(st.integers(1, 366 if leap else 365))
    ticks = draw(st.integers(0, 99_999_999))  # 1e-8 day
    epoch = datetime(year, 1, 1, tzinfo=UTC) + timedelta(days=doy - 1, microseconds=ticks * 864)

    def fixed(top: int, decimals: int, lo: int = 0) -> float:
        """A value k / 10**decimals with lo <= k < top * 10**decimals, as a TLE column reads it."""
        k = draw(st.integers(lo, top * 10**decimals - 1))
        return float(f"{k // 10**decimals}.{k % 10**decimals:0{decimals}d}")

    def expo() -> float:
        if draw(st.booleans()):
            return 0.0
        mant = draw(st.integers(10000, 99999))
        exp = draw(st.integers(-9, 9))
        sign = draw(st.sampled_from(["", "-"]))
        return float(f"{sign}.{mant:05d}e{exp}")

    ndot_k = draw(st.integers(-99_999_999, 99_999_999))
    launch_year = draw(st.integers(1957, 2056))
    piece = draw(st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ", min_size=1, max_size=3))
    return ElementSet(
        norad_id=draw(st.integers(0, 339999)),
        epoch=epoch,
        mean_motion_rev_day=fixed(100, 8, lo=1),
        eccentricity=float(f"0.{draw(st.integers(0, 9_999_999)):07d}"),
        inclination_deg=fixed(180, 4),
        raan_deg=fixed(360, 4),
        arg_perigee_deg=fixed(360, 4),
        mean_anomaly_deg=fixed(360, 4),
        bstar_per_er=expo(),
        mean_motion_dot_rev_day2=float(f"{'-' if ndot_k < 0 else ''}.{abs(ndot_k):08d}"),
        mean_motion_ddot_rev_day3=expo(),
        object_name=draw(
            st.none() | st.text(alphabet="ABCXYZ0123 -/()", min_size=1, max_size=24).map(str.strip)
        )
        or None,
        object_id=f"{launch_year}-{draw(st.integers(1, 999)):03d}{piece}",
        classification=draw(st.sampled_from("UCS")),
        ephemeris_type=draw(st.integers(0, 9)),
        element_set_no=draw(st.integers(0, 9999)),
        rev_at_epoch=draw(st.integers(0, 99999)),
    )


@SETTINGS
@given(tle_element_sets(), st.booleans())
def test_write_read_round_trip(es: ElementSet, zero_prefix: bool) -> None:
    assume(zero_prefix or not (es.object_name or "").startswith("0 "))  # plain 3LE cannot say that
    text = write_tle([es], names=es.object_name is not None, zero_prefix=zero_prefix)
    (back,) = read_tle(text).elements
    assert replace(back, epoch_jd=None, epoch_jd_frac=None, source=None) == es
    # and the text is a fixed point
    assert write_tle([back], names=es.object_name is not None, zero_prefix=zero_prefix) == text
    line1, line2 = format_tle(back)
    if es.norad_id <= 339999:
        sat = Satrec.twoline2rv(line1, line2)
        assert (back.epoch_jd, back.epoch_jd_frac) == (sat.jdsatepoch, sat.jdsatepochF)
        assert to_satrec(back).no_kozai == sat.no_kozai
        assert to_satrec(back).bstar == sat.bstar


SAMPLE = """ISS (ZARYA)
1 25544U 98067A   08264.51782528 -.00002182  00000-0 -11606-4 0  2927
2 25544  51.6416 247.4627 0006703 130.5360 325.0288 15.72125391563537
0 VANGUARD 1
1 00005U 58002B   20287.20333880 -.00000016  00000-0 -22483-4 0  9998
2 00005  34.2443 225.5254 1845686 162.2516 205.2356 10.84869164218149
1 A0000U 23001A   23001.50000000  .00000000  00000-0  00000+0 0  9996
2 A0000  51.6000 100.0000 0001000  90.0000 270.0000 15.50000000    16
"""


@st.composite
def mutated(draw: st.DrawFn, text: str) -> str:
    chars = list(text)
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["replace", "delete", "insert", "truncate", "swap"]))
        if not chars:
            break
        pos = draw(st.integers(0, len(chars) - 1))
        junk = draw(
            st.characters(codec="utf-8", exclude_categories=["Cs"]) | st.sampled_from(list("-+.1 \n9Ae"))
        )
        if kind == "replace":
            chars[pos] = junk
        elif kind == "delete":
            del chars[pos]
        elif kind == "insert":
            chars.insert(pos, junk)
        elif kind == "truncate":
            del chars[pos:]
        else:
            other = draw(st.integers(0, len(chars) - 1))
            chars[pos], chars[other] = chars[other], chars[pos]
    return "".join(chars)


@SETTINGS
@given(mutated(SAMPLE), st.booleans(), st.booleans())
def test_damaged_tle_raises_only_format_error(text: str, strict: bool, verify: bool) -> None:
    try:
        result = read_tle(text, strict=strict, verify_checksum=verify)
    except FormatError:
        return
    for es in result.elements:
        format_tle(es)  # whatever was read can be written back
    for err in result.errors:
        assert isinstance(err, FormatError) and err.line is not None
