"""
HyperSKU's AG-Admin envelope: ``{"status", "message", "data", "rel"}``, read into the answer's
data or the matching :class:`~airflow_provider.common.errors.ApiError`.

The body's ``status`` decides, not only the HTTP status: an error ``status`` (``500`` included)
inside an HTTP 200 is a business error. Token calls answer a bare object (``LoginResDto``)
whose ``status`` may be the API doc's placeholder ``0``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airflow_provider.common.errors import (
    ApiError,
    AuthError,
    BadRequestError,
    ConfigurationError,
    NotFoundError,
    RateLimitError,
    ResponseError,
)

#: the platform name errors carry
PLATFORM = "hypersku"
#: ``status`` values of a successful answer (200: HyperSKU's tooling; 0: the API doc's examples)
SUCCESS_CODES = frozenset({0, 200})
#: token invalid or expired: refresh once and retry
TOKEN_INVALID = 40101
#: user invalid (wrong username/password), client invalid, client forbidden
CONFIGURATION_CODES = frozenset({40102, 40131, 40331})


def int_or_none(value: Any) -> int | None:
    """``value`` as an int, ``None`` when it is none."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def trace_id_of(body: Any, headers: Mapping[str, str] | None = None) -> str | None:
    """The trace id of an answer, from the body or the usual headers."""
    if isinstance(body, dict):
        for key in ("traceId", "trace_id", "requestId"):
            if body.get(key):
                return str(body[key])
    for key in ("x-trace-id", "traceid", "x-request-id"):
        if headers and headers.get(key):
            return str(headers[key])
    return None


def envelope_error(
    body: Mapping[str, Any], *, http_status: int | None, trace_id: str | None = None
) -> ApiError:
    """The error an AG-Admin envelope with a non-success ``status`` stands for."""
    code = int_or_none(body.get("status"))
    message = str(body.get("message") or body.get("msg") or body.get("error") or "request failed")
    kwargs: dict[str, Any] = {"http_status": http_status, "code": code, "trace_id": trace_id}
    if code == TOKEN_INVALID:
        return AuthError(PLATFORM, message, **kwargs)
    if code in CONFIGURATION_CODES:
        hint = {
            40102: "username or password wrong, or API access not enabled for the account",
            40131: "OAuth2 client id/secret not accepted",
            40331: "OAuth2 client not allowed",
        }[code]
        return ConfigurationError(PLATFORM, f"{message} ({hint})", **kwargs)
    if code == 429:
        return RateLimitError(PLATFORM, message, **kwargs)
    if code == 404 or (code is None and http_status == 404):
        return NotFoundError(PLATFORM, message, **kwargs)
    if code is None and http_status == 401:
        return AuthError(PLATFORM, message, **kwargs)
    if code is None and http_status == 403:
        return ConfigurationError(PLATFORM, message, **kwargs)
    return BadRequestError(PLATFORM, message, **kwargs)


def check_envelope(body: Any, *, http_status: int, headers: Mapping[str, str] | None = None) -> Any:
    """
    The ``data`` of a successful AG-Admin answer, else the matching :class:`ApiError`.

    Success is a ``status`` of 0 or 200 with ``rel`` not false, whatever the HTTP status; an
    error ``status`` (``500`` included) inside an HTTP 200 is a business error.
    """
    if not isinstance(body, dict):
        if http_status >= 400:
            raise envelope_error({}, http_status=http_status, trace_id=trace_id_of(body, headers))
        raise ResponseError(PLATFORM, "answer is not an AG-Admin envelope", http_status=http_status)
    code = int_or_none(body.get("status"))
    if code in SUCCESS_CODES and body.get("rel") is not False:
        return body.get("data")
    # only an error carries its trace id on: a success is not searched for one (every answer of
    # a bulk run comes through here)
    trace_id = trace_id_of(body, headers)
    if code is None and http_status >= 400:
        raise envelope_error(body, http_status=http_status, trace_id=trace_id)
    if code is None:
        raise ResponseError(PLATFORM, "answer has no 'status'", http_status=http_status, trace_id=trace_id)
    if code not in SUCCESS_CODES:
        raise envelope_error(body, http_status=http_status, trace_id=trace_id)
    message = str(body.get("message") or "request refused (rel=false)")
    raise BadRequestError(PLATFORM, message, http_status=http_status, code=code, trace_id=trace_id)


def check_token_answer(body: Any, *, http_status: int, headers: Mapping[str, str] | None = None) -> Any:
    """
    A token call's answer, returned whole: it succeeded when a token is present and ``status``
    is not an error code (the API doc's example shows ``"status": 0``).
    """
    trace_id = trace_id_of(body, headers)
    if not isinstance(body, dict):
        if http_status >= 400:
            raise envelope_error({}, http_status=http_status, trace_id=trace_id)
        raise ResponseError(PLATFORM, "token answer is not a JSON object", http_status=http_status)
    code = int_or_none(body.get("status"))
    failed = (code is not None and code not in SUCCESS_CODES and not 200 <= code < 300) or (
        code is None and http_status >= 400
    )
    if failed or body.get("rel") is False:
        raise envelope_error(body, http_status=http_status, trace_id=trace_id)
    return body
