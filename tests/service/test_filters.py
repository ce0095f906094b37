"""The TraCSS filter grammar: parsing (property-based), rendering, and SQL results on both backends."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from openstc.api.filters import Filter, filter_clause, filter_sql, parse_filter, render_filter
from openstc.api.query import RawWhere, column_name
from openstc.errors import InvalidArgumentError
from openstc.store.cdms import store_cdms
from openstc.store.db import transaction
from openstc.store.models import Cdm

# Values as TraCSS users write them: no operator characters, no separators, not blank.
plain = (
    st.text(
        alphabet=st.characters(categories=("L", "N"), include_characters="-_:T "), min_size=1, max_size=20
    )
    .map(str.strip)
    .filter(lambda v: v and not v.startswith(("=", "*", "~", "<", ">")) and "..." not in v)
)


@st.composite
def filters(draw: st.DrawFn) -> Filter:
    op = draw(st.sampled_from(["eq", "ne", "gt", "ge", "lt", "le", "in", "between", "like", "notlike"]))
    if op == "in":
        return Filter("in", tuple(draw(st.lists(plain, min_size=2, max_size=5))))
    if op == "between":
        return Filter("between", (draw(plain), draw(plain)))
    return Filter(op, (draw(plain),))


@given(filters())
def test_parse_render_round_trip(f):
    assert parse_filter(render_filter(f)) == f


@given(st.text(max_size=40))
def test_parse_never_crashes(raw):
    try:
        f = parse_filter(raw)
    except InvalidArgumentError:
        return
    assert f.values and all(v for v in f.values)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("25544", Filter("eq", ("25544",))),
        ("=25544", Filter("eq", ("25544",))),
        ("<>ACME", Filter("ne", ("ACME",))),
        (">=100", Filter("ge", ("100",))),
        (">100", Filter("gt", ("100",))),
        ("<=5", Filter("le", ("5",))),
        ("<500", Filter("lt", ("500",))),
        ("30580,30581", Filter("in", ("30580", "30581"))),
        ("2024-09-01...2024-09-30", Filter("between", ("2024-09-01", "2024-09-30"))),
        ("*STARLINK", Filter("like", ("STARLINK",))),
        ("~*asc", Filter("notlike", ("asc",))),
    ],
)
def test_summary_examples(raw, expected):
    assert parse_filter(raw) == expected


@pytest.mark.parametrize("raw", ["", "=", "<>", "1...2...3", "a,,b", "...5", "*"])
def test_bad_filters(raw):
    with pytest.raises(InvalidArgumentError):
        parse_filter(raw)


def test_bad_values_for_kind():
    with pytest.raises(InvalidArgumentError):
        filter_clause(Cdm.miss_distance_m, ">abc", "float")
    with pytest.raises(InvalidArgumentError):
        filter_clause(Cdm.tca, "2024-13-45", "datetime")
    with pytest.raises(InvalidArgumentError):
        filter_clause(Cdm.miss_distance_m, "*12", "float")


def _cdm(i: int, miss: float, tca: str, o2: str) -> dict:
    return {
        "MESSAGE_ID": f"M{i}",
        "CREATION_DATE": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", ""),
        "TCA": tca,
        "MISS_DISTANCE": miss,
        "SAT1_OBJECT_DESIGNATOR": "1001",
        "SAT2_OBJECT_DESIGNATOR": o2,
        "SAT2_OPERATOR_ORGANIZATION": "STARLINK-OPS" if i % 2 else "ACME",
    }


@pytest.fixture
def rows(sessions):
    with transaction(sessions) as s:
        store_cdms(
            s,
            [
                _cdm(0, 50.0, "2024-09-01T00:00:00", "3001"),
                _cdm(1, 150.0, "2024-09-01T23:59:59.999", "3002"),
                _cdm(2, 500.0, "2024-314T07:41:39.411", "3003"),
                _cdm(3, 1000.0, "2024-12-31T12:00:00", "3004"),
            ],
        )
    return sessions


@pytest.mark.parametrize(
    ("column", "kind", "raw", "expected"),
    [
        (Cdm.miss_distance_m, "float", ">=150", ["M1", "M2", "M3"]),
        (Cdm.miss_distance_m, "float", "<150", ["M0"]),
        (Cdm.miss_distance_m, "float", "150...500", ["M1", "M2"]),
        (Cdm.miss_distance_m, "float", "<>500", ["M0", "M1", "M3"]),
        (Cdm.object2_designator, "str", "3001,3004", ["M0", "M3"]),
        (Cdm.object2_operator_org, "str", "*starlink", ["M1", "M3"]),
        (Cdm.object2_operator_org, "str", "~*STAR", ["M0", "M2"]),
        (Cdm.tca, "datetime", "2024-09-01", ["M0", "M1"]),  # a bare date is the whole day
        (Cdm.tca, "datetime", "2024-11-09T07:41:39.411", ["M2"]),  # = 2024-314, day-of-year form
        (Cdm.tca, "datetime", "2024-09-02...2024-12-31", ["M2", "M3"]),
        (Cdm.tca, "datetime", ">2024-09-01", ["M2", "M3"]),
        (Cdm.counter, "int", "2,3", ["M1", "M2"]),
    ],
)
def test_sql_results(rows, column, kind, raw, expected):
    with rows() as s:
        got = sorted(s.scalars(select(Cdm.message_id).where(filter_clause(column, raw, kind))))
    assert got == expected


RAW_CASES = [
    (Cdm.miss_distance_m, "float", ">=150"),
    (Cdm.miss_distance_m, "float", "<150"),
    (Cdm.miss_distance_m, "float", "150...500"),
    (Cdm.miss_distance_m, "float", "<>500"),
    (Cdm.miss_distance_m, "float", "=500"),
    (Cdm.miss_distance_m, "float", "<=150"),
    (Cdm.miss_distance_m, "float", ">1000"),
    (Cdm.object2_designator, "str", "3001,3004"),
    (Cdm.object2_designator, "str", "<>3001"),
    (Cdm.object2_operator_org, "str", "*starlink"),
    (Cdm.object2_operator_org, "str", "~*STAR"),
    (Cdm.object2_operator_org, "str", "*ac*e"),
    (Cdm.object2_operator_org, "str", "*50%_x"),
    (Cdm.tca, "datetime", "2024-09-01"),
    (Cdm.tca, "datetime", "<>2024-09-01"),
    (Cdm.tca, "datetime", "2024-11-09T07:41:39.411"),
    (Cdm.tca, "datetime", "<>2024-11-09T07:41:39.411"),
    (Cdm.tca, "datetime", "2024-09-02...2024-12-31"),
    (Cdm.tca, "datetime", "2024-09-01T00:00:00...2024-314T07:41:39.411"),
    (Cdm.tca, "datetime", ">2024-09-01"),
    (Cdm.tca, "datetime", ">=2024-09-01T23:59:59.999Z"),
    (Cdm.tca, "datetime", "<2024-12-31"),
    (Cdm.tca, "datetime", "<=2024-12-31"),
    (Cdm.tca, "datetime", "<=2024-09-01T00:00:00"),
    (Cdm.tca, "datetime", "2024-09-01,2024-12-31"),
    (Cdm.counter, "int", "2,3"),
    (Cdm.counter, "int", ">=3"),
]


@pytest.mark.parametrize(("column", "kind", "raw"), RAW_CASES)
def test_sql_text_form_selects_the_same_rows(rows, column, kind, raw):
    """The CDM list's SQL-text filters (filter_sql) and the SQLAlchemy ones agree on both databases."""
    with rows() as s:
        want = sorted(s.scalars(select(Cdm.message_id).where(filter_clause(column, raw, kind))))
        w = RawWhere(s.get_bind().dialect.name)
        w.add(filter_sql(column_name(column), raw, kind, bind=w.bind, pg=w.pg))
        got = sorted(
            r[0]
            for r in s.connection().exec_driver_sql(
                f"SELECT message_id FROM cdms WHERE {w.sql()}", tuple(w.args)
            )
        )
    assert got == want


def test_sql_text_form_refuses_what_the_sqlalchemy_form_refuses():
    w = RawWhere("sqlite")
    for raw, kind in (("*x", "float"), ("abc", "int"), ("2024-13-01", "datetime"), ("<", "str")):
        with pytest.raises(InvalidArgumentError):
            filter_sql("c", raw, kind, bind=w.bind, pg=False)
    with pytest.raises(InvalidArgumentError):
        filter_sql("c", "1,2", "int", bind=w.bind, pg=False, allowed=("eq",))
