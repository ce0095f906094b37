"""Two-line (TLE) and three-line (3LE) element sets: read to :class:`ElementSet`, write back.

Reading follows the punch-card columns that ``sgp4``'s ``twoline2rv`` uses (characters after column
69 are ignored, as in Vallado's ``SGP4-VER.TLE`` which appends start/stop/step there). It accepts
Alpha-5 catalog numbers (``A0000`` = 100000), 2- and 3-line records mixed in one file with blank
lines and ``#`` comments between them, and a name line with Space-Track's ``0 `` prefix. Checksums
are verified (``FORMAT_CHECKSUM`` names the line); a line without a checksum digit is accepted.
The epoch is kept both as a UTC datetime (microseconds, exact for the 8-digit TLE day fraction)
and as the two-part Julian date ``sgp4`` computes, so :func:`openstc.formats.elset.to_satrec`
reproduces ``Satrec.twoline2rv``.

Writing is strict: right columns, checksums, Alpha-5 for catalog numbers >= 100000, and an
:class:`InvalidArgumentError` for values a TLE cannot hold.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from math import isfinite

from openstc.errors import FormatError, InvalidArgumentError
from openstc.formats.elset import ElementSet, ReadResult, gc_paused, sgp4_tle_epoch_jd, tle_epoch_field

_ALPHA5_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I, no O (they look like 1 and 0)
MAX_ALPHA5 = 339999


def _isdigits(s: str) -> bool:
    """ASCII digits only (``str.isdigit`` also accepts '²' and other characters ``int`` refuses)."""
    return s.isascii() and s.isdigit()


def checksum(line: str) -> int:
    """TLE checksum of columns 1-68: digits count their value, each minus sign counts 1, modulo 10."""
    s = line[:68]
    c = s.count  # str.count runs in C: ten scans of 68 characters beat a Python loop over them
    total = c("1") + 2 * c("2") + 3 * c("3") + 4 * c("4") + 5 * c("5") + 6 * c("6") + 7 * c("7")
    return (total + 8 * c("8") + 9 * c("9") + c("-")) % 10


def to_alpha5(norad_id: int) -> str:
    """Five-character catalog number: ``00005``, ``99999``, ``A0000`` (100000) .. ``Z9999`` (339999)."""
    if norad_id < 0 or norad_id > MAX_ALPHA5:
        raise InvalidArgumentError(f"catalog number {norad_id} does not fit a TLE (0..{MAX_ALPHA5})")
    if norad_id < 100000:
        return f"{norad_id:05d}"
    head, tail = divmod(norad_id, 10000)
    return f"{_ALPHA5_LETTERS[head - 10]}{tail:04d}"


def from_alpha5(field: str) -> int:
    """Inverse of :func:`to_alpha5`; leading blanks are allowed (``'   5'``). Raises ValueError."""
    s = field.strip()
    if not s:
        raise ValueError("empty catalog number")
    if s[0].isascii() and s[0].isalpha():
        idx = _ALPHA5_LETTERS.find(s[0].upper())
        if idx < 0 or len(s) != 5 or not _isdigits(s[1:]):
            raise ValueError(f"bad Alpha-5 catalog number {field!r}")
        return (idx + 10) * 10000 + int(s[1:])
    if not _isdigits(s):
        raise ValueError(f"bad catalog number {field!r}")
    return int(s)


def _implied(field: str, keyword: str, line_no: int) -> float:
    """An implied-decimal field such as ``' 28098-4'`` or ``'-22483-4'`` -> -0.22483e-4."""
    s = field.strip()
    if not s:
        return 0.0
    sign = ""
    if s[0] in "+-":
        sign, s = ("-" if s[0] == "-" else ""), s[1:].lstrip()
    if len(s) >= 2 and s[-2] in "+-":
        mant, exp = s[:-2], s[-2:]
    else:
        mant, exp = s, "+0"
    if not _isdigits(mant) or not _isdigits(exp[1]):
        raise FormatError(
            f"{field!r} is not an implied-decimal value like ' 12345-4'",
            code="FORMAT_BAD_VALUE",
            line=line_no,
            keyword=keyword,
        )
    return float(f"{sign}.{mant}e{exp}")


def _num(text: str, keyword: str, line_no: int, *, kind: type = float, blank_ok: bool = False) -> float:
    s = text.strip()
    if not s and blank_ok:
        return 0
    try:
        value = int(s) if kind is int else float(s)
    except ValueError:
        value = float("nan")
    if not isfinite(value) or "_" in s:
        raise FormatError(f"{text!r} is not a number", code="FORMAT_BAD_VALUE", line=line_no, keyword=keyword)
    return value


def _check_line(line: str, number: str, line_no: int, verify: bool) -> str:
    if len(line) < 68 or not line.startswith(number + " "):
        raise FormatError(
            f"TLE line {number} must start with '{number} ' and have at least 68 columns (has {len(line)})",
            code="FORMAT_SYNTAX",
            line=line_no,
        )
    if verify and len(line) >= 69 and _isdigits(line[68]):
        expected = checksum(line)
        if int(line[68]) != expected:
            raise FormatError(
                f"TLE line {number} checksum is {line[68]} but its columns 1-68 tally to {expected}",
                code="FORMAT_CHECKSUM",
                line=line_no,
            )
    elif len(line) >= 69 and not (_isdigits(line[68]) or line[68] == " "):
        raise FormatError(
            f"TLE line {number} column 69 must be a checksum digit, not {line[68]!r}",
            code="FORMAT_SYNTAX",
            line=line_no,
        )
    return line[:69]


# Columns (0-based) that must hold a '.' or a blank in a well-formed line, as sgp4 checks them.
_LINE1_SHAPE = ((8, " "), (23, "."), (32, " "), (34, "."), (43, " "), (52, " "), (61, " "), (63, " "))
_LINE2_SHAPE: tuple[tuple[int, str], ...] = ((7, " "), (11, "."), (16, " "), (20, "."), (25, " "), (33, " "))
_LINE2_SHAPE += ((37, "."), (42, " "), (46, "."), (51, " "))


def _check_shape(line: str, shape: tuple[tuple[int, str], ...], number: str, line_no: int) -> None:
    for col, want in shape:
        if line[col] != want:
            raise FormatError(
                f"TLE line {number} column {col + 1} must be {want!r}, not {line[col]!r} (misplaced field)",
                code="FORMAT_SYNTAX",
                line=line_no,
            )


def _cospar(intl: str) -> str | None:
    """TLE designator ``98067A`` -> COSPAR ``1998-067A``; blank -> None; odd forms kept as they are."""
    s = intl.strip()
    if not s:
        return None
    if len(s) >= 6 and _isdigits(s[:5]) and s[5:].isalpha():
        yy = int(s[:2])
        return f"{(2000 if yy < 57 else 1900) + yy}-{s[2:5]}{s[5:]}"
    return s


def parse_tle_lines(
    line1: str,
    line2: str,
    *,
    name: str | None = None,
    line_no: int = 1,
    verify_checksum: bool = True,
) -> ElementSet:
    """One element set from its two lines (``line_no`` is line 1's number in its file, for errors)."""
    l1 = _check_line(line1.rstrip("\r\n"), "1", line_no, verify_checksum)
    l2 = _check_line(line2.rstrip("\r\n"), "2", line_no + 1, verify_checksum)
    _check_shape(l1, _LINE1_SHAPE, "1", line_no)
    _check_shape(l2, _LINE2_SHAPE, "2", line_no + 1)
    try:
        norad = from_alpha5(l1[2:7])
    except ValueError as exc:
        raise FormatError(str(exc), code="FORMAT_BAD_VALUE", line=line_no, keyword="NORAD_CAT_ID") from None
    if l2[2:7].strip() != l1[2:7].strip():
        raise FormatError(
            f"line 2 catalog number {l2[2:7]!r} differs from line 1's {l1[2:7]!r}",
            code="FORMAT_INCONSISTENT",
            line=line_no + 1,
            keyword="NORAD_CAT_ID",
        )
    epoch_field = l1[18:32]
    yy_s, day_s = epoch_field[:2], epoch_field[2:].strip()
    if not _isdigits(yy_s.strip()) or "." not in day_s:
        raise FormatError(
            f"epoch {epoch_field!r} is not YYDDD.DDDDDDDD",
            code="FORMAT_BAD_DATE",
            line=line_no,
            keyword="EPOCH",
        )
    doy_s, frac_s = day_s.split(".", 1)
    if not _isdigits(doy_s) or not (_isdigits(frac_s) or frac_s == "") or not 1 <= int(doy_s) <= 366:
        raise FormatError(
            f"epoch day {day_s!r} is not a day of year 1..366",
            code="FORMAT_BAD_DATE",
            line=line_no,
            keyword="EPOCH",
        )
    yy = int(yy_s)
    year = 2000 + yy if yy < 57 else 1900 + yy
    # Exact microseconds from the decimal digits (a float day fraction would drift by ~1 us).
    scale = 10 ** len(frac_s)
    micro = (int(frac_s or "0") * 86_400_000_000 * 2 + scale) // (2 * scale)
    epoch = datetime(year, 1, 1, tzinfo=UTC) + timedelta(days=int(doy_s) - 1, microseconds=micro)
    jd, jd_frac = sgp4_tle_epoch_jd(year, float(day_s))
    jd_frac = round(jd_frac * 1e8) / 1e8  # as Satrec.twoline2rv shows it

    ephem = l1[62].strip()
    l2_no = line_no + 1

    def ranged(field: str, key: str, low: float, high: float, at: int) -> float:
        value = _num(field, key, at)
        if not low <= value < high:
            raise FormatError(
                f"{value!r} is outside [{low:g}, {high:g})", code="FORMAT_BAD_VALUE", line=at, keyword=key
            )
        return value

    n_rev_day = ranged(l2[52:63], "MEAN_MOTION", 1e-9, 100.0, l2_no)
    es = ElementSet(
        norad_id=norad,
        epoch=epoch,
        mean_motion_rev_day=n_rev_day,
        eccentricity=_num("0." + l2[26:33].replace(" ", "0"), "ECCENTRICITY", l2_no),
        inclination_deg=ranged(l2[8:16], "INCLINATION", 0.0, 180.0001, l2_no),
        raan_deg=ranged(l2[17:25], "RA_OF_ASC_NODE", 0.0, 360.0001, l2_no),
        arg_perigee_deg=ranged(l2[34:42], "ARG_OF_PERICENTER", 0.0, 360.0001, l2_no),
        mean_anomaly_deg=ranged(l2[43:51], "MEAN_ANOMALY", 0.0, 360.0001, l2_no),
        bstar_per_er=_implied(l1[53:61], "BSTAR", line_no),
        mean_motion_dot_rev_day2=ranged(l1[33:43], "MEAN_MOTION_DOT", -1.0 + 1e-9, 1.0, line_no),
        mean_motion_ddot_rev_day3=_implied(l1[44:52], "MEAN_MOTION_DDOT", line_no),
        object_name=name,
        object_id=_cospar(l1[9:17]),
        classification=l1[7].strip() or "U",
        ephemeris_type=int(ephem) if _isdigits(ephem) else 0,
        element_set_no=int(_num(l1[64:68], "ELEMENT_SET_NO", line_no, kind=int, blank_ok=True)),
        rev_at_epoch=int(_num(l2[63:68], "REV_AT_EPOCH", line_no + 1, kind=int, blank_ok=True)),
        epoch_jd=jd,
        epoch_jd_frac=jd_frac,
        source="tle",
    )
    return es


def _is_skippable(line: str) -> bool:
    """Blank lines and ``#`` comments (Vallado's SGP4-VER.TLE) between records; so a plain 3LE name
    cannot start with ``#`` (the writer refuses it unless the ``0 `` prefix is used)."""
    s = line.strip()
    return not s or s.startswith("#")


def read_tle(data: str | bytes, *, strict: bool = True, verify_checksum: bool = True) -> ReadResult:
    """Every 2LE/3LE record of ``data``.

    ``strict`` raises the first :class:`FormatError`; otherwise bad records are skipped and listed
    in ``ReadResult.errors`` (each with its line number and reason).
    """
    with gc_paused():
        return _read_tle(data, strict, verify_checksum)


def _read_tle(data: str | bytes, strict: bool, verify_checksum: bool) -> ReadResult:
    text = data.decode("ascii", errors="replace") if isinstance(data, bytes) else data
    lines = text.splitlines()
    n = len(lines)
    elements: list[ElementSet] = []
    errors: list[FormatError] = []

    def next_line(j: int) -> int:
        while j < n and _is_skippable(lines[j]):
            j += 1
        return j

    def starts(j: int, prefix: str) -> bool:
        return j < n and lines[j].startswith(prefix)

    i = next_line(0)
    while i < n:
        line = lines[i].rstrip()
        start = i
        name: str | None = None
        try:
            j = next_line(i + 1)
            k = next_line(j + 1)
            if line.startswith("1 ") and starts(j, "2 "):
                i1, i2 = i, j
            elif starts(j, "1 ") and starts(k, "2 ") and not (len(line) >= 60 and line[:2] in ("1 ", "2 ")):
                # A name line: any line followed by lines 1 and 2 (even "1 ..."/"2 ..."-looking names).
                name = line[2:].strip() if line.startswith("0 ") else line.strip()
                i1, i2 = j, k
            else:
                i += 1
                if line.startswith("1 "):
                    raise FormatError("TLE line 1 is not followed by a line 2", line=start + 1)
                if line.startswith("2 "):
                    raise FormatError("TLE line 2 without a line 1 before it", line=start + 1)
                raise FormatError(
                    f"name line {line.strip()!r} is not followed by TLE lines 1 and 2", line=start + 1
                )
            i = i2 + 1
            elements.append(
                parse_tle_lines(
                    lines[i1], lines[i2], name=name, line_no=i1 + 1, verify_checksum=verify_checksum
                )
            )
        except FormatError as err:
            if strict:
                raise
            errors.append(err)
        i = next_line(i)
    return ReadResult(elements, errors, "tle")


def _exp_field(value: float, keyword: str) -> str:
    """``value`` as an 8-column implied-decimal field: ``' 28098-4'``, ``'-22483-4'``, ``' 00000-0'``."""
    if value == 0.0 or abs(value) < 0.5e-14:
        return " 00000+0" if keyword == "BSTAR" else " 00000-0"
    mant_s, exp_s = f"{abs(value):.4e}".split("e")
    exp = int(exp_s) + 1
    digits = mant_s.replace(".", "")
    if exp > 9:
        raise InvalidArgumentError(f"{keyword} = {value!r} is too large for a TLE field")
    if exp < -9:
        return " 00000-0"
    return f"{'-' if value < 0 else ' '}{digits}{'+' if exp > 0 else '-'}{abs(exp)}"


def _epoch_field(epoch: datetime) -> str:
    """``YYDDD.DDDDDDDD`` from a UTC datetime (rounded to the 8th decimal of a day = 864 us)."""
    year, days = tle_epoch_field(epoch)
    if not 1957 <= year <= 2056:
        raise InvalidArgumentError(f"epoch {epoch.isoformat()} is outside the TLE years 1957..2056")
    return f"{year % 100:02d}{days}"


def _fixed(value: float, width: int, decimals: int, keyword: str) -> str:
    s = f"{value:{width}.{decimals}f}"
    if len(s) > width or s.lstrip().startswith("-"):
        raise InvalidArgumentError(f"{keyword} = {value!r} does not fit {width} TLE columns (or is negative)")
    return s


def format_tle(es: ElementSet) -> tuple[str, str]:
    """The two 69-column lines of ``es``, checksums included."""
    sat = to_alpha5(es.norad_id)
    intl = ""
    if es.object_id:
        oid = es.object_id.strip()
        intl = oid[2:].replace("-", "") if len(oid) > 5 and oid[4] == "-" else oid
    if len(intl) > 8:
        raise InvalidArgumentError(f"international designator {es.object_id!r} does not fit a TLE")
    ndot = es.mean_motion_dot_rev_day2
    if abs(ndot) >= 1.0:
        raise InvalidArgumentError(f"MEAN_MOTION_DOT = {ndot!r} does not fit a TLE (|x| < 1)")
    ndot_s = f"{abs(ndot):.8f}"[1:]
    ndot_s = ("-" if ndot < 0 and ndot_s != ".00000000" else " ") + ndot_s
    if not 0.0 <= es.eccentricity < 1.0:
        raise InvalidArgumentError(f"ECCENTRICITY = {es.eccentricity!r} does not fit a TLE")
    ecc = round(es.eccentricity * 1e7)
    if ecc > 9_999_999:
        raise InvalidArgumentError(f"ECCENTRICITY = {es.eccentricity!r} rounds to 1 in a TLE")
    cls = (es.classification or "U")[:1]
    line1 = (
        f"1 {sat}{cls} {intl:<8} {_epoch_field(es.epoch)} {ndot_s} "
        f"{_exp_field(es.mean_motion_ddot_rev_day3, 'MEAN_MOTION_DDOT')} "
        f"{_exp_field(es.bstar_per_er, 'BSTAR')} {es.ephemeris_type % 10:1d} {es.element_set_no % 10000:4d}"
    )
    line2 = (
        f"2 {sat} {_fixed(es.inclination_deg, 8, 4, 'INCLINATION')} "
        f"{_fixed(es.raan_deg, 8, 4, 'RA_OF_ASC_NODE')} {ecc:07d} "
        f"{_fixed(es.arg_perigee_deg, 8, 4, 'ARG_OF_PERICENTER')} "
        f"{_fixed(es.mean_anomaly_deg, 8, 4, 'MEAN_ANOMALY')} "
        f"{_fixed(es.mean_motion_rev_day, 11, 8, 'MEAN_MOTION')}{es.rev_at_epoch % 100000:5d}"
    )
    return line1 + str(checksum(line1)), line2 + str(checksum(line2))


def write_tle(
    elsets: list[ElementSet] | tuple[ElementSet, ...], *, names: bool = True, zero_prefix: bool = False
) -> str:
    """TLE text: 3LE (a name line before each record) when ``names``, Space-Track's ``0 NAME`` form
    when ``zero_prefix``, else plain 2LE. Lines end in LF."""
    out: list[str] = []
    for es in elsets:
        if names:
            name = es.object_name or ""
            if not zero_prefix and name.startswith(("0 ", "#")):
                raise InvalidArgumentError(
                    f"name {name!r} would read as a '0 ' name line or a comment: write with zero_prefix"
                )
            out.append(("0 " + name) if zero_prefix else name)
        out.extend(format_tle(es))
    return "\n".join(out) + ("\n" if out else "")
