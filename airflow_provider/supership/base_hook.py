"""
What every SuperShip call shares: the connection's auth mode, the request headers and the envelope.

Envelope: ``{"status": "Success", "message", "results"}`` or ``{"status": "Error", "message",
"errors"}``, the latter also with HTTP 200. No code table is published, so errors are classified
by HTTP status: 401 auth, 400/422 bad input (never retried), 404 not found, 429/5xx retried.

``SuperShipHook`` is this base plus one class per
resource (:mod:`~airflow_provider.supership.auth`, :mod:`~airflow_provider.supership.area_calls`,
:mod:`~airflow_provider.supership.order_calls`, :mod:`~airflow_provider.supership.warehouse_calls`);
each describes a call once as an :class:`~airflow_provider.common.hooks.ApiCall`, sent sync
(``call``) or async (``acall``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal, TypeVar

import httpx
from pydantic import BaseModel

from airflow_provider.common.errors import (
    ApiError,
    AuthError,
    BadRequestError,
    ConfigurationError,
    DuplicateError,
    NotFoundError,
    RateLimitError,
    ResponseError,
    TransientError,
)
from airflow_provider.common.hooks import ApiHook
from airflow_provider.common.models import valid_items
from airflow_provider.common.retry import parse_retry_after

ModelT = TypeVar("ModelT", bound=BaseModel)
AuthMode = Literal["token", "password"]

_UNAUTHENTICATED = ("unauthenticated", "unauthorized")
_NOT_FOUND = ("not found", "không tìm thấy", "không tồn tại", "khong tim thay")
_EXISTS = ("taken", "exist", "tồn tại", "trùng", "duplicate")
_ABSENT = ("không tồn tại", "not exist", "does not exist", "doesn't exist", "không tìm thấy", "not found")


class SuperShipBaseHook(ApiHook):
    """
    The SuperShip connection and envelope, under every resource class of
    ``SuperShipHook`` (use that hook, not this base).

    Endpoint names (``label``, ``register``, ...) are those of ``SuperShipHook.endpoints``.
    """

    platform: ClassVar[str] = "supership"
    default_base_url: ClassVar[str] = "https://api.mysupership.vn"
    default_token_ttl: ClassVar[float] = 86400.0

    @property
    def auth_mode(self) -> AuthMode:
        """``token`` (personal access token) or ``password`` (password grant)."""
        mode = str(self.extra.get("auth_mode") or "").strip().lower()
        if not mode:
            conn = self.connection
            return "password" if self.extra.get("client_id") and conn.login else "token"
        if mode not in ("token", "password"):
            raise ConfigurationError(
                self.platform, f"connection extra auth_mode must be 'token' or 'password', not {mode!r}"
            )
        return "token" if mode == "token" else "password"

    def prepare(
        self, method: str, path: str, json: Any, params: Mapping[str, Any] | None, headers: dict[str, str]
    ) -> dict[str, Any]:
        """Every request sends ``Accept`` and ``Content-Type: application/json``."""
        headers = {"Accept": "application/json", "Content-Type": "application/json", **headers}
        return super().prepare(method, path, json, params, headers)

    # ----------------------------------------------------------------- envelope
    def triage_status(self, response: httpx.Response) -> None:
        """429 and 5xx are retried (``Retry-After`` honoured on both); the vendor's message is kept."""
        status = response.status_code
        if status != 429 and status < 500:
            return
        message = _body_message(response)
        suffix = f": {message}" if message else ""
        if status == 429:
            raise RateLimitError(
                self.platform,
                f"rate limited (HTTP 429){suffix}",
                http_status=429,
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
                trace_id=_trace_id(response),
            )
        raise TransientError(
            self.platform,
            f"server error (HTTP {status}){suffix}",
            http_status=status,
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
            trace_id=_trace_id(response),
        )

    def check_response(self, response: httpx.Response) -> Any:
        """``results`` of a Success envelope, else the matching :class:`ApiError`."""
        status = response.status_code
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            if 200 <= status < 300:
                if body is None and _request_of(response)[0].endswith(self.endpoint("label")):
                    return response.text  # the label print page is HTML
                if body is None:
                    raise ResponseError(
                        self.platform,
                        f"answer is not JSON ({response.headers.get('content-type', 'no content type')})",
                        http_status=status,
                    )
                return body
            raise self.error_for(status, f"HTTP {status}", None, response)
        verdict = str(body.get("status", "")).strip().lower()
        if 200 <= status < 300 and "status" in body and verdict not in ("success", "error"):
            # another envelope: reading its data as ours would pass an empty answer on silently
            keys = ", ".join(sorted(map(str, body)))
            raise ResponseError(
                self.platform,
                f"answer's 'status' is {body['status']!r}, not 'Success' or 'Error' (got keys {keys})",
                http_status=status,
            )
        if 200 <= status < 300 and verdict != "error":
            return body.get("results") if "status" in body else body.get("results", body)
        message = str(body.get("message") or "").strip() or f"HTTP {status}"
        raise self.error_for(status, message, body.get("errors"), response)

    def error_for(self, status: int, message: str, errors: Any, response: httpx.Response) -> ApiError:
        """
        The error kind of an Error answer, by HTTP status (SuperShip publishes no code table).

        Two endpoints say more: a refused create whose message says the order exists is a
        :class:`DuplicateError`; "not found" from order info names the code or soc asked for.
        """
        detail = _errors_text(errors)
        text = f"{message} ({detail})" if detail and detail not in message else message
        kwargs: dict[str, Any] = {"http_status": status, "trace_id": _trace_id(response), "details": errors}
        lowered = f"{message} {detail}".lower()
        path, query = _request_of(response)
        if path.endswith(self.endpoint("register")):
            if status in (401, 403):
                return AuthError(
                    self.platform, f"registration refused: check the partner code ({text})", **kwargs
                )
            if status < 500 and status != 429 and _says_exists(lowered):
                return DuplicateError(self.platform, f"an account with this e-mail exists ({text})", **kwargs)
        if status == 401 or (status < 300 and any(w in message.lower() for w in _UNAUTHENTICATED)):
            if self.auth_mode == "token":
                return ConfigurationError(
                    self.platform,
                    f"the personal access token was refused ({text}): replace it in the connection's "
                    "password field with a current token from the SuperShip dashboard (Settings > API)",
                    **kwargs,
                )
            return AuthError(self.platform, text, **kwargs)
        if status == 403:
            return ConfigurationError(self.platform, f"access denied: {text}", **kwargs)
        if status != 404 and _soc_exists(message, errors):
            return DuplicateError(self.platform, text, **kwargs)
        if status == 404 or (status < 300 and any(w in lowered for w in _NOT_FOUND)):
            if path.endswith(self.endpoint("order_info")) and "code" in query:
                what = "soc" if query.get("type") == "2" else "order code"
                text = f"no order with {what} {query['code']!r} ({text})"
            return NotFoundError(self.platform, text, **kwargs)
        if status == 429:
            return RateLimitError(self.platform, text, **kwargs)
        if status >= 500:
            return TransientError(self.platform, text, **kwargs)
        if path.endswith(self.endpoint("create_order")) and _says_exists(lowered):
            return DuplicateError(self.platform, text, **kwargs)
        return BadRequestError(self.platform, text, **kwargs)


# --------------------------------------------------------------------------- helpers
def as_model(model: type[ModelT], value: ModelT | Mapping[str, Any]) -> ModelT:
    """``value`` as ``model`` (validated when it is a mapping)."""
    return value if isinstance(value, model) else model.model_validate(value)


def list_of(model: type[ModelT], data: Any) -> list[ModelT]:
    """A list answer (or one object, or nothing) as a list of ``model``."""
    if data is None:
        return []
    if isinstance(data, Mapping):
        data = [data]
    return valid_items(model, data)


def _says_exists(text: str) -> bool:
    """Whether an error text says something already exists (and not that it does not)."""
    return any(word in text for word in _EXISTS) and not any(word in text for word in _ABSENT)


def _request_of(response: httpx.Response) -> tuple[str, Mapping[str, str]]:
    """The path and query of the request an answer belongs to (empty when it has none)."""
    try:
        request = response.request
    except RuntimeError:
        return "", {}
    return request.url.path, request.url.params


def _trace_id(response: httpx.Response) -> str | None:
    return response.headers.get("x-request-id") or response.headers.get("x-trace-id")


def _body_message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    if isinstance(body, Mapping):
        return str(body.get("message") or body.get("error") or "")[:300]
    return ""


def _errors_text(errors: Any) -> str:
    """``errors`` as one line: a string, or ``field: message`` pairs of a Laravel-style object."""
    if not errors:
        return ""
    if isinstance(errors, str):
        return errors
    if isinstance(errors, Mapping):
        parts = []
        for name, messages in errors.items():
            text = "; ".join(map(str, messages)) if isinstance(messages, list | tuple) else str(messages)
            parts.append(f"{name}: {text}")
        return "; ".join(parts)
    if isinstance(errors, list | tuple):
        return "; ".join(map(str, errors))
    return str(errors)


def _soc_exists(message: str, errors: Any) -> bool:
    """Whether an Error answer says the ``soc`` is already used (the wording is not documented)."""
    texts: list[str] = []
    if isinstance(errors, Mapping) and "soc" in errors:
        value = errors["soc"]
        texts += [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]
    if "soc" in message.lower():
        texts.append(message)
    return any(_says_exists(text.lower()) for text in texts)
