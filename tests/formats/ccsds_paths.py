"""Where the CCSDS reference files copied into ``tests/data`` lie (shared by the format tests)."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data" / "ccsds"
OREKIT = DATA / "orekit" / "src" / "test" / "resources" / "ccsds"
CDM_DIR = OREKIT / "cdm"
