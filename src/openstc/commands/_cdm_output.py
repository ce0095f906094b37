"""Writing a screening's CDMs to a folder (``openstc screen ... --cdm-dir DIR``): the shell side of
:mod:`openstc.events.cdmgen`.

One file per CDM and encoding, named ``<obj1>_<obj2>_<TCA yyyymmddThhmmss>_<MESSAGE_ID>.cdm`` (KVN),
``.xml`` or ``.json``. Here, and only here, the clock and the random source are read: the creation
date defaults to now and message ids to random UUIDs. Files are written to a temporary name and
renamed, so a reader polling the folder never sees half a CDM.

Wiring into ``commands/screen.py``: ``add_cdm_options(p)`` in ``register`` (adds ``--cdm-dir``,
``--cdm-format``, ``--cdm-originator``), then after ``merge``:
``write_cdms_for_run(args, conj, objects, config)`` (writes nothing without ``--cdm-dir``).
"""

from __future__ import annotations

import argparse
import os
import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from openstc.errors import InvalidArgumentError

if TYPE_CHECKING:  # the heavy modules load only when CDMs are written (keeps `openstc --help` fast)
    from openstc.events.cdmgen import CdmSettings
    from openstc.formats.cdm import Cdm
    from openstc.pc import PcResult
    from openstc.screening.model import Conjunction, ScreeningConfig, ScreeningObject
    from openstc.screening.volumes import Volume

SUFFIXES = {"kvn": ".cdm", "xml": ".xml", "json": ".json"}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def new_message_id() -> str:
    return str(uuid.uuid4())


def cdm_file_stem(cdm: Cdm) -> str:
    """``<obj1>_<obj2>_<TCA yyyymmddThhmmss>_<MESSAGE_ID>`` with anything unsafe in a file name
    replaced by ``-``."""
    tca = cdm.tca
    parts = [
        cdm.object1.designator or "OBJECT1",
        cdm.object2.designator or "OBJECT2",
        tca.strftime("%Y%m%dT%H%M%S") if tca else "NOTCA",
        cdm.message_id or "NOID",
    ]
    return "_".join(_UNSAFE.sub("-", p.strip()) for p in parts)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_cdms(
    conjunctions_or_cdms: Iterable[Conjunction | Cdm],
    out_dir: Path,
    encodings: Sequence[str] = ("kvn",),
    *,
    settings: CdmSettings | None = None,
    objects: Mapping[int, ScreeningObject] | Iterable[ScreeningObject] = (),
    pc_results: Sequence[PcResult | None] | None = None,
    volumes: Mapping[int, Volume] | Volume | None = None,
    message_id_factory: Callable[[], str] = new_message_id,
    run_id: str | None = None,
    screen_start: datetime | None = None,
    screen_stop: datetime | None = None,
) -> list[Path]:
    """Write CDMs (given, or built from conjunctions) under ``out_dir``; returns the paths written.

    Conjunctions are turned into CDMs with ``settings`` (default: created now, originator OPENSTC,
    ``run_id`` as both run and correlation id, the given screening period), computing their Pc
    unless ``pc_results`` are given. ``encodings`` is any of ``kvn``, ``xml``, ``json``.
    """
    from openstc import formats
    from openstc.events.cdmgen import CdmSettings, screening_cdms
    from openstc.formats.cdm import Cdm
    from openstc.screening.model import Conjunction

    for enc in encodings:
        if enc not in SUFFIXES:
            raise InvalidArgumentError(f"unknown CDM encoding {enc!r}; expected kvn, xml or json")
    items = list(conjunctions_or_cdms)
    cdms = [c for c in items if isinstance(c, Cdm)]
    conjunctions = [c for c in items if isinstance(c, Conjunction)]
    if len(cdms) + len(conjunctions) != len(items):
        raise InvalidArgumentError("write_cdms takes Conjunction or Cdm values")
    if cdms and conjunctions:
        raise InvalidArgumentError("write_cdms takes either conjunctions or CDMs, not a mix")
    if conjunctions:
        if settings is None:
            settings = CdmSettings(
                creation_date=datetime.now(UTC),
                run_id=run_id,
                correlation_id=run_id,
                screen_start=screen_start,
                screen_stop=screen_stop,
            )
        cdms = screening_cdms(
            conjunctions,
            settings=settings,
            message_ids=message_id_factory,
            objects=objects,
            pc_results=pc_results,
            volumes=volumes,
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for cdm in cdms:
        stem = cdm_file_stem(cdm)
        for enc in encodings:
            path = out_dir / f"{stem}{SUFFIXES[enc]}"
            _write_atomic(path, formats.write(cdm, enc))
            written.append(path)
    return written


# -- wiring into ``openstc screen`` -------------------------------------------------------------


def add_cdm_options(parser: argparse.ArgumentParser) -> None:
    """``--cdm-dir DIR``, ``--cdm-format kvn,xml,json`` and ``--cdm-originator`` on a sub-parser."""
    parser.add_argument(
        "--cdm-dir",
        type=Path,
        metavar="DIR",
        help="also write one CDM per conjunction into DIR (<obj1>_<obj2>_<TCA>_<MESSAGE_ID>.cdm)",
    )
    parser.add_argument(
        "--cdm-format",
        default="kvn",
        metavar="kvn,xml,json",
        help="CDM encodings to write, comma-separated (default kvn)",
    )
    parser.add_argument("--cdm-originator", default="OPENSTC", help="CDM ORIGINATOR (default OPENSTC)")


def parse_encodings(text: str) -> tuple[str, ...]:
    encodings = tuple(dict.fromkeys(p.strip().lower() for p in text.split(",") if p.strip()))
    bad = [e for e in encodings if e not in SUFFIXES]
    if bad or not encodings:
        raise InvalidArgumentError(f"--cdm-format takes kvn, xml and/or json, got {text!r}")
    return encodings


def write_cdms_for_run(
    args: argparse.Namespace,
    conjunctions: Sequence[Conjunction],
    objects: Iterable[ScreeningObject],
    config: ScreeningConfig,
    run_id: str | None = None,
) -> list[Path]:
    """Write the run's CDMs when ``--cdm-dir`` was given (else nothing); returns the paths written.
    The run id (default: a new UUID) is both USER_DEFINED_RUN_ID and USER_DEFINED_CORRELATION_ID."""
    from openstc.events.cdmgen import CdmSettings
    from openstc.screening.volumes import Volume

    out_dir = getattr(args, "cdm_dir", None)
    if out_dir is None:
        return []
    encodings = parse_encodings(getattr(args, "cdm_format", "kvn"))
    rid = run_id or str(uuid.uuid4())
    settings = CdmSettings(
        creation_date=datetime.now(UTC),
        originator=getattr(args, "cdm_originator", "OPENSTC"),
        run_id=rid,
        correlation_id=rid,
        screen_start=config.start,
        screen_stop=config.start + timedelta(seconds=config.duration_s),
    )
    volumes = config.volume if isinstance(config.volume, Volume) else None
    return write_cdms(
        conjunctions, Path(out_dir), encodings, settings=settings, objects=objects, volumes=volumes
    )
