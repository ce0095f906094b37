"""KVN (keyword = value notation) reading and writing for every message type, driven by the schemas.

Reading: :func:`lex` turns text into :class:`Token` s with line numbers (``KEY = VALUE [unit]``,
``COMMENT text``, ``XXX_START``/``XXX_STOP`` markers, and other non-blank lines as data lines).
:func:`read_kvn` routes each token to the block that declares it: from the innermost open block
outwards, opening implicit child blocks as needed. The first keyword of a repeatable block starts
its next instance (a second ``OBJECT`` or ``MAN_EPOCH_IGNITION`` starts the next segment or
maneuver); any other keyword given twice is FORMAT_UNEXPECTED_KEYWORD at its line. An open
explicit block (between ``META_START`` and ``META_STOP``) only takes its own keywords. Comments go
to the block that takes the next token (as Orekit places them).
Writing (:func:`write_kvn`) is strict: standard units in brackets, CCSDS times, no NaN.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from openstc.formats import writeorder
from openstc.formats.model import Block, Message, ReadContext
from openstc.formats.schema import BlockSpec, MessageSpec
from openstc.formats.values import MISSING, comment_text, format_value, parse_value

_KV = re.compile(r"^([A-Za-z][A-Za-z0-9_]*)(\s*)=(\s*)(.*)$")
_UNIT = re.compile(r"^(.*?)(\s*)\[([^\[\]]*)\]\s*$")
_OPEN_UNIT = re.compile(r"^(.*?)\s*\[([^\[\]]*)$")
_MARKER = re.compile(r"^([A-Z][A-Z0-9_]*_(START|STOP))$")


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # "kv" | "comment" | "start" | "stop" | "data"
    key: str
    value: str
    unit: str | None
    line: int


def lex(text: str, ctx: ReadContext) -> list[Token]:
    """Tokens of a KVN text, one per non-blank line; leniencies (``KEY =VALUE``, glued units) warned."""
    tokens: list[Token] = []
    for n, raw in enumerate(text.splitlines(), start=1):
        s = raw.strip()
        if not s:
            continue
        if s == "COMMENT" or s.startswith(("COMMENT ", "COMMENT\t")):
            tokens.append(Token("comment", "COMMENT", s[7:].strip(), None, n))
            continue
        m = _MARKER.match(s)
        if m:
            tokens.append(Token("start" if m[2] == "START" else "stop", m[1], "", None, n))
            continue
        m = _KV.match(s)
        if m:
            key, sp1, sp2, rest = m[1], m[2], m[3], m[4]
            if key != key.upper():
                ctx.warn(f"lower-case keyword {key!r} read as {key.upper()!r}", line=n, keyword=key.upper())
                key = key.upper()
            if (not sp1 or not sp2) and rest:
                ctx.warn(
                    "no blank around '=' (standard form is 'KEY = VALUE')",
                    line=n,
                    keyword=key,
                    code="FORMAT_SYNTAX",
                )
            unit: str | None = None
            um = _UNIT.match(rest)
            cut = _OPEN_UNIT.match(rest) if not um else None
            if cut:
                rest = cut[1]
                ctx.warn(
                    f"unterminated unit '[{cut[2]}' ignored", line=n, keyword=key, code="FORMAT_BAD_UNIT"
                )
            if um:
                rest, glue, unit = um[1], um[2], um[3].strip()
                if not glue and rest:
                    ctx.warn(f"unit [{unit}] glued to the value", line=n, keyword=key, code="FORMAT_SYNTAX")
            tokens.append(Token("kv", key, rest.strip(), unit, n))
            continue
        tokens.append(Token("data", "", s, None, n))
    return tokens


def _accepts_here(block: Block, tok: Token) -> bool:
    spec = block.spec
    if tok.kind == "kv":
        if tok.key in spec.kwmap:
            return tok.key not in block.values
        if spec.user_defined and tok.key.startswith("USER_DEFINED_"):
            return tok.key[13:] not in block.user
        return False
    if tok.kind == "data":
        return spec.data is not None
    return False


def _declares(spec: BlockSpec, tok: Token) -> bool:
    if tok.kind == "kv":
        return tok.key in spec.kwmap or (spec.user_defined and tok.key.startswith("USER_DEFINED_"))
    if tok.kind == "data":
        return spec.data is not None
    if tok.kind == "start":
        return spec.kvn_start == tok.key
    return False


_PATH_CACHE: dict[tuple[BlockSpec, str, str, bool], list[list[BlockSpec]]] = {}


def _paths(spec: BlockSpec, tok: Token) -> list[list[BlockSpec]]:
    """Chains of child specs from ``spec`` down to a spec that takes ``tok`` (through implicit blocks).

    Memoised per (spec, token kind, keyword): the schemas are immutable module-level tables."""
    user = tok.kind == "kv" and tok.key.startswith("USER_DEFINED_")
    key = (spec, tok.kind, "" if tok.kind == "data" or user else tok.key, user)
    hit = _PATH_CACHE.get(key)
    if hit is None:
        hit = _PATH_CACHE[key] = _find_paths(spec, tok)
    return hit


def _find_paths(spec: BlockSpec, tok: Token) -> list[list[BlockSpec]]:
    out: list[list[BlockSpec]] = []
    for c in spec.children:
        if c.kvn_start is not None:
            # an explicit block is entered only through its start marker
            if tok.kind == "start" and c.kvn_start == tok.key:
                out.append([c])
            continue
        if _declares(c, tok):
            out.append([c])
        for sub in _find_paths(c, tok):
            out.append([c, *sub])
    return out


def _realize(block: Block, path: list[BlockSpec], tok: Token, dry: bool) -> list[Block] | None:
    """Open (or reuse) the blocks along ``path`` below ``block``; returns the chain of blocks, or None
    if the token cannot go there. With ``dry`` nothing is created (the chain may be incomplete)."""
    cur = block
    chain: list[Block] = []
    for i, cs in enumerate(path):
        rest = path[i + 1 :]
        existing = None
        for c in reversed(cur.children):
            if c.spec is cs:
                existing = c
                break
        if existing is not None and cs.kvn_start is None and _can_take(existing, rest, tok):
            cur = existing
            chain.append(cur)
            continue
        if existing is not None and not (cs.repeat and _opens(cs, tok)):
            return None
        if dry:
            return chain  # a new instance can be created from here on, and it takes the token
        cur = Block(cs, tok.line)
        parent = chain[-1] if chain else block
        parent.children.append(cur)
        chain.append(cur)
    if tok.kind != "start" and not _accepts_here(cur, tok):
        return None
    return chain


def _first_keyword(spec: BlockSpec) -> str | None:
    if spec.keywords:
        return spec.keywords[0].name
    for c in spec.children:
        k = _first_keyword(c)
        if k is not None:
            return k
    return None


def _opens(spec: BlockSpec, tok: Token) -> bool:
    """Whether ``tok`` starts a further instance of the repeated block ``spec`` (its first keyword,
    e.g. ``OBJECT`` or ``MAN_EPOCH_IGNITION``, or its start marker): a duplicate of any other
    keyword is an error rather than the silent start of a new segment."""
    if tok.kind == "start":
        return spec.kvn_start == tok.key or (
            spec.kvn_start is None and any(_opens(c, tok) for c in spec.children[:1])
        )
    if tok.kind == "kv":
        return _first_keyword(spec) == tok.key
    return True


def _can_take(block: Block, rest: list[BlockSpec], tok: Token) -> bool:
    if not rest:
        return _accepts_here(block, tok)
    return _realize(block, rest, tok, dry=True) is not None


def read_kvn(spec: MessageSpec, text: str, ctx: ReadContext) -> tuple[str, Block]:
    """Read a KVN message of type ``spec``: returns (version, root block). Raises FormatError."""
    tokens = lex(text, ctx)
    if not tokens or tokens[0].kind != "kv" or tokens[0].key != spec.version_keyword:
        line = tokens[0].line if tokens else None
        raise ctx.error(
            f"first keyword must be {spec.version_keyword}",
            code="FORMAT_MISSING_KEYWORD",
            line=line,
            keyword=spec.version_keyword,
        )
    version = tokens[0].value
    root = Block(spec.root, 1)
    stack: list[Block] = [root]
    pending: list[str] = []

    def close_to(depth: int, line: int | None) -> None:
        while len(stack) > depth:
            b = stack.pop()
            if b.spec.data is not None:
                b.spec.data.finish(b, ctx, line)

    for tok in tokens[1:]:
        if tok.kind == "comment":
            pending.append(tok.value)
            continue
        if tok.kind == "kv" and tok.key.startswith("COMMENT_"):
            ctx.warn(
                f"non-standard keyword {tok.key} kept as a comment",
                line=tok.line,
                keyword=tok.key,
                code="FORMAT_UNEXPECTED_KEYWORD",
            )
            pending.append(f"{tok.key} = {tok.value}")
            continue
        if tok.kind == "stop":
            idx = next((i for i in range(len(stack) - 1, 0, -1) if stack[i].spec.kvn_stop == tok.key), None)
            if idx is None:
                raise ctx.error(
                    f"unexpected {tok.key}", code="FORMAT_UNEXPECTED_KEYWORD", line=tok.line, keyword=tok.key
                )
            stack[-1].comments.extend(pending)
            pending.clear()
            close_to(idx, tok.line)
            continue
        target = _route(stack, tok, close_to)
        if target is None:
            what = tok.key if tok.kind != "data" else "data line"
            detail = f"data line {tok.value!r}" if tok.kind == "data" else f"keyword {tok.key}"
            if tok.kind == "kv" and any(tok.key in b.spec.kwmap for b in stack):
                detail += " given twice or out of place"
            raise ctx.error(
                f"unexpected {detail} here (in {stack[-1].spec.key})"
                + (
                    ": expected 'KEY = VALUE', 'COMMENT text' or a block marker" if tok.kind == "data" else ""
                ),
                code="FORMAT_SYNTAX" if tok.kind == "data" else "FORMAT_UNEXPECTED_KEYWORD",
                line=tok.line,
                keyword=what if tok.kind != "data" else None,
            )
        if pending:
            target.comments.extend(pending)
            pending.clear()
        if tok.kind == "kv":
            _assign(target, tok, ctx)
        elif tok.kind == "data":
            assert target.spec.data is not None
            target.spec.data.kvn_line(target, tok.value, tok.line, ctx)
    if pending:
        stack[-1].comments.extend(pending)
    close_to(0, None)
    return version, root


def _route(stack: list[Block], tok: Token, close_to: Callable[[int, int | None], None]) -> Block | None:
    for depth in range(len(stack) - 1, -1, -1):
        b = stack[depth]
        if tok.kind != "start" and _accepts_here(b, tok):
            close_to(depth + 1, tok.line)
            return b
        for path in _paths(b.spec, tok):
            if _realize(b, path, tok, dry=True) is None:
                continue
            close_to(depth + 1, tok.line)
            chain = _realize(b, path, tok, dry=False)
            assert chain
            stack.extend(chain)
            return chain[-1]
        if b.spec.kvn_start is not None:
            return None  # an open explicit block takes only its own content
    return None


def _assign(block: Block, tok: Token, ctx: ReadContext) -> None:
    kw = block.spec.kwmap.get(tok.key)
    if kw is None:  # USER_DEFINED_*
        block.user[tok.key[13:]] = tok.value
        return
    text, unit = tok.value, tok.unit
    if unit is not None and kw.kind in ("str", "enum"):
        # a bracketed tail on a text value is part of the text, not a unit
        text, unit = f"{text} [{unit}]".strip(), None
    v = parse_value(kw, text, unit, ctx, line=tok.line)
    if v is not MISSING:
        block.values[kw.name] = v


# -- writing ------------------------------------------------------------------------------------


def write_kvn(msg: Message) -> str:
    """The KVN text of ``msg`` (strict: standard units, CCSDS times)."""
    spec = msg.spec
    if not spec.kvn:
        raise ValueError(f"{spec.name} has no KVN form")
    width = max([len(spec.version_keyword), *(len(k.name) for b in spec.root.walk() for k in b.keywords)])
    width = min(max(width, 20), 40)
    lines = [f"{spec.version_keyword:<{width}} = {msg.version}"]
    _write_block(msg.root, lines, width)
    return "\n".join(lines) + "\n"


def _write_block(b: Block, lines: list[str], width: int) -> None:
    spec = b.spec
    if spec.kvn_start:
        lines.append(spec.kvn_start)
    for text in b.comments:
        lines.append(f"COMMENT {comment_text(text)}".rstrip())
    for kind, item in writeorder.items(b):
        if kind == "kw":
            kw, value = item
            text = format_value(kw, value)
            line = f"{kw.name:<{width}} = {text}"
            if kw.unit and kw.kind in ("float", "floats"):
                line = f"{line:<{width + 28}} [{kw.unit}]"
            lines.append(line)
        elif kind == "user":
            name, value = item
            lines.append(f"{'USER_DEFINED_' + name:<{width}} = {value}")
        elif kind == "data":
            assert spec.data is not None
            lines.extend(spec.data.kvn_write(b))
        else:
            _write_block(item, lines, width)
    if spec.kvn_stop:
        lines.append(spec.kvn_stop)
