"""Typed keyword blocks shared by the ODM models (OEM, OCM, OMM): declarations, reading, writing.

A block (header, metadata, an OCM physical-properties block, ...) is declared as an ordered mapping
``KEYWORD -> Keyword`` of :class:`~openstc.formats.schema.Keyword` declarations (the one declaration
type of every message; shared groups live in :mod:`~openstc.formats.odm_keys`). Kinds: ``str``,
``float`` (``unit`` is the unit the standard writes; the model keeps SI unless ``si`` is False),
``int``, ``time`` (:class:`~openstc.formats.ccsds_time.Epoch`), ``reltime`` (a time that may also be
written as seconds relative to a reference epoch, OCM), ``strs`` comma list of text, ``floats``
blank-separated float vector, ``units`` units list ``[km, km/s]``. A read block is a
:class:`KeywordBlock`: ``values`` maps keyword to typed SI value, in the order read. Mandatory
keywords are checked from the declarations' ``mandatory`` flag by :func:`require_declared`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from openstc.errors import FormatError
from openstc.formats import units
from openstc.formats.ccsds_time import Epoch, TimeFormProblem, parse_time
from openstc.formats.model import FormatWarning, ReadContext
from openstc.formats.oem_io import Tok, XNode, tok_error
from openstc.formats.schema import Keyword
from openstc.formats.values import MISSING, parse_value
from openstc.formats.values import format_value as _fw_format

# Keyword kinds the shared value parser (:func:`openstc.formats.values.parse_value`) handles; the others
# (``reltime``, ``strs``, ``units``) are ODM-only and typed here.
_FW_KINDS = frozenset({"str", "float", "int", "time", "floats"})
TEXT = Keyword("value")  # declaration used for keywords a table does not know (USER_DEFINED_*)


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
        raise tok_error(
            tok, f"{tok.key} = {text!r} is not a number (expected a real number)", "FORMAT_BAD_VALUE", tok.key
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


def convert(
    tok: Tok,
    name: str,
    key: Keyword,
    scale: str,
    ctx: ReadContext,
    t0: Epoch | None = None,
    strict: bool = False,
) -> Any:
    """Typed SI value of ``tok`` under declaration ``key`` (:data:`MISSING` when to be treated as absent).

    An empty value is a warning (treated as absent; :func:`require_declared` then reports a missing
    mandatory keyword) unless ``strict``, where an empty mandatory value is an error at its line."""
    k = key.kind
    if not strict and key.mandatory:
        key = replace(key, mandatory=False)
    if k == "str" and tok.unit is not None and tok.path is None:
        # KVN "OBJECT_NAME = GOES 9 [P]": the bracket is part of a text value, not a unit.
        tok = Tok(tok.kind, tok.key, f"{tok.value} [{tok.unit}]", None, tok.line)
    if k in _FW_KINDS:
        v = parse_value(key, tok.value, tok.unit, ctx, line=tok.line, path=tok.path)
        if isinstance(v, Epoch) and scale != "UTC":
            v = v.with_scale(scale)
        return v
    s = tok.value.strip()
    if s == "":
        if key.mandatory:
            raise tok_error(tok, f"{name} has an empty value", "FORMAT_MISSING_KEYWORD", name)
        ctx.warn("empty value treated as absent", line=tok.line, path=tok.path, keyword=name)
        return MISSING
    if k == "reltime":
        if t0 is not None and "-" not in s[1:] and "T" not in s:
            return epoch_plus(t0, parse_float(s, tok))
        return parse_epoch(s, tok, scale)
    if k == "strs":
        return [p.strip() for p in s.split(",") if p.strip()]
    if k == "units":
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


def format_value(value: Any, key: Keyword) -> str:
    """Text of a typed SI value as the standard writes it (file units)."""
    k = key.kind
    if k == "float" and (not key.si or units.factor(key.unit) == 1.0):
        return exact_float(float(value))  # no unit conversion: the shortest text that reads back exactly
    if k in _FW_KINDS:
        return _fw_format(key, value)
    if k == "reltime":
        return value.ccsds() if isinstance(value, Epoch) else str(value)
    if k == "strs":
        return ", ".join(value)
    if k == "units":
        return "[" + ", ".join(value) + "]"
    return str(value)


def read_block(
    toks: list[Tok],
    decl: dict[str, Keyword],
    where: str,
    scale: str,
    ctx: ReadContext,
    t0: Epoch | None = None,
    allow_user: bool = False,
    strict: bool = False,
) -> KeywordBlock:
    """Type the ``kv``/``comment`` tokens of one block; unknown keywords are FORMAT_UNEXPECTED_KEYWORD.

    ``strict``: an empty mandatory value is an error at its line (see :func:`convert`)."""
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
            raise tok_error(t, f"{t.key} not expected in {where}", "FORMAT_UNEXPECTED_KEYWORD", t.key)
        if t.key in blk.values:
            ctx.warn(f"{t.key} repeated in {where}; last value kept", line=t.line, keyword=t.key)
        v = convert(t, t.key, key, scale, ctx, t0, strict)
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


def missing_mandatory(blk: KeywordBlock, decl: dict[str, Keyword]) -> list[str]:
    """Mandatory keywords of ``decl`` (declaration order) absent or empty in ``blk``."""
    out = []
    for k, kw in decl.items():
        v = blk.values.get(k)
        if kw.mandatory and (v is None or (isinstance(v, str) and v.strip() == "")):
            out.append(k)
    return out


def require_declared(
    blk: KeywordBlock,
    decl: dict[str, Keyword],
    where: str,
    line: int | None = None,
    path: str | None = None,
) -> None:
    """FORMAT_MISSING_KEYWORD for the first mandatory keyword of ``decl`` absent or empty in ``blk``;
    ``line``/``path`` locate the block."""
    for k in missing_mandatory(blk, decl)[:1]:
        raise FormatError(
            f"{k} is mandatory in {where}", code="FORMAT_MISSING_KEYWORD", line=line, path=path, keyword=k
        )


def warning_texts(ws: list[FormatWarning]) -> list[str]:
    return [str(w) for w in ws]


def standard_order(blk: KeywordBlock, decl: dict[str, Keyword]) -> list[tuple[str, Any]]:
    """A block's keywords in the order the standard declares them (others, e.g. USER_DEFINED_*, last)."""
    rank = {k: i for i, k in enumerate(decl)}
    return sorted(blk.values.items(), key=lambda kv: rank.get(kv[0], len(rank)))


def kvn_lines(
    blk: KeywordBlock, decl: dict[str, Keyword], width: int = 24, comments: bool = True
) -> list[str]:
    """KVN lines of a block: comments first, then ``KEY = value [unit]``."""
    out = (
        [f"COMMENT {c}".rstrip() for cm in blk.comments for c in cm.splitlines() or [""]] if comments else []
    )
    for k, v in standard_order(blk, decl):
        key = decl.get(k, TEXT)
        text = " ".join(format_value(v, key).splitlines())  # a KVN value is one line
        unit = f" [{key.unit}]" if key.kind == "float" and key.unit and key.unit != "n/a" else ""
        out.append(f"{k:<{width}} = {text}{unit}")
    return out


def xml_fill(node: XNode, blk: KeywordBlock, decl: dict[str, Keyword], comments: bool = True) -> None:
    """Append a block's comments and keywords as XML leaves of ``node``."""
    if comments:
        for c in blk.comments:
            node.add("COMMENT", c)
    for k, v in standard_order(blk, decl):
        if k.startswith("USER_DEFINED_") and k not in decl:
            node.add("USER_DEFINED", v, parameter=k[len("USER_DEFINED_") :])
            continue
        key = decl.get(k, TEXT)
        if key.kind == "float" and key.unit and key.unit != "n/a":
            node.add(k, format_value(v, key), units=key.unit)
        else:
            node.add(k, format_value(v, key))
