"""
The 超8 answer envelope ``{code, message, data, timestamp, traceId, exception, meta, ext}``.

:func:`read_envelope` returns ``data`` when ``code == 200``; otherwise it raises the
:class:`~airflow_provider.common.errors.ApiError` kind the code means, keeping the vendor's code,
message and trace id: the token codes are configuration errors (never retried), 21185002 a
token rate limit, 20324012 / 20324013 / ``meta.status == 401`` an auth error (refresh once), a
reused or unknown order a duplicate / not-found answer.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from airflow_provider.chao8 import constants as c
from airflow_provider.chao8.calls import as_int
from airflow_provider.common.errors import (
    ApiError,
    AuthError,
    BadRequestError,
    ConfigurationError,
    DuplicateError,
    NotFoundError,
    ResponseError,
    TokenRateLimitError,
)
from airflow_provider.common.retry import parse_retry_after

# "the order already exists" / "does not exist", as Chinese and English gateways word them
_EXISTS = re.compile(r"已存在|重复|already exist|duplicate", re.IGNORECASE)
_MISSING = re.compile(r"不存在|未找到|not found|does not exist|no such", re.IGNORECASE)


def read_envelope(platform: str, response: httpx.Response) -> Any:
    """
    The ``data`` of a ``code == 200`` answer, else the error the answer means.

    :param platform: the platform name the errors carry.
    :param response: the gateway's answer.
    """
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or ("code" not in body and "meta" not in body):
        return _http_error(platform, response, body)
    code = body.get("code")
    message = str(body.get("message") or "").strip()
    trace_id = body.get("traceId") or response.headers.get("traceId") or None
    meta = body.get("meta")
    meta_status = meta.get("status") if isinstance(meta, dict) else None
    kwargs: dict[str, Any] = {"http_status": status, "code": code, "trace_id": trace_id}
    if str(meta_status) == "401" or status == 401:
        raise AuthError(platform, message or "the token was refused (meta.status 401)", **kwargs)
    if as_int(code) == c.SUCCESS_CODE and status < 400:
        return body.get("data")
    number = as_int(code)
    if number is None:
        if status >= 400:
            return _http_error(platform, response, body)
        raise ResponseError(platform, "answer has no envelope code", **kwargs)
    raise _error_for(platform, number, message, response, kwargs)


def _error_for(
    platform: str, code: int, message: str, response: httpx.Response, kwargs: dict[str, Any]
) -> ApiError:
    if code in c.AUTH_ERROR_CODES:
        return AuthError(platform, message or "access token invalid or expired", **kwargs)
    if code in c.TOKEN_ERROR_HELP:
        vendor = message or c.TOKEN_ERROR_MESSAGES[code]
        return ConfigurationError(
            platform,
            f"cannot get a 超8 access token: {c.TOKEN_ERROR_HELP[code]} (超8 said: {vendor})",
            **kwargs,
        )
    if code == c.TOKEN_RATE_LIMITED:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        return TokenRateLimitError(
            platform,
            f"token requested too often: one token call per minute per application "
            f"(超8 said: {message or c.TOKEN_ERROR_MESSAGES[code]})",
            retry_after=c.TOKEN_RATE_LIMIT_SECONDS if retry_after is None else retry_after,
            **kwargs,
        )
    text = message or f"error code {code}"
    if code == c.ORDER_EXISTS or _EXISTS.search(message):
        return DuplicateError(platform, text, **kwargs)
    if code == c.ORDER_NOT_FOUND or _MISSING.search(message):
        return NotFoundError(platform, text, **kwargs)
    if code == c.UNKNOWN_ERROR:
        return ApiError(platform, f"unknown error on the platform: {text}", **kwargs)
    return BadRequestError(platform, text, **kwargs)


def _http_error(platform: str, response: httpx.Response, body: Any) -> Any:
    """An answer without an envelope: what its HTTP status says."""
    status = response.status_code
    if status < 400:
        if body is None:
            raise ResponseError(
                platform,
                f"answer is not JSON ({response.headers.get('content-type', 'no content type')})",
                http_status=status,
            )
        raise ResponseError(platform, "answer is not a 超8 envelope", http_status=status)
    text = f"HTTP {status}"
    if status == 401:
        raise AuthError(platform, f"the token was refused ({text})", http_status=status)
    if status == 404:
        # no envelope: the path itself is unknown to the gateway (never "the order is absent")
        raise ConfigurationError(
            platform,
            f"{response.request.method} {response.request.url.path}: the gateway has no such path "
            f"({text}); business paths are inferred: correct it with the connection extra 'endpoints'",
            http_status=status,
        )
    raise BadRequestError(platform, f"request refused ({text})", http_status=status)
