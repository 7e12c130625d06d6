"""Exceptions of the nooterra package.

Every error the library reports carries its canonical code as a string (`code`, e.g.
``"NOOTERRA_INVALID_ARGUMENT"``, the same string the Node package's errors carry), the code's
name (`code_name`, e.g. ``"INVALID_ARGUMENT"``), its number (`code_number`, the C ABI's value,
equal to Abseil's), a stable machine-readable `reason` (e.g. ``"JSON_SYNTAX"``) and a human
`message`. Subclasses also derive from the
natural builtin, so ``except ValueError`` catches invalid input.

Domain outcomes (a bundle that does not verify, an object whose hash does not match) are
return values, not exceptions.
"""

from __future__ import annotations

from typing import Optional


class NooterraError(Exception):
    """Base class of every error raised by nooterra: ``code`` (``"NOOTERRA_<NAME>"``),
    ``code_name``, ``code_number``, ``reason``, ``message`` and, for JSON errors, ``offset``."""

    def __init__(self, code: int, code_name: str, reason: str, message: str,
                 offset: Optional[int] = None) -> None:
        super().__init__(f"{reason or code_name}: {message}")
        self.code: str = f"NOOTERRA_{code_name}"
        self.code_name: str = code_name
        self.code_number: int = code
        self.reason = reason
        self.message = message
        self.offset = offset


class InvalidArgumentError(NooterraError, ValueError):
    """Malformed input: fix the input (code 3)."""


class NotFoundError(NooterraError, KeyError):
    """Something named does not exist (code 5)."""

    def __str__(self) -> str:  # KeyError quotes its argument; keep the readable form
        return Exception.__str__(self)


class AlreadyExistsError(NooterraError):
    """A unique thing exists already, or an idempotency key was reused differently (code 6)."""


class PermissionDeniedError(NooterraError, PermissionError):
    """The operating system refused access (code 7)."""


class ResourceExhaustedError(NooterraError):
    """A named limit was exceeded, or the store is full (code 8)."""


class FailedPreconditionError(NooterraError):
    """The state forbids the operation: fix the state first (code 9)."""


class OutOfRangeError(NooterraError, ArithmeticError):
    """A value left its range, e.g. a balance overflow (code 11)."""


class UnavailableError(NooterraError):
    """Retry the call (code 14)."""


class DataLossError(NooterraError):
    """Stored data is corrupt (code 15)."""


class InternalError(NooterraError):
    """A bug in the library: please report it (code 13)."""


_BY_CODE = {
    3: InvalidArgumentError,
    5: NotFoundError,
    6: AlreadyExistsError,
    7: PermissionDeniedError,
    8: ResourceExhaustedError,
    9: FailedPreconditionError,
    11: OutOfRangeError,
    13: InternalError,
    14: UnavailableError,
    15: DataLossError,
}


def _make_error(code: int, code_name: str, reason: str, message: str,
                offset: Optional[int]) -> NooterraError:
    """The factory the extension calls for every C ABI error."""
    return _BY_CODE.get(code, NooterraError)(code, code_name, reason, message, offset)
