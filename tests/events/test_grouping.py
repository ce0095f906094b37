"""Event grouping, activity and risk rules (issue #4, "CDMs and events")."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openstc.errors import InvalidArgumentError
from openstc.events import (
    CdmRecord,
    RiskLevel,
    RiskThresholds,
    ScreeningRecord,
    group_events,
)

T0 = datetime(2024, 11, 1, tzinfo=UTC)


def cdm(
    mid: str,
    *,
    created_h: float,
    tca_s: float,
    o1: str = "25544",
    o2: str = "48274",
    src1: str = "SGP4",
    src2: str = "SGP4",
    pc: float | None = 1e-5,
    miss: float = 500.0,
    screening: str | None = None,
) -> CdmRecord:
    return CdmRecord(
        message_id=mid,
        creation_date=T0 + timedelta(hours=created_h),
        tca=T0 + timedelta(days=2, seconds=tca_s),
        object1_id=o1,
        object2_id=o2,
        object1_source=src1,
        object2_source=src2,
        pc=pc,
        miss_distance_m=miss,
        screening_id=screening,
    )


def test_updates_with_small_tca_drift_form_one_event() -> None:
    records = [
        cdm("a", created_h=0, tca_s=0.0),
        cdm("b", created_h=8, tca_s=1.7),
        cdm("c", created_h=16, tca_s=-2),
    ]
    events = group_events(records)
    assert len(events) == 1
    ev = events[0]
    assert [c.message_id for c in ev.cdms] == ["a", "b", "c"]
    assert ev.active == {"a": False, "b": False, "c": True}
    assert ev.tca == records[2].tca
    assert ev.event_id == "25544_48274_20241103T000000000"


def test_two_approaches_of_one_pair_are_two_events() -> None:
    # Half a LEO orbit apart: two distinct close approaches.
    records = [cdm("a", created_h=0, tca_s=0), cdm("b", created_h=0, tca_s=2900)]
    events = group_events(records)
    assert len(events) == 2
    assert all(e.is_active for e in events)


def test_pair_order_does_not_matter() -> None:
    records = [cdm("a", created_h=0, tca_s=0), cdm("b", created_h=1, tca_s=3, o1="48274", o2="25544")]
    events = group_events(records)
    assert len(events) == 1
    assert (events[0].object1_id, events[0].object2_id) == ("25544", "48274")


def test_active_is_per_source_combination() -> None:
    records = [
        cdm("hac", created_h=0, tca_s=0),
        cdm("ocm", created_h=1, tca_s=0.4, src1="OCM:e1"),
        cdm("hac2", created_h=2, tca_s=0.2),
    ]
    ev = group_events(records)[0]
    # The newest element-set CDM retires the older one, but not the ephemeris-based one.
    assert ev.active == {"hac": False, "ocm": True, "hac2": True}


def test_newer_screening_without_cdm_retires_the_event() -> None:
    records = [cdm("a", created_h=0, tca_s=0, screening="s1")]
    later = ScreeningRecord(
        screening_id="s2",
        completed_at=T0 + timedelta(hours=4),
        window_start=T0,
        window_stop=T0 + timedelta(days=7),
        covers_pair=lambda a, b: True,
    )
    other_sources = ScreeningRecord(
        screening_id="s3",
        completed_at=T0 + timedelta(hours=5),
        window_start=T0,
        window_stop=T0 + timedelta(days=7),
        covers_pair=lambda a, b: True,
        sources={"25544": "OCM:x"},
    )
    earlier = ScreeningRecord(
        screening_id="s0",
        completed_at=T0 - timedelta(hours=4),
        window_start=T0,
        window_stop=T0 + timedelta(days=7),
        covers_pair=lambda a, b: True,
    )
    assert group_events(records, screenings=[earlier, other_sources])[0].active == {"a": True}
    assert group_events(records, screenings=[later])[0].active == {"a": False}


def test_screening_that_produced_the_event_does_not_retire_it() -> None:
    records = [cdm("a", created_h=0, tca_s=0, screening="s1")]
    same = ScreeningRecord(
        screening_id="s1",
        completed_at=T0 + timedelta(minutes=5),
        window_start=T0,
        window_stop=T0 + timedelta(days=7),
        covers_pair=lambda a, b: True,
    )
    assert group_events(records, screenings=[same])[0].active == {"a": True}


@pytest.mark.parametrize(
    ("pc", "level"),
    [
        (1e-3, RiskLevel.RED),
        (1e-4, RiskLevel.RED),
        (9.99e-5, RiskLevel.YELLOW),
        (1e-7, RiskLevel.YELLOW),
        (9.9e-8, RiskLevel.GREEN),
        (0.0, RiskLevel.GREEN),
        (None, RiskLevel.UNKNOWN),
    ],
)
def test_cara_default_risk_levels(pc: float | None, level: RiskLevel) -> None:
    assert RiskThresholds().classify(pc) is level
    assert group_events([cdm("a", created_h=0, tca_s=0, pc=pc)])[0].risk() is level


def test_custom_thresholds_and_validation() -> None:
    assert RiskThresholds(red=1e-3, yellow=1e-5).classify(5e-4) is RiskLevel.YELLOW
    with pytest.raises(InvalidArgumentError):
        RiskThresholds(red=1e-7, yellow=1e-4)


def test_history_for_trend_plots() -> None:
    records = [
        cdm("a", created_h=0, tca_s=0, pc=1e-6, miss=900),
        cdm("b", created_h=8, tca_s=1, pc=3e-5, miss=300),
    ]
    hist = group_events(records)[0].history()
    assert [(h.message_id, h.pc, h.miss_distance_m, h.is_active) for h in hist] == [
        ("a", 1e-6, 900, False),
        ("b", 3e-5, 300, True),
    ]


def test_bad_input_is_refused() -> None:
    with pytest.raises(InvalidArgumentError):
        group_events([cdm("a", created_h=0, tca_s=0), cdm("a", created_h=1, tca_s=0)])
    with pytest.raises(InvalidArgumentError):
        group_events([], tca_tolerance_s=0)
    with pytest.raises(InvalidArgumentError):
        CdmRecord("x", datetime(2024, 1, 1), T0, "1", "2")  # naive datetime
    with pytest.raises(InvalidArgumentError):
        cdm("x", created_h=0, tca_s=0, o1="5", o2="5")


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(0, 100), st.sampled_from([0.0, 3.0, 2900.0, 5800.0])), min_size=1, max_size=12
    )
)
def test_grouping_is_independent_of_input_order(spec: list[tuple[float, float]]) -> None:
    records = [cdm(f"m{i}", created_h=h, tca_s=t) for i, (h, t) in enumerate(spec)]
    shuffled = records[:]
    random.Random(1).shuffle(shuffled)
    a = group_events(records)
    b = group_events(shuffled)
    assert [(e.event_id, [c.message_id for c in e.cdms], e.active) for e in a] == [
        (e.event_id, [c.message_id for c in e.cdms], e.active) for e in b
    ]
    # Every CDM lands in exactly one event, and each event has exactly one active CDM here (one source).
    assert sorted(c.message_id for e in a for c in e.cdms) == sorted(r.message_id for r in records)
    assert all(sum(e.active.values()) == 1 for e in a)
