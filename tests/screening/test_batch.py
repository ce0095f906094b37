"""The batched refinement and judgement (:mod:`openstc.screening.batch`, :mod:`openstc.screening.judge`)
give the scalar refinement's answers: the same TCAs (within 10 microseconds, both solve the same
range-rate root to 1 microsecond; slow pairs within 1 ms), the same judgement and records, entry/exit
within the scalar search's 1e-4 s tolerance, on every brute-force conjunction of the hard cases, with
brackets that take the batched path and brackets that fall back."""

from __future__ import annotations

import numpy as np
import pytest
from reference import RefConjunction

from openstc.screening import batch, judge, refine
from openstc.screening.model import ScreeningConfig, ScreeningObject
from openstc.screening.propagator import Propagator
from openstc.screening.radial import volume_for


@pytest.fixture(scope="module")
def setup(
    hard_objects: list[ScreeningObject], hard_config: ScreeningConfig, hard_reference: list[RefConjunction]
) -> tuple[Propagator, list[tuple[int, int, float, float]], np.ndarray]:
    prop = Propagator(hard_objects, hard_config.start)
    index = {o.norad_id: k for k, o in enumerate(hard_objects)}
    todo: list[tuple[int, int, float, float]] = []
    guess: list[float] = []
    for x, r in enumerate(hard_reference):
        i, j = index[r.a], index[r.b]
        if x % 3 == 0:
            todo.append((i, j, r.tca_s - 45.0, r.tca_s + 75.0))  # ordinary bracket
        elif x % 3 == 1:
            todo.append((i, j, r.tca_s - 20.0, r.tca_s + 500.0))  # too long: scalar path
        else:
            todo.append((i, j, r.tca_s - 130.0, r.tca_s + 5.0))
        guess.append(r.tca_s + 0.4)
    return prop, todo, np.array(guess)


def test_tcas_match_the_scalar_refinement(setup) -> None:  # type: ignore[no-untyped-def]
    prop, todo, guess = setup
    got, known = batch.refine_tcas(prop, todo, guess)
    assert len(got) == len(todo)
    assert len(known) > len(todo) // 3  # most ordinary brackets took the batched path
    for (i, j, a, b), tcas in zip(todo, got, strict=True):
        ref = refine.refine_tca(prop, i, j, a, b)
        assert len(tcas) == len(ref)
        for t, u in zip(sorted(tcas), sorted(ref), strict=True):
            # slow pairs: the range rate from positions is flat at the root, so two solvers of the same
            # function agree to a fraction of a millisecond only (the tolerance is 10 ms)
            si, sj = prop.one(i, u), prop.one(j, u)
            assert si is not None and sj is not None
            slow = float(np.linalg.norm(sj[1] - si[1])) < refine.SLOW_M_S
            assert abs(t - u) < (1e-3 if slow else 1e-5)
    for (i, j, t), states in list(known.items())[:50]:
        a, b = prop.one(i, t), prop.one(j, t)
        assert a is not None and b is not None
        for mine, theirs in zip(states, (a[0], a[1], b[0], b[1]), strict=True):
            assert np.array_equal(mine, theirs)  # the same SGP4 call


def test_judgements_match_the_scalar_judge(setup, hard_objects, hard_config) -> None:  # type: ignore[no-untyped-def]
    prop, todo, guess = setup
    got, known = batch.refine_tcas(prop, todo, guess)
    items = [(i, j, t) for (i, j, _a, _b), ts in zip(todo, got, strict=True) for t in ts]
    volumes = [volume_for(o, hard_config.volume) for o in hard_objects]
    primary = np.ones(len(hard_objects), dtype=np.bool_)
    span_end = np.full(len(hard_objects), np.inf)
    fast = judge.judge_all(prop, hard_objects, volumes, primary, span_end, hard_config, items, known)
    n_entry = 0
    for (i, j, t), c in zip(items, fast, strict=True):
        ref = refine.judge(prop, hard_objects, volumes, primary, span_end, hard_config, i, j, t)
        assert (c is None) == (ref is None)
        if c is None or ref is None:
            continue
        assert (c.object1_norad_id, c.object2_norad_id, c.tca) == (
            ref.object1_norad_id,
            ref.object2_norad_id,
            ref.tca,
        )
        assert abs(c.miss_distance_m - ref.miss_distance_m) < 1e-3
        assert np.allclose(c.miss_rtn_m, ref.miss_rtn_m, atol=1e-3)
        for mine, theirs in ((c.entry, ref.entry), (c.exit, ref.exit)):
            assert (mine is None) == (theirs is None)
            if mine is not None and theirs is not None:
                n_entry += 1
                assert abs((mine - theirs).total_seconds()) <= 2.1e-4
    assert n_entry > 100
