"""Screening the store's catalog for the job runner, and the background loop of ``openstc serve``.

:func:`make_store_screen_fn` is the runner's ``ScreenFn`` used by ``openstc run``, ``openstc admin
run-screening`` and the scheduler of ``openstc serve``. It adds two things to the plain engine
wiring of :mod:`openstc.jobs.engine`: a window *anchor* and progress. The anchor ``"catalog"``
starts the window at the catalog's epoch instead of the clock: the bundled catalog is a 2024
snapshot, and propagating two-year-old element sets to today screens nothing real. The catalog's
epoch is the newest element-set epoch once the newest 1% are set aside: a snapshot holds a few
forward-dated element sets (in the bundled one the newest 1% run from 2024-10-31T21:36Z to
2024-11-03T13:17Z), and starting at the very newest would screen 99% of the objects days past their
data. The CDMs still carry the real creation
date (the runner's clock), so the metadata and TTL rules treat them as new. With ``workers`` > 1 or
a ``progress`` callback, the window is cut into shards run on a process pool (each shard and each
chunk of CDMs reports progress; the process pool is forked from this process, whose compiled kernels it
inherits); otherwise the whole screening runs in one isolated child process (``openstc serve
--screen-workers 1``).
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from openstc.jobs.runner import Runner, ScreenFn, ScreeningRequest, ScreeningResult
from openstc.jobs.ttl import cleanup
from openstc.store.models import ElementSetRecord

log = logging.getLogger("openstc.jobs")

ANCHORS = ("now", "catalog")
CDM_CHUNK = 250  # conjunctions per CDM job: small enough for a smooth progress bar
SHARD_S = 3 * 3600.0  # one shard per 3 hours of window: progress steps without much overhead

# (phase, done, total): phase "screening" counts shards, "CDMs" counts conjunctions, "storing" has
# total 0 (its length is unknown: the runner stores the CDMs after the screen function returns).
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Window:
    start: datetime
    duration_s: float
    anchor: str
    catalog_epoch: datetime | None
    newest_epoch: datetime | None

    @property
    def stop(self) -> datetime:
        return self.start + timedelta(seconds=self.duration_s)


def catalog_epochs(sessions: sessionmaker[Session]) -> tuple[datetime | None, datetime | None]:
    """``(catalog epoch, newest epoch)`` of the stored element sets (None, None when there are none):
    the catalog epoch is the newest one once the newest 1% are set aside."""
    with sessions() as s:
        n = int(s.scalar(select(func.count()).select_from(ElementSetRecord)) or 0)
        if n == 0:
            return None, None
        ordered = select(ElementSetRecord.epoch).order_by(ElementSetRecord.epoch.desc())
        newest = s.scalar(ordered.limit(1))
        robust = s.scalar(ordered.offset(n // 100).limit(1))
    return _utc(robust), _utc(newest)


def _utc(t: datetime | None) -> datetime | None:
    return t.replace(tzinfo=UTC) if t is not None and t.tzinfo is None else t


def screening_window(
    sessions: sessionmaker[Session], anchor: str, duration_s: float, now: datetime
) -> Window:
    """The window a run started at ``now`` screens: from ``now`` or from the catalog's epoch (to the
    minute; ``now`` if the catalog is empty or its epoch lies ahead)."""
    if anchor not in ANCHORS:
        raise ValueError(f"anchor must be one of {ANCHORS}, got {anchor!r}")
    epoch, newest = catalog_epochs(sessions)
    start = now
    if anchor == "catalog" and epoch is not None and epoch < now:
        start = epoch.replace(second=0, microsecond=0)
    return Window(start, duration_s, anchor, epoch, newest)


# -- process pool: the objects are sent once per worker, shards and CDM chunks are small jobs ----------
_OBJECTS: list[Any] = []


def _init_worker(objects: list[Any]) -> None:
    global _OBJECTS
    _OBJECTS = objects


def _shard_job(shard: Any, config: Any) -> Any:
    from openstc.screening.engine import run_shard

    return run_shard(_OBJECTS, config, shard)


def _cdm_job(conjunctions: list[Any], settings: Any) -> list[dict[str, str]]:
    from openstc.events.cdm_flat import tracss_fields
    from openstc.events.cdmgen import screening_cdms

    norads = {n for c in conjunctions for n in (c.object1_norad_id, c.object2_norad_id)}
    objs = {o.norad_id: o for o in _OBJECTS if o.norad_id in norads}
    cdms = screening_cdms(
        conjunctions, settings=settings, message_ids=lambda: str(uuid.uuid4()), objects=objs
    )
    return [dict(tracss_fields(c)) for c in cdms]


def _run_jobs(
    fn: Callable[..., Any], jobs: Sequence[Any], pool: ProcessPoolExecutor | None, extra: Any
) -> Iterator[tuple[int, Any]]:
    """``(index, fn(job, extra))`` for every job, in completion order, here or on the pool."""
    if pool is None:
        for i, job in enumerate(jobs):
            yield i, fn(job, extra)
        return
    futs = {pool.submit(fn, job, extra): i for i, job in enumerate(jobs)}
    for fut in as_completed(futs):
        yield futs[fut], fut.result()


def shard_pieces(config: Any, workers: int) -> int:
    """Time pieces of a service run: one per ``SHARD_S`` of window (progress steps), at least two per
    worker; an uploaded ephemeris against the catalog (few primaries) gets one per worker, since each
    piece's set-up (radius filter, failure checks) is a large part of such a run."""
    from openstc.screening.radial import few_primaries

    if few_primaries(config):
        return max(workers, 1)
    return max(2 * workers, round(float(config.duration_s) / SHARD_S), 1)


def screen_sharded(
    objects: list[Any], config: Any, settings: Any, workers: int = 1, progress: Progress | None = None
) -> tuple[list[dict[str, str]], int, list[dict[str, Any]]]:
    """Screen in shards and build the flat CDM records in chunks, reporting progress as they finish.

    The same result as :func:`openstc.jobs.engine.screen_objects` (the engine merges shards exactly).
    With ``workers`` > 1 the jobs run on forked processes; a crash there fails this call, which the
    runner records as a FAILED run."""
    from openstc.screening.engine import merge, plan_shards

    report = progress or (lambda phase, done, total: None)
    shards = plan_shards(config, len(objects), time_pieces=shard_pieces(config, workers))
    pool = None
    if workers > 1:
        from openstc.screening.kernels import warm_up

        warm_up()  # once per server process: every run's forked workers then start with the kernels loaded
        methods = multiprocessing.get_all_start_methods()
        ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        pool = ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker, initargs=(objects,))
    else:
        _init_worker(objects)
    try:
        report("screening", 0, len(shards))
        results = []
        for k, (_i, res) in enumerate(_run_jobs(_shard_job, shards, pool, config), 1):
            results.append(res)
            report("screening", k, len(shards))
        conjunctions, failures, _stats = merge(results)
        chunks = [conjunctions[i : i + CDM_CHUNK] for i in range(0, len(conjunctions), CDM_CHUNK)]
        report("CDMs", 0, len(conjunctions))
        parts: list[list[dict[str, str]]] = [[] for _ in chunks]
        done = 0
        for i, recs in _run_jobs(_cdm_job, chunks, pool, settings):
            parts[i] = recs
            done += len(chunks[i])
            report("CDMs", done, len(conjunctions))
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)  # after an error or Ctrl-C, queued shards never start
        _init_worker([])
    failed = [
        {"noradId": f.norad_id, "code": "PROPAGATION_FAILED", "reason": f.reason, "name": f.name}
        for f in failures
    ]
    report("storing", 0, 0)
    return [r for part in parts for r in part], len(conjunctions), failed


def make_store_screen_fn(
    sessions: sessionmaker[Session],
    *,
    duration_s: float = 7 * 86400.0,
    anchor: str = "now",
    volume: Any = "tracss",
    workers: int = 1,
    progress: Progress | None = None,
    isolate: bool = True,
) -> ScreenFn:
    """A ``ScreenFn`` screening the store's catalog (and the request's OCMs, see
    :func:`openstc.jobs.engine.prepare_run`) over the window ``anchor`` gives.

    Without workers or progress, and with ``isolate``, the run happens in one fresh child process
    (:func:`openstc.jobs.engine.run_isolated`): a crash in compiled code is then a FAILED run, not a
    dead server."""
    from openstc.jobs.engine import prepare_run, run_isolated, screen_objects

    def screen_fn(req: ScreeningRequest) -> ScreeningResult:
        # an on-demand run screens an upload from now: its OCM would fall outside a catalog-anchored window
        on_demand = req.run_type.startswith("ON_DEMAND")
        window = screening_window(sessions, anchor, duration_s, req.started_at)
        start = None if on_demand else window.start
        prep = prepare_run(sessions, req, start=start, duration_s=duration_s, volume=volume)
        if prep.config is None:
            return prep.result([], 0, [])
        if workers > 1 or progress is not None or not isolate:
            out = screen_sharded(prep.objects, prep.config, prep.settings, workers, progress)
        else:
            out = run_isolated(screen_objects, prep.objects, prep.config, prep.settings)
        return prep.result(*out)

    return screen_fn


def default_screen_fn(
    sessions: sessionmaker[Session],
    anchor: str = "now",
    volume: Any = "tracss",
    duration_s: float = 7 * 86400.0,
    workers: int = 1,
) -> ScreenFn | None:
    """The screening engine wired to the store for the scheduler, if it imports: one isolated child
    process per run, or with ``workers`` > 1 processes forked per run from this one (whose compiled
    kernels they inherit)."""
    try:
        return make_store_screen_fn(
            sessions, anchor=anchor, volume=volume, duration_s=duration_s, workers=workers
        )
    except ImportError as exc:
        log.warning("screening engine unavailable: %s", exc)
        return None


class JobThread(threading.Thread):
    """Ticks the runner every ``interval_s`` seconds until :meth:`stop`; clean-up once a day.

    With ``not_before`` the runner never catches up a slot before that instant (``openstc run`` has
    just screened: a slot missed an hour before start would start a second, 7-day run at once)."""

    def __init__(self, runner: Runner, interval_s: float = 30.0, not_before: datetime | None = None) -> None:
        super().__init__(name="openstc-jobs", daemon=True)
        self.runner = runner
        self.interval_s = interval_s
        self.not_before = not_before
        self._catch_up = runner.catch_up
        self._stop_event = threading.Event()
        self._last_cleanup: datetime | None = None

    def _limit_catch_up(self) -> None:
        if self.not_before is not None:
            since = self.runner.clock() - self.not_before
            self.runner.catch_up = max(timedelta(0), min(self._catch_up, since))

    def stop(self) -> None:
        self._stop_event.set()

    def run(self) -> None:
        while not self._stop_event.is_set():
            try:
                self._limit_catch_up()
                self.runner.tick()
                now = datetime.now(UTC)
                if self._last_cleanup is None or now - self._last_cleanup > timedelta(days=1):
                    cleanup(self.runner.sessions, now)
                    self._last_cleanup = now
            except Exception:  # keep the scheduler alive; the failure is logged and recorded per run
                log.exception("job tick failed")
            self._stop_event.wait(self.interval_s)
