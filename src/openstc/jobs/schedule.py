"""The routine screening schedule of handbook Table 3.2.1, daylight-saving aware.

TraCSS gives the times in zulu for daylight-saving and for standard time: they are fixed local
times of the operations team in Mountain Time (0130Z in summer = 0230Z in winter = 19:30 local).
So the schedule is a list of local times in a zone (``America/Denver`` by default), and
:func:`occurrences` turns it into UTC instants with :mod:`zoneinfo`: All-vs-All twice a day,
Payload-vs-All four times a day between them. Both the zone and the slots are configurable.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

ALL_VS_ALL = "ALL_VS_ALL"
PAYLOAD_VS_ALL = "PAYLOAD_VS_ALL"


@dataclass(frozen=True)
class Slot:
    run_type: str
    local: time


@dataclass(frozen=True)
class Schedule:
    zone: str
    slots: tuple[Slot, ...]


# Table 3.2.1: 0130Z (DST) = 19:30 MDT; the others follow 4 hours apart.
TABLE_3_2_1 = Schedule(
    "America/Denver",
    (
        Slot(ALL_VS_ALL, time(19, 30)),
        Slot(PAYLOAD_VS_ALL, time(23, 30)),
        Slot(PAYLOAD_VS_ALL, time(3, 30)),
        Slot(ALL_VS_ALL, time(7, 30)),
        Slot(PAYLOAD_VS_ALL, time(11, 30)),
        Slot(PAYLOAD_VS_ALL, time(15, 30)),
    ),
)


def parse_schedule(text: str, zone: str = TABLE_3_2_1.zone) -> Schedule:
    """``"ALL_VS_ALL@19:30,PAYLOAD_VS_ALL@23:30,..."`` (local times in ``zone``)."""
    slots = []
    for part in text.split(","):
        kind, _, hhmm = part.strip().partition("@")
        hh, _, mm = hhmm.partition(":")
        if kind not in (ALL_VS_ALL, PAYLOAD_VS_ALL) or not hh.isdigit() or not mm.isdigit():
            raise ValueError(f"bad schedule slot {part!r}; expected e.g. ALL_VS_ALL@19:30")
        slots.append(Slot(kind, time(int(hh), int(mm))))
    ZoneInfo(zone)  # fail early on an unknown zone
    return Schedule(zone, tuple(slots))


def occurrences(schedule: Schedule, start: datetime, end: datetime) -> Iterator[tuple[datetime, str]]:
    """Every ``(utc_instant, run_type)`` with ``start < instant <= end``, in time order."""
    tz = ZoneInfo(schedule.zone)
    day: date = start.astimezone(tz).date() - timedelta(days=1)
    last = end.astimezone(tz).date() + timedelta(days=1)
    found: list[tuple[datetime, str]] = []
    while day <= last:
        for slot in schedule.slots:
            local = datetime.combine(day, slot.local, tzinfo=tz)
            # A local time skipped by spring-forward does not exist: zoneinfo shifts it by an hour.
            instant = local.astimezone(UTC)
            if start < instant <= end:
                found.append((instant, slot.run_type))
        day += timedelta(days=1)
    yield from sorted(found)


def next_run(schedule: Schedule, after: datetime) -> tuple[datetime, str]:
    for occ in occurrences(schedule, after, after + timedelta(days=2)):
        return occ
    raise ValueError("the schedule has no slots")


def zulu_table(schedule: Schedule, on: date) -> Sequence[tuple[str, str]]:
    """The day's runs as ``(HHMM zulu, type)``, the form of Table 3.2.1 (for display and tests)."""
    tz = ZoneInfo(schedule.zone)
    rows = []
    for slot in schedule.slots:
        instant = datetime.combine(on, slot.local, tzinfo=tz).astimezone(UTC)
        rows.append((instant.strftime("%H%M"), slot.run_type))
    return sorted(rows)
