"""One API call described once: sent sync (``ApiHook.call``) or async (``ApiHook.acall``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class ApiCall(Generic[T]):
    """
    One API call, described once and sent sync (:meth:`ApiHook.call`) or async (``acall``).

    :param method: HTTP method.
    :param path: the path (from :meth:`ApiHook.endpoint`).
    :param parse: turns the answer's data into the typed result (pydantic errors become a
        :class:`~airflow_provider.common.errors.ResponseError`).
    :param json: JSON body.
    :param params: query parameters.
    :param idempotent: see :meth:`ApiHook.request`.
    :param auth: whether the call carries the token (``False`` for the token call itself).
    """

    method: str
    path: str
    parse: Callable[[Any], T]
    json: Any = None
    params: Mapping[str, Any] | None = None
    idempotent: bool | None = None
    auth: bool = True
