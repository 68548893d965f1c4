"""Errors raised by every platform hook, one kind per way a caller must react."""

from __future__ import annotations

import os
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
    #: attempts made when the pipeline gave up retrying (:meth:`gave_up`); ``None`` before
    attempts: int | None = None
    #: the platform's display name, once :meth:`gave_up` worded the error for a person
    platform_label: str | None = None

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
        if self.attempts is not None:  # one paragraph: code, status and trace id are in the message
            return f"{self.platform_label or self.platform}: {self.message}"
        parts = [f"{self.platform}: {self.message}"]
        if self.code is not None:
            parts.append(f"code={self.code}")
        if self.http_status is not None:
            parts.append(f"http={self.http_status}")
        if self.trace_id:
            parts.append(f"trace_id={self.trace_id}")
        return " ".join(parts)

    def gave_up(
        self,
        *,
        platform_label: str,
        operation: str,
        host: str,
        attempts: int,
        elapsed: float,
        note: str = "",
    ) -> ApiError:
        """
        Word this error, the last of a call's attempts, as the one paragraph a person reads.

        ``"HyperSKU: POST /api/customer/admin/orders/create on 127.0.0.1:9 failed after 4
        attempts over 3.1 s; last cause: ConnectError: [Errno 111] Connection refused"``. The
        type and attributes (``sent``, ``retry_after``, ``code``...) stay as they were. The
        traceback keeps only the underlying exception as the cause, without the chain of
        transport exceptions beneath it (their facts are in the cause's text).

        :param operation: method and documented path (or the call's name).
        :param host: host and port, never a URL with its query string.
        :param note: said after the attempts, e.g. why a create was not sent again.
        """
        plural = "" if attempts == 1 else "s"
        self.message = (
            f"{operation} on {host} failed after {attempts} attempt{plural} over {elapsed:.1f} s{note}; "
            f"last cause: {describe_cause(self)}"
        )
        self.platform_label = platform_label
        self.attempts = attempts
        self.args = (str(self),)
        cause = self.__cause__
        if cause is not None:
            cause.__cause__ = None
            cause.__suppress_context__ = True
        self.__suppress_context__ = True
        return self

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


def transport_cause(err: BaseException) -> BaseException | None:
    """The transport exception (httpx) under a :class:`TransportError`, if any."""
    return err.__cause__ if isinstance(err, TransportError) else None


def retry_reason(err: ApiError) -> str:
    """Why an attempt failed, in a few words for a log line: exception class, HTTP status or code."""
    cause = transport_cause(err)
    if cause is not None:
        return type(cause).__name__
    if err.http_status is not None and (err.http_status == 429 or err.http_status >= 500):
        return f"HTTP {err.http_status}"
    if err.code is not None:
        return f"code {err.code}"
    return f"HTTP {err.http_status}" if err.http_status is not None else type(err).__name__


def describe_cause(err: ApiError) -> str:
    """What went wrong on the last attempt: the transport exception, or the answer's message."""
    cause = transport_cause(err)
    if cause is not None:
        text = str(cause)
        errno = _os_errno(cause)
        if errno is not None and "[Errno" not in text:
            # anyio says "All connection attempts failed": the reason is deeper in the chain
            reason = f"[Errno {errno}] {os.strerror(errno)}"
            text = f"{text} ({reason})" if text else reason
        return f"{type(cause).__name__}: {text}" if text else type(cause).__name__
    details = []
    if err.code is not None and str(err.code) not in err.message:
        details.append(f"code {err.code}")
    if err.http_status is not None and f"HTTP {err.http_status}" not in err.message:
        details.append(f"HTTP {err.http_status}")
    if err.retry_after is not None:
        details.append(f"Retry-After {err.retry_after:g} s")
    if err.trace_id:
        details.append(f"trace id {err.trace_id}")
    return ", ".join([err.message, *details])


def _os_errno(exc: BaseException) -> int | None:
    """The errno of an OS error chained under ``exc`` (causes, contexts, exception groups)."""
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    found: int | None = None
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, OSError) and isinstance(current.errno, int):
            found = current.errno
        pending += [e for e in (current.__cause__, current.__context__) if e is not None]
        pending += getattr(current, "exceptions", ())
    return found
