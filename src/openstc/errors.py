"""The one exception tree of openstc, with stable error codes.

Every error raised on purpose by openstc derives from :class:`OpenstcError` and carries a stable,
machine-readable ``code`` (upper snake case, never renamed once released) and a human message that
says what was expected. Callers catch the family they care about (``FormatError`` for bad messages,
``PropagationError`` for orbits that cannot be propagated, ...) and may switch on ``code``.

Codes in use (the table is the contract; add, never rename):

=============================  ===============================================================
code                           meaning
=============================  ===============================================================
``FORMAT_UNSUPPORTED``         content is not a message type/encoding we can detect
``FORMAT_SYNTAX``              a line or XML element cannot be read at all
``FORMAT_UNEXPECTED_KEYWORD``  a keyword not allowed where it stands
``FORMAT_MISSING_KEYWORD``     a mandatory keyword is absent or empty
``FORMAT_BAD_VALUE``           a value does not parse as the keyword's type
``FORMAT_BAD_DATE``            a date/time that does not exist or has a bad form
``FORMAT_BAD_UNIT``            a unit incompatible with the keyword's unit
``FORMAT_INCONSISTENT``        values that contradict each other (time systems, sizes)
``FORMAT_BAD_DATA_LINE``       an ephemeris/covariance/data line with the wrong shape
``FORMAT_CHECKSUM``            a TLE line whose checksum does not match
``FORMAT_UNSAFE_XML``          XML with DTDs/entities we refuse to resolve
``PROPAGATION_FAILED``         an orbit could not be propagated (decayed, bad elements)
``INVALID_ARGUMENT``           a caller passed an argument outside its domain
``PC_NOT_COMPUTABLE``          a collision probability cannot be computed (reason in message)
``NOT_FOUND``                  a stored object does not exist
``PERMISSION_DENIED``          the caller's role does not allow the operation
``CONFLICT``                   the operation conflicts with stored state
=============================  ===============================================================
"""

from __future__ import annotations


class OpenstcError(Exception):
    """Base of every openstc error. ``code`` is stable; ``str()`` is the full human message."""

    code: str = "OPENSTC_ERROR"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        self.message = message

    def __str__(self) -> str:
        return self.message


class FormatError(OpenstcError, ValueError):
    """A message or file that cannot be read, with where and why.

    ``source`` names the file (or ``<string>``), ``line`` is 1-based for text encodings, ``path`` is
    the XML element path or JSON pointer, ``keyword`` is the CCSDS keyword concerned.
    """

    code = "FORMAT_SYNTAX"

    def __init__(
        self,
        message: str,
        *,
        code: str = "FORMAT_SYNTAX",
        source: str | None = None,
        line: int | None = None,
        path: str | None = None,
        keyword: str | None = None,
    ) -> None:
        self.reason = message
        self.source = source
        self.line = line
        self.path = path
        self.keyword = keyword
        super().__init__(self._render(), code=code)

    def _render(self) -> str:
        where = [self.source or "<string>"]
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.path:
            where.append(self.path)
        head = ":".join(where)
        kw = f" [{self.keyword}]" if self.keyword else ""
        return f"{head}:{kw} {self.reason}"

    def with_source(self, source: str) -> FormatError:
        """Return the same error naming ``source`` as the file (used by the shell, which knows it)."""
        err = FormatError(
            self.reason, code=self.code, source=source, line=self.line, path=self.path, keyword=self.keyword
        )
        err.__cause__ = self.__cause__
        return err


class PropagationError(OpenstcError):
    """An orbit could not be propagated; screening flags the object instead of crashing."""

    code = "PROPAGATION_FAILED"


class InvalidArgumentError(OpenstcError, ValueError):
    """An argument outside its documented domain."""

    code = "INVALID_ARGUMENT"


class PcError(OpenstcError):
    """A collision probability that cannot be computed; the message is the reason recorded."""

    code = "PC_NOT_COMPUTABLE"


class NotFoundError(OpenstcError):
    code = "NOT_FOUND"


class PermissionDeniedError(OpenstcError):
    code = "PERMISSION_DENIED"


class ConflictError(OpenstcError):
    code = "CONFLICT"
