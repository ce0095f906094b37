"""Typed keyword blocks shared by the ODM models (OEM, OCM, OMM): declarations, reading, writing.

A block (header, metadata, an OCM physical-properties block, ...) is declared as an ordered mapping
``KEYWORD -> Key(kind, unit)``. Kinds: ``s`` text, ``f`` float (``unit`` is the unit the standard
writes; the model keeps SI), ``i`` integer, ``t`` time (:class:`~openstc.formats.ccsds_time.Epoch`),
``T`` time that may also be written as seconds relative to a reference epoch (OCM), ``l`` comma list
of text, ``v`` blank-separated float vector, ``u`` units list ``[km, km/s]``. A read block is a
:class:`KeywordBlock`: ``values`` maps keyword to typed SI value, in the order read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from openstc.errors import FormatError
from openstc.formats import units
from openstc.formats.ccsds_time import Epoch, TimeFormProblem, parse_time
from openstc.formats.model import FormatWarning, ReadContext
from openstc.formats.oem_io import Tok, XNode
from openstc.formats.schema import Keyword
from openstc.formats.values import MISSING, parse_value
from openstc.formats.values import format_value as _fw_format


@dataclass(frozen=True, slots=True)
class Key:
    """Declaration of one keyword: ``kind`` as above, ``unit`` as the standard writes it in files."""

    kind: str = "s"
    unit: str | None = None
    mandatory: bool = False
    si: bool = True  # False: the model keeps the file's unit (OMM mean elements, see omm.py)


S = Key("s")
I = Key("i")
T = Key("t")
TR = Key("T")
L = Key("l")
F = Key("f")
U = Key("u")
V = Key("v")


def f(unit: str | None = None, si: bool = True) -> Key:
    return Key("f", unit, si=si)


_FW_KIND = {"s": "str", "f": "float", "i": "int", "t": "time", "v": "floats"}


# text values the standard writes in upper case (frames, centres, time systems, type codes): lower case
# is read with a warning and upper-cased, as the schema-driven messages do with ``Keyword.upper``
UPPER_VALUES = frozenset(
    {
        "CENTER_NAME",
        "REF_FRAME",
        "TIME_SYSTEM",
        "COV_REF_FRAME",
        "TRAJ_REF_FRAME",
        "MAN_REF_FRAME",
        "TRAJ_TYPE",
        "COV_TYPE",
        "COV_ORDERING",
        "INTERPOLATION",
        "TRAJ_BASIS",
        "COV_BASIS",
        "MAN_BASIS",
    }
)


def framework_keyword(name: str, key: Key) -> Keyword:
    """The part-A :class:`~openstc.formats.schema.Keyword` equivalent of a declaration."""
    upper = key.kind == "s" and name in UPPER_VALUES
    return Keyword(name, _FW_KIND.get(key.kind, "str"), key.unit, key.mandatory, si=key.si, upper=upper)


@dataclass(slots=True)
class KeywordBlock:
    """Keywords of one block with typed SI values, plus its comments (order kept)."""

    values: dict[str, Any] = field(default_factory=dict)
    comments: list[str] = field(default_factory=list)

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def __contains__(self, key: str) -> bool:
        return key in self.values


def parse_float(text: str, tok: Tok) -> float:
    s = text.strip()
    try:
        return float(s.replace("\u2212", "-"))
    except ValueError:
        raise FormatError(
            f"{tok.key} = {text!r} is not a number (expected a real number)",
            code="FORMAT_BAD_VALUE",
            line=tok.line,
            path=tok.path,
            keyword=tok.key,
        ) from None


def parse_epoch(text: str, tok: Tok, scale: str) -> Epoch:
    try:
        return parse_time(text, scale)
    except TimeFormProblem as exc:
        raise FormatError(
            f"{tok.key}: {exc}", code=exc.code, line=tok.line, path=tok.path, keyword=tok.key
        ) from None


def epoch_plus(t0: Epoch, seconds: float) -> Epoch:
    """``t0`` + ``seconds`` of the time system's clock (leap seconds of UTC are not inserted)."""
    return Epoch(t0.calendar + timedelta(seconds=seconds), t0.scale, False)


def seconds_between(t0: Epoch, t: Epoch) -> float:
    """Seconds from ``t0`` to ``t`` on the message's clock (a ``:60`` reading counts as 60 s)."""
    d = (t.calendar - t0.calendar).total_seconds()
    return d + (1.0 if t.leap else 0.0) - (1.0 if t0.leap else 0.0)


def convert(tok: Tok, name: str, key: Key, scale: str, ctx: ReadContext, t0: Epoch | None = None) -> Any:
    """Typed SI value of ``tok`` under declaration ``key`` (:data:`MISSING` when to be treated as absent)."""
    k = key.kind
    if k == "s" and tok.unit is not None and tok.path is None:
        # KVN "OBJECT_NAME = GOES 9 [P]": the bracket is part of a text value, not a unit.
        tok = Tok(tok.kind, tok.key, f"{tok.value} [{tok.unit}]", None, tok.line)
    if k in _FW_KIND:
        v = parse_value(framework_keyword(name, key), tok.value, tok.unit, ctx, line=tok.line, path=tok.path)
        if isinstance(v, Epoch) and scale != "UTC":
            v = v.with_scale(scale)
        return v
    s = tok.value.strip()
    if s == "":
        if key.mandatory:
            raise FormatError(
                f"{name} has an empty value",
                code="FORMAT_MISSING_KEYWORD",
                line=tok.line,
                path=tok.path,
                keyword=name,
            )
        ctx.warn("empty value treated as absent", line=tok.line, path=tok.path, keyword=name)
        return MISSING
    if k == "T":
        if t0 is not None and "-" not in s[1:] and "T" not in s:
            return epoch_plus(t0, parse_float(s, tok))
        return parse_epoch(s, tok, scale)
    if k == "l":
        return [p.strip() for p in s.split(",") if p.strip()]
    if k == "u":
        if s.startswith("[") and s.endswith("]"):
            s = s[1:-1]
        return [p.strip() for p in s.split(",") if p.strip()]
    raise AssertionError(k)


def exact_float(x: float) -> str:
    """Shortest exact text of ``x`` in CCSDS style (``1.5E-05`` rather than ``1.5e-05``)."""
    s = repr(x)
    if "e" in s:
        mant, exp = s.split("e")
        return f"{mant if '.' in mant else mant + '.0'}E{int(exp):+03d}"
    return s


def fmt_float(x: float) -> str:
    """Shortest text that reads back as exactly ``x`` (data lines, covariances)."""
    return repr(float(x))


def format_value(value: Any, key: Key) -> str:
    """Text of a typed SI value as the standard writes it (file units)."""
    k = key.kind
    if k == "f" and (not key.si or units.factor(key.unit) == 1.0):
        return exact_float(float(value))  # no unit conversion: the shortest text that reads back exactly
    if k in _FW_KIND:
        return _fw_format(framework_keyword("value", key), value)
    if k == "T":
        return value.ccsds() if isinstance(value, Epoch) else str(value)
    if k == "l":
        return ", ".join(value)
    if k == "u":
        return "[" + ", ".join(value) + "]"
    return str(value)


def read_block(
    toks: list[Tok],
    decl: dict[str, Key],
    where: str,
    scale: str,
    ctx: ReadContext,
    t0: Epoch | None = None,
    allow_user: bool = False,
) -> KeywordBlock:
    """Type the ``kv``/``comment`` tokens of one block; unknown keywords are FORMAT_UNEXPECTED_KEYWORD."""
    blk = KeywordBlock()
    for t in toks:
        if t.kind == "comment":
            blk.comments.append(t.value)
            continue
        key = decl.get(t.key)
        if key is None:
            if allow_user and t.key.startswith("USER_DEFINED_"):
                blk.values[t.key] = t.value
                continue
            raise FormatError(
                f"{t.key} not expected in {where}",
                code="FORMAT_UNEXPECTED_KEYWORD",
                line=t.line,
                path=t.path,
                keyword=t.key,
            )
        if t.key in blk.values:
            ctx.warn(f"{t.key} repeated in {where}; last value kept", line=t.line, keyword=t.key)
        v = convert(t, t.key, key, scale, ctx, t0)
        if v is not MISSING:
            blk.values[t.key] = v
    return blk


def located(toks: list[Any]) -> tuple[int | None, str | None]:
    """Line and XML element path of the block holding ``toks`` (for errors on a missing keyword)."""
    for t in toks:
        if getattr(t, "line", None) is not None or getattr(t, "path", None):
            path = t.path.rsplit("/", 1)[0] if t.path else None
            return t.line, path
    return None, None


def require(
    blk: KeywordBlock, keys: tuple[str, ...], where: str, line: int | None = None, path: str | None = None
) -> None:
    """FORMAT_MISSING_KEYWORD for the first of ``keys`` absent or empty; ``line``/``path`` locate it."""
    for k in keys:
        v = blk.values.get(k)
        if v is None or (isinstance(v, str) and v.strip() == ""):
            raise FormatError(
                f"{k} is mandatory in {where}", code="FORMAT_MISSING_KEYWORD", line=line, path=path, keyword=k
            )


def warning_texts(ws: list[FormatWarning]) -> list[str]:
    return [str(w) for w in ws]


def standard_order(blk: KeywordBlock, decl: dict[str, Key]) -> list[tuple[str, Any]]:
    """A block's keywords in the order the standard declares them (others, e.g. USER_DEFINED_*, last)."""
    rank = {k: i for i, k in enumerate(decl)}
    return sorted(blk.values.items(), key=lambda kv: rank.get(kv[0], len(rank)))


def kvn_lines(blk: KeywordBlock, decl: dict[str, Key], width: int = 24, comments: bool = True) -> list[str]:
    """KVN lines of a block: comments first, then ``KEY = value [unit]``."""
    out = (
        [f"COMMENT {c}".rstrip() for cm in blk.comments for c in cm.splitlines() or [""]] if comments else []
    )
    for k, v in standard_order(blk, decl):
        key = decl.get(k, S)
        text = " ".join(format_value(v, key).splitlines())  # a KVN value is one line
        unit = f" [{key.unit}]" if key.kind == "f" and key.unit and key.unit != "n/a" else ""
        out.append(f"{k:<{width}} = {text}{unit}")
    return out


def xml_fill(node: XNode, blk: KeywordBlock, decl: dict[str, Key], comments: bool = True) -> None:
    """Append a block's comments and keywords as XML leaves of ``node``."""
    if comments:
        for c in blk.comments:
            node.add("COMMENT", c)
    for k, v in standard_order(blk, decl):
        if k.startswith("USER_DEFINED_") and k not in decl:
            node.add("USER_DEFINED", v, parameter=k[len("USER_DEFINED_") :])
            continue
        key = decl.get(k, S)
        if key.kind == "f" and key.unit and key.unit != "n/a":
            node.add(k, format_value(v, key), units=key.unit)
        else:
            node.add(k, format_value(v, key))
