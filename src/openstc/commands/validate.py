"""``openstc validate FILE...``: check CCSDS messages; exit status 0 when every file is valid.

For each file: on success one line ``FILE: OK TYPE (encoding)`` followed by one line per warning
(the leniencies applied); on failure one line ``FILE:line N: [KEYWORD] reason (CODE)`` and exit
status 1. The type and encoding are detected from the content.
"""

from __future__ import annotations

import argparse
from typing import Any

from openstc import formats
from openstc.commands.convert import read_input
from openstc.errors import FormatError
from openstc.formats.registry import warnings_of


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "validate",
        help="validate CCSDS messages (CDM, OPM, OMM, OEM, OCM, NDM); exit 1 on any problem",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="message files (KVN, XML or JSON)")
    p.add_argument("--strict", action="store_true", help="treat every leniency as an error")
    p.add_argument("-q", "--quiet", action="store_true", help="print problems only (no OK/warning lines)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    failed = 0
    for name in args.files:
        try:
            data = read_input(name)
            kind, encoding = formats.detect(data)
            msg = formats.read(data, source=name, type=kind, encoding=encoding, strict=args.strict)
        except FormatError as err:
            failed += 1
            err = err if err.source else err.with_source(name)
            print(f"{err} ({err.code})")
            continue
        if not args.quiet:
            warns = warnings_of(msg)
            note = f", {len(warns)} warning(s)" if warns else ""
            print(f"{name}: OK {kind} ({encoding}){note}")
            # in file order: some checks run after the whole message is read and warn late
            for w in sorted(warns, key=lambda w: getattr(w, "line", None) or 0):
                print(f"{name}: warning: {w}")
    return 1 if failed else 0
