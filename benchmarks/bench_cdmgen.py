"""CDM generation throughput: building CDMs from a real screening, writing them, reading them back.

Screens N Starlink objects of the 53 deg shell (CelesTrak 2024-11-01 snapshot) for one day with a
20 km sphere, then times, per CDM: the batch Pc/max Pc (``compute_conjunction_pcs``), building the
CDM model (``screening_cdms`` with the Pcs given), ``formats.write`` in KVN/XML/JSON, strict
``formats.read`` of each, and ``cdm_record``. Prints lines ready for BENCHMARKS.md.

    .venv/bin/python benchmarks/bench_cdmgen.py [--objects 800]
"""

from __future__ import annotations

import argparse
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from openstc import formats
from openstc.events.cdmgen import CdmSettings, cdm_record, compute_conjunction_pcs, screening_cdms
from openstc.formats.catalog import load_catalog
from openstc.screening.engine import screen
from openstc.screening.model import ScreeningConfig, ScreeningObject
from openstc.screening.volumes import sphere

CATALOG = Path(__file__).resolve().parents[1] / "tests/data/catalog/celestrak_on_orbit_20241101.csv"
START = datetime(2024, 11, 1, tzinfo=UTC)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--objects", type=int, default=800)
    args = ap.parse_args()
    els = load_catalog(CATALOG.read_bytes())
    shell = sorted(
        (e for e in els if 14.9 < e.mean_motion_rev_day < 15.3 and 52.9 < e.inclination_deg < 53.3),
        key=lambda e: e.norad_id,
    )[: args.objects]
    objects = [ScreeningObject.from_elset(e) for e in shell]
    conj, _, _ = screen(objects, ScreeningConfig(start=START, duration_s=86400.0, volume=sphere(20e3)))
    n = len(conj)
    settings = CdmSettings(
        creation_date=START, run_id="bench", screen_start=START, screen_stop=START + timedelta(days=1)
    )
    by_id = {o.norad_id: o for o in objects}

    def rate(label: str, seconds: float, count: int) -> None:
        print(
            f"| {label} | {count} | {seconds:.3f} s | {count / seconds:,.0f} /s "
            f"| {1e6 * seconds / count:.0f} us |"
        )

    print(f"{len(objects)} objects, 1 day, 20 km sphere: {n} conjunctions")
    print("| step | CDMs | time | rate | per CDM |")
    t = time.perf_counter()
    pcs = compute_conjunction_pcs(conj, by_id, settings)
    rate("Pc + max Pc batch (Foster, Frisbee)", time.perf_counter() - t, n)
    t = time.perf_counter()
    cdms = screening_cdms(
        conj, settings=settings, message_ids=lambda: str(uuid.uuid4()), objects=by_id, pc_results=pcs
    )
    rate("build CDM models", time.perf_counter() - t, n)
    for enc in ("kvn", "xml", "json"):
        t = time.perf_counter()
        texts = [formats.write(c, enc) for c in cdms]
        rate(f"write {enc.upper()}", time.perf_counter() - t, n)
        t = time.perf_counter()
        back = [formats.read(x, strict=True) for x in texts]
        rate(f"strict read {enc.upper()}", time.perf_counter() - t, n)
    t = time.perf_counter()
    for c in back:
        cdm_record(c)
    rate("cdm_record", time.perf_counter() - t, n)


if __name__ == "__main__":
    main()
