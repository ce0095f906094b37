"""The ``openstc`` command line: one sub-command per module under :mod:`openstc.commands`.

Each command module exposes ``register(subparsers)`` which adds its parser and sets
``func(args) -> int`` as the handler. Keeping one module per command lets the formats, screening,
Pc and service work evolve without touching each other.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from openstc import __version__
from openstc.errors import OpenstcError

# Order is the order shown in --help.
COMMAND_MODULES = (
    "openstc.commands.run",
    "openstc.commands.demo",
    "openstc.commands.convert",
    "openstc.commands.validate",
    "openstc.commands.screen",
    "openstc.commands.pc",
    "openstc.commands.serve",
    "openstc.commands.admin",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="openstc",
        description=(
            "Open space traffic coordination: catalog, screening, Pc, CDMs and a TraCSS-compatible API."
        ),
    )
    parser.add_argument("--version", action="version", version=f"openstc {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # command not written yet
                continue
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except OpenstcError as exc:
        print(f"openstc: error [{exc.code}]: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("openstc: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
