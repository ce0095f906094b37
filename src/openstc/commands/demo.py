"""``openstc demo``: a short tour: load the bundled catalog and convert the bundled example messages.

Reads ``openstc/data/catalog/celestrak_on_orbit_20241101.csv`` (CelesTrak GP CSV) into element sets,
then reads the example CDM (KVN) and OPM (XML) under ``openstc/data/examples/`` and converts each to
the other encodings, printing a summary.
"""

from __future__ import annotations

import argparse
import time
from importlib import resources
from typing import Any

from openstc import formats
from openstc.formats.registry import warnings_of

CATALOG = "celestrak_on_orbit_20241101.csv"
EXAMPLES = ("cdm_example.txt", "opm_example.xml")


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "demo",
        help="a tour of the formats: read the bundled catalog, convert the bundled example CDM/OPM",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.set_defaults(func=run)


def _catalog_summary() -> None:
    data = (resources.files("openstc") / "data" / "catalog" / CATALOG).read_bytes()
    try:
        from openstc.formats import catalog
    except ImportError:
        print(f"catalog: {CATALOG}: {len(data.splitlines()) - 1} rows (catalog reader not available)")
        return
    t0 = time.perf_counter()
    result = catalog.read_celestrak_csv(data, strict=False)
    dt = time.perf_counter() - t0
    els = result.elements
    print(f"catalog: {CATALOG}: {len(els)} element sets in {dt * 1e3:.0f} ms ({len(result.errors)} rejected)")
    if els:
        epochs = sorted(e.epoch for e in els)
        leo = sum(1 for e in els if e.mean_motion_rev_day > 11.25)
        geo = sum(1 for e in els if 0.9 < e.mean_motion_rev_day < 1.1)
        print(
            f"  epochs {epochs[0]:%Y-%m-%d} .. {epochs[-1]:%Y-%m-%d}; "
            f"LEO {leo}, near-GEO {geo}, other {len(els) - leo - geo}"
        )


def _example(name: str) -> None:
    data = (resources.files("openstc") / "data" / "examples" / name).read_bytes()
    kind, enc = formats.detect(data)
    msg = formats.read(data, source=name)
    print(f"{name}: {kind} ({enc}), {len(warnings_of(msg))} warning(s)")
    if kind == "CDM":
        print(
            f"  TCA {msg.tca:%Y-%m-%dT%H:%M:%S.%f}Z, miss {msg.miss_distance:.1f} m, "
            f"Pc {msg.collision_probability}"
        )
        for o in msg.objects:
            print(
                f"  {o.object}: {o.designator} {o.name}, "
                f"|r| = {float((o.position**2).sum() ** 0.5) / 1e3:.3f} km"
            )
    elif kind == "OPM":
        print(f"  {msg.object_name} at {msg.epoch} {msg.time_system}, r = {msg.state[:3] / 1e3} km")
    for target in ("kvn", "xml", "json"):
        text = formats.write(msg, target)
        again = formats.read(text)
        same = not formats.model.message_differences(msg, again, 1e-12)
        print(f"  -> {target}: {len(text)} chars, read back {'identical' if same else 'DIFFERENT'}")


def run(args: argparse.Namespace) -> int:
    print("openstc demo")
    _catalog_summary()
    for name in EXAMPLES:
        _example(name)
    return 0
