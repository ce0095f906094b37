"""Reading and writing the UTC times found in TraCSS queries and CCSDS messages.

TraCSS mixes forms: ``2024-314T07:41:39.411`` (day of year), ``2024-09-04T18:37:01Z``,
``2025-06-03 00:40:26.36`` and bare dates. :func:`parse_utc` reads them all and says whether only a
date was given, so that a filter like ``tca=2024-09-01`` can mean the whole day.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from openstc.errors import InvalidArgumentError

_RE = re.compile(
    r"^\s*(?P<y>\d{4})-(?:(?P<doy>\d{3})|(?P<m>\d{2})-(?P<d>\d{2}))"
    r"(?:[T ](?P<H>\d{2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.(?P<f>\d{1,9}))?)?)?"
    r"\s*(?P<tz>Z|[+-]00:?00|UTC)?\s*$",
    re.IGNORECASE,
)


def parse_utc_span(text: str) -> tuple[datetime, bool]:
    """``(time, date_only)`` for a TraCSS/CCSDS time string; raises InvalidArgumentError."""
    m = _RE.match(text)
    if not m:
        raise InvalidArgumentError(f"{text!r} is not a UTC time (expected e.g. 2024-09-04T18:37:01Z)")
    try:
        year = int(m["y"])
        if m["doy"]:
            base = datetime(year, 1, 1, tzinfo=UTC) + timedelta(days=int(m["doy"]) - 1)
            if base.year != year:
                raise ValueError("day of year out of range")
        else:
            base = datetime(year, int(m["m"]), int(m["d"]), tzinfo=UTC)
        if m["H"] is None:
            return base, True
        frac = m["f"] or "0"
        micro = int((frac + "000000")[:6])
        hour, minute, sec = int(m["H"]), int(m["M"]), int(m["S"] or 0)
        if hour > 23 or minute > 59 or sec > 60:
            raise ValueError("time of day out of range")
        extra = timedelta(seconds=1) if sec == 60 else timedelta(0)  # a leap second reads as next second
        t = base.replace(hour=hour, minute=minute, second=min(sec, 59), microsecond=micro) + extra
        return t, False
    except ValueError as exc:
        raise InvalidArgumentError(f"{text!r} is not a valid UTC time: {exc}") from None


def parse_utc(text: str) -> datetime:
    return parse_utc_span(text)[0]


def format_ccsds(t: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SS.ffffff`` in UTC, the CCSDS form."""
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def format_iso_z(t: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SS.fffZ`` in UTC, the form of TraCSS JSON DTOs."""
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"
