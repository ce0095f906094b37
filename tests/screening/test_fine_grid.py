"""The fine-grid path (objects whose interpolation error is large are screened from SGP4 states at
every sub-step instead of a wide margin): forced on for every object, it must still find every
brute-force conjunction with the same accuracy, and still report the decaying object."""

from __future__ import annotations

import numpy as np
import pytest
from test_recall import MISS_TOL_M, TCA_TOL_S, _match

from openstc.screening import engine


@pytest.fixture(scope="module")
def fine_run(hard_objects, hard_config):  # type: ignore[no-untyped-def]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(engine, "FINE_MARGIN_M", 0.0)
        return engine.screen(hard_objects, hard_config)


def test_fine_grid_everywhere_keeps_recall(hard_reference, fine_run) -> None:  # type: ignore[no-untyped-def]
    conj, failures, _stats = fine_run
    dt, dd, missed = _match(hard_reference, conj)
    assert missed == []
    assert len(conj) == len(hard_reference)
    assert float(np.percentile(dt, 95)) <= TCA_TOL_S
    assert float(np.percentile(dd, 95)) <= MISS_TOL_M
    assert [f.norad_id for f in failures] == [93000]


def test_fine_margins_are_small_for_ordinary_orbits(hard_objects, hard_config) -> None:  # type: ignore[no-untyped-def]
    # exact states every sub-step leave a cubic error far below the quintic's over a coarse step
    prop = engine.Propagator(hard_objects, hard_config.start)
    h = float(hard_config.coarse_step_s)
    times = h * np.arange(0, 8, dtype=np.float64)
    _r, _v, err = prop.grid(times)
    valid = (err == 0)[:, :-1] & (err == 0)[:, 1:]
    margin = np.full(valid.shape, 1e9)
    row, fr, _fv, used, _failed = engine._fine_grid(
        prop, valid, margin, times, int(hard_config.sub_steps), hard_config
    )
    assert used > 0 and fr.shape[0] == int((row >= 0).sum())
    assert float(np.median(margin[row >= 0])) < 500.0
