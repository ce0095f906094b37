"""Shared fixtures of the screening tests: the hard-case catalog, its brute-force reference and one
engine run (computed once per session; the brute force takes ~10 s)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from reference import START, RefConjunction, brute_force, hard_case_catalog

from openstc.formats.elset import ElementSet
from openstc.screening.engine import screen
from openstc.screening.model import ScreeningConfig, ScreeningObject
from openstc.screening.volumes import sphere

THRESHOLD_M = 10e3
DURATION_S = 86400.0


@pytest.fixture(scope="session")
def hard_cases() -> tuple[list[ElementSet], dict[str, range]]:
    return hard_case_catalog()


@pytest.fixture(scope="session")
def hard_reference(hard_cases: tuple[list[ElementSet], dict[str, range]]) -> list[RefConjunction]:
    return brute_force(hard_cases[0], START, DURATION_S, THRESHOLD_M, step_s=10.0)


@pytest.fixture(scope="session")
def hard_config() -> ScreeningConfig:
    return ScreeningConfig(start=START, duration_s=DURATION_S, volume=sphere(THRESHOLD_M))


@pytest.fixture(scope="session")
def hard_objects(hard_cases: tuple[list[ElementSet], dict[str, range]]) -> list[ScreeningObject]:
    return [ScreeningObject.from_elset(e) for e in hard_cases[0]]


@pytest.fixture(scope="session")
def hard_run(hard_objects: list[ScreeningObject], hard_config: ScreeningConfig):  # type: ignore[no-untyped-def]
    return screen(hard_objects, hard_config, clock=time.perf_counter)
