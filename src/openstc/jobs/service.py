"""The background loop of ``openstc serve``: scheduler ticks, the on-demand queue, daily TTL clean-up."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from openstc.jobs.runner import Runner, ScreenFn
from openstc.jobs.ttl import cleanup

log = logging.getLogger("openstc.jobs")


def default_screen_fn(sessions: sessionmaker[Session]) -> ScreenFn | None:
    """The screening engine wired to the store (:mod:`openstc.jobs.engine`), if it imports."""
    try:
        from openstc.jobs.engine import make_screen_fn

        return make_screen_fn(sessions)
    except ImportError as exc:
        log.warning("screening engine unavailable: %s", exc)
        return None


class JobThread(threading.Thread):
    """Ticks the runner every ``interval_s`` seconds until :meth:`stop`; clean-up once a day."""

    def __init__(self, runner: Runner, interval_s: float = 30.0) -> None:
        super().__init__(name="openstc-jobs", daemon=True)
        self.runner = runner
        self.interval_s = interval_s
        self._stop_event = threading.Event()
        self._last_cleanup: datetime | None = None

    def stop(self) -> None:
        self._stop_event.set()

    def run(self) -> None:
        while not self._stop_event.is_set():
            try:
                self.runner.tick()
                now = datetime.now(UTC)
                if self._last_cleanup is None or now - self._last_cleanup > timedelta(days=1):
                    cleanup(self.runner.sessions, now)
                    self._last_cleanup = now
            except Exception:  # keep the scheduler alive; the failure is logged and recorded per run
                log.exception("job tick failed")
            self._stop_event.wait(self.interval_s)
