"""The order in which a block's keywords, user parameters, data and child blocks are written.

Shared by the KVN, XML and JSON writers so that all three follow the standard's (XSD) order:
keywords in declaration order, a child block with ``xml_before`` just before that keyword, other
children after the keywords, in the order they are in the model.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from openstc.formats.model import Block
from openstc.formats.schema import Keyword
from openstc.formats.values import is_written


def items(b: Block) -> Iterator[tuple[str, Any]]:
    """Yields ``("kw", (Keyword, value))``, ``("user", (name, value))``, ``("data", None)`` and
    ``("child", Block)`` in writing order."""
    placed = {id(c) for c in b.children if c.spec.xml_before and c.spec.xml_before in b.spec.kwmap}
    for kw in b.spec.keywords:
        for c in b.children:
            if id(c) in placed and c.spec.xml_before == kw.name:
                yield "child", c
        if kw.name in b.values and is_written(kw, b.values[kw.name]):
            yield "kw", (kw, b.values[kw.name])
    for name, value in b.user.items():
        yield "user", (name, value)
    if b.spec.data is not None and b.data is not None:
        yield "data", None
    for c in b.children:
        if id(c) not in placed:
            yield "child", c


def keyword_value(item: Any) -> tuple[Keyword, Any]:
    kw, value = item
    assert isinstance(kw, Keyword)
    return kw, value
