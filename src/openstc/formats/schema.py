"""Declarative message schemas: keywords, blocks and message types (the tables codecs walk).

Each CCSDS keyword is declared once, as a :class:`Keyword` (name, kind, unit as the standard writes
it in files, mandatory or not). Keywords are grouped into :class:`BlockSpec` trees that follow the
NDM/XML structure (``header``, ``body``, ``segment``, ``metadata``, ``data``, ``stateVector``, ...);
the KVN reader finds the block of a keyword from these tables, the XML and JSON codecs use the
block names as element/object names. Non-keyword content (ephemeris lines, covariance triangles,
OCM trajectory lines) is delegated to a :class:`DataLines` handler attached to the block. A
:class:`MessageSpec` names the message type (``CDM``), its version keyword, XML root and root block.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol
from xml.etree.ElementTree import Element

if TYPE_CHECKING:
    from openstc.formats.model import Block, Message, ReadContext

KINDS = ("str", "float", "int", "time", "enum", "floats", "ints", "reltime", "strs", "units")


@dataclass(frozen=True, slots=True)
class Keyword:
    """One CCSDS keyword.

    ``kind``: ``str`` (free text), ``float`` (stored in SI), ``int``, ``time`` (an :class:`Epoch`),
    ``enum`` (one of ``choices``, stored upper case), ``floats``/``ints`` (blank-separated list); the
    ODM keyword blocks (:mod:`~openstc.formats.oem_keys`) also use ``reltime`` (an OCM time that may be
    written as seconds after ``EPOCH_TZERO``), ``strs`` (comma-separated text list) and ``units``
    (a ``[km, km/s]`` units list).
    ``unit`` is the unit the standard writes in files (``km``, ``deg``, ``m**2``); the model holds
    the SI value unless ``si`` is False. ``alt_units`` are other units accepted (converted) with a
    warning. ``upper``: a free-text value the standard wants in upper case (lower case is accepted
    with a warning and upper-cased).
    """

    name: str
    kind: str = "str"
    unit: str | None = None
    mandatory: bool = False
    doc: str = ""
    choices: tuple[str, ...] = ()
    alt_units: tuple[str, ...] = ()
    upper: bool = False
    si: bool = True

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"keyword {self.name}: unknown kind {self.kind!r}")


class DataLines(Protocol):
    """Handler for the non-keyword content of a block (ephemeris lines, covariance triangle, ...).

    The handler keeps its parsed content in ``block.data`` (any type it likes, e.g. a numpy array or
    a list of rows) and must raise :class:`openstc.errors.FormatError` (code
    ``FORMAT_BAD_DATA_LINE``, with ``line``) for content of the wrong shape. Every method receives
    the :class:`ReadContext` to add warnings with ``ctx.warn(...)`` and build errors with
    ``ctx.error(...)``.
    """

    def kvn_line(self, block: Block, text: str, line: int, ctx: ReadContext) -> None:
        """Take one KVN line that is not ``KEY = VALUE``/``COMMENT``/marker (already stripped)."""

    def kvn_write(self, block: Block) -> list[str]:
        """KVN lines for ``block.data`` (written after the block's keywords)."""

    def xml_child(self, block: Block, element: Element, ctx: ReadContext) -> bool:
        """Take an XML child element the schema does not know; return False to reject it."""

    def xml_write(self, block: Block, parent: Element) -> None:
        """Append the XML elements for ``block.data`` to ``parent``."""

    def json_read(self, block: Block, key: str, value: Any, ctx: ReadContext) -> bool:
        """Take a JSON member the schema does not know; return False to reject it."""

    def json_write(self, block: Block) -> dict[str, Any]:
        """JSON members for ``block.data`` (merged into the block's object)."""

    def finish(self, block: Block, ctx: ReadContext, line: int | None) -> None:
        """Called once the block is complete (``line``: where the next content starts, if known)."""

    def equal(self, a: Any, b: Any, rel: float) -> bool:
        """Whether two ``block.data`` payloads carry the same values (round-trip checks)."""


@dataclass(frozen=True, eq=False)
class BlockSpec:
    """A group of keywords (and sub-blocks) that is one element in NDM/XML.

    ``name`` is the XML element name and JSON member name (``header``, ``metadata``,
    ``covarianceMatrix``); ``key`` is the model name when two blocks share an element name (the CDM
    RTN, XYZ and sigma/eigenvector covariances are all ``covarianceMatrix``); it defaults to
    ``name``. ``repeat``: may occur more than once in its parent. ``kvn_start``/``kvn_stop``: the KVN
    markers (``META_START``) of an explicit block; blocks without markers are implicit in KVN and
    are opened by their first keyword. ``user_defined``: accepts ``USER_DEFINED_*`` parameters.
    ``data``: handler for non-keyword content. ``check``: extra validation once read.
    ``xml_before``: when written, this block goes just before that keyword of its parent (the XSD
    order, e.g. CDM ``relativeStateVector`` before ``START_SCREEN_PERIOD``); otherwise after them.
    """

    name: str
    keywords: tuple[Keyword, ...] = ()
    children: tuple[BlockSpec, ...] = ()
    key: str = ""
    repeat: bool = False
    mandatory: bool = False
    kvn_start: str | None = None
    kvn_stop: str | None = None
    user_defined: bool = False
    data: DataLines | None = None
    doc: str = ""
    check: Callable[[Block, ReadContext], None] | None = None
    xml_before: str | None = None
    kwmap: dict[str, Keyword] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "kwmap", {k.name: k for k in self.keywords})
        if not self.key:
            object.__setattr__(self, "key", self.name)
        if len(self.kwmap) != len(self.keywords):
            raise ValueError(f"block {self.name}: duplicate keyword")

    def child_spec(self, key: str) -> BlockSpec:
        for c in self.children:
            if c.key == key:
                return c
        raise KeyError(f"block {self.key} has no child block {key}")

    def walk(self) -> Iterator[BlockSpec]:
        yield self
        for c in self.children:
            yield from c.walk()

    def first_mandatory(self) -> str:
        """Name of the first mandatory keyword in this block or its mandatory children (for errors)."""
        for k in self.keywords:
            if k.mandatory:
                return k.name
        for c in self.children:
            if c.mandatory:
                return c.first_mandatory()
        return self.keywords[0].name if self.keywords else self.name


@dataclass(frozen=True, eq=False)
class MessageSpec:
    """A message type: ``name`` (``CDM``), ``version_keyword`` (``CCSDS_CDM_VERS``), ``xml_root`` (``cdm``).

    ``root`` is the block tree below the root element (``header`` and ``body``...). ``versions``
    are accepted versions (others are rejected with FORMAT_BAD_VALUE); ``default_version`` is
    written when a message is built in code. ``message_class`` is the model class instantiated by
    readers (a :class:`openstc.formats.model.Message` subclass with typed accessors).
    ``time_scope``: key of the block in which a ``TIME_SYSTEM`` keyword sets the time system of
    every time below it (``segment``); times elsewhere are UTC. ``check``: cross-block validation
    after reading. ``kvn``: whether the type has a KVN form (NDM has not).
    """

    name: str
    version_keyword: str
    xml_root: str
    root: BlockSpec
    versions: tuple[str, ...]
    default_version: str
    message_class: type[Message]
    time_scope: str | None = None
    check: Callable[[Message, ReadContext], None] | None = None
    kvn: bool = True
    doc: str = ""
