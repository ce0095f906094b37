"""CDM reading/writing speed per encoding (KVN, XML, JSON) and the cost of detection, on Orekit's
CDMExample2 (full optional set, 8x8 covariances). Prints ms per message and messages/s; best of N.

Run: ``.venv/bin/python benchmarks/bench_formats_cdm.py [runs]``
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

from openstc import formats

ROOT = Path(__file__).resolve().parents[1]
CDM = (
    ROOT
    / "tests"
    / "data"
    / "ccsds"
    / "orekit"
    / "src"
    / "test"
    / "resources"
    / "ccsds"
    / "cdm"
    / "CDMExample2.txt"
)


def best(fn: Callable[[], object], n: int, runs: int) -> float:
    """Best wall time per call (s) over ``runs`` batches of ``n`` calls."""
    out = float("inf")
    for _ in range(runs):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        out = min(out, (time.perf_counter() - t0) / n)
    return out


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    msg = formats.read(CDM.read_bytes())
    texts = {enc: formats.write(msg, enc) for enc in ("kvn", "xml", "json")}
    n = 200
    values = sum(len(b.values) for b in msg.root.walk())
    print(f"CDM {CDM.name}: {values} keyword values, best of {runs} x {n}")
    for enc, text in texts.items():
        t_read = best(lambda text=text: formats.read(text), n, runs)
        t_write = best(lambda enc=enc: formats.write(msg, enc), n, runs)
        print(
            f"  {enc:4s} read {t_read * 1e3:6.3f} ms ({1 / t_read:7.0f} msg/s)   "
            f"write {t_write * 1e3:6.3f} ms ({1 / t_write:7.0f} msg/s)   {len(text)} chars"
        )
    t_detect = best(lambda: formats.detect(texts["kvn"]), n, runs)
    print(f"  detect (kvn) {t_detect * 1e6:.1f} us")


if __name__ == "__main__":
    main()
