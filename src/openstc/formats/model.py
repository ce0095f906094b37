"""The format-neutral message model: blocks of typed keyword values, messages, warnings.

A :class:`Block` is one instance of a :class:`~openstc.formats.schema.BlockSpec`: ``values`` maps
keyword names to typed values (floats in SI, ints, strings, :class:`Epoch` times, lists), ordered
``children`` blocks, ``comments``, ``user`` (``USER_DEFINED_*`` parameters, without the prefix) and
``data`` (what a :class:`DataLines` handler parsed). A :class:`Message` is a typed message: its
spec, version, root block and the warnings collected while reading it. The model is the same
whichever encoding (KVN, XML, JSON) was read.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from openstc.errors import FormatError
from openstc.formats.ccsds_time import Epoch
from openstc.formats.schema import BlockSpec, Keyword, MessageSpec


class Keyed(Protocol):
    """Anything with a keyword lookup: a :class:`Block`, an ODM ``KeywordBlock``."""

    def get(self, key: str, default: Any = None, /) -> Any: ...


# Typed accessors read optional keywords the same way everywhere: an absent keyword is None, not a
# default, so that callers can tell "not given" from a value.
def opt_str(src: Keyed, key: str) -> str | None:
    """``src[key]`` as a string, or None when absent."""
    v = src.get(key)
    return None if v is None else str(v)


def opt_int(src: Keyed, key: str) -> int | None:
    """``src[key]`` as an int, or None when absent."""
    v = src.get(key)
    return None if v is None else int(v)


def opt_float(src: Keyed, key: str) -> float | None:
    """``src[key]`` as a float, or None when absent."""
    v = src.get(key)
    return None if v is None else float(v)


def vector(src: Keyed | None, keys: Sequence[str]) -> npt.NDArray[np.float64]:
    """The values of ``keys`` as a float array, NaN where a keyword (or the whole block) is absent."""
    return np.array([np.nan if src is None else src.get(k, np.nan) for k in keys], dtype=float)


@dataclass(frozen=True, slots=True)
class FormatWarning:
    """A leniency applied while reading (never silent): what was accepted, where, and about which keyword."""

    message: str
    line: int | None = None
    keyword: str | None = None
    path: str | None = None
    code: str = "FORMAT_BAD_VALUE"  # the error code this leniency would be in strict mode

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.path:
            where.append(self.path)
        kw = f" [{self.keyword}]" if self.keyword else ""
        return f"{':'.join(where) or 'message'}:{kw} {self.message}"


@dataclass
class ReadContext:
    """What a reader carries: the source name, the warnings so far, strictness, XML line numbers."""

    source: str | None = None
    strict: bool = False
    warnings: list[FormatWarning] = field(default_factory=list)
    xml_lines: dict[int, int] = field(default_factory=dict)

    def warn(
        self,
        message: str,
        *,
        line: int | None = None,
        keyword: str | None = None,
        path: str | None = None,
        code: str = "FORMAT_BAD_VALUE",
    ) -> None:
        """Record a leniency; in strict mode it is an error with ``code`` instead."""
        if self.strict:
            raise self.error(message, code=code, line=line, keyword=keyword, path=path)
        self.warnings.append(FormatWarning(message, line, keyword, path, code))

    def error(
        self,
        message: str,
        *,
        code: str,
        line: int | None = None,
        keyword: str | None = None,
        path: str | None = None,
    ) -> FormatError:
        return FormatError(message, code=code, source=self.source, line=line, path=path, keyword=keyword)


class Block:
    """One block instance: keyword values (SI), comments, user-defined parameters, children, data."""

    __slots__ = ("children", "comments", "data", "line", "path", "spec", "user", "values")

    def __init__(self, spec: BlockSpec, line: int | None = None, path: str | None = None) -> None:
        self.spec = spec
        self.values: dict[str, Any] = {}
        self.comments: list[str] = []
        self.children: list[Block] = []
        self.user: dict[str, str] = {}
        self.data: Any = None
        self.line = line
        # XML element path of the block when it was read from XML (errors found later name it)
        self.path = path

    # -- keyword values -------------------------------------------------------------------------
    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def __contains__(self, name: str) -> bool:
        return name in self.values

    def set(self, name: str, value: Any) -> Block:
        """Set a keyword (SI value; ``None`` removes it). Unknown keywords raise KeyError. Returns self."""
        kw = self.spec.kwmap.get(name)
        if kw is None:
            raise KeyError(f"block {self.spec.key} has no keyword {name}")
        if value is None:
            self.values.pop(name, None)
        else:
            self.values[name] = _coerce(kw, value)
        return self

    def update(self, **values: Any) -> Block:
        for k, v in values.items():
            self.set(k, v)
        return self

    # -- children -------------------------------------------------------------------------------
    def child(self, key: str) -> Block | None:
        """The first child block with model key ``key`` (e.g. ``metadata``), or None."""
        for c in self.children:
            if c.spec.key == key:
                return c
        return None

    def children_of(self, key: str) -> list[Block]:
        return [c for c in self.children if c.spec.key == key]

    def add(self, key: str, line: int | None = None) -> Block:
        """Add a new child instance of the child spec ``key`` (after the existing children that come
        before it in the standard's order) and return it."""
        spec = self.spec.child_spec(key)
        order = self.spec.children.index(spec)
        b = Block(spec, line)
        at = len(self.children)
        while at > 0 and self.spec.children.index(self.children[at - 1].spec) > order:
            at -= 1
        self.children.insert(at, b)
        return b

    def ensure(self, key: str) -> Block:
        """The child ``key``, created if absent."""
        return self.child(key) or self.add(key)

    def find(self, key: str) -> Block | None:
        """The first descendant (depth first, self included) with model key ``key``."""
        for b in self.walk():
            if b.spec.key == key:
                return b
        return None

    def walk(self) -> Iterator[Block]:
        yield self
        for c in self.children:
            yield from c.walk()

    def to_plain(self) -> dict[str, Any]:
        """A nested plain dict (for debugging and comparisons)."""
        out: dict[str, Any] = {"block": self.spec.key}
        if self.comments:
            out["COMMENT"] = list(self.comments)
        for k, v in self.values.items():
            out[k] = str(v) if isinstance(v, Epoch) else v
        if self.user:
            out["USER_DEFINED"] = dict(self.user)
        if self.data is not None:
            out["data"] = self.data
        if self.children:
            out["children"] = [c.to_plain() for c in self.children]
        return out

    def __repr__(self) -> str:
        return f"Block({self.spec.key}, {len(self.values)} values, {len(self.children)} children)"


def _coerce(kw: Keyword, value: Any) -> Any:
    """Light type normalisation for values set in code (the codecs produce the right types already)."""
    if kw.kind == "float":
        return float(value)
    if kw.kind == "int":
        return int(value)
    if kw.kind == "time":
        if isinstance(value, Epoch):
            return value
        from datetime import datetime

        if isinstance(value, datetime):
            return Epoch.from_utc(value)
        raise TypeError(f"{kw.name} needs an Epoch or datetime, got {type(value).__name__}")
    if kw.kind in ("floats", "ints"):
        conv = float if kw.kind == "floats" else int
        return [conv(v) for v in value]
    if kw.kind == "enum":
        return str(value).upper()
    return str(value)


class Message:
    """A CCSDS message of any registered type. Subclasses add typed accessors (e.g. ``Cdm.tca``)."""

    def __init__(
        self,
        spec: MessageSpec,
        root: Block | None = None,
        version: str | None = None,
        warnings: list[FormatWarning] | None = None,
    ) -> None:
        self.spec = spec
        self.root = root if root is not None else Block(spec.root)
        self.version = version or spec.default_version
        self.warnings: list[FormatWarning] = warnings if warnings is not None else []

    @property
    def type(self) -> str:
        return self.spec.name

    @property
    def header(self) -> Block:
        return self.root.ensure("header")

    def to_plain(self) -> dict[str, Any]:
        return {"type": self.spec.name, "version": self.version, "root": self.root.to_plain()}

    def __repr__(self) -> str:
        return f"<{self.spec.name} {self.version} message>"


class _HasSegment(Protocol):
    @property
    def segment(self) -> Block: ...


class SegmentParts:
    """``metadata`` and ``data`` of a view over one segment block (CDM object, OPM), created if absent."""

    @property
    def metadata(self: _HasSegment) -> Block:
        return self.segment.ensure("metadata")

    @property
    def data(self: _HasSegment) -> Block:
        return self.segment.ensure("data")


def values_equal(a: Any, b: Any, rel: float = 1e-12) -> bool:
    """Equality for model values with a relative tolerance on floats (unit round trips)."""
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) and math.isnan(b):
            return True
        return math.isclose(a, b, rel_tol=rel, abs_tol=1e-300)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(values_equal(x, y, rel) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def block_differences(a: Block, b: Block, rel: float = 1e-12, path: str = "") -> list[str]:
    """Human-readable differences between two blocks (empty when they carry the same content)."""
    here = f"{path}/{a.spec.key}"
    diffs: list[str] = []
    if a.spec.key != b.spec.key:
        return [f"{here}: block {a.spec.key} != {b.spec.key}"]
    for k in sorted(set(a.values) | set(b.values)):
        if k not in a.values or k not in b.values or not values_equal(a.values[k], b.values[k], rel):
            diffs.append(f"{here}/{k}: {a.values.get(k)!r} != {b.values.get(k)!r}")
    if a.comments != b.comments:
        diffs.append(f"{here}/COMMENT: {a.comments!r} != {b.comments!r}")
    if a.user != b.user:
        diffs.append(f"{here}/USER_DEFINED: {a.user!r} != {b.user!r}")
    handler = a.spec.data
    data_differs = (a.data is None) != (b.data is None) or (
        handler is not None and a.data is not None and not handler.equal(a.data, b.data, rel)
    )
    if handler is not None and data_differs:
        diffs.append(f"{here}/data differs")
    if len(a.children) != len(b.children):
        diffs.append(f"{here}: {len(a.children)} children != {len(b.children)}")
    else:
        for i, (ca, cb) in enumerate(zip(a.children, b.children, strict=True)):
            diffs.extend(block_differences(ca, cb, rel, f"{here}[{i}]"))
    return diffs


def message_differences(a: Message, b: Message, rel: float = 1e-12) -> list[str]:
    diffs = []
    if a.spec.name != b.spec.name:
        diffs.append(f"type {a.spec.name} != {b.spec.name}")
    if a.version != b.version:
        diffs.append(f"version {a.version} != {b.version}")
    return diffs + block_differences(a.root, b.root, rel)
