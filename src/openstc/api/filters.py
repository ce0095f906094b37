"""The TraCSS filter-operator grammar, parsed once and applied to SQLAlchemy columns.

Every TraCSS filter parameter is a string whose prefix is the operator (``SUMMARY.md`` §1):
``V``/``=V`` equal, ``<>V`` not equal, ``>V`` ``>=V`` ``<V`` ``<=V``, ``V1,V2`` in, ``V1...V2``
between (inclusive), ``*V`` like (substring), ``~*V`` not like. :func:`parse_filter` is pure and
round-trips with :func:`render_filter`; :func:`filter_clause` converts the values to the column's
kind (``str``, ``int``, ``float``, ``datetime``) and builds the SQL condition. A value that does not
convert raises :class:`~openstc.errors.InvalidArgumentError`, which the API answers with 400.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import and_, not_, or_
from sqlalchemy.sql.elements import ColumnElement

from openstc.errors import InvalidArgumentError
from openstc.store.times import parse_utc_span

Op = Literal["eq", "ne", "gt", "ge", "lt", "le", "in", "between", "like", "notlike"]
Kind = Literal["str", "int", "float", "datetime"]
OPS: tuple[Op, ...] = ("eq", "ne", "gt", "ge", "lt", "le", "in", "between", "like", "notlike")
_PREFIXES: tuple[tuple[str, Op], ...] = (
    ("~*", "notlike"),
    ("*", "like"),
    ("<>", "ne"),
    (">=", "ge"),
    ("<=", "le"),
    (">", "gt"),
    ("<", "lt"),
)


@dataclass(frozen=True)
class Filter:
    op: Op
    values: tuple[str, ...]


def parse_filter(raw: str) -> Filter:
    """Parse one TraCSS filter value. Empty values are an error (a filter must say something)."""
    text = raw.strip()
    for prefix, op in _PREFIXES:
        if text.startswith(prefix):
            rest = text[len(prefix) :].strip()
            if not rest:
                raise InvalidArgumentError(f"filter {raw!r}: operator {prefix!r} needs a value")
            return Filter(op, (rest,))
    if text.startswith("="):
        text = text[1:].strip()
    if not text:
        raise InvalidArgumentError(f"filter {raw!r} has no value")
    if "..." in text:
        parts = text.split("...")
        if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
            raise InvalidArgumentError(f"filter {raw!r}: between takes exactly two values, 'low...high'")
        return Filter("between", (parts[0].strip(), parts[1].strip()))
    if "," in text:
        values = tuple(v.strip() for v in text.split(","))
        if any(not v for v in values):
            raise InvalidArgumentError(f"filter {raw!r}: empty value in a comma list")
        return Filter("in", values)
    return Filter("eq", (text,))


_RENDER = {"ne": "<>", "gt": ">", "ge": ">=", "lt": "<", "le": "<=", "like": "*", "notlike": "~*"}


def render_filter(f: Filter) -> str:
    """The query-string form of ``f`` (inverse of :func:`parse_filter`)."""
    if f.op == "eq":
        return f.values[0]
    if f.op == "in":
        return ",".join(f.values)
    if f.op == "between":
        return f"{f.values[0]}...{f.values[1]}"
    return _RENDER[f.op] + f.values[0]


def _convert(value: str, kind: Kind, name: str) -> Any:
    try:
        if kind == "int":
            return int(value)
        if kind == "float":
            return float(value)
    except ValueError:
        raise InvalidArgumentError(f"{name}: {value!r} is not a {kind}") from None
    if kind == "datetime":
        try:
            return parse_utc_span(value)
        except InvalidArgumentError as exc:
            raise InvalidArgumentError(f"{name}: {exc}") from None
    return value


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def filter_clause(
    column: Any, raw: str, kind: Kind = "str", *, name: str = "filter", allowed: tuple[Op, ...] = OPS
) -> ColumnElement[bool]:
    """The SQL condition for the TraCSS filter ``raw`` on ``column``."""
    f = parse_filter(raw)
    if f.op not in allowed:
        raise InvalidArgumentError(
            f"{name}: operator {f.op} is not allowed here (allowed: {', '.join(allowed)})"
        )
    if f.op in ("like", "notlike"):
        if kind != "str":
            # Numbers and times: substring match on their text form is what TraCSS does for strings only.
            raise InvalidArgumentError(f"{name}: like/not-like applies to text fields only")
        # A '*' inside the value is a wildcard too; the leading one means "anywhere".
        pattern = "%" + "%".join(_escape_like(p) for p in f.values[0].split("*")) + "%"
        cond = column.ilike(pattern, escape="\\")
        return cond if f.op == "like" else or_(not_(cond), column.is_(None))
    vals = [_convert(v, kind, name) for v in f.values]
    if kind == "datetime":
        return _datetime_clause(column, f.op, vals)
    v0 = vals[0]
    match f.op:
        case "eq":
            return column == v0  # type: ignore[no-any-return]
        case "ne":
            return or_(column != v0, column.is_(None))
        case "gt":
            return column > v0  # type: ignore[no-any-return]
        case "ge":
            return column >= v0  # type: ignore[no-any-return]
        case "lt":
            return column < v0  # type: ignore[no-any-return]
        case "le":
            return column <= v0  # type: ignore[no-any-return]
        case "in":
            return column.in_(vals)  # type: ignore[no-any-return]
        case "between":
            return column.between(vals[0], vals[1])  # type: ignore[no-any-return]
    raise InvalidArgumentError(f"{name}: unsupported operator")  # pragma: no cover


def _datetime_clause(column: Any, op: Op, vals: list[tuple[datetime, bool]]) -> ColumnElement[bool]:
    """Times: a bare date stands for the whole day (``tca=2024-09-01`` matches every TCA that day)."""

    def span(v: tuple[datetime, bool]) -> tuple[datetime, datetime | None]:
        t, date_only = v
        return t, (t + timedelta(days=1)) if date_only else None

    lo, hi = span(vals[0])
    match op:
        case "eq":
            return and_(column >= lo, column < hi) if hi else (column == lo)
        case "ne":
            return or_(column < lo, column >= hi) if hi else (column != lo)
        case "gt":
            return column >= hi if hi else column > lo  # type: ignore[no-any-return]
        case "ge":
            return column >= lo  # type: ignore[no-any-return]
        case "lt":
            return column < lo  # type: ignore[no-any-return]
        case "le":
            return column < hi if hi else column <= lo  # type: ignore[no-any-return]
        case "in":
            return or_(*(_datetime_clause(column, "eq", [v]) for v in vals))
        case "between":
            end, end_hi = span(vals[1])
            return and_(column >= lo, column < end_hi) if end_hi else and_(column >= lo, column <= end)
    raise InvalidArgumentError("unsupported operator for times")  # pragma: no cover


# --- the same grammar as SQL text --------------------------------------------------------------

Bind = Callable[[Any], str]


def filter_sql(
    column: str,
    raw: str,
    kind: Kind = "str",
    *,
    bind: Bind,
    pg: bool,
    name: str = "filter",
    allowed: tuple[Op, ...] = OPS,
) -> str:
    """:func:`filter_clause` as SQL text: ``bind(value)`` records a parameter and returns its
    placeholder. Same parsing, conversions and semantics (the filter tests run both on both
    databases); used where building SQLAlchemy expressions costs more than the query itself."""
    f = parse_filter(raw)
    if f.op not in allowed:
        raise InvalidArgumentError(
            f"{name}: operator {f.op} is not allowed here (allowed: {', '.join(allowed)})"
        )
    if f.op in ("like", "notlike"):
        if kind != "str":
            raise InvalidArgumentError(f"{name}: like/not-like applies to text fields only")
        pattern = "%" + "%".join(_escape_like(p) for p in f.values[0].split("*")) + "%"
        # SQLAlchemy's ilike: ILIKE on PostgreSQL, lower() LIKE lower() elsewhere.
        like = (
            f"{column} ILIKE {bind(pattern)} ESCAPE '\\'"
            if pg
            else f"lower({column}) LIKE lower({bind(pattern)}) ESCAPE '\\'"
        )
        return like if f.op == "like" else f"(NOT ({like}) OR {column} IS NULL)"
    vals = [_convert(v, kind, name) for v in f.values]
    if kind == "datetime":
        return _datetime_sql(column, f.op, vals, bind)
    v0 = vals[0]
    match f.op:
        case "ne":
            return f"({column} != {bind(v0)} OR {column} IS NULL)"
        case "in":
            return f"{column} IN ({', '.join(bind(v) for v in vals)})"
        case "between":
            return f"{column} BETWEEN {bind(vals[0])} AND {bind(vals[1])}"
    return f"{column} {_SQL_OPS[f.op]} {bind(v0)}"


_SQL_OPS = {"eq": "=", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}


def _datetime_sql(column: str, op: Op, vals: list[tuple[datetime, bool]], bind: Bind) -> str:
    """:func:`_datetime_clause` as SQL text (a bare date stands for the whole day)."""
    t, date_only = vals[0]
    hi = t + timedelta(days=1) if date_only else None
    match op:
        case "eq":
            return f"({column} >= {bind(t)} AND {column} < {bind(hi)})" if hi else f"{column} = {bind(t)}"
        case "ne":
            return f"({column} < {bind(t)} OR {column} >= {bind(hi)})" if hi else f"{column} != {bind(t)}"
        case "gt":
            return f"{column} >= {bind(hi)}" if hi else f"{column} > {bind(t)}"
        case "ge":
            return f"{column} >= {bind(t)}"
        case "lt":
            return f"{column} < {bind(t)}"
        case "le":
            return f"{column} < {bind(hi)}" if hi else f"{column} <= {bind(t)}"
        case "in":
            return "(" + " OR ".join(_datetime_sql(column, "eq", [v], bind) for v in vals) + ")"
        case "between":
            end, end_date_only = vals[1]
            if end_date_only:
                return f"({column} >= {bind(t)} AND {column} < {bind(end + timedelta(days=1))})"
            return f"({column} >= {bind(t)} AND {column} <= {bind(end)})"
    raise InvalidArgumentError("unsupported operator for times")  # pragma: no cover
