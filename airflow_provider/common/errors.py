"""Errors raised by every platform hook, one kind per way a caller must react."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """
    An API call that did not succeed.

    :param platform: the platform name (``hypersku``, ``supership``, ``chao8``, ``hishopping``).
    :param message: the vendor's message, or ours when the vendor gave none.
    :param http_status: the HTTP status of the answer, ``None`` when no answer came.
    :param code: the vendor's error code from the body, when there is one.
    :param trace_id: the vendor's trace id, when the answer carries one.
    :param retry_after: seconds the server asked us to wait (``Retry-After``).
    """

    #: whether the pipeline may send the same request again
    retryable: bool = False
    kind: str = "error"

    def __init__(
        self,
        platform: str,
        message: str,
        *,
        http_status: int | None = None,
        code: int | str | None = None,
        trace_id: str | None = None,
        retry_after: float | None = None,
        details: Any = None,
    ) -> None:
        self.platform = platform
        self.message = message
        self.http_status = http_status
        self.code = code
        self.trace_id = trace_id
        self.retry_after = retry_after
        self.details = details
        super().__init__(str(self))

    def __str__(self) -> str:
        parts = [f"{self.platform}: {self.message}"]
        if self.code is not None:
            parts.append(f"code={self.code}")
        if self.http_status is not None:
            parts.append(f"http={self.http_status}")
        if self.trace_id:
            parts.append(f"trace_id={self.trace_id}")
        return " ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe summary for XCom and trigger events (never carries request data)."""
        return {
            "kind": self.kind,
            "platform": self.platform,
            "message": self.message,
            "http_status": self.http_status,
            "code": self.code,
            "trace_id": self.trace_id,
        }


class AuthError(ApiError):
    """The token is missing, invalid or expired: refresh once and retry."""

    kind = "auth"


class ConfigurationError(ApiError):
    """Credentials or connection settings are wrong: a person must fix them, never retried."""

    kind = "configuration"


class BadRequestError(ApiError):
    """The platform rejected the input (validation, business rule)."""

    kind = "bad_request"


class NotFoundError(ApiError):
    """The object asked for does not exist."""

    kind = "not_found"


class DuplicateError(ApiError):
    """A create was rejected because the caller's id is already used."""

    kind = "duplicate"


class ConflictError(ApiError):
    """The caller's id exists but the existing object differs from what was asked."""

    kind = "conflict"


class InsufficientCreditError(ApiError):
    """The account cannot pay for the request (HiShopping 2001)."""

    kind = "insufficient_credit"


class RateLimitError(ApiError):
    """HTTP 429 or a vendor rate-limit code: wait and retry."""

    kind = "rate_limit"
    retryable = True


class TokenRateLimitError(RateLimitError):
    """The token endpoint refused a new token as too frequent (超8 21185002).

    Not retried by the request pipeline: the token manager answers it by waiting for the token
    another worker just obtained, never by calling the token endpoint in a loop.
    """

    kind = "token_rate_limit"
    retryable = False


class TransientError(ApiError):
    """A server fault (5xx, vendor 'internal error'): safe to retry for reads."""

    kind = "transient"
    retryable = True


class TransportError(ApiError):
    """No usable answer arrived (connection refused or reset, timeout, broken response).

    :param sent: ``False`` when the request certainly never reached the server (connect
        failure), so even a create may be sent again.
    """

    kind = "transport"
    retryable = True

    def __init__(self, platform: str, message: str, *, sent: bool = True, **kwargs: Any) -> None:
        self.sent = sent
        super().__init__(platform, message, **kwargs)


class ResponseError(ApiError):
    """The answer could not be read (not JSON, bad signature, unexpected shape)."""

    kind = "response"


def outcome_unknown(err: BaseException) -> bool:
    """True when a create may have been committed although no answer says so."""
    if isinstance(err, TransportError):
        return err.sent
    return isinstance(err, TransientError)
