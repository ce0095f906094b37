"""``openstc convert FILE [--to kvn|xml|json] [-o OUT]``: rewrite a CCSDS message in another encoding.

The input type (CDM, OPM, OMM, OEM, OCM, NDM) and encoding are detected from the content. What is
written always conforms to the standard (standard units, CCSDS times); the leniencies applied
while reading are listed on standard error as warnings.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from openstc import formats
from openstc.errors import FormatError
from openstc.formats.registry import warnings_of


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "convert",
        help="convert a CCSDS message (CDM, OPM, OMM, OEM, OCM, NDM) between KVN, XML and JSON",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("file", metavar="FILE", help="input message (KVN, XML or JSON; '-' for standard input)")
    p.add_argument(
        "--to",
        choices=("kvn", "xml", "json"),
        default=None,
        help="output encoding (default: kvn, or xml for a message with no KVN form such as an NDM)",
    )
    p.add_argument("-o", "--output", metavar="OUT", help="output file (default: standard output)")
    p.add_argument("--strict", action="store_true", help="treat every leniency as an error")
    p.set_defaults(func=run)


def read_input(name: str) -> bytes:
    if name == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(name).read_bytes()
    except OSError as exc:
        raise FormatError(
            f"cannot read file: {exc.strerror}", code="FORMAT_UNSUPPORTED", source=name
        ) from None


def run(args: argparse.Namespace) -> int:
    data = read_input(args.file)
    msg = formats.read(data, source=args.file, strict=args.strict)
    target = args.to
    codec = formats.registry.codec_for(msg)
    if target is None:
        target = "kvn" if "kvn" in codec.encodings else "xml"
    for w in warnings_of(msg):
        print(f"{args.file}: warning: {w}", file=sys.stderr)
    try:
        text = formats.write(msg, target)
    except FormatError as err:  # the message lacks what the standard requires (writing is strict)
        raise FormatError(
            f"cannot write {codec.name} as {target}: {err.reason}",
            code=err.code,
            source=args.file,
            keyword=err.keyword,
        ) from None
    except ValueError as exc:  # a model value the standard cannot carry (e.g. a non-finite number)
        raise FormatError(
            f"cannot write {codec.name} as {target}: {exc}", code="FORMAT_BAD_VALUE", source=args.file
        ) from None
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0
