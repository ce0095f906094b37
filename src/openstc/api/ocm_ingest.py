"""Validating an uploaded OCM file into the summary the store keeps, with TraCSS-style messages.

:func:`openstc.formats.read` does the full CCSDS validation (KVN, XML or JSON; XML/JSON OCMs are
rewritten as KVN), then a KVN scan of the header, metadata and trajectory blocks extracts the
summary and applies TraCSS's pre-processing checks (OBJECT_DESIGNATOR, UTC, useable times). Each
problem becomes a ``KEYWORD: message`` string, as TraCSS's ``preProcessingValidation`` lists.

Candidate or operational: an OCM whose ``TRAJ_BASIS`` is ``PLANNED``/``SIMULATED``/``CANDIDATE``
(or ``USER_DEFINED_OCM_PURPOSE = CANDIDATE``) is a candidate (planned manoeuvre) ephemeris;
anything else is operational.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from datetime import datetime

from openstc.errors import FormatError, InvalidArgumentError
from openstc.store.times import parse_utc

CANDIDATE_BASES = {"PLANNED", "SIMULATED", "SIMULATION", "CANDIDATE"}
MANDATORY_HEADER = ("CCSDS_OCM_VERS", "CREATION_DATE", "ORIGINATOR")
MANDATORY_META = ("TIME_SYSTEM", "EPOCH_TZERO")


@dataclass
class OcmSummary:
    message_id: str | None = None
    norad_id: int | None = None
    object_designator: str | None = None
    object_name: str | None = None
    originator: str | None = None
    creation_date: datetime | None = None
    start_time: datetime | None = None
    stop_time: datetime | None = None
    candidate: bool = False
    keywords: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def _formats_check(text: str, file_name: str, s: OcmSummary) -> str | None:
    """Full CCSDS validation with :mod:`openstc.formats`; returns the OCM as KVN (for XML/JSON input).

    Returns None when the formats package cannot read OCMs (then only our KVN checks apply).
    """
    try:
        formats = importlib.import_module("openstc.formats")
        msg = formats.read(text, source=file_name, type="OCM")
        return str(formats.write(msg, "kvn"))
    except FormatError as exc:
        where = f" (line {exc.line})" if exc.line else ""
        s.errors.append(f"{exc.keyword or exc.code}: {exc.reason}{where}")
        return None
    except (ImportError, AttributeError, LookupError):
        return None
    except Exception:  # a reader bug must not block uploads; our own checks still run
        return None


def _kvn_scan(text: str, s: OcmSummary) -> int:
    """Collect header/metadata/trajectory keywords; returns the number of trajectory data lines."""
    block = "HEADER"
    data_lines = 0
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("COMMENT"):
            continue
        if line.endswith("_START") and "=" not in line:
            block = line[:-6]
            continue
        if line.endswith("_STOP") and "=" not in line:
            block = "BODY"
            continue
        if "=" in line:
            key, _, value = line.partition("=")
            key, value = key.strip(), value.split("[")[0].strip()
            if not key.replace("_", "").isalnum():
                s.errors.append(f"LINE {lineno}: {key!r} is not a keyword")
                continue
            if block in ("HEADER", "META", "TRAJ"):
                s.keywords.setdefault(key, value)
            continue
        if block == "TRAJ":
            parts = line.split()
            try:
                [float(x) for x in parts[1:]]
            except ValueError:
                s.errors.append(f"TRAJ line {lineno}: data line has a non-numeric value")
                continue
            if len(parts) < 4:
                s.errors.append(
                    f"TRAJ line {lineno}: data line has {len(parts)} values, expected a time and a state"
                )
                continue
            data_lines += 1
        elif block in ("HEADER", "META"):
            s.errors.append(f"LINE {lineno}: {line[:40]!r} is neither KEYWORD = value nor a block marker")
    return data_lines


def summarize(text: str, file_name: str) -> OcmSummary:
    """Validate one OCM file; ``summary.errors`` empty means accepted."""
    s = OcmSummary()
    stripped = text.lstrip()
    if not stripped:
        s.errors.append(f"FILE: {file_name} is empty")
        return s
    normalized = _formats_check(text, file_name, s)
    if stripped.startswith("<") or stripped.startswith("{"):
        if normalized is None:
            if not s.errors:
                s.errors.append("FORMAT: this XML/JSON OCM could not be read")
            return s
        text, stripped = normalized, normalized.lstrip()
    if not stripped.startswith("CCSDS_OCM_VERS"):
        s.errors.append("CCSDS_OCM_VERS: the file must start with CCSDS_OCM_VERS (not an OCM)")
        return s
    n_lines = _kvn_scan(text, s)
    kw = s.keywords
    for key in (*MANDATORY_HEADER, *MANDATORY_META):
        if not kw.get(key):
            s.errors.append(f"{key}: mandatory keyword is missing")
    if n_lines == 0:
        s.errors.append("TRAJ: the OCM has no trajectory data lines")
    designator = kw.get("OBJECT_DESIGNATOR") or kw.get("NORAD_CAT_ID")
    if not designator:
        s.errors.append("OBJECT_DESIGNATOR: mandatory for TraCSS (the satellite's NORAD catalog number)")
    else:
        s.object_designator = designator
        try:
            s.norad_id = int(designator)
        except ValueError:
            s.errors.append(f"OBJECT_DESIGNATOR: {designator!r} is not a NORAD catalog number")
    if kw.get("TIME_SYSTEM") and kw["TIME_SYSTEM"].upper() != "UTC":
        s.errors.append(f"TIME_SYSTEM: {kw['TIME_SYSTEM']} is not supported; use UTC")
    times: dict[str, datetime] = {}
    for key in (
        "CREATION_DATE",
        "EPOCH_TZERO",
        "START_TIME",
        "STOP_TIME",
        "USEABLE_START_TIME",
        "USEABLE_STOP_TIME",
    ):
        if kw.get(key):
            try:
                times[key] = parse_utc(kw[key])
            except InvalidArgumentError as exc:
                s.errors.append(f"{key}: {exc}")
    s.creation_date = times.get("CREATION_DATE")
    s.start_time = times.get("USEABLE_START_TIME") or times.get("START_TIME") or times.get("EPOCH_TZERO")
    s.stop_time = times.get("USEABLE_STOP_TIME") or times.get("STOP_TIME")
    if s.start_time and s.stop_time and s.stop_time <= s.start_time:
        s.errors.append("USEABLE_STOP_TIME: the stop time must be after the start time")
    s.message_id = kw.get("MESSAGE_ID") or (
        f"{kw.get('CREATION_DATE', '')}{designator or ''}-{kw.get('ORIGINATOR', '')}" if designator else None
    )
    s.object_name = kw.get("OBJECT_NAME")
    s.originator = kw.get("ORIGINATOR")
    basis = (kw.get("TRAJ_BASIS") or "").upper()
    s.candidate = (
        basis in CANDIDATE_BASES or (kw.get("USER_DEFINED_OCM_PURPOSE") or "").upper() == "CANDIDATE"
    )
    return s
