"""Reading and writing one keyword value, with every leniency reported as a warning.

:func:`parse_value` turns the text of a keyword (and the unit given with it, if any) into the
model value: SI float, int, string, :class:`Epoch` or list. What real files get wrong and we still
accept (``NaN``, empty optional values, Unicode minus, ``[m]`` for a velocity, lower-case enum
values, alternate units) is accepted with a :class:`FormatWarning`; anything else raises
:class:`FormatError` with a stable code. :func:`format_value` writes the standard's form and units.
"""

from __future__ import annotations

import math
import re
from typing import Any

from openstc.formats import units as u
from openstc.formats.ccsds_time import Epoch, TimeFormError, parse_time
from openstc.formats.model import ReadContext
from openstc.formats.schema import Keyword

MISSING: Any = object()  # returned for a value treated as absent (NaN, empty optional)

_FLOAT = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_INT = re.compile(r"^[+-]?\d+$")
_MINUSES = "\u2212\u2013\u2012\u2010\ufe63\uff0d"


def _number_text(text: str, kw: Keyword, ctx: ReadContext, where: dict[str, Any]) -> str:
    if text.isascii():
        return text
    if any(c in text for c in _MINUSES):
        ctx.warn(f"non-ASCII minus sign in {text!r} read as '-'", keyword=kw.name, **where)
        for c in _MINUSES:
            text = text.replace(c, "-")
    return text


def parse_float(text: str, kw: Keyword, ctx: ReadContext, where: dict[str, Any]) -> float:
    t = _number_text(text.strip(), kw, ctx, where)
    if not _FLOAT.match(t):
        raise ctx.error(
            f"value {text!r} is not a number (expected a real number for {kw.name})",
            code="FORMAT_BAD_VALUE",
            keyword=kw.name,
            **where,
        )
    value = float(t)
    if not math.isfinite(value):
        raise ctx.error(
            f"value {text!r} is out of range for {kw.name}", code="FORMAT_BAD_VALUE", keyword=kw.name, **where
        )
    return value


def parse_int(text: str, kw: Keyword, ctx: ReadContext, where: dict[str, Any]) -> int:
    t = _number_text(text.strip(), kw, ctx, where)
    if _INT.match(t):
        return int(t)
    if _FLOAT.match(t) and float(t).is_integer():
        ctx.warn(f"integer {kw.name} written as real {text!r}", keyword=kw.name, **where)
        return int(float(t))
    raise ctx.error(
        f"value {text!r} is not an integer (expected an integer for {kw.name})",
        code="FORMAT_BAD_VALUE",
        keyword=kw.name,
        **where,
    )


def _unit_factor(kw: Keyword, unit: str | None, ctx: ReadContext, where: dict[str, Any]) -> float:
    """Factor from the unit given in the file to SI, checking it against the keyword's unit."""
    std = kw.unit
    if unit is None or unit.strip() == "" or u.same(unit, std):
        return u.factor(std) if kw.si else 1.0
    for alt in kw.alt_units:
        if u.same(unit, alt):
            ctx.warn(
                f"unit [{unit}] instead of the standard [{std}], converted",
                keyword=kw.name,
                code="FORMAT_BAD_UNIT",
                **where,
            )
            if not kw.si:
                return u.factor(alt) / u.factor(std)
            return u.factor(alt)
    if std is not None and u.same(std, "m/s") and u.same(unit, "m"):
        # NASA CARA writes RELATIVE_VELOCITY_* in [m]; the value is in m/s.
        ctx.warn(
            f"unit [{unit}] given for a velocity, read as [{std}]",
            keyword=kw.name,
            code="FORMAT_BAD_UNIT",
            **where,
        )
        return 1.0
    if std is None and u.normalize(unit) in ("n/a", "-", "1", "none"):
        return 1.0
    raise ctx.error(
        f"unit [{unit}] is not the unit the standard requires for {kw.name} ([{std or 'no unit'}])",
        code="FORMAT_BAD_UNIT",
        keyword=kw.name,
        **where,
    )


def parse_value(
    kw: Keyword,
    text: str,
    unit: str | None,
    ctx: ReadContext,
    *,
    line: int | None = None,
    path: str | None = None,
) -> Any:
    """The model value of ``text`` for keyword ``kw``, or :data:`MISSING` if it is to be treated as absent."""
    where: dict[str, Any] = {"line": line, "path": path}
    raw = text.strip()
    if "\n" in raw or "\r" in raw:
        ctx.warn("value broken over several lines, joined with blanks", keyword=kw.name, **where)
        raw = " ".join(part.strip() for part in raw.splitlines() if part.strip())
    if raw == "":
        if kw.mandatory:
            raise ctx.error(
                f"value for key {kw.name} has not been initialized (empty value)",
                code="FORMAT_MISSING_KEYWORD",
                keyword=kw.name,
                **where,
            )
        ctx.warn("empty value treated as absent", keyword=kw.name, **where)
        return MISSING
    if kw.kind in ("float", "int", "floats", "ints") and raw.upper() == "NAN":
        if kw.mandatory:
            raise ctx.error(
                f"value NaN for mandatory {kw.name}", code="FORMAT_BAD_VALUE", keyword=kw.name, **where
            )
        ctx.warn("NaN value treated as absent", keyword=kw.name, **where)
        return MISSING
    if kw.kind == "str" and raw.upper() == "NAN":
        ctx.warn("text value NaN (probably a missing value) kept as is", keyword=kw.name, **where)
    if kw.kind == "float":
        f = _unit_factor(kw, unit, ctx, where)
        return parse_float(raw, kw, ctx, where) * f
    if kw.kind == "int":
        _unit_factor(kw, unit, ctx, where)
        return parse_int(raw, kw, ctx, where)
    if kw.kind in ("floats", "ints"):
        f = _unit_factor(kw, unit, ctx, where)
        parts = raw.replace(",", " ").split()
        if kw.kind == "ints":
            return [parse_int(p, kw, ctx, where) for p in parts]
        return [parse_float(p, kw, ctx, where) * f for p in parts]
    if kw.kind == "time":
        try:
            return parse_time(raw)
        except TimeFormError as exc:
            raise ctx.error(str(exc), code=exc.code, keyword=kw.name, **where) from None
    if kw.kind == "enum":
        up = raw.upper()
        norm = re.sub(r"\s+", " ", up)
        if norm not in kw.choices:
            raise ctx.error(
                f"value {raw!r} not allowed for {kw.name} (expected one of {', '.join(kw.choices)})",
                code="FORMAT_BAD_VALUE",
                keyword=kw.name,
                **where,
            )
        if raw != norm:
            ctx.warn(f"value {raw!r} read as {norm!r}", keyword=kw.name, **where)
        return norm
    if kw.upper and raw != raw.upper():
        ctx.warn(f"lower-case value {raw!r} read as {raw.upper()!r}", keyword=kw.name, **where)
        return raw.upper()
    return raw


def format_float(x: float) -> str:
    """Shortest clean text for a real: 15 significant digits when that is exact to 1e-15, else repr."""
    if x == 0.0:
        return "0.0"
    s = f"{x:.15g}"
    if not math.isclose(float(s), x, rel_tol=2e-15, abs_tol=0.0):
        s = repr(x)
    if "e" in s:
        mant, exp = s.split("e")
        if "." not in mant:
            mant += ".0"
        s = f"{mant}E{int(exp):+03d}"
    elif "." not in s and "inf" not in s and "nan" not in s:
        s += ".0"
    return s


def format_value(kw: Keyword, value: Any) -> str:
    """Text of a model value in the file's units (strict: what the standard writes)."""
    if kw.kind == "float":
        v = float(value)
        if math.isnan(v) or math.isinf(v):
            raise ValueError(f"{kw.name}: cannot write non-finite value {v}")
        return format_float(u.from_si(v, kw.unit) if kw.si else v)
    if kw.kind == "int":
        return str(int(value))
    if kw.kind == "floats":
        return " ".join(format_float(u.from_si(float(v), kw.unit) if kw.si else float(v)) for v in value)
    if kw.kind == "ints":
        return " ".join(str(int(v)) for v in value)
    if kw.kind == "time":
        if isinstance(value, Epoch):
            return value.ccsds()
        return Epoch.from_utc(value).ccsds()
    return str(value)


def comment_text(text: str) -> str:
    """A comment as the model keeps it: XML/JSON comments wrapped over several lines are one line."""
    if "\n" not in text and "\r" not in text:
        return text.strip()
    return " ".join(part.strip() for part in text.splitlines() if part.strip())


def is_written(kw: Keyword, value: Any) -> bool:
    """Whether a value is written at all (non-finite optional floats are dropped: not a CCSDS value)."""
    return not (kw.kind == "float" and isinstance(value, float) and not math.isfinite(value))
