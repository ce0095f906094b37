"""CCSDS ASCII time codes (calendar and day-of-year forms) and the time systems messages carry.

A time read from a message is an :class:`Epoch`: the calendar reading as written, the time system
it is expressed in (``UTC``, ``TAI``, ``TT``, ``GPS``, ``UT1``, ...) and whether the seconds field was
the leap second ``60``. The model keeps the time system so nothing is lost when writing back;
:meth:`Epoch.utc` converts to a UTC-aware :class:`datetime` with the leap-second table below
(UT1 needs the message's UT1-UTC). Python's ``datetime`` has microsecond resolution: digits past
the sixth are rounded.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from openstc.errors import InvalidArgumentError

# TAI - UTC in seconds, from each date on (IERS Bulletin C). Before 1972 UTC had rubber seconds;
# we use 10 s there, which is what TAI - UTC was on 1972-01-01.
_LEAP_TABLE: tuple[tuple[date, int], ...] = (
    (date(1972, 1, 1), 10),
    (date(1972, 7, 1), 11),
    (date(1973, 1, 1), 12),
    (date(1974, 1, 1), 13),
    (date(1975, 1, 1), 14),
    (date(1976, 1, 1), 15),
    (date(1977, 1, 1), 16),
    (date(1978, 1, 1), 17),
    (date(1979, 1, 1), 18),
    (date(1980, 1, 1), 19),
    (date(1981, 7, 1), 20),
    (date(1982, 7, 1), 21),
    (date(1983, 7, 1), 22),
    (date(1985, 7, 1), 23),
    (date(1988, 1, 1), 24),
    (date(1990, 1, 1), 25),
    (date(1991, 1, 1), 26),
    (date(1992, 7, 1), 27),
    (date(1993, 7, 1), 28),
    (date(1994, 7, 1), 29),
    (date(1996, 1, 1), 30),
    (date(1997, 7, 1), 31),
    (date(1999, 1, 1), 32),
    (date(2006, 1, 1), 33),
    (date(2009, 1, 1), 34),
    (date(2012, 7, 1), 35),
    (date(2015, 7, 1), 36),
    (date(2017, 1, 1), 37),
)
_LEAP_DATES = [d for d, _ in _LEAP_TABLE]

# Time systems whose offset to UTC we know (UT1 needs UT1-UTC from the message).
CONVERTIBLE = ("UTC", "TAI", "TT", "GPS", "UT1")
# Time systems CCSDS 502/508 allow; others are rejected by the message schemas, not here.
KNOWN_SYSTEMS = (
    "UTC",
    "TAI",
    "TT",
    "GPS",
    "UT1",
    "TCG",
    "TCB",
    "TDB",
    "GMST",
    "MET",
    "MRT",
    "SCLK",
    "UT0",
    "TDT",
)


def tai_minus_utc(day: date) -> int:
    """TAI - UTC (s) in effect on ``day`` (10 s before 1972)."""
    i = bisect_right(_LEAP_DATES, day)
    return _LEAP_TABLE[max(i - 1, 0)][1]


class TimeFormError(ValueError):
    """A time string that is not a CCSDS ASCII time (``code`` is the FormatError code to use)."""

    def __init__(self, message: str, code: str = "FORMAT_BAD_DATE") -> None:
        super().__init__(message)
        self.code = code


_CAL = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(\.\d*)?)?(Z?)$")
_DOY = re.compile(r"^(\d{4})-(\d{3})(?:T(\d{2}):(\d{2}):(\d{2})(\.\d*)?)?(Z?)$")


@dataclass(frozen=True, slots=True)
class Epoch:
    """A message time: ``calendar`` is the naive reading in ``scale``; ``leap`` marks a ``:60`` second.

    For a leap second ``calendar`` holds ``hh:mm:59.fff`` and ``leap`` is True, so that the reading
    ``hh:mm:60.fff`` is kept exactly.
    """

    calendar: datetime
    scale: str = "UTC"
    leap: bool = False
    year0: bool = False  # year written 0000 (MET/MRT elapsed times); calendar then uses year 2000

    @classmethod
    def from_utc(cls, dt: datetime) -> Epoch:
        """The epoch of a UTC datetime (naive datetimes are taken as UTC)."""
        if dt.tzinfo is not None:
            dt = dt.astimezone(UTC).replace(tzinfo=None)
        return cls(dt, "UTC", False)

    def with_scale(self, scale: str) -> Epoch:
        return replace(self, scale=scale)

    def utc(self, ut1_utc: float | None = None) -> datetime:
        """This instant as a UTC-aware datetime. A leap second maps onto the next second's start + fraction.

        Raises :class:`InvalidArgumentError` for time systems with no fixed offset to UTC (TCB, TDB,
        MRT, SCLK, ...) and for UT1 without ``ut1_utc``.
        """
        if self.year0:
            raise InvalidArgumentError(f"{self.ccsds()} is an elapsed time ({self.scale}), not a date")
        t = self.calendar + timedelta(seconds=1) if self.leap else self.calendar
        scale = self.scale.upper()
        if scale == "UTC":
            return t.replace(tzinfo=UTC)
        if scale in ("TAI", "TT", "TDT", "GPS"):
            tai = t
            if scale in ("TT", "TDT"):
                tai = t - timedelta(seconds=32.184)
            elif scale == "GPS":
                tai = t + timedelta(seconds=19)
            guess = tai - timedelta(seconds=tai_minus_utc(tai.date()))
            utc = tai - timedelta(seconds=tai_minus_utc(guess.date()))
            return utc.replace(tzinfo=UTC)
        if scale == "UT1":
            if ut1_utc is None:
                raise InvalidArgumentError(
                    "UT1 epoch needs UT1-UTC (the message's UT1MUTC) to convert to UTC"
                )
            return (t - timedelta(seconds=ut1_utc)).replace(tzinfo=UTC)
        raise InvalidArgumentError(f"time system {self.scale} has no fixed relation to UTC; cannot convert")

    def ccsds(self) -> str:
        """CCSDS calendar form ``YYYY-MM-DDThh:mm:ss[.ffffff]`` (no zone letter; trailing zeros trimmed)."""
        c = self.calendar
        sec = 60 if self.leap else c.second
        year = 0 if self.year0 else c.year
        text = f"{year:04d}-{c.month:02d}-{c.day:02d}T{c.hour:02d}:{c.minute:02d}:{sec:02d}"
        if c.microsecond:
            text += f".{c.microsecond:06d}".rstrip("0")
        return text

    def __str__(self) -> str:
        return self.ccsds()


def parse_time(text: str, scale: str = "UTC") -> Epoch:
    """Parse a CCSDS ASCII time (calendar ``YYYY-MM-DDThh:mm:ss.d`` or day-of-year ``YYYY-DDDThh:mm:ss.d``,
    optional trailing ``Z``, leap second ``60`` allowed only at 23:59). Raises :class:`TimeFormError`.
    """
    s = text.strip()
    m = _CAL.match(s)
    year0 = s.startswith("0000")
    if m:
        y, mo, d = int(m[1]) or 2000, int(m[2]), int(m[3])
        hh, mm, ss, frac = m[4], m[5], m[6], m[7]
        try:
            day = date(y, mo, d)
        except ValueError:
            raise TimeFormError(f"non-existent date {m[1]}-{m[2]}-{m[3]}") from None
    else:
        m = _DOY.match(s)
        if not m:
            raise TimeFormError(
                f"bad time {text!r}: expected YYYY-MM-DDThh:mm:ss[.d] or YYYY-DDDThh:mm:ss[.d]"
            )
        y, doy = int(m[1]) or 2000, int(m[2])
        hh, mm, ss, frac = m[3], m[4], m[5], m[6]
        if not 1 <= doy <= (366 if date(y, 12, 31).timetuple().tm_yday == 366 else 365):
            raise TimeFormError(f"non-existent date {m[1]}-{m[2]} (day of year out of range)")
        day = date(y, 1, 1) + timedelta(days=doy - 1)
    h = int(hh) if hh else 0
    mi = int(mm) if mm else 0
    sec = int(ss) if ss else 0
    if h > 23 or mi > 59 or sec > 60:
        raise TimeFormError(f"non-existent time of day in {text!r}")
    leap = sec == 60
    if leap and (h != 23 or mi != 59):
        raise TimeFormError(f"leap second outside 23:59 in {text!r}")
    micros = 0
    if frac and len(frac) > 1:
        micros = round(float("0" + frac) * 1e6)
    base = datetime(day.year, day.month, day.day, h, mi, 59 if leap else sec)
    cal = base + timedelta(microseconds=micros)
    if leap and cal.second != 59:  # fraction rounded up to the next second: not representable as a leap
        raise TimeFormError(f"leap second fraction out of range in {text!r}")
    return Epoch(cal, scale, leap, year0)


TimeFormProblem = TimeFormError  # alias: the first published name
