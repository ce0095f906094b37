"""``openstc screen``: close-approach screening of catalogs and operator ephemerides.

Inputs are catalog files (CelesTrak CSV/JSON/XML, Space-Track JSON, TLE) and OEM or OCM ephemerides
(KVN/XML/JSON, or an NDM holding them; told apart by content), in any mix; an ephemeris replaces the
catalog element set of the same NORAD ID. Modes: ``--primaries`` (comma-separated NORAD IDs,
``payloads``, or a file: a catalog or ephemeris whose objects are the primaries, or a text file of
IDs) vs all; without ``--primaries``, every ephemeris vs all (on-demand screening) when there is
one, else all vs all.

Volumes (``--volume``): ``tracss`` (TraCSS HAC boxes and spans by regime, handbook Table 3.4.1;
ephemerides use the OCM table 3.4.2), ``tracss-ocm``, ``sphere:5km`` (CelesTrak SOCRATES uses
5 km), ``box:RxTxNkm``, ``ellipsoid:RxTxNkm`` (half-widths in the primary's radial, in-track,
cross-track frame).

The run is cut into shards (time windows x object blocks) run here, on ``--workers`` local
processes or on a Dask cluster (``--dask ADDRESS``); results are identical. Conjunctions are
written as their shard completes (CSV: ``object1_norad_id, object2_norad_id, tca, miss_distance_m,
relative_speed_m_s``, then the rest; JSON: a document with conjunctions, failures and a summary),
then a summary goes to stderr.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from openstc.commands._cdm_output import add_cdm_options, write_cdms_for_run
from openstc.errors import FormatError, InvalidArgumentError
from openstc.screening.engine import merge, plan_shards, run_shard
from openstc.screening.model import (
    CSV_COLUMNS,
    Conjunction,
    Failure,
    ScreeningConfig,
    ScreeningObject,
    Shard,
    ShardResult,
    ShardStats,
    conjunction_dict,
    conjunction_row,
    iso_ms,
)
from openstc.screening.radial import few_primaries
from openstc.screening.volumes import parse_volume

DAY_S = 86400.0


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "screen",
        help="screen catalogs/ephemerides for close approaches (all vs all or primaries vs all)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("inputs", nargs="+", metavar="CATALOG_OR_EPHEMERIS", help="catalog, OEM or OCM files")
    p.add_argument(
        "--primaries",
        metavar="IDS|payloads|FILE",
        help="primaries (default: the ephemerides, else all vs all)",
    )
    p.add_argument("--start", metavar="ISO", help="window start, UTC (default: now, to the minute)")
    p.add_argument("--days", type=float, default=7.0, help="window length in days (default 7)")
    p.add_argument(
        "--volume", default="sphere:5km", help="tracss, tracss-ocm, sphere:5km, box:..., ellipsoid:..."
    )
    p.add_argument(
        "-o", "--output", metavar="FILE.csv|FILE.json", help="output file (default: CSV on stdout)"
    )
    add_cdm_options(p)
    p.add_argument("--workers", type=int, default=1, help="local worker processes (default 1)")
    p.add_argument("--dask", metavar="ADDRESS", help="Dask scheduler address (tcp://host:8786)")
    p.add_argument(
        "--max-age-days", type=float, default=10.0, help="flag element sets older than this at TCA"
    )
    p.add_argument("--coarse-step", type=float, default=600.0, help=argparse.SUPPRESS)
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


# ----------------------------------------------------------------------------------------- inputs
def _ephemeris_message_kind(data: bytes) -> str | None:
    """ "OEM", "OCM" or "NDM" (one holding an OEM or OCM) when the content is such a message, else None
    (a catalog). Detection is by content; a JSON file is only parsed for it when its head names a
    CCSDS message, so that a large JSON catalog is not decoded twice."""
    from openstc.formats import registry

    head = data[:4096].decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if head[:1] in "{[" and "CCSDS_O" not in head.upper():
        return None
    try:
        kind, _enc = registry.detect(data)
    except FormatError:
        return None
    kind = kind.upper()
    if kind == "NDM":
        # a combined NDM of OMMs is a catalog (CelesTrak's XML); only OEM/OCM members make ephemerides
        low = data.lower()
        return (
            "NDM"
            if (b"<oem" in low or b"<ocm" in low or b"ccsds_oem_vers" in low or b"ccsds_ocm_vers" in low)
            else None
        )
    return kind if kind in ("OEM", "OCM") else None


def _read_ephemerides(path: Path, data: bytes) -> tuple[list[ScreeningObject], list[str]]:
    """The objects of an OEM (one per segment), an OCM, or the OEM/OCM members of an NDM."""
    from openstc.formats import registry
    from openstc.formats.ndm import Ndm
    from openstc.formats.ocm import Ocm
    from openstc.formats.oem import Oem
    from openstc.screening.ephemeris import from_ocm, from_oem_segment

    try:
        messages = registry.read_many(data, source=str(path))
    except FormatError as exc:
        raise (exc if exc.source else exc.with_source(str(path))) from None
    flat: list[Any] = []
    for m in messages:
        flat.extend(m.messages if isinstance(m, Ndm) else [m])
    objs: list[ScreeningObject] = []
    notes: list[str] = []
    for m in flat:
        try:
            if isinstance(m, Oem):
                objs.extend(ScreeningObject.from_ephemeris(from_oem_segment(seg)) for seg in m.segments)
            elif isinstance(m, Ocm):
                kind = str(m.metadata.get("OBJECT_TYPE") or "PAYLOAD").upper()
                objs.append(ScreeningObject.from_ephemeris(from_ocm(m, object_type=kind)))
            else:
                notes.append(f"{path}: {type(m).__name__} message ignored (not an ephemeris)")
        except InvalidArgumentError as exc:
            raise InvalidArgumentError(f"{path}: {exc}") from None
    if not objs:
        raise InvalidArgumentError(f"{path}: no OEM or OCM ephemeris in the file")
    return objs, notes


def _read_file(path: Path) -> tuple[list[ScreeningObject], list[str]]:
    """Objects of one input file (catalog, OEM or OCM); also returns notes for the report."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidArgumentError(f"cannot read {path}: {exc.strerror}") from None
    if _ephemeris_message_kind(data) is not None:
        return _read_ephemerides(path, data)
    from openstc.formats.catalog import read_catalog

    try:
        res = read_catalog(data, strict=False)
    except FormatError as exc:
        raise exc.with_source(str(path)) from None
    notes = [f"{path}: skipped record: {err.with_source(str(path))}" for err in res.errors]
    objs = []
    for e in res.elements:
        kind = e.extra.get("OBJECT_TYPE") if e.extra else None
        objs.append(ScreeningObject.from_elset(e, object_type=kind.upper() if kind else None))
    return objs, notes


def load_objects(paths: Sequence[str]) -> tuple[list[ScreeningObject], list[str]]:
    """All objects of the inputs; an ephemeris supersedes the element set of the same NORAD ID."""
    elsets: dict[int, ScreeningObject] = {}
    ephs: list[ScreeningObject] = []
    notes: list[str] = []
    for p in paths:
        objs, n = _read_file(Path(p))
        notes.extend(n)
        for o in objs:
            if o.ephemeris is not None:
                ephs.append(o)
            else:
                old = elsets.get(o.norad_id)
                if old is None or (old.elset and o.elset and o.elset.epoch > old.elset.epoch):
                    elsets[o.norad_id] = o
    for e in ephs:
        if e.norad_id and e.norad_id in elsets:
            notes.append(f"NORAD {e.norad_id}: the ephemeris replaces the catalog element set")
            del elsets[e.norad_id]
    return list(elsets.values()) + ephs, notes


def parse_primaries(spec: str | None, objects: Sequence[ScreeningObject]) -> frozenset[int] | None:
    if spec is None:
        return None
    s = spec.strip()
    if s.lower() in ("payloads", "payload"):
        return frozenset(o.norad_id for o in objects if o.object_type == "PAYLOAD")
    path = Path(s)
    if path.is_file():
        text = path.read_text(encoding="utf-8", errors="replace")
        tokens = text.replace(",", " ").split()
        if tokens and all(t.isdigit() for t in tokens):
            return frozenset(int(t) for t in tokens)
        objs, _ = _read_file(path)
        return frozenset(o.norad_id for o in objs)
    try:
        return frozenset(int(t) for t in s.split(",") if t.strip())
    except ValueError:
        raise InvalidArgumentError(
            f"--primaries: expected NORAD IDs (1,2,3), 'payloads' or a file, got {spec!r}"
        ) from None


def parse_start(text: str | None) -> datetime:
    if text is None:
        return datetime.now(UTC).replace(second=0, microsecond=0)
    t = text.strip().replace("Z", "+00:00")
    try:
        dt = datetime.fromisoformat(t)
    except ValueError:
        raise InvalidArgumentError(f"--start: not an ISO 8601 date/time: {text!r}") from None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


# -------------------------------------------------------------------------------------- execution
_WORKER_OBJECTS: list[ScreeningObject] = []


def _init_worker(objects: list[ScreeningObject]) -> None:
    global _WORKER_OBJECTS
    _WORKER_OBJECTS = objects


def _worker_shard(config: ScreeningConfig, shard: Shard) -> ShardResult:
    return run_shard(_WORKER_OBJECTS, config, shard, clock=time.process_time)


def default_pieces(config: ScreeningConfig, workers: int, dask: Any = None) -> int:
    """Time pieces of a run: one without workers; with workers, two per worker (pieces finish at
    different times) except for few-primary runs (an uploaded ephemeris against the catalog), whose
    pieces each pay a fixed set-up (radius filter, failure checks of the objects it drops, ~1 s)
    larger than the imbalance: one piece per worker (7-day ephemeris run, 2 workers: 4.5-5.0 s with
    2 pieces, 5.5 s with 4)."""
    if workers <= 1 and dask is None:
        return 1
    n = max(workers, 1)
    if few_primaries(config):
        return max(n, 2) if dask is not None else n
    return max(2, 2 * n)


def execute(
    objects: list[ScreeningObject],
    config: ScreeningConfig,
    workers: int = 1,
    dask: Any = None,
    shards: Sequence[Shard] | None = None,
) -> Iterator[ShardResult]:
    """Run the shards of a screening here, on ``workers`` processes, or on a Dask cluster (an address
    or a ``distributed.Client``); yields each shard's result as it completes."""
    if shards is None:
        shards = plan_shards(config, len(objects), time_pieces=default_pieces(config, workers, dask))
    if dask is not None:
        import distributed

        dist: Any = distributed  # distributed ships no complete type hints
        client = dask if isinstance(dask, dist.Client) else dist.Client(dask)
        try:
            remote = client.scatter(objects, broadcast=True)
            remote_futs = [
                client.submit(run_shard, remote, config, s, time.perf_counter, pure=False) for s in shards
            ]
            for remote_fut in dist.as_completed(remote_futs):
                yield remote_fut.result()
        finally:
            if not isinstance(dask, dist.Client):
                client.close()
        return
    if workers <= 1:
        for s in shards:
            yield run_shard(objects, config, s, clock=time.process_time)
        return
    import multiprocessing as mp

    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker, initargs=(objects,)) as pool:
        futs = [pool.submit(_worker_shard, config, s) for s in shards]
        for fut in as_completed(futs):
            yield fut.result()


# ----------------------------------------------------------------------------------------- output
class _Writer:
    """Writes conjunctions as they arrive (CSV rows or JSON array items)."""

    def __init__(self, out: TextIO, fmt: str) -> None:
        self.out = out
        self.fmt = fmt
        self.count = 0
        if fmt == "csv":
            self.csv = csv.writer(out, lineterminator="\n")
            self.csv.writerow(CSV_COLUMNS)
        else:
            out.write('{\n"conjunctions": [\n')

    def write(self, conj: Sequence[Conjunction]) -> None:
        for c in conj:
            if self.fmt == "csv":
                self.csv.writerow(conjunction_row(c))
            else:
                self.out.write(("" if self.count == 0 else ",\n") + json.dumps(conjunction_dict(c)))
            self.count += 1
        self.out.flush()

    def close(self, failures: Sequence[Failure], summary: dict[str, Any]) -> None:
        if self.fmt == "json":
            fails = [
                {
                    "norad_id": f.norad_id,
                    "name": f.name,
                    "reason": f.reason,
                    "at": iso_ms(f.at) if f.at else None,
                }
                for f in failures
            ]
            self.out.write(
                '\n],\n"failures": ' + json.dumps(fails) + ',\n"summary": ' + json.dumps(summary) + "\n}\n"
            )
        self.out.flush()


def summary_dict(
    objects: int, failures: Sequence[Failure], stats: ShardStats, n_conj: int, wall_s: float, load_s: float
) -> dict[str, Any]:
    return {
        "objects": objects,
        "failures": len(failures),
        "pairs_examined": stats.pairs_examined,
        "candidates": stats.candidates,
        "refinements": stats.refinements,
        "propagations": stats.propagations,
        "conjunctions": n_conj,
        "wall_s": round(wall_s, 3),
        "stage_cpu_s": {"load": round(load_s, 3), **{k: round(v, 3) for k, v in stats.stage_s.items()}},
    }


def run(args: argparse.Namespace) -> int:
    t_start = time.perf_counter()
    objects, notes = load_objects(args.inputs)
    if not objects:
        raise InvalidArgumentError("no objects to screen in the inputs")
    volume = parse_volume(args.volume)
    if not args.days > 0:
        raise InvalidArgumentError("--days must be > 0")
    primaries = parse_primaries(args.primaries, objects)
    if primaries is None and any(o.ephemeris is not None for o in objects):
        # an uploaded ephemeris is screened against the catalog (TraCSS's on-demand run), not all vs all
        primaries = frozenset(o.norad_id for o in objects if o.ephemeris is not None)
    config = ScreeningConfig(
        start=parse_start(args.start),
        duration_s=args.days * DAY_S,
        volume=volume,
        primaries=primaries,
        max_elset_age_s=args.max_age_days * DAY_S,
        coarse_step_s=args.coarse_step,
    )
    load_s = time.perf_counter() - t_start
    fmt = "json" if (args.output or "").lower().endswith(".json") else "csv"
    out: TextIO = open(args.output, "w", encoding="utf-8", newline="") if args.output else sys.stdout  # noqa: SIM115
    results: list[ShardResult] = []
    try:
        writer = _Writer(out, fmt)
        seen: set[tuple[int, int, str]] = set()
        progress = _progress(not args.no_progress)
        with progress as bar:
            pieces = default_pieces(config, args.workers, args.dask)
            shards = plan_shards(config, len(objects), time_pieces=pieces)
            task = bar(len(shards))
            for res in execute(objects, config, args.workers, args.dask, shards):
                results.append(res)
                fresh = [c for c in res.conjunctions if c.key() not in seen]
                seen.update(c.key() for c in fresh)
                writer.write(fresh)
                task()
        conj, failures, stats = merge(results)
        cdm_paths = write_cdms_for_run(args, conj, objects, config)
        summary = summary_dict(
            len(objects), failures, stats, len(conj), time.perf_counter() - t_start, load_s
        )
        writer.close(failures, summary)
    finally:
        if out is not sys.stdout:
            out.close()
    _print_summary(summary, failures, notes, config)
    if cdm_paths:
        print(f"{len(cdm_paths)} CDM file(s) written to {args.cdm_dir}", file=sys.stderr)
    return 0


def _progress(enabled: bool) -> Any:
    """A context manager yielding ``bar(total) -> advance()`` (rich on stderr, or nothing)."""
    from contextlib import contextmanager

    @contextmanager
    def ctx() -> Iterator[Callable[[int], Callable[[], None]]]:
        if not enabled:
            yield lambda total: lambda: None
            return
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        with Progress(
            TextColumn("screening"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        ) as prog:

            def bar(total: int) -> Callable[[], None]:
                task = prog.add_task("shards", total=total)
                return lambda: prog.advance(task)

            yield bar

    return ctx()


def _print_summary(
    summary: dict[str, Any], failures: Sequence[Failure], notes: Sequence[str], config: ScreeningConfig
) -> None:
    err = io.StringIO()
    err.write(
        f"screened {summary['objects']} objects from {iso_ms(config.start)} for "
        f"{config.duration_s / DAY_S:g} days: {summary['conjunctions']} conjunctions, "
        f"{summary['pairs_examined']} pairs examined, {summary['candidates']} candidates, "
        f"{summary['refinements']} refinements, {summary['propagations']} propagations, "
        f"{summary['failures']} objects failed; {summary['wall_s']:.1f} s wall\n"
    )
    err.write(
        "stage CPU seconds (all shards): "
        + ", ".join(f"{k} {v:.2f}" for k, v in summary["stage_cpu_s"].items())
        + "\n"
    )
    for f in failures:
        when = iso_ms(f.at) if f.at else "at load"
        err.write(f"  failed: {f.norad_id} {f.name or ''}: {f.reason} ({when})\n")
    for n in notes:
        err.write(f"  note: {n}\n")
    sys.stderr.write(err.getvalue())
