"""
How a HiShopping answer is read: the body ``code`` table and the checks of both APIs' answers.

Every answer's body ``code`` is what counts (HTTP 200 carries errors too):
``0`` success; ``1001``-``1005`` signature / app / key problems and ``3001``-``3003`` account
problems and ``4002`` forbidden are :class:`ConfigurationError`; ``2001``
:class:`InsufficientCreditError`; ``2002`` :class:`DuplicateError`; ``4001``
:class:`AuthError` (log in again once); ``5001`` :class:`TransientError` (retried).

The web API answers ``{code, message, data}`` (:func:`web_data`). The open API answers a signed,
encrypted envelope (:func:`open_data`; see :mod:`airflow_provider.hishopping.envelope`), or, for
an error, possibly a plain ``{code, message}``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from airflow_provider.common.errors import (
    ApiError,
    AuthError,
    BadRequestError,
    ConfigurationError,
    DuplicateError,
    InsufficientCreditError,
    NotFoundError,
    ResponseError,
    TransientError,
)
from airflow_provider.hishopping import envelope

log = logging.getLogger(__name__)

#: body code -> (error class, what it means for the user)
CODE_ERRORS: dict[int, tuple[type[ApiError], str]] = {
    1001: (ConfigurationError, "invalid signature: check the Sign Key and this machine's clock (+-5 min)"),
    1002: (ConfigurationError, "app not found: check the App ID"),
    1003: (ConfigurationError, "app disabled"),
    1004: (ConfigurationError, "missing auth header"),
    1005: (ConfigurationError, "invalid API key: check the Secret Key (the dashboard's API Key)"),
    2001: (InsufficientCreditError, "insufficient credit: top up the merchant credit"),
    2002: (DuplicateError, "duplicate order: this merchant_order exists"),
    3001: (ConfigurationError, "user not found: check the login e-mail"),
    3002: (ConfigurationError, "invalid credentials: check the password"),
    3003: (ConfigurationError, "user disabled"),
    4001: (AuthError, "unauthorized: token missing, invalid or expired"),
    4002: (ConfigurationError, "forbidden: the account may not do this"),
    5001: (TransientError, "internal error"),
}
#: the open API's timestamp window [inferred]: the server refuses a request signed further than
#: this from its clock (1001) and the hook refuses an answer signed further than this from its own
TIMESTAMP_WINDOW = 300.0
#: what to check when an open API answer's envelope is refused, by :class:`EnvelopeError` reason
_ENVELOPE_HINTS = {
    "signature": "check the Sign Key",
    "decrypt": "check the Secret Key",
    "format": "malformed envelope",
}


def json_body(platform: str, response: httpx.Response) -> Any:
    """The answer's JSON; an HTTP error without JSON raises for its status first."""
    try:
        return response.json()
    except ValueError as err:
        if response.status_code >= 400:
            raise_for_http(platform, response, None)
        raise ResponseError(
            platform,
            f"answer is not JSON ({response.headers.get('content-type', 'no content type')})",
            http_status=response.status_code,
        ) from err


def web_data(platform: str, response: httpx.Response, body: Any) -> Any:
    """A web API answer's ``data``, or the error its ``code`` (else its HTTP status) names."""
    raise_for_code(platform, response, body)
    if not isinstance(body, Mapping) or "code" not in body:
        raise_for_http(platform, response, body)
        raise ResponseError(platform, "answer has no 'code' envelope", http_status=response.status_code)
    return body.get("data")


def open_data(
    platform: str,
    response: httpx.Response,
    body: Any,
    *,
    keys: Callable[[], tuple[str, str, str]],
    clock: Callable[[], float],
) -> Any:
    """An open API answer's payload: signature verified, data decrypted, App ID and timestamp
    checked; unverified data is never returned.

    :param keys: ``(app_id, secret_key, sign_secret)`` of the connection.
    :param clock: Unix seconds now (an answer signed more than :data:`TIMESTAMP_WINDOW` away
        is refused as replayed or stale).
    """
    sealed = _sealed_part(body)
    # A non-zero code is an error answer, signed or not (errors may come plain).
    raise_for_code(platform, response, body)
    if sealed is None:
        raise_for_http(platform, response, body)
        raise ResponseError(
            platform,
            "open API answer is neither signed nor an error: refusing unverified data",
            http_status=response.status_code,
        )
    app_id, secret_key, sign_key = keys()
    try:
        payload = envelope.open_envelope(sealed, secret_key=secret_key, sign_key=sign_key)
    except envelope.EnvelopeError as err:
        raise ResponseError(
            platform,
            f"open API answer rejected ({err}); {_ENVELOPE_HINTS[err.reason]}",
            http_status=response.status_code,
            trace_id=trace_id(response, body),
        ) from err
    if str(sealed.get("app_id")) != app_id:
        raise ResponseError(
            platform, "open API answer is for another App ID", http_status=response.status_code
        )
    skew = int(sealed["timestamp"]) - clock()
    if abs(skew) > TIMESTAMP_WINDOW:
        raise ResponseError(
            platform,
            f"open API answer is signed {abs(skew):.0f} s in the "
            f"{'future' if skew > 0 else 'past'} (more than the +-{TIMESTAMP_WINDOW:.0f} s window): "
            "refusing a replayed or stale answer; check this machine's clock (NTP)",
            http_status=response.status_code,
            trace_id=trace_id(response, body),
        )
    # never the values: an order's answer holds the receiver's name, address and phone
    log.debug(
        "%s answer payload: code %s, fields %s",
        platform,
        payload.get("code") if isinstance(payload, Mapping) else None,
        sorted(payload) if isinstance(payload, Mapping) else type(payload).__name__,
    )
    if isinstance(payload, Mapping) and "code" in payload and "message" in payload:
        raise_for_code(platform, response, payload)
        return payload.get("data")
    return payload


def _sealed_part(body: Any) -> Mapping[str, Any] | None:
    """The envelope of an open API answer: the body itself or its ``data``; ``None`` if neither."""
    if isinstance(body, Mapping) and "sign" in body:
        return body
    if isinstance(body, Mapping) and isinstance(body.get("data"), Mapping) and "sign" in body["data"]:
        return body["data"]
    return None


def raise_for_code(platform: str, response: httpx.Response, body: Any) -> None:
    """Raise the error a non-zero body ``code`` names (see :data:`CODE_ERRORS`)."""
    if not isinstance(body, Mapping) or body.get("code") in (None, ""):
        return
    try:
        code = int(body["code"])
    except (TypeError, ValueError):
        raise ResponseError(
            platform, f"answer code {body['code']!r} is not a number", http_status=response.status_code
        ) from None
    if code == 0:
        return
    message = str(body.get("message") or body.get("msg") or "")
    kind, meaning = CODE_ERRORS.get(code, (None, ""))
    if kind is None:
        kind = NotFoundError if code == 404 or response.status_code == 404 else BadRequestError
    text = f"{meaning} ({message})" if meaning and message else (meaning or message or "error")
    raise kind(platform, text, http_status=response.status_code, code=code, trace_id=trace_id(response, body))


def raise_for_http(platform: str, response: httpx.Response, body: Any) -> None:
    """Raise for an HTTP error status that the body did not explain with a code."""
    status = response.status_code
    if status < 400:
        return
    message = ""
    if isinstance(body, Mapping):
        message = str(body.get("message") or body.get("error") or "")
    kind: type[ApiError] = {401: AuthError, 403: ConfigurationError, 404: NotFoundError}.get(
        status, BadRequestError
    )
    raise kind(platform, message or f"HTTP {status}", http_status=status)


def trace_id(response: httpx.Response, body: Any) -> str | None:
    """The request id the answer carries, in its body or its headers."""
    if isinstance(body, Mapping):
        for key in ("trace_id", "request_id", "traceId", "requestId"):
            if body.get(key):
                return str(body[key])
    return response.headers.get("x-request-id") or response.headers.get("x-trace-id")
