"""Typed errors: raised in the domain, carried in replies, mapped to HTTP statuses."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class ErrorCode(StrEnum):
    NOT_FOUND = "not_found"
    VALIDATION = "validation"
    CONFLICT = "conflict"
    PRECONDITION_FAILED = "precondition_failed"
    FORBIDDEN = "forbidden"
    UNAUTHORIZED = "unauthorized"
    UNAVAILABLE = "unavailable"
    TIMEOUT = "timeout"
    RATE_LIMITED = "rate_limited"
    TOO_LARGE = "too_large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    INTERNAL = "internal"


HTTP_STATUS: dict[ErrorCode, int] = {
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.VALIDATION: 422,
    ErrorCode.CONFLICT: 409,
    ErrorCode.PRECONDITION_FAILED: 412,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.UNAUTHORIZED: 401,
    ErrorCode.UNAVAILABLE: 503,
    ErrorCode.TIMEOUT: 504,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.TOO_LARGE: 413,
    ErrorCode.UNSUPPORTED_MEDIA_TYPE: 415,
    ErrorCode.INTERNAL: 500,
}


class FieldError(BaseModel):
    """One rejected input field and why."""

    field: str
    reason: str


class ErrorInfo(BaseModel):
    """The error half of a reply: what the gateway turns into `{success: false, error, details}`."""

    code: ErrorCode
    message: str
    details: list[FieldError] = Field(default_factory=list)
    context: dict[str, Any] = Field(default_factory=dict)
    reason: str | None = None


class DomainError(Exception):
    """Base of every expected failure; carries everything the caller needs to explain it.

    `reason`: a stable code of what went wrong (`invalid_credentials`, `version_conflict`…)
    that a client words in its own language, with `context` as the wording's parameters; the
    message stays the English text for people reading the API and the logs."""

    code: ErrorCode = ErrorCode.INTERNAL

    def __init__(
        self,
        message: str,
        *,
        details: list[FieldError] | None = None,
        context: dict[str, Any] | None = None,
        reason: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []
        self.context = context or {}
        self.reason = reason

    def info(self) -> ErrorInfo:
        return ErrorInfo(
            code=self.code,
            message=self.message,
            details=self.details,
            context=self.context,
            reason=self.reason,
        )

    @classmethod
    def from_info(cls, info: ErrorInfo) -> DomainError:
        err_cls = _BY_CODE.get(info.code, DomainError)
        err = err_cls(info.message, details=info.details, context=info.context, reason=info.reason)
        err.code = info.code
        return err

    @property
    def http_status(self) -> int:
        return HTTP_STATUS[self.code]


class NotFound(DomainError):
    code = ErrorCode.NOT_FOUND


class ValidationFailed(DomainError):
    code = ErrorCode.VALIDATION

    @classmethod
    def on(cls, field: str, reason: str) -> ValidationFailed:
        """A validation error about a single field."""
        return cls(f"{field}: {reason}", details=[FieldError(field=field, reason=reason)])


class Conflict(DomainError):
    code = ErrorCode.CONFLICT


class PreconditionFailed(DomainError):
    """A condition the request put in a header (`If-Match`) no longer holds (HTTP 412)."""

    code = ErrorCode.PRECONDITION_FAILED


class Forbidden(DomainError):
    code = ErrorCode.FORBIDDEN


class Unauthorized(DomainError):
    code = ErrorCode.UNAUTHORIZED


class Unavailable(DomainError):
    code = ErrorCode.UNAVAILABLE


class RpcTimeout(DomainError):
    code = ErrorCode.TIMEOUT


class PayloadTooLarge(DomainError):
    """An upload over its limit (HTTP 413)."""

    code = ErrorCode.TOO_LARGE


class UnsupportedMediaType(DomainError):
    """An upload of a kind that is not taken (HTTP 415)."""

    code = ErrorCode.UNSUPPORTED_MEDIA_TYPE


_BY_CODE: dict[ErrorCode, type[DomainError]] = {
    ErrorCode.NOT_FOUND: NotFound,
    ErrorCode.VALIDATION: ValidationFailed,
    ErrorCode.CONFLICT: Conflict,
    ErrorCode.PRECONDITION_FAILED: PreconditionFailed,
    ErrorCode.FORBIDDEN: Forbidden,
    ErrorCode.UNAUTHORIZED: Unauthorized,
    ErrorCode.UNAVAILABLE: Unavailable,
    ErrorCode.TIMEOUT: RpcTimeout,
    ErrorCode.TOO_LARGE: PayloadTooLarge,
    ErrorCode.UNSUPPORTED_MEDIA_TYPE: UnsupportedMediaType,
}


MAX_FIELD_ERRORS = 20
"""Field errors reported at most: a list of ten thousand bad items is not ten thousand lines."""


def field_errors_from_pydantic(errors: list[Any]) -> list[FieldError]:
    """Turn pydantic's `ValidationError.errors()` into our field/reason pairs (the first
    `MAX_FIELD_ERRORS`; the rejected values themselves are never repeated)."""
    out: list[FieldError] = []
    for e in errors[:MAX_FIELD_ERRORS]:
        parts = [str(p) for p in e.get("loc", ())]
        if parts and parts[0] in ("body", "query", "path"):
            parts = parts[1:]
        loc = ".".join(parts)
        out.append(FieldError(field=loc or "body", reason=str(e.get("msg", "invalid"))))
    return out
